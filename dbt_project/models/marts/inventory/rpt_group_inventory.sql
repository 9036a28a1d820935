-- The group inventory: year x consolidation approach x scope x Scope 2
-- method x Scope 3 category, co2e_t = sum of co2e x the approach's weight.
-- Biogenic CO2 has its own rows (scope = 'biogenic'), outside the scopes.
with

inventory as (

    select * from {{ ref('fct_inventory') }}

),

final as (

    select
        reporting_year,
        consolidation_approach,
        scope,
        scope2_method,
        scope3_category,
        {{ exact_sum('co2e_t') }} as co2e_t,
        sum(emission_rows) as emission_rows,
        '{{ var("gwp_set") }}' as gwp_set
    from inventory
    group by all

)

select * from final
