-- Emissions on the boundary at the end of a year (METHODS.md 8, progress like
-- for like; GHG Protocol ch. 5, timing of recalculations). For a boundary year
-- Y and an activity year X: every entity in the group on 31 December of Y
-- counts for the whole of X with its chain weight; an entity that is not in
-- the group on that day counts in neither. No days-in-group pro-rating: the
-- reported inventory keeps that (fct_emissions weights).
--   pro_forma_t(Y, X) = sum over rows of year X of co2e_t x chain_weight_<approach>
--                       x [entity in the group on 31 Dec Y]
-- (fct_emissions.chain_weight_*: a consolidated investee's category 15 line
-- keeps weighing 0; a category 15 line from the entity tree weighs equity
-- share - approach weight). Boundary years are the
-- reporting years; activity years are every year with emissions.
-- Grain: boundary year x activity year x approach x scope x Scope 2 method.
with

emissions as (

    select * from {{ ref('fct_emissions') }}
    where scope in ('1', '2', '3')

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

boundary_years as (

    select reporting_year as boundary_year from {{ ref('int_reporting_years') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

entity_totals as (

    -- per entity first: the boundary cross join then multiplies a few hundred
    -- rows. chain_weight_* is the entity's weight before the days-in-group
    -- share (a consolidated investee's category 15 line: 0; a category 15 line
    -- from the entity tree: equity-share weight - approach weight).
    select
        e.entity_id,
        e.reporting_year as activity_year,
        a.consolidation_approach,
        e.scope,
        e.scope2_method,
        {{ exact_sum("e.co2e_t * case a.consolidation_approach
                        when 'equity_share' then e.chain_weight_equity_share
                        when 'operational_control' then e.chain_weight_operational_control
                        else e.chain_weight_financial_control end") }} as weighted_t
    from emissions as e
    cross join approaches as a
    group by all

),

end_of_year_members as (

    select y.boundary_year, w.entity_id
    from weights as w
    cross join boundary_years as y
    where (w.in_group_from_date is null or w.in_group_from_date <= make_date(y.boundary_year::int, 12, 31))
      and (w.in_group_to_date is null or w.in_group_to_date >= make_date(y.boundary_year::int, 12, 31))

),

final as (

    select
        w.boundary_year::bigint as boundary_year,
        t.activity_year::bigint as activity_year,
        t.consolidation_approach,
        t.scope,
        t.scope2_method,
        {{ exact_sum('t.weighted_t') }} as pro_forma_t
    from entity_totals as t
    inner join end_of_year_members as w
        on w.entity_id = t.entity_id
    group by all

)

select * from final
