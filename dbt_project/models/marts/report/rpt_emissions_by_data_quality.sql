-- The inventory by data-quality score of its activity data: year x
-- consolidation approach x scope x Scope 2 method x score (1 best .. 5), with
-- the emission rows and their consolidated CO2e (ISO 14064-1 9.3.1 p, q;
-- T/CAS 612 6.8). Scope 2 appears once per method.
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
        e.data_quality_score,
        count(*) as emission_rows,
        {{ exact_sum("e.co2e_t * " ~ approach_weight('a.consolidation_approach')) }} as co2e_t
    from emissions as e
    cross join approaches as a
    group by all

)

select * from final
