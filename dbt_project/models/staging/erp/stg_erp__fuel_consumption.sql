with

source as (

    select * from {{ source('erp', 'fuel_consumption') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('record_id') }} as record_id,
        {{ clean_text('facility_id') }} as facility_id,

        -- period
        {{ period_columns('period') }},

        -- activity: quantity in the unit as reported; converted to the fuel's
        -- canonical unit (t or 10^4 Nm3) in intermediate via the units seed
        {{ normalize_code('fuel') }} as fuel,
        quantity,
        {{ clean_text('unit') }} as unit,
        -- `use` in the contract: stationary or mobile combustion
        {{ normalize_code('use') }} as combustion_type,

        -- measured parameters, overriding the defaults when given
        measured_ncv_gj_per_unit,
        measured_carbon_content_tc_per_gj,
        measured_ncv_gj_per_unit is not null as has_measured_ncv,
        measured_carbon_content_tc_per_gj is not null as has_measured_carbon_content,

        -- lineage
        {{ lineage_columns('erp__fuel_consumption') }}

    from source

)

select * from renamed
