-- The inventory by greenhouse gas: year x consolidation approach x gas, the
-- gas's own mass and its CO2e with Scope 2 counted once per method (location-
-- based: every scope with Scope 2 location-based; market-based likewise).
-- Biogenic CO2 is reported separately, not here (ISO 14064-1 9.3.1 g, h).
with

inventory as (

    select * from {{ ref('fct_inventory') }}
    where scope <> 'biogenic'

),

final as (

    select
        reporting_year,
        consolidation_approach,
        gas,
        {{ exact_sum("case when scope2_method is distinct from 'market' then gas_mass_t end") }} as gas_mass_location_t,
        {{ exact_sum("case when scope2_method is distinct from 'market' then co2e_t end") }} as location_based_t,
        {{ exact_sum("case when scope2_method is distinct from 'location' then co2e_t end") }} as market_based_t
    from inventory
    group by all

)

select * from final
