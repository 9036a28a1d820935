-- Monthly activity series for deviation analysis (T/CAS 612 9.1.1 b): one row
-- per data stream x subject x activity x calendar month, the quantity in the
-- unit as reported. Fuel: facility x fuel x use x unit; process activity:
-- facility x process x unit; production: facility x product x unit; meter
-- readings: meter x unit, months the readings cover entirely only (a partial
-- month is a completeness matter, not a deviation). `is_generation` marks
-- on-site renewable meters (output follows the weather, not production).
-- `source_record_key` is the record when the month has exactly one.
with

fuel as (

    select * from {{ ref('stg_erp__fuel_consumption') }}

),

process as (

    select * from {{ ref('stg_erp__process_activity') }}

),

production as (

    select * from {{ ref('stg_erp__production') }}

),

meter_pieces as (

    select * from {{ ref('int_energy_consumption_monthly') }}

),

records as (

    select
        'erp/fuel_consumption' as dataset_key, 'facility' as subject_type, facility_id as subject_id,
        facility_id, fuel || ', ' || combustion_type as activity, unit, period_start, quantity,
        source_record_key
    from fuel where period_grain = 'month'

    union all

    select 'erp/process_activity', 'facility', facility_id, facility_id, process_key, unit, period_start,
           quantity, source_record_key
    from process where period_grain = 'month'

    union all

    select 'erp/production', 'facility', facility_id, facility_id, product, unit, period_start, quantity,
           source_record_key
    from production where period_grain = 'month'

),

record_months as (

    select
        dataset_key, subject_type, subject_id, facility_id, activity, unit, period_start,
        {{ exact_sum('quantity') }} as quantity,
        count(*) as records,
        case when count(*) = 1 then min(source_record_key) end as source_record_key,
        false as is_generation
    from records
    where subject_id is not null and activity is not null and quantity is not null
    group by all

),

meter_months as (

    select
        'energy/meter_readings' as dataset_key,
        'meter' as subject_type,
        meter_id as subject_id,
        any_value(facility_id) as facility_id,
        any_value(energy_type) as activity,
        unit,
        cast(period_start as date) as period_start,
        {{ exact_sum('piece_quantity') }} as quantity,
        sum(reading_count) as records,
        -- the meter x month record (it resolves to its readings through fct_source_row_ranges)
        case when count(*) = 1 then min(source_record_key) end as source_record_key,
        coalesce(any_value(supply_type) = 'onsite_renewable', false) as is_generation
    from meter_pieces
    where meter_id is not null
    group by meter_id, unit, cast(period_start as date)
    having sum(covered_seconds)
        >= epoch(cast(period_start as date) + interval 1 month) - epoch(cast(period_start as date))

),

final as (

    select
        *,
        strftime(period_start, '%Y-%m') as period,
        year(period_start) as reporting_year
    from (
        select * from record_months
        union all by name
        select * from meter_months
    )

)

select * from final
