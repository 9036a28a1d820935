-- Contractual instruments for market-based Scope 2 (docs/methods.md M-S2-02), one row per
-- instrument: whether it counted and, if not, why; how many of its MWh were
-- allocated to purchased electricity (int_scope2_instrument_allocation) and
-- how many are unused. Unused MWh are excess, never negative emissions.
-- not_counted_reason, first that applies:
--   not_retired                       - only retired/cancelled-on-behalf instruments count;
--   unknown_instrument_type           - not one of the five allocation types;
--   period_outside_consumption_years  - no purchased electricity in the group in the
--                                       instrument's year (nor a parseable period);
--   no_consumption                    - its facility (or, pooled, no facility of its
--                                       entity) has purchased electricity in that year.
with

instruments as (

    select * from {{ ref('stg_energy__renewable_instruments') }}

),

allocation as (

    select * from {{ ref('int_scope2_instrument_allocation') }}

),

consumption_years as (

    select distinct reporting_year
    from {{ ref('int_energy_consumption_monthly') }}
    where calc_status = 'ok'
      and energy_type = 'electricity'
      and supply_type in ('grid', 'third_party')

),

allocated as (

    select
        instrument_id,
        any_value(allocation_step) as allocation_step,
        -- the exact instrument totals are repeated on every row
        any_value(instrument_allocated_mwh) as allocated_mwh,
        any_value(instrument_unused_mwh) as unused_mwh,
        count(*) filter (where allocated_mwh > 0) as allocated_facility_count
    from allocation
    group by instrument_id

),

final as (

    select
        i.instrument_id,
        i.instrument_type,
        i.facility_id,
        i.entity_id,
        i.is_pooled,
        i.period,
        i.period_start,
        i.period_end,
        i.period_grain,
        i.reporting_year,
        i.mwh,
        i.emission_factor_t_per_mwh,
        i.is_retired,
        a.instrument_id is not null as is_counted,
        case
            when a.instrument_id is not null then null
            when not coalesce(i.is_retired, false) then 'not_retired'
            when i.instrument_type not in ('green_power_trade', 'ppa', 'supplier_specific', 'gec', 'i_rec')
                then 'unknown_instrument_type'
            when y.reporting_year is null then 'period_outside_consumption_years'
            else 'no_consumption'
        end as not_counted_reason,
        a.allocation_step,
        coalesce(a.allocated_mwh, 0.0) as allocated_mwh,
        a.unused_mwh,
        coalesce(a.allocated_facility_count, 0) as allocated_facility_count,
        i.source_record_key
    from instruments as i
    left join allocated as a
        on a.instrument_id = i.instrument_id
    left join consumption_years as y
        on y.reporting_year = i.reporting_year

)

select * from final
