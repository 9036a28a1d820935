-- Emissions on the boundary at the end of a year (docs/methods.md M-TGT-02, progress like
-- for like; GHG Protocol ch. 5, timing of recalculations). For a boundary year
-- Y and an activity year X: every entity in the group on 31 December of Y
-- counts for the whole of X with its chain weight; an entity that is not in
-- the group on that day counts in neither. No days-in-group pro-rating: the
-- reported inventory keeps that (fct_emissions weights).
--   pro_forma_t(Y, X) = sum over rows of year X of co2e_t x chain_weight_<approach>
--                       x [entity in the group on 31 Dec Y]
--                       + for X a base year: the effects of the methods and
--                       factors year Y uses and the base year did not
--                       (int_baseline__method_triggers, docs/methods.md M-BASE-03), so a
--                       year's actual and its base use the same methods.
-- (fct_emissions.chain_weight_*: a consolidated investee's category 15 line
-- keeps weighing 0; a category 15 line from the entity tree weighs equity
-- share - approach weight). Boundary years are the
-- reporting years; activity years are every year with emissions.
-- Grain: boundary year x activity year x approach x scope x Scope 2 method.
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}
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
    where {{ in_group_at_year_end('w.in_group_from_date', 'w.in_group_to_date', 'y.boundary_year') }} = 1

),

method_changes as (

    -- the base year repriced with the methods and factors of year Y
    -- (int_baseline__method_triggers, already on the boundary at the end of Y)
    select boundary_year, base_year as activity_year, consolidation_approach, scope, scope2_method, effect_t
    from {{ ref('int_baseline__method_triggers') }}
    where effect_t is not null

),

final as (

    select
        boundary_year::bigint as boundary_year,
        activity_year::bigint as activity_year,
        consolidation_approach,
        scope,
        scope2_method,
        {{ exact_sum('weighted_t') }} as pro_forma_t
    from (
        select w.boundary_year, t.activity_year, t.consolidation_approach, t.scope, t.scope2_method, t.weighted_t
        from entity_totals as t
        inner join end_of_year_members as w
            on w.entity_id = t.entity_id
        union all
        select boundary_year, activity_year, consolidation_approach, scope, scope2_method, effect_t
        from method_changes
    )
    group by all

)

select * from final
