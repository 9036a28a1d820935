-- Shipped activity factors for Scope 3 (METHODS.md 4 and 5) from the UK DESNZ
-- 2023 conversion factors (seed desnz_conversion_factors_2023_scope3, an
-- extract that keeps the DESNZ ID of every row): freight (t.km), business
-- travel and commuting (passenger.km, vehicle.km), waste (t, m3), well-to-tank
-- of fuels (kWh net CV) and UK electricity T&D / well-to-tank (kWh, region GB).
-- One row per factor key x gas. DESNZ gives per-gas values in kg CO2e with its
-- own AR5 GWPs: dividing by that GWP gives the gas mass, so the configured GWP
-- set applies downstream. Rows sharing key and gas add up (wtt:electricity =
-- generation + T&D). The edition is applied to every year (no validity
-- years): it is the only one shipped. Same columns, in the same order, as the
-- CTEs of int_factor_registry.
with

desnz as (

    select * from {{ ref('desnz_conversion_factors_2023_scope3') }}

),

grouped as (

    select
        factor_key,
        unit,
        gas,
        region,
        sum(kg_co2e_per_unit / desnz_gwp) / 1000.0 as t_per_unit,
        string_agg(desnz_id, '+' order by desnz_id) as desnz_ids,
        string_agg(
            kg_co2e_per_unit || ' kg CO2e' || case when gas <> 'CO2e' then ' of ' || gas || ' / GWP ' || desnz_gwp
                || ' (DESNZ ' || desnz_gwp_id || ')' else '' end
            || ' [' || desnz_id || ': ' || concat_ws(' / ', level_1, level_2, level_3, nullif(level_4, ''),
                                                      nullif(column_text, '')) || ']',
            ' + ' order by desnz_id) as derivation
    from desnz
    group by all

),

final as (

    select
        'desnz_2023:' || factor_key || ':' || unit || ':' || gas as factor_id,
        factor_key,
        'desnz_2023_' || split_part(factor_key, ':', 1) as factor_family,
        nullif(region, '') as region,
        null::integer as year_from,
        null::integer as year_to,
        unit as activity_unit,
        gas,
        t_per_unit,
        derivation || ' per ' || unit as derivation,
        'desnz_conversion_factors_2023_scope3' as source_seed,
        'UK Government GHG Conversion Factors for Company Reporting 2023 (DESNZ), ID ' || desnz_ids
            as source_document,
        'verified' as verification_status,
        false as is_custom
    from grouped

)

select * from final
