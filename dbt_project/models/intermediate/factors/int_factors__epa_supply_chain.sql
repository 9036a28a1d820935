-- Shipped spend-based factors (METHODS.md 4 and 5): US EPA Supply Chain GHG
-- Emission Factors v1.3, one per NAICS-6 commodity, keyed `naics:<code>`, in
-- kg CO2e per 2022 USD at purchaser price (the factor WITH margins: invoices
-- are paid at purchaser price). year_from = 2022 is the factor's price year:
-- spend is re-priced to it with the spend_price_indices seed before the factor
-- applies. US economy factors, used as a global proxy (region empty); the
-- group's custom factor with the same key wins. Same columns, in the same
-- order, as the CTEs of int_factor_registry.
with

epa as (

    select * from {{ ref('epa_supply_chain_factors_v1_3_naics_co2e_usd2022') }}

),

final as (

    select
        'epa_supply_chain_v1.3:naics:' || "2017 NAICS Code" as factor_id,
        'naics:' || "2017 NAICS Code" as factor_key,
        'spend_eeio' as factor_family,
        null::varchar as region,
        2022 as year_from,
        null::integer as year_to,
        'USD' as activity_unit,
        'CO2e' as gas,
        "Supply Chain Emission Factors with Margins" / 1000.0 as t_per_unit,
        "Supply Chain Emission Factors with Margins" || ' kg CO2e/2022 USD purchaser price ('
            || "Supply Chain Emission Factors without Margins" || ' without margins + '
            || "Margins of Supply Chain Emission Factors" || ' margins); NAICS ' || "2017 NAICS Code"
            || ' ' || "2017 NAICS Title" || '; USEEIO ' || "Reference USEEIO Code"
            || '; price year 2022' as derivation,
        'epa_supply_chain_factors_v1_3_naics_co2e_usd2022' as source_seed,
        'US EPA Supply Chain GHG Emission Factors v1.3 by NAICS-6, with margins (DOI 10.23719/1531143)'
            as source_document,
        'corroborated' as verification_status,
        false as is_custom
    from epa

)

select * from final
