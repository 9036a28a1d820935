-- Fuel combustion factors (docs/methods.md M-FAC-01, M-S1-01, M-S1-02) as registry rows:
--   * CO2 per fuel from the default parameters (int_fuel_parameters): key
--     `fuel:<fuel>`, region CN, NCV x CC x OF x 44/12 t CO2 per canonical unit;
--   * the IPCC 2006 CH4 and N2O defaults of stationary and mobile combustion
--     (other_reference_values, keys ipcc2006_*): key
--     `combustion_non_co2:<stationary|mobile>:<fuel>`, t of gas per TJ.
-- Same columns, in the same order, as the CTEs of int_factor_registry.
with

fuel_parameters as (

    select * from {{ ref('int_fuel_parameters') }}

),

fuel_co2 as (

    select
        parameter_seed || ':' || fuel as factor_id,
        'fuel:' || fuel as factor_key,
        'fuel_combustion_co2' as factor_family,
        'CN' as region,
        null::integer as year_from,
        null::integer as year_to,
        canonical_unit as activity_unit,
        'CO2' as gas,
        ncv_gj_per_unit * carbon_content_tc_per_gj * oxidation_fraction * 44.0 / 12.0 as t_per_unit,
        'NCV ' || ncv_gj_per_unit || ' ' || ncv_unit || ' x CC ' || carbon_content_tc_per_gj
            || ' tC/GJ x OF ' || oxidation_fraction || ' x 44/12' as derivation,
        parameter_seed as source_seed,
        source_document,
        verification_status,
        false as is_custom,
        null::varchar as gwp_set_of_source,
        false as serves_earlier_years
    from fuel_parameters

),

combustion_non_co2 as (

    select
        'other_reference_values:' || key as factor_id,
        'combustion_non_co2:' || regexp_extract(key, '^ipcc2006_([a-z]+)_', 1) || ':'
            || regexp_extract(key, '^ipcc2006_(?:stationary_manufacturing|mobile_road)_(.+)_(?:ch4|n2o)$', 1)
            as factor_key,
        'combustion_non_co2' as factor_family,
        null::varchar as region,
        null::integer as year_from,
        null::integer as year_to,
        'TJ' as activity_unit,
        upper(regexp_extract(key, '_(ch4|n2o)$', 1)) as gas,
        value / 1000.0 as t_per_unit,
        value || ' kg/TJ' as derivation,
        'other_reference_values' as source_seed,
        source_document,
        status as verification_status,
        false as is_custom,
        null::varchar as gwp_set_of_source,
        false as serves_earlier_years
    from {{ ref('other_reference_values') }}
    where key like 'ipcc2006_%'

),

unioned as (

    select * from fuel_co2
    union all select * from combustion_non_co2

)

select * from unioned
