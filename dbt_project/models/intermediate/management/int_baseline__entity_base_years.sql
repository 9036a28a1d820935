-- Base-year emissions per entity under two boundaries (docs/methods.md M-BASE-01):
--   original_t: as the base year was reported, i.e. each row weighted as in
--               fct_emissions (the entity's weight x its time in the group
--               during the base year);
--   current_t:  today's boundary applied to the same base-year activity data
--               (the entity's weight x 1 if it belongs to the group at the end
--               of the current year, else 0).
-- Grain: base year x entity x approach x scope x Scope 2 method. The current
-- year is the last reporting year (int_reporting_years, docs/methods.md M-PER-01).
{% set base_years = var('base_years') %}
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

current_year as (

    -- the last reporting year (int_reporting_years, docs/methods.md M-PER-01)
    select {{ current_reporting_year() }} as current_year

),

current_boundary as (

    -- in the group on the last day of the current year
    select
        w.entity_id,
        w.weight_equity_share,
        w.weight_operational_control,
        w.weight_financial_control,
        {{ in_group_at_year_end('w.in_group_from_date', 'w.in_group_to_date', 'c.current_year') }} as current_membership
    from weights as w
    cross join current_year as c

),

base_year_rows as (

    select *
    from emissions
    where reporting_year in ({{ base_years | join(', ') }})
      and scope in ('1', '2', '3')

),

weighted as (

    select
        e.reporting_year as base_year,
        e.entity_id,
        a.consolidation_approach,
        e.scope,
        e.scope2_method,
        e.co2e_t,
        case a.consolidation_approach
            when 'equity_share' then e.weight_equity_share
            when 'operational_control' then e.weight_operational_control
            else e.weight_financial_control
        end as original_weight,
        -- the row's weight before the days-in-group share (fct_emissions.chain_weight_*:
        -- 0 for a consolidated investee's category 15 line; equity share - approach
        -- weight for a category 15 line from the entity tree), if the entity is in
        -- the group at the end of the current year
        coalesce(b.current_membership, 0.0) * case a.consolidation_approach
            when 'equity_share' then e.chain_weight_equity_share
            when 'operational_control' then e.chain_weight_operational_control
            else e.chain_weight_financial_control
        end as current_weight
    from base_year_rows as e
    cross join approaches as a
    left join current_boundary as b
        on b.entity_id = e.entity_id

),

final as (

    select
        base_year,
        entity_id,
        consolidation_approach,
        scope,
        scope2_method,
        {{ exact_sum('co2e_t * original_weight') }} as original_t,
        {{ exact_sum('co2e_t * current_weight') }} as current_t,
        {{ exact_sum('co2e_t') }} as unweighted_t,
        count(*) as emission_rows
    from weighted
    group by all

)

select * from final
