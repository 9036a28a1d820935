-- Scope 3 category 3, fuel- and energy-related activities (docs/methods.md
-- M-S3-03), as factor-selection candidates of int_scope3_activities_prepared:
--   well-to-tank of every computed Scope 1 fuel record (`wtt:<fuel>`), one
--   candidate per quantity the record has: its energy in GJ first (key_rank
--   1), then its mass or volume in the fuel's unit, then as reported when that
--   unit differs;
--   upstream (`wtt:electricity`) and T&D losses (`td:electricity`) of
--   purchased electricity (grid / third-party meters, onsite renewables
--   excluded), per meter x month piece in MWh.
-- Grain: activity (fuel record, or meter x month x component) x factor key.
-- Columns in the union's names (int_scope3_activities_prepared adds the
-- candidate id and the columns other branches leave null); a view: the rows
-- are stored once, in int_scope3_activities_prepared.
{{ config(materialized='view') }}
with

fuel as (

    select * from {{ ref('int_fuel_combustion') }}
    where calc_status = 'ok'

),

energy as (

    select * from {{ ref('int_energy_consumption_monthly') }}
    where calc_status = 'ok'
      and energy_type = 'electricity'
      and coalesce(supply_type, 'grid') <> 'onsite_renewable'

),

facilities as (

    select * from {{ ref('int_facilities_located') }}

),

fuel_activities as (

    select
        f.source_record_key || '|fuel_wtt' as activity_id,
        f.source_record_key,
        'erp/fuel_consumption' as dataset_key,
        'fuel_wtt' as component,
        3 as scope3_category,
        null::varchar as entity_id,
        f.facility_id,
        f.reporting_year,
        f.period_start,
        f.period_end,
        f.period_grain,
        'fuel_wtt' as source_type,
        f.fuel as activity_code,
        f.quantity as reported_quantity,
        f.unit as reported_unit,
        cast(l.region_code as varchar) as region_code,
        l.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        k.key_rank,
        'average_data' as method,
        'wtt:' || f.fuel as factor_key,
        k.quantity,
        k.unit,
        'ready' as candidate_status
    from fuel as f
    left join facilities as l
        on l.facility_id = f.facility_id
    cross join lateral (
        values
            (1, f.energy_gj, 'GJ'),
            (2, f.fuel_quantity, f.fuel_unit),
            (3, f.quantity, f.unit)
    ) as k(key_rank, quantity, unit)
    where k.quantity is not null
      and (k.key_rank < 3 or f.unit is distinct from f.fuel_unit)

),

electricity_activities as (

    select
        e.source_record_key || '|' || cast(e.period_start as varchar) || '|' || c.component as activity_id,
        e.source_record_key,
        'energy/meter_readings' as dataset_key,
        c.component,
        3 as scope3_category,
        null::varchar as entity_id,
        e.facility_id,
        e.reporting_year,
        e.period_start,
        e.period_end,
        e.period_grain,
        c.component as source_type,
        'electricity' as activity_code,
        e.piece_quantity as reported_quantity,
        e.unit as reported_unit,
        cast(l.region_code as varchar) as region_code,
        l.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        1 as key_rank,
        'average_data' as method,
        c.factor_key,
        e.energy_mwh as quantity,
        'MWh' as unit,
        'ready' as candidate_status
    from energy as e
    left join facilities as l
        on l.facility_id = e.facility_id
    cross join (
        values ('electricity_td', 'td:electricity'), ('electricity_wtt', 'wtt:electricity')
    ) as c(component, factor_key)

)

select * from fuel_activities
union all by name
select * from electricity_activities
