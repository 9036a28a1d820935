-- Changes of method, factors or data since a base year was locked
-- (docs/methods.md M-BASE-03; T/CAS 612 6.5): when `carbon lock` froze a base
-- year, its locked rpt_group_inventory figures are the base year as
-- originally reported. The same base year computed now under the base year's
-- own boundary differs from them only through methods, factors or corrected
-- input data. That difference is one recalculation trigger per lock, of the
-- type and with the cause that int_history__manifest_changes gives for the
-- locked run against the run under way (method_change, else factor_change,
-- else error_correction) - the same cause `carbon run` records for the
-- restatements of the locked figures. Grain: base year x approach x scope x Scope 2 method,
-- only where the base year is locked.
{% set base_years = var('base_years') %}
with

locks as (

    select *
    from {{ ref('stg_history__period_locks') }}
    where reporting_year in ({{ base_years | join(', ') }})
    qualify row_number() over (partition by reporting_year order by lock_version desc) = 1

),

locked_figures as (

    select * from {{ ref('stg_history__locked_figures') }}

),

manifest_changes as (

    -- what differs between the locked run's manifest and this run's, and which cause that is
    select * from {{ ref('int_history__manifest_changes') }}

),

entity_years as (

    select * from {{ ref('int_baseline__entity_base_years') }}

),

locked as (

    select
        l.reporting_year as base_year,
        l.lock_id,
        l.locked_at,
        l.locked_run_id,
        f.consolidation_approach,
        f.scope,
        f.scope2_method,
        {{ exact_sum('f.locked_co2e_t') }} as locked_t
    from locks as l
    inner join locked_figures as f
        on f.lock_id = l.lock_id
    where f.scope in ('1', '2', '3')
    group by all

),

now_computed as (

    -- the base year under its own boundary, with today's methods and data
    select base_year, consolidation_approach, scope, scope2_method, {{ exact_sum('original_t') }} as original_t
    from entity_years
    group by all

),

compared as (

    select
        coalesce(k.base_year, c.base_year) as base_year,
        coalesce(k.consolidation_approach, c.consolidation_approach) as consolidation_approach,
        coalesce(k.scope, c.scope) as scope,
        coalesce(k.scope2_method, c.scope2_method) as scope2_method,
        k.lock_id,
        k.locked_at,
        k.locked_t,
        coalesce(c.original_t, 0) as now_t
    from locked as k
    left join now_computed as c
        on c.base_year = k.base_year
        and c.consolidation_approach = k.consolidation_approach
        and c.scope = k.scope
        and c.scope2_method is not distinct from k.scope2_method

    union all by name

    -- figures computed now for a locked year that the lock did not have
    select
        c.base_year,
        c.consolidation_approach,
        c.scope,
        c.scope2_method,
        l.lock_id,
        l.locked_at,
        0.0 as locked_t,
        c.original_t as now_t
    from now_computed as c
    inner join locks as l
        on l.reporting_year = c.base_year
    where not exists (
        select 1 from locked as k
        where k.base_year = c.base_year
          and k.consolidation_approach = c.consolidation_approach
          and k.scope = c.scope
          and k.scope2_method is not distinct from c.scope2_method
    )

),

final as (

    select
        p.base_year,
        p.consolidation_approach,
        p.scope,
        p.scope2_method,
        p.lock_id,
        p.locked_at,
        p.locked_t,
        p.now_t,
        p.now_t - p.locked_t as effect_t,
        coalesce(c.cause_type, 'error_correction') as trigger_type,
        coalesce(c.cause, 'no run manifest to compare the locked run with') as cause_detail
    from compared as p
    left join locks as l
        on l.lock_id = p.lock_id
    left join manifest_changes as c
        on c.reporting_year = l.reporting_year
        and c.reference_run_id = l.locked_run_id
    where abs(p.now_t - p.locked_t) > 1e-9

)

select * from final
