-- Every computed emission but the purchase lines' Scope 3 (int_emission_lines is both), one row per
-- activity record x gas (x Scope 2 method), before GWPs and boundary weights are applied (fct_emissions
-- does that). gwp_gas_key says which GWP applies: CH4 from fossil fuels takes
-- fossil CH4, from biomass non-fossil CH4 (docs/methods.md M-GWP-02).
-- A view: int_emission_lines_weighted__others stores its weighted rows.
{{ config(materialized='view') }}
with

combustion as (

    select * from {{ ref('int_fuel_combustion') }}
    where calc_status = 'ok'

),

combustion_gases as (

    select
        c.*,
        g.gas,
        g.gwp_gas_key,
        g.gas_mass_t,
        g.is_biogenic
    from combustion as c
    cross join lateral (
        values
            ('CO2', 'CO2', c.co2_t, c.is_biomass),
            ('CH4', case when c.is_biomass then 'CH4_NON_FOSSIL' else 'CH4_FOSSIL' end, c.ch4_t, false),
            ('N2O', 'N2O', c.n2o_t, false)
    ) as g(gas, gwp_gas_key, gas_mass_t, is_biogenic)
    where g.gas_mass_t is not null

),

scope1_combustion as (

    select
        source_record_key,
        facility_id,
        null::varchar as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        case when is_biogenic then 'biogenic' else '1' end as scope,
        null::varchar as scope2_method,
        null::integer as scope3_category,
        combustion_type || '_combustion' as source_type,
        fuel as activity_code,
        gas,
        gwp_gas_key,
        gas_mass_t,
        is_biogenic,
        'gbt32150_combustion_' || parameter_basis as method,
        case gas when 'CO2' then factor_id when 'CH4' then ch4_factor_id else n2o_factor_id end as factor_id,
        case when parameter_basis = 'default' then 'GB/T 32150 default parameters'
             else 'GB/T 32150 with ' || replace(parameter_basis, '_', ' ') end as factor_selection_reason,
        fuel_quantity as activity_quantity,
        fuel_unit as activity_unit,
        false as is_factor_year_fallback,
        case when parameter_basis = 'measured_ncv_and_cc' then 1 else 2 end as data_quality_score
    from combustion_gases

),

scope2_location as (

    select
        source_record_key,
        facility_id,
        null::varchar as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '2' as scope,
        'location' as scope2_method,
        null::integer as scope3_category,
        case when energy_type = 'electricity' then 'purchased_electricity' else 'purchased_' || energy_type end
            as source_type,
        energy_type as activity_code,
        'CO2' as gas,
        'CO2' as gwp_gas_key,
        co2_t as gas_mass_t,
        false as is_biogenic,
        method,
        factor_id,
        case when is_factor_year_fallback or is_factor_level_fallback
             then 'fallback: latest published factor not after the consumption year, configured level or national'
             else 'published factor of the consumption year, configured level' end as factor_selection_reason,
        case when energy_type = 'electricity' then energy_mwh else energy_gj end as activity_quantity,
        case when energy_type = 'electricity' then 'MWh' else 'GJ' end as activity_unit,
        is_factor_year_fallback or is_factor_level_fallback as is_factor_year_fallback,
        case when is_estimated or is_factor_year_fallback or is_factor_level_fallback then 3 else 2 end
            as data_quality_score
    from {{ ref('int_scope2_location') }}
    where factor_status = 'ok'

),

scope2_market as (

    select
        source_record_key,
        facility_id,
        null::varchar as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '2' as scope,
        'market' as scope2_method,
        null::integer as scope3_category,
        case when energy_type = 'electricity' then 'purchased_electricity' else 'purchased_' || energy_type end
            as source_type,
        energy_type as activity_code,
        'CO2' as gas,
        'CO2' as gwp_gas_key,
        co2_t as gas_mass_t,
        false as is_biogenic,
        method,
        factor_id,
        factor_selection_reason,
        case when energy_type = 'electricity' then energy_mwh else energy_gj end as activity_quantity,
        case when energy_type = 'electricity' then 'MWh' else 'GJ' end as activity_unit,
        coalesce(is_factor_year_fallback, false) or coalesce(is_factor_level_fallback, false) as is_factor_year_fallback,
        case
            when instrument_id is not null then 2
            when is_estimated or is_factor_year_fallback or is_factor_level_fallback then 3
            else 2
        end as data_quality_score
    from {{ ref('int_scope2_market') }}
    where factor_status = 'ok'

),

scope1_process as (

    select
        source_record_key,
        facility_id,
        null::varchar as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '1' as scope,
        null::varchar as scope2_method,
        null::integer as scope3_category,
        'process' as source_type,
        process_key as activity_code,
        gas,
        gas as gwp_gas_key,
        gas_mass_t,
        false as is_biogenic,
        'process_factor' as method,
        factor_id,
        factor_selection_reason,
        factor_unit_quantity as activity_quantity,
        factor_unit as activity_unit,
        is_factor_year_fallback,
        case when is_factor_year_fallback then 3 else 2 end as data_quality_score
    from {{ ref('int_process_activity_factored') }}
    where factor_status = 'ok'

),

scope1_fugitive as (

    select
        source_record_key,
        facility_id,
        null::varchar as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '1' as scope,
        null::varchar as scope2_method,
        null::integer as scope3_category,
        'fugitive' as source_type,
        gas as activity_code,
        gas,
        gas as gwp_gas_key,
        gas_mass_t,
        false as is_biogenic,
        'fugitive_mass_balance' as method,
        'gwp:{{ var("gwp_set") }}:' || gas_key as factor_id,
        'mass balance; GWP of the species or blend in the configured set' as factor_selection_reason,
        emitted_kg as activity_quantity,
        'kg' as activity_unit,
        false as is_factor_year_fallback,
        2 as data_quality_score
    from {{ ref('int_fugitive_emissions') }}
    where calc_status = 'ok'

),

final as (

    select * from scope1_combustion
    union all by name
    select * from scope1_process
    union all by name
    select * from scope1_fugitive
    union all by name
    select * from scope2_location
    union all by name
    select * from scope2_market
    union all by name
    -- Scope 3 but the purchase lines (docs/methods.md "Scope 3"): same column set
    select * from {{ ref('int_scope3_emission_lines__activities') }}

)

select * from final
