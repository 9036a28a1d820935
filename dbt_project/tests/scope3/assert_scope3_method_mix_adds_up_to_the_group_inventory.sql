-- fct_scope3_method_mix splits rpt_group_inventory's Scope 3 per category by
-- method: per year, approach and category the two must agree (to 1 g).
with

mix as (

    select reporting_year, consolidation_approach, scope3_category, sum(co2e_t) as co2e_t
    from {{ ref('fct_scope3_method_mix') }}
    where method <> 'unestimated'
    group by all

),

inventory as (

    select reporting_year, consolidation_approach, scope3_category, sum(co2e_t) as co2e_t
    from {{ ref('rpt_group_inventory') }}
    where scope = '3'
    group by all

)

select
    coalesce(m.reporting_year, i.reporting_year) as reporting_year,
    coalesce(m.consolidation_approach, i.consolidation_approach) as consolidation_approach,
    coalesce(m.scope3_category, i.scope3_category) as scope3_category,
    m.co2e_t as mix_co2e_t,
    i.co2e_t as inventory_co2e_t
from mix as m
full outer join inventory as i
    on i.reporting_year = m.reporting_year
    and i.consolidation_approach = m.consolidation_approach
    and i.scope3_category = m.scope3_category
where abs(coalesce(m.co2e_t, 0) - coalesce(i.co2e_t, 0)) > 1e-6
