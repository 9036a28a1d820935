-- Scope 3 activities other than purchases and investments (METHODS.md 4), as
-- factor-selection candidates: one row per activity x factor key it may use.
-- The first key is the documented one; the others let a group's own factor
-- keyed by the bare mode or treatment ('road', 'landfill') apply. Among the
-- keys that have a factor, a group custom factor wins, then the lower key_rank
-- (int_scope3_candidates_factored).
--   3  fuel- and energy-related: well-to-tank of every computed Scope 1 fuel
--      record (`wtt:<fuel>`, on its energy in GJ first, then its mass or
--      volume); upstream (`wtt:electricity`) and T&D losses (`td:electricity`)
--      of purchased electricity (grid / third-party meters, per month piece)
--   4  shipments inbound, or outbound paid by the company; 9 outbound not paid:
--      weight_t x distance_km in t.km x `freight:<mode>`
--   5  waste: quantity x `waste:<waste_type>:<treatment>` (then
--      `<waste_type>:<treatment>`, `waste:<treatment>`, `<treatment>`)
--   6  business travel: air, rail, bus and other modes travellers x km in
--      passenger.km x `travel:<mode>[:<cabin_class>]`; car and taxi
--      travellers / occupancy x km in vehicle.km (occupancy missing: 1 assumed,
--      one vehicle per traveller, data-quality score 4)
--   7  commuting survey: employees x working_days x trips_per_day x share
--      x one_way_km x `commute:<mode>`; trips_per_day counts one-way trips (2
--      for a return commute), so no further x 2. Car, taxi and motorbike in
--      vehicle.km (one employee per vehicle), other modes in passenger.km
--   any category through procurement/other_value_chain: quantity x factor_key
-- Units a factor may be in (METHODS.md 5: a custom factor wins whenever its
-- unit can be reached from the unit the source row states): a trip record and
-- the commuting survey state passenger.km (travellers x km); for car, taxi
-- and motorbike the documented unit is vehicle.km (unit_rank 1, the shipped
-- DESNZ factors), and passenger.km is a second candidate (unit_rank 2), so a
-- group factor per passenger.km is found and wins over the shipped one per
-- vehicle.km (int_scope3_candidates_factored: custom before shipped, then
-- key_rank, then unit_rank). Other modes have passenger.km only: vehicle.km
-- cannot be reached without the vehicle's occupancy.
{% set vehicle_modes = "('car', 'taxi')" %}
{% set commute_vehicle_modes = "('car', 'taxi', 'motorbike', 'motorcycle')" %}
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

shipments as (

    select * from {{ ref('stg_procurement__shipments') }}

),

travel as (

    select * from {{ ref('stg_procurement__business_travel') }}

),

commuting as (

    select * from {{ ref('stg_procurement__employee_commuting') }}

),

waste as (

    select * from {{ ref('stg_procurement__waste') }}

),

other_value_chain as (

    select * from {{ ref('stg_procurement__other_value_chain') }}

),

facilities as (

    select * from {{ ref('int_facilities_located') }}

),

entities as (

    select * from {{ ref('int_scope3_entities_located') }}

),

-- ------------------------------------------------------------ category 3
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

),

-- ------------------------------------------------------------ categories 4 and 9
shipment_activities as (

    select
        s.source_record_key || '|shipment' as activity_id,
        s.source_record_key,
        'procurement/shipments' as dataset_key,
        'shipment' as component,
        case
            when s.direction = 'inbound' then 4
            when s.direction = 'outbound' and s.is_paid_by_company then 4
            when s.direction = 'outbound' then 9
        end as scope3_category,
        s.entity_id,
        null::varchar as facility_id,
        s.reporting_year,
        s.shipment_date as period_start,
        s.shipment_date as period_end,
        'day' as period_grain,
        case
            when s.direction = 'inbound' or s.is_paid_by_company then 'upstream_transport'
            else 'downstream_transport'
        end as source_type,
        s.transport_mode as activity_code,
        s.weight_t as reported_quantity,
        't' as reported_unit,
        null::varchar as region_code,
        e.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        k.key_rank,
        'distance_based' as method,
        k.factor_key,
        s.weight_t * s.distance_km as quantity,
        't.km' as unit,
        case
            when s.direction not in ('inbound', 'outbound') or s.direction is null then 'unknown_direction'
            when s.weight_t is null or s.distance_km is null then 'no_quantity'
            else 'ready'
        end as candidate_status
    from shipments as s
    left join entities as e
        on e.entity_id = s.entity_id
    cross join lateral (
        values (1, 'freight:' || s.transport_mode), (2, s.transport_mode)
    ) as k(key_rank, factor_key)

),

-- ------------------------------------------------------------ category 5
waste_activities as (

    select
        w.source_record_key || '|waste' as activity_id,
        w.source_record_key,
        'procurement/waste' as dataset_key,
        'waste' as component,
        5 as scope3_category,
        null::varchar as entity_id,
        w.facility_id,
        w.reporting_year,
        w.period_start,
        w.period_end,
        w.period_grain,
        'waste' as source_type,
        w.waste_type || ':' || w.waste_treatment as activity_code,
        w.quantity as reported_quantity,
        w.unit as reported_unit,
        cast(l.region_code as varchar) as region_code,
        l.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        k.key_rank,
        case when k.key_rank <= 2 then 'waste_type_specific' else 'average_data' end as method,
        k.factor_key,
        w.quantity,
        w.unit,
        case when w.quantity is null or w.unit is null then 'no_quantity' else 'ready' end as candidate_status
    from waste as w
    left join facilities as l
        on l.facility_id = w.facility_id
    cross join lateral (
        values
            (1, 'waste:' || w.waste_type || ':' || w.waste_treatment),
            (2, w.waste_type || ':' || w.waste_treatment),
            (3, 'waste:' || w.waste_treatment),
            (4, w.waste_treatment)
    ) as k(key_rank, factor_key)

),

-- ------------------------------------------------------------ category 6
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

),

-- ------------------------------------------------------------ category 7
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

),

-- ------------------------------------------------------------ any category
other_activities as (

    select
        o.source_record_key || '|other' as activity_id,
        o.source_record_key,
        'procurement/other_value_chain' as dataset_key,
        'other_value_chain' as component,
        o.scope3_category,
        o.entity_id,
        null::varchar as facility_id,
        o.reporting_year,
        make_date(o.reporting_year, 1, 1) as period_start,
        make_date(o.reporting_year, 12, 31) as period_end,
        'year' as period_grain,
        'other_value_chain' as source_type,
        o.factor_key as activity_code,
        o.quantity as reported_quantity,
        o.unit as reported_unit,
        null::varchar as region_code,
        e.country_code,
        null::varchar as assumption_note,
        3 as base_data_quality_score,
        1 as key_rank,
        'average_data' as method,
        o.factor_key,
        o.quantity,
        o.unit,
        case
            when o.factor_key is null then 'no_mapping'
            when o.quantity is null or o.unit is null then 'no_quantity'
            else 'ready'
        end as candidate_status
    from other_value_chain as o
    left join entities as e
        on e.entity_id = o.entity_id

),

unioned as (

    select * from fuel_activities
    union all by name
    select * from electricity_activities
    union all by name
    select * from shipment_activities
    union all by name
    select * from waste_activities
    union all by name
    select * from travel_activities
    union all by name
    select * from commuting_activities
    union all by name
    select * from other_activities

),

final as (

    select
        activity_id,
        -- the documented unit keeps the plain id; a second unit adds it
        activity_id || '#1.' || key_rank
            || case when coalesce(unit_rank, 1) > 1 then '.' || unit else '' end as candidate_id,
        1 as method_rank,
        key_rank,
        coalesce(unit_rank, 1) as unit_rank,
        method,
        factor_key,
        reporting_year as activity_year,
        quantity,
        unit,
        region_code,
        country_code,
        candidate_status,
        base_data_quality_score,
        null::varchar as spend_currency,
        null::integer as invoice_year,
        null::double as fx_line_units_per_usd,
        null::double as fx_factor_units_per_usd,
        assumption_note,
        source_record_key,
        dataset_key,
        component,
        scope3_category,
        entity_id,
        facility_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        source_type,
        activity_code,
        null::double as reported_spend_amount,
        null::varchar as reported_currency_code,
        reported_quantity,
        reported_unit
    from unioned

)

select * from final
