-- The weight with which an entity's carbon assets of a year (retired credits,
-- allowance statements, removals) enter the group's carbon position: its
-- chain weight under the primary approach (var consolidation, docs/methods.md M-BND-01)
-- x the share of the calendar year it belongs to the group, pro-rated by
-- days like every annual datum (membership_fraction):
--   position_weight = weight_<consolidation> x in_group_fraction
-- One row per entity of the boundary tree x reporting year. Entities outside the tree have no row (weight 0).
{% set approach = var('consolidation') %}  {#- validated by pipelines/lib/settings.py #}
with

weights as (

    select * from {{ ref('int_entity_weights') }}

),

years as (

    -- the reporting years (docs/methods.md M-PER-01): carbon assets of another year enter no position
    select reporting_year from {{ ref('int_reporting_years') }}

),

entity_years as (

    select
        w.entity_id,
        cast(y.reporting_year as bigint) as reporting_year,
        w.weight_{{ approach }} as primary_weight,
        {{ membership_fraction('make_date(cast(y.reporting_year as integer), 1, 1)',
                               'make_date(cast(y.reporting_year as integer), 12, 31)', "'year'",
                               'w.in_group_from_date', 'w.in_group_to_date') }} as in_group_fraction
    from weights as w
    cross join years as y
    where y.reporting_year is not null

),

final as (

    select
        entity_id,
        reporting_year,
        '{{ approach }}' as consolidation_approach,
        primary_weight,
        in_group_fraction,
        primary_weight * in_group_fraction as position_weight
    from entity_years

)

select * from final
