-- Scope 2, market-based (docs/methods.md M-S2-02), steps 1 and 2: the
-- facility's own retired instruments allocated to its purchased electricity of
-- the consumption year. One row per facility x year with purchased electricity
-- and facility instrument (instrument columns null for a facility-year without
-- one), with purchased_mwh and uncovered_mwh (after steps 1-2) of the facility
-- -year on each row, and facility_entity_id (stg_erp__facilities.entity_id).
-- Read by int_scope2_instrument_allocation, which adds step 3 (entity pools).
--
-- * Only retired instruments count, in the calendar year of their period; a
--   monthly instrument covers the consumption of its whole calendar year.
-- * Purchased electricity = electricity meters with supply grid or
--   third_party. Onsite renewable generation receives no instrument.
-- * Step 1 green_power_trade, ppa, supplier_specific (renewable-generation
--   contracts before a supplier's delivered-mix rate, the Scope 2 Guidance
--   hierarchy); step 2 gec / i_rec; within a step in instrument_id order until
--   the facility's purchased MWh run out.
-- MWh are DECIMAL(38, 12): exact sums give exact zeros when instruments cover
-- a facility fully (a double sum of 35,000 readings varies from run to run).
{{ config(materialized='table') }}
with

instruments as (

    select * from {{ ref('stg_energy__renewable_instruments') }}

),

consumption as (

    select * from {{ ref('int_energy_consumption_monthly') }}
    where calc_status = 'ok'
      and energy_type = 'electricity'
      and supply_type in ('grid', 'third_party')

),

facilities as (

    select facility_id, entity_id from {{ ref('stg_erp__facilities') }}

),

purchased as (

    select
        facility_id,
        reporting_year,
        greatest(sum(cast(energy_mwh as decimal(38, 12))), 0) as purchased_mwh
    from consumption
    group by facility_id, reporting_year

),

retired as (

    select
        instrument_id,
        instrument_type,
        facility_id,
        entity_id,
        is_pooled,
        period as instrument_period,
        period_grain as instrument_period_grain,
        reporting_year,
        cast(greatest(coalesce(mwh, 0), 0) as decimal(38, 12)) as instrument_mwh,
        emission_factor_t_per_mwh,
        case
            when instrument_type in ('green_power_trade', 'ppa', 'supplier_specific') then 1
            when instrument_type in ('gec', 'i_rec') then 2
        end as allocation_step,
        -- within step 1: generation contracts before the supplier's rate
        case when instrument_type = 'supplier_specific' then 1 else 0 end as step_rank
    from instruments
    where is_retired
      and reporting_year is not null
      and not coalesce(is_pooled, false)

),

-- one running sum per facility-year, step 1 before step 2
facility_instruments as (

    select
        r.*,
        p.purchased_mwh,
        coalesce(sum(r.instrument_mwh) over (
            partition by r.facility_id, r.reporting_year
            order by r.allocation_step, r.step_rank, r.instrument_id
            rows between unbounded preceding and 1 preceding
        ), 0) as covered_before_mwh
    from retired as r
    inner join purchased as p
        on p.facility_id = r.facility_id
        and p.reporting_year = r.reporting_year
    where r.allocation_step in (1, 2)

),

facility_allocated as (

    select
        *,
        least(instrument_mwh, greatest(purchased_mwh - covered_before_mwh, 0)) as allocated_mwh
    from facility_instruments

),

final as (

    select
        p.facility_id,
        f.entity_id as facility_entity_id,
        p.reporting_year,
        p.purchased_mwh,
        -- what the facility-year still has uncovered after steps 1-2 (exact)
        p.purchased_mwh - coalesce(sum(a.allocated_mwh) over (
            partition by p.facility_id, p.reporting_year
        ), 0) as uncovered_mwh,
        a.instrument_id,
        a.instrument_type,
        a.allocation_step,
        a.is_pooled,
        a.entity_id,
        a.instrument_period,
        a.instrument_period_grain,
        a.emission_factor_t_per_mwh,
        a.instrument_mwh,
        a.allocated_mwh
    from purchased as p
    left join facility_allocated as a
        on a.facility_id = p.facility_id
        and a.reporting_year = p.reporting_year
    left join facilities as f
        on f.facility_id = p.facility_id

)

select * from final
