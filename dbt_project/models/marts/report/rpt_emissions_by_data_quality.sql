-- The inventory by data-quality score of its activity data: year x
-- consolidation approach x scope x Scope 2 method x score (1 best .. 5), with
-- the emission rows and their consolidated CO2e (ISO 14064-1 9.3.1 p, q;
-- T/CAS 612 6.8). Scope 2 appears once per method.
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
        data_quality_score,
        count(*) as emission_rows,
        {{ exact_sum('co2e_t * approach_weight') }} as co2e_t
    from emissions
    group by all

)

select * from final
