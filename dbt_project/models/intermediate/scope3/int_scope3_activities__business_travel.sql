-- Scope 3 category 6, business travel (docs/methods.md M-S3-03), as
-- factor-selection candidates of int_scope3_activities_prepared: air, rail, bus
-- and other modes travellers x km in passenger.km x `travel:<mode>[:<cabin>]`;
-- car and taxi travellers / occupancy x km in vehicle.km (occupancy missing: 1
-- assumed, one vehicle per traveller, data-quality score 4). Units a factor may
-- be in (docs/methods.md M-FAC-02: a custom factor wins whenever its unit can be
-- reached from the unit the source row states): a trip states passenger.km;
-- for car and taxi the documented unit is vehicle.km (unit_rank 1, the shipped
-- DESNZ factors) and passenger.km a second candidate (unit_rank 2), so a group
-- factor per passenger.km is found and wins over the shipped one
-- (int_scope3_candidates_factored). Other modes have passenger.km only:
-- vehicle.km cannot be reached without the vehicle's occupancy.
-- Grain: trip x factor key x unit.
-- Columns in the union's names (int_scope3_activities_prepared adds the
-- candidate id and the columns other branches leave null); a view: the rows
-- are stored once, in int_scope3_activities_prepared.
{{ config(materialized='view') }}
{% set vehicle_modes = "('car', 'taxi')" %}
with

travel as (

    select * from {{ ref('stg_procurement__business_travel') }}

),

entities as (

    select * from {{ ref('int_scope3_entities_located') }}

),

travel_normalized as (

    select
        t.*,
        nullif(regexp_replace(t.cabin_class, '[\s\-]+', '_', 'g'), '') as cabin_key,
        t.travel_mode in {{ vehicle_modes }} as is_vehicle_mode,
        case when t.vehicle_occupancy > 0 then t.vehicle_occupancy end as valid_occupancy
    from travel as t

),

travel_activities as (

    select
        t.source_record_key || '|travel' as activity_id,
        t.source_record_key,
        'procurement/business_travel' as dataset_key,
        'business_travel' as component,
        6 as scope3_category,
        t.entity_id,
        null::varchar as facility_id,
        t.reporting_year,
        t.trip_date as period_start,
        t.trip_date as period_end,
        'day' as period_grain,
        'business_travel' as source_type,
        t.travel_mode as activity_code,
        t.distance_km as reported_quantity,
        'km' as reported_unit,
        null::varchar as region_code,
        e.country_code,
        case when u.unit = 'vehicle.km' and t.valid_occupancy is null
             then 'vehicle occupancy missing: 1 traveller per vehicle assumed' end as assumption_note,
        case when u.unit = 'vehicle.km' and t.valid_occupancy is null then 4 else 3 end as base_data_quality_score,
        k.key_rank,
        u.unit_rank,
        'distance_based' as method,
        k.factor_key,
        case
            when u.unit = 'vehicle.km' then t.traveller_count / coalesce(t.valid_occupancy, 1) * t.distance_km
            else t.traveller_count * t.distance_km
        end as quantity,
        u.unit,
        case when t.traveller_count is null or t.distance_km is null then 'no_quantity' else 'ready' end
            as candidate_status
    from travel_normalized as t
    left join entities as e
        on e.entity_id = t.entity_id
    cross join lateral (
        values
            (1, 'travel:' || t.travel_mode || ':' || t.cabin_key),
            (2, 'travel:' || t.travel_mode),
            (3, t.travel_mode)
    ) as k(key_rank, factor_key)
    cross join lateral (
        values
            (1, case when t.is_vehicle_mode then 'vehicle.km' else 'passenger.km' end),
            (2, case when t.is_vehicle_mode then 'passenger.km' end)
    ) as u(unit_rank, unit)
    where k.factor_key is not null
      and u.unit is not null

)

select * from travel_activities
