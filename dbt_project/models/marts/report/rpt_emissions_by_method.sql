-- How the inventory was quantified: year x consolidation approach x scope x
-- Scope 2 method x calculation method (the rule named on each emission row),
-- with the emission rows and their consolidated CO2e (ISO 14064-1 9.3.1 m).
with

emissions as (

    {{ consolidated_emissions() }}

),

final as (

    select
        reporting_year,
        consolidation_approach,
        scope,
        scope2_method,
        method,
        count(*) as emission_rows,
        {{ exact_sum('co2e_t * approach_weight') }} as co2e_t
    from emissions
    group by all

)

select * from final
