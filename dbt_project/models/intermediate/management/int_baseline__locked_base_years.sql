-- Changes of method, factors or data since a base year was locked (METHODS.md
-- 7; T/CAS 612 6.5): when `carbon lock` froze a base year, its locked
-- rpt_group_inventory figures are the base year as originally reported. The
-- same base year computed now under the base year's own boundary differs from
-- them only through methods (GWP set, Scope 2 factor level or family),
-- factors (factor set version, the group's custom factors) or corrected input
-- data. That difference is one recalculation trigger per lock:
--   method_change    the GWP set or a Scope 2 setting differs from the locked run's
--   factor_change    otherwise, the factor set version or the custom factor files differ
--   error_correction otherwise (the base year's input data were corrected)
-- The effects of simultaneous causes cannot be told apart; the trigger names
-- every cause it found. Grain: base year x approach x scope x Scope 2 method,
-- only where the base year is locked.
{% set base_years = var('base_years', [2021]) %}
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

runs as (

    select * from {{ ref('stg_history__runs') }}

),

run_inputs as (

    select * from {{ ref('stg_history__run_inputs') }}

),

custom_factors as (

    select * from {{ ref('stg_reference__custom_factors') }}

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

custom_now as (

    select string_agg(distinct regexp_extract(source_record_key, '^[^:]+:(.*)#[0-9]+$', 1) || '@' || file_sha256,
                      ',' order by regexp_extract(source_record_key, '^[^:]+:(.*)#[0-9]+$', 1) || '@' || file_sha256)
               as signature
    from custom_factors

),

custom_then as (

    select
        l.lock_id,
        string_agg(i.file_path || '@' || i.file_sha256, ',' order by i.file_path || '@' || i.file_sha256)
            as signature
    from locks as l
    inner join run_inputs as i
        on i.run_id = l.locked_run_id
        and i.dataset_key = 'reference/custom_factors'
        and i.file_status = 'loaded'
    group by all

),

causes as (

    select
        l.lock_id,
        r.run_id is not null as has_manifest,
        r.gwp_set as locked_gwp_set,
        coalesce(r.gwp_set <> '{{ var("gwp_set", "AR6") }}', false) as is_gwp_changed,
        coalesce(r.scope2_location_factor <> '{{ var("scope2_location_factor", "national") }}', false)
            as is_scope2_level_changed,
        coalesce(r.scope2_location_family <> '{{ var("scope2_location_family", "grid_average") }}', false)
            as is_scope2_family_changed,
        r.scope2_location_factor as locked_scope2_location_factor,
        r.scope2_location_family as locked_scope2_location_family,
        coalesce(r.factor_set_version <> '{{ var("factor_set_version", "") }}', false) as is_factor_set_changed,
        r.factor_set_version as locked_factor_set_version,
        coalesce(t.signature, '') <> coalesce(n.signature, '') as is_custom_factors_changed
    from locks as l
    left join runs as r
        on r.run_id = l.locked_run_id
    left join custom_then as t
        on t.lock_id = l.lock_id
    cross join custom_now as n

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
        case
            when c.is_gwp_changed or c.is_scope2_level_changed or c.is_scope2_family_changed then 'method_change'
            when c.is_factor_set_changed or c.is_custom_factors_changed then 'factor_change'
            else 'error_correction'
        end as trigger_type,
        concat_ws('; ',
            case when c.is_gwp_changed then 'GWP set ' || c.locked_gwp_set || ' → {{ var("gwp_set", "AR6") }}' end,
            case when c.is_scope2_level_changed then 'Scope 2 location factor level '
                || c.locked_scope2_location_factor || ' → {{ var("scope2_location_factor", "national") }}' end,
            case when c.is_scope2_family_changed then 'Scope 2 location factor family '
                || c.locked_scope2_location_family || ' → {{ var("scope2_location_family", "grid_average") }}' end,
            case when c.is_factor_set_changed then 'factor set version '
                || coalesce(c.locked_factor_set_version, 'none') || ' → {{ var("factor_set_version", "") }}' end,
            case when c.is_custom_factors_changed then 'custom factor files changed' end,
            case when not (c.is_gwp_changed or c.is_scope2_level_changed or c.is_scope2_family_changed
                           or c.is_factor_set_changed or c.is_custom_factors_changed)
                 then 'base-year input data corrected since the lock (the files are named in history.restatements)'
            end,
            case when not c.has_manifest then 'the locked run has no manifest' end
        ) as cause_detail
    from compared as p
    left join causes as c
        on c.lock_id = p.lock_id
    where abs(p.now_t - p.locked_t) > 1e-9

)

select * from final
