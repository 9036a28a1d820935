-- Shipped spend-based factors (docs/methods.md M-S3-01 and M-FAC-04): US EPA Supply Chain GHG
-- Emission Factors v1.3 by NAICS-6 commodity, BY GAS (seed
-- epa_supply_chain_factors_v1_3_naics_bygas_usd2022), keyed `naics:<code>`, per
-- 2022 USD at purchaser price (the factor WITH margins: invoices are paid at
-- purchaser price). year_from = 2022 is the factor's price year: spend is
-- re-priced to it with the spend_price_indices seed before the factor applies.
-- US economy factors, used as a global proxy (region empty); the group's custom
-- factor with the same key wins.
-- EPA publishes 17 gases in kg of the gas and "HFCs and PFCs, unspecified" in kg
-- CO2e (AR5). Per code the registry carries (docs/methods.md M-FAC-04: factors published
-- per gas are kept per gas so that the configured GWP set applies):
--   CO2, CH4, N2O          gas masses; fct_emissions weighs them with the
--                          configured set (CH4 of mixed, unknown origin: the
--                          generic CH4 GWP, not the AR6 fossil one)
--   fluorinated_gases      the 14 named HFCs, PFCs, SF6 and NF3 as one CO2e row,
--                          each gas mass x its GWP100 of the configured set
--                          (var gwp_set), gwp_set_of_source = that set: one row
--                          instead of 14 keeps a spend line at 5 emission rows
--   hfcs_pfcs_unspecified  CO2e as published, gwp_set_of_source = AR5 (no
--                          species is given, so no other set can apply)
-- Same columns, in the same order, as the CTEs of int_factor_registry.
{% set gwp_set = var('gwp_set') %}
with

epa as (

    select
        "2017 NAICS Code" as naics_code,
        "2017 NAICS Title" as naics_title,
        "GHG" as epa_gas,
        "Unit" as epa_unit,
        "Supply Chain Emission Factors with Margins" as kg_per_usd,
        "Supply Chain Emission Factors without Margins" as kg_per_usd_without_margins,
        "Margins of Supply Chain Emission Factors" as kg_per_usd_margins,
        "Reference USEEIO Code" as useeio_code
    from {{ ref('epa_supply_chain_factors_v1_3_naics_bygas_usd2022') }}

),

-- EPA's gas names -> the species of ipcc_gwp100 (the warehouse's gas names)
gas_names as (

    select * from (values
        ('Carbon dioxide', 'CO2', 'gas'),
        ('Methane', 'CH4', 'gas'),
        ('Nitrous oxide', 'N2O', 'gas'),
        ('HFC-23', 'HFC-23', 'fluorinated'),
        ('HFC-32', 'HFC-32', 'fluorinated'),
        ('HFC-125', 'HFC-125', 'fluorinated'),
        ('HFC-134a', 'HFC-134a', 'fluorinated'),
        ('HFC-143a', 'HFC-143a', 'fluorinated'),
        ('HFC-236fa', 'HFC-236fa', 'fluorinated'),
        ('Carbon tetrafluoride', 'CF4', 'fluorinated'),
        ('Hexafluoroethane', 'C2F6', 'fluorinated'),
        ('Perfluoropropane', 'C3F8', 'fluorinated'),
        ('Perfluorobutane', 'C4F10', 'fluorinated'),
        ('Perfluorocyclobutane', 'c-C4F8', 'fluorinated'),
        ('Perfluorohexane', 'C6F14', 'fluorinated'),
        ('Sulfur hexafluoride', 'SF6', 'fluorinated'),
        ('Nitrogen trifluoride', 'NF3', 'fluorinated'),
        ('HFCs and PFCs, unspecified', 'CO2e', 'unspecified')
    ) as t(epa_gas, gas, gas_group)

),

gwp as (

    select gas_key, gwp_100 from {{ ref('int_gwp_values') }}
    where gwp_set = '{{ gwp_set }}'

),

named as (

    select
        e.*,
        n.gas,
        n.gas_group,
        g.gwp_100
    from epa as e
    inner join gas_names as n
        on n.epa_gas = e.epa_gas
    left join gwp as g
        on g.gas_key = {{ normalize_gas_key('n.gas') }}

),

common as (

    -- the columns every row of a code shares
    select distinct
        naics_code,
        naics_title,
        useeio_code
    from named

),

kyoto_gases as (

    select
        'epa_supply_chain_v1.3:naics:' || naics_code || ':' || gas as factor_id,
        naics_code,
        gas,
        kg_per_usd / 1000.0 as t_per_unit,
        null::varchar as gwp_set_of_source,
        kg_per_usd || ' kg ' || gas || '/2022 USD purchaser price (' || kg_per_usd_without_margins
            || ' without margins + ' || kg_per_usd_margins || ' margins)' as derivation
    from named
    where gas_group = 'gas'

),

fluorinated as (

    -- every named fluorinated gas needs a GWP in the configured set: a gas
    -- without one leaves the code's row out (dbt test on the registry rows)
    select
        'epa_supply_chain_v1.3:naics:' || naics_code || ':fluorinated_gases' as factor_id,
        naics_code,
        'CO2e' as gas,
        sum(kg_per_usd * gwp_100) / 1000.0 as t_per_unit,
        '{{ gwp_set }}' as gwp_set_of_source,
        'HFCs, PFCs, SF6 and NF3 weighed with {{ gwp_set }} GWP100: '
            || string_agg(gas || ' ' || kg_per_usd || ' kg x ' || gwp_100, ' + ' order by gas)
            || ' = ' || sum(kg_per_usd * gwp_100) || ' kg CO2e/2022 USD purchaser price' as derivation
    from named
    where gas_group = 'fluorinated'
    group by naics_code
    having count(*) = 14 and count(gwp_100) = 14

),

unspecified as (

    select
        'epa_supply_chain_v1.3:naics:' || naics_code || ':hfcs_pfcs_unspecified' as factor_id,
        naics_code,
        'CO2e' as gas,
        kg_per_usd / 1000.0 as t_per_unit,
        'AR5' as gwp_set_of_source,
        kg_per_usd || ' kg CO2e (AR5, as published: EPA gives no species)/2022 USD purchaser price, '
            || 'HFCs and PFCs, unspecified' as derivation
    from named
    where gas_group = 'unspecified'

),

rows_per_gas as (

    select * from kyoto_gases
    union all
    select * from fluorinated
    union all
    select * from unspecified

),

final as (

    select
        r.factor_id,
        'naics:' || r.naics_code as factor_key,
        'spend_eeio' as factor_family,
        null::varchar as region,
        2022 as year_from,
        null::integer as year_to,
        'USD' as activity_unit,
        r.gas,
        r.t_per_unit,
        r.derivation || '; NAICS ' || r.naics_code || ' ' || c.naics_title || '; USEEIO ' || c.useeio_code
            || '; price year 2022' as derivation,
        'epa_supply_chain_factors_v1_3_naics_bygas_usd2022' as source_seed,
        'US EPA Supply Chain GHG Emission Factors v1.3 by NAICS-6, by gas, with margins (DOI 10.23719/1531143)'
            as source_document,
        'corroborated' as verification_status,
        false as is_custom,
        r.gwp_set_of_source,
        false as serves_earlier_years
    from rows_per_gas as r
    inner join common as c
        on c.naics_code = r.naics_code

)

select * from final
