with

source as (

    select * from {{ source('energy', 'meters') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('meter_id') }} as meter_id,
        {{ clean_text('facility_id') }} as facility_id,

        -- what the meter measures
        {{ normalize_code('energy_type') }} as energy_type,
        {{ normalize_code('supply') }} as supply_type,
        {{ clean_text('unit') }} as unit,

        -- calibration (T/CAS 612 9.1.3)
        {{ clean_text('accuracy_class') }} as accuracy_class,
        last_calibrated_on as last_calibrated_date,
        calibration_interval_months,
        cast(
            last_calibrated_on + to_months(calibration_interval_months) as date
        ) as calibration_due_date,

        -- lineage
        {{ lineage_columns('energy__meters') }}

    from source

)

select * from renamed
