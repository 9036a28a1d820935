-- docs/methods.md M-BASE-02, M-BASE-03: every recalculated base equals the original plus the effects
-- of its triggers in fct_baseline_recalculation_log (to a microgram), so a
-- verifier can follow the base year from the log alone.
with

baseline as (

    select * from {{ ref('fct_baseline') }}

),

log as (

    select
        consolidation_approach,
        scope,
        scope2_method,
        sum(effect_t) as effects_t
    from {{ ref('fct_baseline_recalculation_log') }}
    where effect_t is not null
    group by all

),

compared as (

    select
        b.consolidation_approach,
        b.scope,
        b.scope2_method,
        b.original_base_t,
        b.recalculated_base_t,
        coalesce(l.effects_t, 0) as effects_t
    from baseline as b
    left join log as l
        on l.consolidation_approach = b.consolidation_approach
        and l.scope = b.scope
        and l.scope2_method is not distinct from b.scope2_method

)

select *
from compared
where abs(original_base_t + effects_t - recalculated_base_t) > 1e-6

