-- How the inventory was quantified: year x consolidation approach x scope x
-- Scope 2 method x calculation method (the rule named on each emission row),
-- with the emission rows and their consolidated CO2e (ISO 14064-1 9.3.1 m).
with

emissions as (

    select * from {{ ref('fct_emissions') }}
    where {{ in_reporting_years('reporting_year') }}

),

approaches as (

    {{ consolidation_approaches() }}

),

final as (

    select
        e.reporting_year,
        a.consolidation_approach,
        e.scope,
        e.scope2_method,
        e.method,
        count(*) as emission_rows,
        {{ exact_sum("e.co2e_t * " ~ approach_weight('a.consolidation_approach')) }} as co2e_t
    from emissions as e
    cross join approaches as a
    group by all

)

select * from final
