-- Shipped activity factors for Scope 3 (docs/methods.md M-S3-03 and M-FAC-03) from the UK DESNZ
-- conversion factors, one seed per edition (desnz_conversion_factors_<year>_scope3,
-- extracts by seeds/scripts/extract_desnz.py that keep the DESNZ ID of every
-- row): freight (t.km), business travel and commuting (passenger.km,
-- vehicle.km), waste (t, m3), well-to-tank of fuels (kWh net CV) and UK
-- electricity T&D / well-to-tank (kWh, region GB).
-- One row per edition x factor key x gas. DESNZ gives per-gas values in kg CO2e
-- with its own AR5 GWPs: dividing by that GWP gives the gas mass, so the
-- configured GWP set applies downstream. Factors DESNZ publishes as CO2e only
-- (waste, well-to-tank) state that set: gwp_set_of_source = AR5. Rows sharing
-- edition, key and gas add up (wtt:electricity = generation + T&D).
-- Editions (docs/methods.md M-FAC-03: a factor set published per year is matched to the
-- activity year): an edition is valid for its own year only (year_from =
-- year_to = edition), so select_factors takes the 2024 edition for 2024, the
-- 2023 one for 2023, and for a later year the latest edition, flagged as a
-- factor year fallback. The first edition shipped also serves the years before
-- it (serves_earlier_years), flagged the same way: no earlier edition is
-- shipped, and leaving transport, travel, commuting, waste and well-to-tank of
-- those years unestimated would break the time series (docs/decisions.md,
-- "Factors by edition and gas").
-- Same columns, in the same order, as the CTEs of int_factor_registry.
{% set editions = [
    (2023, 'desnz_conversion_factors_2023_scope3', 'flat file v1.1', 'verified'),
    (2024, 'desnz_conversion_factors_2024_scope3', 'flat file', 'corroborated'),
] %}
with

desnz as (

    {% for year, seed, file, status in editions %}
    select
        {{ year }} as edition,
        '{{ seed }}' as source_seed,
        '{{ file }}' as flat_file,
        '{{ status }}' as verification_status,
        *
    from {{ ref(seed) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

grouped as (

    select
        edition,
        source_seed,
        flat_file,
        verification_status,
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

first_edition as (

    select min(edition) as edition from grouped

),

final as (

    select
        'desnz_' || g.edition || ':' || g.factor_key || ':' || g.unit || ':' || g.gas as factor_id,
        g.factor_key,
        'desnz_' || split_part(g.factor_key, ':', 1) as factor_family,
        nullif(g.region, '') as region,
        g.edition as year_from,
        g.edition as year_to,
        g.unit as activity_unit,
        g.gas,
        g.t_per_unit,
        g.derivation || ' per ' || g.unit || ' (DESNZ ' || g.edition || ')' as derivation,
        g.source_seed,
        'UK Government GHG Conversion Factors for Company Reporting ' || g.edition || ' (DESNZ, '
            || g.flat_file || '), ID ' || g.desnz_ids as source_document,
        g.verification_status,
        false as is_custom,
        case when g.gas = 'CO2e' then 'AR5' end as gwp_set_of_source,
        g.edition = f.edition as serves_earlier_years
    from grouped as g
    cross join first_edition as f

)

select * from final
