-- The base year (docs/methods.md M-BASE-01, M-BASE-04; T/CAS 612 6.5; GHG Protocol ch. 5): one row per
-- consolidation approach x scope x Scope 2 method.
--   original_base_t:     the base year as reported under the boundary of its
--                        time (average over the years of var('base_years'));
--   recalculated_base_t: today's boundary, methods and factors applied to the
--                        base-year activity data = original + the effects in
--                        fct_baseline_recalculation_log;
--   applied_base_t:      the recalculated base when the cumulative change is at
--                        least var('recalculation_threshold_pct') % of the
--                        original, otherwise the original.
-- original_base_t and recalculated_base_t are int_baseline__base_values; here
-- they are compared, with the triggers and findings of the log.
{% set base_years = var('base_years') %}
{% set n_years = base_years | length %}
{% set threshold = var('recalculation_threshold_pct') %}
with

bases as (

    select * from {{ ref('int_baseline__base_values') }}

),

log as (

    select * from {{ ref('fct_baseline_recalculation_log') }}

),

triggers as (

    select
        consolidation_approach,
        scope,
        scope2_method,
        count(*) filter (where trigger_status = 'recalculated') as trigger_count
    from log
    group by all

),

findings as (

    select consolidation_approach, count(distinct trigger_id) as finding_count
    from log
    where is_finding
    group by all

),

compared as (

    select
        b.*,
        coalesce(t.trigger_count, 0) as trigger_count,
        coalesce(f.finding_count, 0) as finding_count,
        case
            when b.original_base_t <> 0
            then (b.recalculated_base_t - b.original_base_t) / b.original_base_t * 100
        end as change_pct
    from bases as b
    left join triggers as t
        on t.consolidation_approach = b.consolidation_approach
        and t.scope is not distinct from b.scope
        and t.scope2_method is not distinct from b.scope2_method
    left join findings as f
        on f.consolidation_approach = b.consolidation_approach

),

final as (

    select
        consolidation_approach,
        scope,
        scope2_method,
        {{ base_years | min }}::integer as base_year,
        '{{ base_years | join(",") }}' as base_years,
        {{ n_years }}::integer as base_year_count,
        original_base_t,
        recalculated_base_t,
        change_pct,
        {{ threshold }}::double as threshold_pct,
        case
            when original_base_t = 0 then recalculated_base_t <> 0
            else round(abs(change_pct), 9) >= {{ threshold }}
        end as is_recalculated,
        case
            when (original_base_t = 0 and recalculated_base_t <> 0)
              or (original_base_t <> 0 and round(abs(change_pct), 9) >= {{ threshold }})
            then recalculated_base_t
            else original_base_t
        end as applied_base_t,
        trigger_count,
        finding_count,
        base_year_emission_rows,
        '{{ var("gwp_set") }}' as gwp_set
    from compared

)

select * from final
