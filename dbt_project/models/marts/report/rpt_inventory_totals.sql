-- The report's headline figures: year x consolidation approach, one row each.
-- Scope 1, Scope 2 by method, Scope 3 (sum of its categories), biogenic CO2
-- (reported separately), and the two totals Scope 1 + Scope 2 (one method) +
-- Scope 3; biogenic CO2 is never in a total (ISO 14064-1 9.3.1 h).
with

inventory as (

    select * from {{ ref('rpt_group_inventory') }}

),

final as (

    select
        reporting_year,
        consolidation_approach,
        {{ exact_sum("case when scope = '1' then co2e_t end") }} as scope1_t,
        {{ exact_sum("case when scope = '2' and scope2_method = 'location' then co2e_t end") }} as scope2_location_t,
        {{ exact_sum("case when scope = '2' and scope2_method = 'market' then co2e_t end") }} as scope2_market_t,
        {{ exact_sum("case when scope = '3' then co2e_t end") }} as scope3_t,
        {{ exact_sum("case when scope = 'biogenic' then co2e_t end") }} as biogenic_co2_t,
        {{ exact_sum("case when scope = '1' or scope = '3' or (scope = '2' and scope2_method = 'location')
                      then co2e_t end") }} as total_location_t,
        {{ exact_sum("case when scope = '1' or scope = '3' or (scope = '2' and scope2_method = 'market')
                      then co2e_t end") }} as total_market_t
    from inventory
    group by all

)

select * from final
