-- The group inventory of each year by scope and Scope 2 method under the primary
-- approach, var('consolidation'), the figures target progress compares as
-- reported (docs/methods.md M-TGT-01, M-TGT-02): the rows of fct_emissions
-- (int_emission_lines_weighted) of the reporting years (docs/methods.md M-PER-01),
--   co2e_t = sum of co2e_t x weight_<consolidation>
-- summed in the three steps the published figures are summed in, each an
-- exact_sum: per fct_inventory row (entity x facility x scope x Scope 2 method
-- x category x ISO category x gas), per rpt_group_inventory row (x Scope 3
-- category), then per scope and Scope 2 method. Each step rounds its double
-- result, so the same steps give the same figures as rpt_group_inventory, to
-- the bit (an intermediate model never reads a mart). Biogenic CO2 keeps its
-- own rows (scope 'biogenic'): the years are those of rpt_group_inventory.
-- Grain: reporting year x scope x Scope 2 method. A table: the target years and
-- the absolute values read it.
{% set approach = var('consolidation') %}  {#- validated by pipelines/lib/settings.py #}
with

emissions as (

    select * from {{ ref('int_emission_lines_weighted') }}
    where {{ in_reporting_years('reporting_year') }}

),

inventory as (

    -- the rows of fct_inventory under the primary approach
    select
        reporting_year,
        entity_id,
        facility_id,
        scope,
        scope2_method,
        scope3_category,
        iso_category,
        gas,
        {{ exact_sum('co2e_t * weight_' ~ approach) }} as co2e_t
    from emissions
    group by all

),

group_inventory as (

    -- the rows of rpt_group_inventory under the primary approach
    select reporting_year, scope, scope2_method, scope3_category, {{ exact_sum('co2e_t') }} as co2e_t
    from inventory
    group by all

),

final as (

    select reporting_year, scope, scope2_method, {{ exact_sum('co2e_t') }} as co2e_t
    from group_inventory
    group by all

)

select * from final
