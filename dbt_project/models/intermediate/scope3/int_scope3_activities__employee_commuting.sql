-- Scope 3 category 7, employee commuting (docs/methods.md M-S3-03), as
-- factor-selection candidates of int_scope3_activities_prepared: the survey's
-- employees x working_days x trips_per_day x share x one_way_km x
-- `commute:<mode>`; trips_per_day counts one-way trips (2 for a return
-- commute), so no further x 2. Car, taxi and motorbike in vehicle.km (one
-- employee per vehicle, unit_rank 1) and, as a second candidate, passenger.km
-- (the survey's own unit, unit_rank 2: a group factor per passenger.km wins
-- over the shipped one per vehicle.km); other modes in passenger.km.
-- Grain: survey row x factor key x unit.
-- Columns in the union's names (int_scope3_activities_prepared adds the
-- candidate id and the columns other branches leave null); a view: the rows
-- are stored once, in int_scope3_activities_prepared.
{{ config(materialized='view') }}
{% set commute_vehicle_modes = "('car', 'taxi', 'motorbike', 'motorcycle')" %}
with

commuting as (

    select * from {{ ref('stg_procurement__employee_commuting') }}

),

entities as (

    select * from {{ ref('int_scope3_entities_located') }}

),

commuting_activities as (

    select
        c.source_record_key || '|commuting' as activity_id,
        c.source_record_key,
        'procurement/employee_commuting' as dataset_key,
        'employee_commuting' as component,
        7 as scope3_category,
        c.entity_id,
        null::varchar as facility_id,
        c.reporting_year,
        make_date(c.reporting_year, 1, 1) as period_start,
        make_date(c.reporting_year, 12, 31) as period_end,
        'year' as period_grain,
        'employee_commuting' as source_type,
        c.commute_mode as activity_code,
        c.one_way_km as reported_quantity,
        'km' as reported_unit,
        null::varchar as region_code,
        e.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        k.key_rank,
        u.unit_rank,
        'average_data' as method,
        k.factor_key,
        -- employee trips x km: passenger.km, and vehicle.km at one employee per vehicle
        c.employee_count * c.working_days * c.trips_per_day * c.mode_share_pct / 100.0 * c.one_way_km
            as quantity,
        u.unit,
        case
            when c.employee_count is null or c.working_days is null or c.trips_per_day is null
              or c.mode_share_pct is null or c.one_way_km is null then 'no_quantity'
            else 'ready'
        end as candidate_status
    from commuting as c
    left join entities as e
        on e.entity_id = c.entity_id
    cross join lateral (
        values (1, 'commute:' || c.commute_mode), (2, c.commute_mode)
    ) as k(key_rank, factor_key)
    cross join lateral (
        values
            (1, case when c.commute_mode in {{ commute_vehicle_modes }} then 'vehicle.km' else 'passenger.km' end),
            (2, case when c.commute_mode in {{ commute_vehicle_modes }} then 'passenger.km' end)
    ) as u(unit_rank, unit)
    where u.unit is not null

)

select * from commuting_activities
