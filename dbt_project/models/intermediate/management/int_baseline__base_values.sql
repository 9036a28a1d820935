-- The base year of each consolidation approach x scope x Scope 2 method under
-- two boundaries (docs/methods.md M-BASE-01, M-BASE-03), averaged over the
-- years of var('base_years'):
--   original_base_t     the base year as reported: the locked figure where the
--                       base year is locked (computed now minus the change since
--                       the lock, int_baseline__locked_base_years), else the base
--                       year under its own boundary (int_baseline__entity_base_years)
--   recalculated_base_t today's boundary, methods and factors applied to the
--                       base-year activity data (current_t + the effects of
--                       int_baseline__method_triggers in the current year)
-- fct_baseline applies the threshold to them; target progress compares with
-- original_base_t. A table: both read it.
{% set base_years = var('base_years') %}
{% set n_years = base_years | length %}
with

entity_years as (

    select * from {{ ref('int_baseline__entity_base_years') }}

),

locked_changes as (

    select * from {{ ref('int_baseline__locked_base_years') }}

),

method_changes as (

    select * from {{ ref('int_baseline__method_triggers') }}
    where effect_t is not null
      and boundary_year = current_year

),

bases as (

    -- original: the locked figure where the base year is locked (computed now
    -- minus the change since the lock), else the base year under its own boundary
    select
        consolidation_approach,
        scope,
        scope2_method,
        {{ exact_sum('original_t') }} / {{ n_years }} as original_base_t,
        {{ exact_sum('current_t') }} / {{ n_years }} as recalculated_base_t,
        sum(emission_rows) as base_year_emission_rows
    from (
        select consolidation_approach, scope, scope2_method, original_t, current_t, emission_rows
        from entity_years
        union all
        select consolidation_approach, scope, scope2_method, -effect_t, 0.0, 0
        from locked_changes
        union all
        -- today's methods and factors applied to the base-year activity data
        select consolidation_approach, scope, scope2_method, 0.0, effect_t, 0
        from method_changes
    )
    group by all

)

select * from bases
