-- The inventory below group level: entity x facility x year x scope x
-- category x gas, consolidated under each approach (co2e x weight).
with

emissions as (

    -- the reporting years only (a base year outside them serves the baseline only)
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
        e.entity_id,
        e.facility_id,
        e.scope,
        e.scope2_method,
        e.scope3_category,
        e.iso_category,
        e.gas,
        {{ exact_sum("e.gas_mass_t * case a.consolidation_approach
            when 'equity_share' then e.weight_equity_share
            when 'operational_control' then e.weight_operational_control
            else e.weight_financial_control end") }} as gas_mass_t,
        {{ exact_sum("e.co2e_t * case a.consolidation_approach
            when 'equity_share' then e.weight_equity_share
            when 'operational_control' then e.weight_operational_control
            else e.weight_financial_control end") }} as co2e_t,
        {{ exact_sum('e.co2e_t') }} as co2e_unweighted_t,
        count(*) as emission_rows
    from emissions as e
    cross join approaches as a
    group by all

)

select * from final
