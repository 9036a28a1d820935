-- Scope 2, market-based (docs/methods.md M-S2-02): contractual instruments allocated to
-- the purchased electricity of each facility x consumption year. One row per
-- instrument x facility it can reach in its year, with allocated_mwh (possibly
-- 0) and, repeated on every row of the instrument, its allocated and unused
-- MWh in total. Instruments that reach no facility with purchased electricity
-- have no row here; fct_scope2_instruments lists them with the reason.
--
-- Rules:
-- * Only retired instruments count, in the calendar year of their period
--   (annual matching: a monthly instrument 'YYYY-MM' covers its whole year,
--   Scope 2 Guidance; its month stays visible in instrument_period).
-- * Steps 1 (green_power_trade, ppa, then supplier_specific) and 2 (gec /
--   i_rec) at the facility, never beyond its purchased MWh of the year:
--   int_scope2__facility_allocation.
-- * Step 3: instruments pooled at an entity (no facility_id), shared among
--   the facilities of that entity (facilities.entity_id = the instrument's
--   entity_id; subsidiaries' facilities are not included) pro rata to the MWh
--   each still has uncovered after steps 1-2. The pooled instruments of an
--   entity are used in instrument_id order up to the entity's uncovered MWh,
--   and each used one is split across the facilities pro rata.
-- MWh totals and running sums are DECIMAL(38, 12): a parallel double sum of
-- 35,000 interval readings differs in the last digits from run to run, and
-- exact sums give exact zeros when instruments cover a facility fully.
with

instruments as (

    select * from {{ ref('stg_energy__renewable_instruments') }}

),

facility_steps as (

    select * from {{ ref('int_scope2__facility_allocation') }}

),

-- step 3 instruments: retired and pooled at an entity
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
        3 as allocation_step
    from instruments
    where is_retired
      and reporting_year is not null
      and is_pooled

),

-- steps 1 and 2: the facility instruments' rows
facility_allocated as (

    select * from facility_steps
    where instrument_id is not null

),

-- what each facility-year still has uncovered after steps 1-2 (exact)
after_facility_steps as (

    select distinct
        facility_id,
        facility_entity_id as entity_id,
        reporting_year,
        purchased_mwh,
        uncovered_mwh
    from facility_steps

),

entity_uncovered as (

    select
        entity_id,
        reporting_year,
        sum(uncovered_mwh) as entity_uncovered_mwh
    from after_facility_steps
    where entity_id is not null
    group by entity_id, reporting_year

),

-- step 3: the entity's pooled instruments, used in instrument_id order up to
-- the entity's uncovered MWh
pooled_instruments as (

    select
        r.*,
        e.entity_uncovered_mwh,
        least(r.instrument_mwh, greatest(e.entity_uncovered_mwh - coalesce(sum(r.instrument_mwh) over (
            partition by r.entity_id, r.reporting_year
            order by r.instrument_id
            rows between unbounded preceding and 1 preceding
        ), 0), 0)) as pool_used_mwh
    from retired as r
    inner join entity_uncovered as e
        on e.entity_id = r.entity_id
        and e.reporting_year = r.reporting_year
    where r.allocation_step = 3

),

pool_totals as (

    select
        entity_id,
        reporting_year,
        sum(pool_used_mwh) as pool_used_mwh
    from pooled_instruments
    group by entity_id, reporting_year

),

pooled_allocated as (

    select
        i.* exclude (facility_id, entity_uncovered_mwh),
        u.facility_id,
        -- each used pooled instrument is split pro rata to uncovered MWh
        case when i.entity_uncovered_mwh > 0
             then cast(i.pool_used_mwh as double) * cast(u.uncovered_mwh as double)
                  / cast(i.entity_uncovered_mwh as double)
             else 0.0
        end as allocated_mwh
    from pooled_instruments as i
    inner join after_facility_steps as u
        on u.entity_id = i.entity_id
        and u.reporting_year = i.reporting_year

),

facility_years as (

    select
        u.facility_id,
        u.reporting_year,
        u.purchased_mwh,
        -- uncovered after step 3; x / x = 1 exactly, so a pool at least as
        -- large as the entity's uncovered MWh leaves exactly 0
        case when coalesce(e.entity_uncovered_mwh, 0) > 0
             then cast(u.uncovered_mwh as double)
                  * (1 - cast(coalesce(t.pool_used_mwh, 0) as double) / cast(e.entity_uncovered_mwh as double))
             else cast(u.uncovered_mwh as double)
        end as uncovered_mwh
    from after_facility_steps as u
    left join entity_uncovered as e
        on e.entity_id = u.entity_id
        and e.reporting_year = u.reporting_year
    left join pool_totals as t
        on t.entity_id = u.entity_id
        and t.reporting_year = u.reporting_year

),

allocations as (

    select
        instrument_id, instrument_type, allocation_step, is_pooled, facility_id, entity_id,
        instrument_period, instrument_period_grain, reporting_year, emission_factor_t_per_mwh,
        instrument_mwh,
        -- a facility instrument has one row: its allocation is its total
        allocated_mwh as instrument_allocated_mwh,
        cast(allocated_mwh as double) as allocated_mwh
    from facility_allocated
    union all
    select
        instrument_id, instrument_type, allocation_step, is_pooled, facility_id, entity_id,
        instrument_period, instrument_period_grain, reporting_year, emission_factor_t_per_mwh,
        instrument_mwh,
        pool_used_mwh as instrument_allocated_mwh,
        allocated_mwh
    from pooled_allocated

),

final as (

    select
        a.instrument_id,
        a.instrument_type,
        a.allocation_step,
        a.is_pooled,
        a.entity_id,
        a.facility_id,
        a.reporting_year,
        a.instrument_period,
        a.instrument_period_grain,
        a.emission_factor_t_per_mwh,
        cast(f.purchased_mwh as double) as facility_purchased_mwh,
        f.uncovered_mwh as facility_uncovered_mwh,
        a.allocated_mwh,
        cast(a.instrument_mwh as double) as instrument_mwh,
        cast(a.instrument_allocated_mwh as double) as instrument_allocated_mwh,
        cast(a.instrument_mwh - a.instrument_allocated_mwh as double) as instrument_unused_mwh
    from allocations as a
    inner join facility_years as f
        on f.facility_id = a.facility_id
        and f.reporting_year = a.reporting_year

)

select * from final
