-- The factor registry (docs/methods.md M-FAC-01): every factor the inventory can use, one
-- row per factor x gas, with its key, region, validity, activity unit, value
-- in tonnes of gas per activity unit, and its provenance. Shipped factors come
-- from the seeds (provenance from seeds/_seeds.yml meta); the group's own
-- factors from reference/custom_factors win over shipped ones for a key.
--   gwp_set_of_source     for a factor in CO2e (gas 'CO2e'), the GWP set it was
--                         built on: AR5 for DESNZ CO2e-only factors and EPA's
--                         unspecified HFCs/PFCs, the configured set for the EPA
--                         fluorinated-gas row, 'not stated' for a group custom
--                         CO2e factor; null for a gas mass (the configured set
--                         weighs it) and for a GWP value itself
--   serves_earlier_years  the first edition of a factor set published per year
--                         (DESNZ 2023) also serves activity years before it,
--                         flagged as a factor year fallback (select_factors)
with

provenance as (

    select * from ({{ seed_provenance() }})

),

grid as (

    select
        factor_id,
        'grid:' || factor_type as factor_key,
        'grid_electricity' as factor_family,
        region_code as region,
        data_year as year_from,
        data_year as year_to,
        'MWh' as activity_unit,
        'CO2' as gas,
        t_co2_per_mwh as t_per_unit,
        t_co2_per_mwh || ' tCO2/MWh (' || level || ')' as derivation,
        case when factor_type = 'ets' then 'other_reference_values'
             else 'cn_electricity_co2_factors_mee_nbs' end as source_seed,
        source_document,
        case when factor_type = 'ets' then 'corroborated' else 'corroborated' end as verification_status,
        false as is_custom,
        null::varchar as gwp_set_of_source,
        false as serves_earlier_years
    from {{ ref('int_grid_factors') }}

),

heat as (

    select
        'other_reference_values:' || key as factor_id,
        'purchased_heat' as factor_key,
        'purchased_heat' as factor_family,
        'CN' as region,
        null::integer as year_from,
        null::integer as year_to,
        'GJ' as activity_unit,
        'CO2' as gas,
        value as t_per_unit,
        value || ' tCO2/GJ' as derivation,
        'other_reference_values' as source_seed,
        source_document,
        status as verification_status,
        false as is_custom,
        null::varchar as gwp_set_of_source,
        false as serves_earlier_years
    from {{ ref('other_reference_values') }}
    where key = 'cn_purchased_heat_default'

),

custom as (

    select
        'custom:' || factor_key || ':' || coalesce(region, '*') || ':'
            || coalesce(cast(year_from as varchar), '') || '-' || coalesce(cast(year_to as varchar), '')
            || ':' || gas as factor_id,
        factor_key,
        'custom' as factor_family,
        region,
        year_from,
        year_to,
        unit as activity_unit,
        gas,
        kg_per_unit / 1000.0 as t_per_unit,
        kg_per_unit || ' kg ' || gas || '/' || unit as derivation,
        null::varchar as source_seed,
        source_citation as source_document,
        'group-supplied' as verification_status,
        true as is_custom,
        -- the group states no GWP set for a CO2e factor (the contract has no column for it)
        case when upper(gas) = 'CO2E' then 'not stated' end as gwp_set_of_source,
        false as serves_earlier_years
    from {{ ref('stg_reference__custom_factors') }}

),

gwp as (

    -- GWP100 values (t CO2e per t of gas): the "factor" of fugitive emissions
    select
        'gwp:' || gwp_set || ':' || gas_key as factor_id,
        'gwp:' || gas_key as factor_key,
        'gwp_' || lower(gwp_set) as factor_family,
        null::varchar as region,
        null::integer as year_from,
        null::integer as year_to,
        't' as activity_unit,
        'CO2e' as gas,
        gwp_100 as t_per_unit,
        gas || ' GWP100 ' || gwp_set || ' = ' || gwp_100 || ' (' || gwp_source || ')' as derivation,
        case when is_blend then 'refrigerant_blends' else 'ipcc_gwp100' end as source_seed,
        gwp_source as source_document,
        'verified' as verification_status,
        false as is_custom,
        null::varchar as gwp_set_of_source,
        false as serves_earlier_years
    from {{ ref('int_gwp_values') }}

),

instruments as (

    -- contractual instruments (market-based Scope 2): the instrument's own rate
    select
        'energy__renewable_instruments:' || instrument_id as factor_id,
        'instrument:' || instrument_type as factor_key,
        'scope2_contractual_instrument' as factor_family,
        null::varchar as region,
        reporting_year as year_from,
        reporting_year as year_to,
        'MWh' as activity_unit,
        'CO2' as gas,
        emission_factor_t_per_mwh as t_per_unit,
        instrument_type || ' ' || coalesce(cast(mwh as varchar), '?') || ' MWh at '
            || emission_factor_t_per_mwh || ' tCO2/MWh' as derivation,
        null::varchar as source_seed,
        source_record_key as source_document,
        'group-supplied' as verification_status,
        true as is_custom,
        null::varchar as gwp_set_of_source,
        false as serves_earlier_years
    from {{ ref('stg_energy__renewable_instruments') }}

),

unioned as (

    -- fuel combustion (docs/methods.md M-S1-01, M-S1-02): CO2 per fuel, IPCC CH4 and N2O
    select * from {{ ref('int_factors__fuel_combustion') }}
    union all select * from gwp
    union all select * from grid
    union all select * from heat
    union all select * from custom
    union all select * from instruments
    -- Scope 3 (docs/methods.md M-S3-01, M-S3-03): shipped EPA spend factors, DESNZ activity
    -- factors, and factors of value-chain partners (supplier footprints, investees)
    union all select * from {{ ref('int_factors__epa_supply_chain') }}
    union all select * from {{ ref('int_factors__desnz') }}
    union all select * from {{ ref('int_factors__value_chain_partners') }}

),

aliases as (

    select lower(trim(alias)) as alias_key, cast(region_code as varchar) as region_code
    from {{ ref('cn_province_aliases') }}

),

final as (

    select
        u.factor_id,
        u.factor_key,
        u.factor_family,
        u.region,
        -- the region as a code: a province name resolves to its 6-digit code
        coalesce(a.region_code, upper(trim(u.region))) as region_code,
        u.year_from,
        u.year_to,
        u.activity_unit,
        u.gas,
        u.t_per_unit,
        u.derivation,
        u.is_custom,
        u.source_seed,
        u.source_document,
        case when u.is_custom then 'the reporting group (reference/custom_factors)' else p.publisher end
            as publisher,
        case when u.is_custom then 'the group''s own' else p.licence end as licence,
        u.verification_status,
        u.gwp_set_of_source,
        u.serves_earlier_years,
        '{{ var("factor_set_version") }}' as factor_set_version
    from unioned as u
    left join provenance as p
        on p.seed_name = u.source_seed
    left join aliases as a
        on a.alias_key = lower(trim(u.region))

)

select * from final
