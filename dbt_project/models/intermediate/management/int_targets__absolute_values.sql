-- The absolute and neutrality targets' base and actual per year (docs/methods.md
-- M-TGT-01, M-TGT-02; T/CAS 612 6.6; GHG Protocol ch. 5), tCO2e of the target's
-- scopes under the primary approach, var('consolidation'):
--   original_base_value  the base as reported: fct_baseline's original base
--                        (int_baseline__base_values) when the target's base year
--                        is the configured base year (or one of the averaged
--                        years), otherwise the inventory of its own base year
--   reported_actual      the inventory of the year as reported (days-in-group
--                        pro-rating, int_targets__inventory_totals)
--   like for like        base and actual both on the boundary at the end of the
--                        year (boundary_year, int_targets__pro_forma_emissions)
-- Per scope, when the like-for-like base differs from the original by less than
-- var('recalculation_threshold_pct') %, the original base and the reported
-- actual are compared (is_like_for_like false), otherwise the like-for-like
-- pair; base_value and actual add the chosen figures of the target's scopes,
-- is_base_recalculated says whether any scope is like for like. Years that are
-- not reported (is_reported false) have actual null. Grain: target x year,
-- intensity targets excluded. A view: only fct_target_progress reads it.
{{ config(materialized='view') }}
{% set approach = var('consolidation') %}
{% set base_years = var('base_years') %}
with

target_years as (

    select * from {{ ref('int_targets__target_years') }}

),

targets as (

    select distinct
        target_name, target_kind, scopes, denominator, base_year, target_year, reduction_pct,
        is_intensity_numerator
    from target_years

),

baseline as (

    select * from {{ ref('int_baseline__base_values') }}

),

inventory_totals as (

    select * from {{ ref('int_targets__inventory_totals') }}

),

pro_forma as (

    select * from {{ ref('int_targets__pro_forma_emissions') }}
    where consolidation_approach = '{{ approach }}'

),

target_scopes as (

    -- scope labels -> (scope, scope2_method) of the inventory
    select
        t.target_name,
        label.scope_label,
        {{ scope_label_scope('label.scope_label') }} as scope,
        {{ scope_label_scope2_method('label.scope_label') }} as scope2_method
    from targets as t
    cross join unnest(string_split(t.scopes, ',')) as label(scope_label)

),

target_base_years as (

    -- the years a base averages: the configured base years when the target's base
    -- year is one of them (fct_baseline), otherwise the target's own base year
    select
        t.target_name,
        b.base_of_year::bigint as base_of_year,
        t.base_year in ({{ base_years | join(', ') }}) as is_configured_base
    from targets as t
    cross join unnest(
        case when t.base_year in ({{ base_years | join(', ') }})
             then [{{ base_years | join(', ') }}] else [t.base_year] end
    ) as b(base_of_year)

),

scope_original_bases as (

    -- the base as reported, per target scope: fct_baseline's original base (the
    -- locked figure where the base year is locked), or the inventory of the
    -- target's own base year
    select
        ts.target_name,
        ts.scope,
        ts.scope2_method,
        case
            when bool_or(tb.is_configured_base) then any_value(b.original_base_t)
            -- a base year the inventory holds: its figure (0 when the scope has none);
            -- one it does not hold: unknown, never 0 (missing_reason no_base_value)
            when bool_or(t.base_year in (select reporting_year from inventory_totals))
                then coalesce(any_value(i.co2e_t), 0)
        end as original_base_t
    from target_scopes as ts
    inner join targets as t
        on t.target_name = ts.target_name
    inner join target_base_years as tb
        on tb.target_name = ts.target_name
    left join baseline as b
        on b.consolidation_approach = '{{ approach }}'
        and b.scope = ts.scope
        and b.scope2_method is not distinct from ts.scope2_method
    left join inventory_totals as i
        on i.reporting_year = t.base_year
        and i.scope = ts.scope
        and i.scope2_method is not distinct from ts.scope2_method
    where t.target_kind <> 'intensity'
    group by all

),

scope_years as (

    -- per target scope and year: the as-reported pair and the like-for-like pair
    -- (base and actual on the boundary at the end of the year)
    select
        ty.target_name,
        ty.reporting_year,
        ts.scope,
        ts.scope2_method,
        ob.original_base_t,
        coalesce((
            select {{ exact_sum('p.pro_forma_t') }} / count(distinct tb.base_of_year)
            from target_base_years as tb
            left join pro_forma as p
                on p.activity_year = tb.base_of_year
                and p.boundary_year = ty.boundary_year
                and p.scope = ts.scope
                and p.scope2_method is not distinct from ts.scope2_method
            where tb.target_name = ty.target_name
        ), 0) as pro_forma_base_t,
        case when ty.is_reported then coalesce((
            select any_value(p.pro_forma_t) from pro_forma as p
            where p.activity_year = ty.reporting_year
              and p.boundary_year = ty.reporting_year
              and p.scope = ts.scope
              and p.scope2_method is not distinct from ts.scope2_method
        ), 0) end as pro_forma_actual_t,
        case when ty.is_reported then coalesce(i.co2e_t, 0) end as reported_actual_t
    from target_years as ty
    inner join target_scopes as ts
        on ts.target_name = ty.target_name
    inner join scope_original_bases as ob
        on ob.target_name = ts.target_name
        and ob.scope = ts.scope
        and ob.scope2_method is not distinct from ts.scope2_method
    left join inventory_totals as i
        on i.reporting_year = ty.reporting_year
        and i.scope = ts.scope
        and i.scope2_method is not distinct from ts.scope2_method

),

scope_years_decided as (

    -- the recalculation threshold decides per scope (as fct_baseline does): at or
    -- above it, the like-for-like pair; below it, the original base and the
    -- actual as reported
    select
        *,
        case
            when original_base_t = 0 then pro_forma_base_t <> 0
            else round(abs((pro_forma_base_t - original_base_t) / original_base_t * 100), 9)
                 >= {{ var('recalculation_threshold_pct') }}
        end as is_like_for_like
    from scope_years

),

absolute_values as (

    select
        target_name,
        reporting_year,
        sum(case when is_like_for_like then pro_forma_base_t else original_base_t end) as base_value,
        {{ exact_sum('original_base_t') }} as original_base_value,
        case when bool_and(reported_actual_t is not null) then
            sum(case when is_like_for_like then pro_forma_actual_t else reported_actual_t end)
        end as actual,
        case when bool_and(reported_actual_t is not null) then {{ exact_sum('reported_actual_t') }} end
            as reported_actual,
        bool_or(is_like_for_like) as is_base_recalculated
    from scope_years_decided
    group by all

)

select * from absolute_values
