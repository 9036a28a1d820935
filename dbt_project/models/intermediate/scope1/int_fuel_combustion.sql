-- Scope 1 fuel combustion, one row per fuel record (docs/methods.md M-S1-01, GB/T 32150):
--   FC  fuel quantity in the fuel's canonical unit (t, or 10^4 Nm3 for gases)
--   E   energy, GJ = FC x NCV   (a measured NCV applies per reported unit)
--   CO2 = E x CC x OF x 44/12   (a measured CC overrides the default)
--   CH4, N2O = E / 1000 x IPCC 2006 default (kg/TJ) / 1000, stationary or mobile
-- Rows that cannot be computed keep calc_status <> 'ok' and surface in
-- fct_unestimated_activity; they never become a silent zero.
with

fuel as (

    select * from {{ ref('stg_erp__fuel_consumption') }}

),

parameters as (

    select * from {{ ref('int_fuel_parameters') }}

),

units as (

    select * from {{ ref('units') }}

),

joined as (

    select
        fuel.*,
        p.fuel is not null as is_known_fuel,
        p.physical_state,
        p.canonical_unit as fuel_unit,
        p.is_biomass,
        p.density_t_per_l,
        p.ncv_gj_per_unit as default_ncv_gj_per_unit,
        p.carbon_content_tc_per_gj as default_carbon_content_tc_per_gj,
        p.oxidation_fraction,
        p.parameter_seed,
        p.verification_status,
        p.ipcc_fuel_group,
        p.ipcc_mobile_fuel_group,
        p.stationary_ch4_kg_per_tj,
        p.stationary_n2o_kg_per_tj,
        p.mobile_ch4_kg_per_tj,
        p.mobile_n2o_kg_per_tj,
        u.dimension as reported_dimension,
        u.factor_to_canonical as reported_factor,
        fu.dimension as fuel_dimension,
        fu.factor_to_canonical as fuel_unit_factor
    from fuel
    left join parameters as p
        on p.fuel = fuel.fuel
    left join units as u
        on u.unit = fuel.unit
    left join units as fu
        on fu.unit = p.canonical_unit

),

converted as (

    select
        *,
        case
            when reported_dimension = fuel_dimension
                then quantity * reported_factor / fuel_unit_factor
            -- litres of a liquid fuel sold by mass: volume (m3) x 1000 L/m3 x density (t/L)
            when reported_dimension = 'volume' and fuel_dimension = 'mass' and density_t_per_l is not null
                then quantity * reported_factor * 1000 * density_t_per_l
        end as fuel_quantity,
        case when reported_dimension = 'energy' then quantity * reported_factor end as reported_energy_gj
    from joined

),

computed as (

    select
        *,
        case
            when measured_ncv_gj_per_unit is not null then quantity * measured_ncv_gj_per_unit
            when reported_energy_gj is not null then reported_energy_gj
            else fuel_quantity * default_ncv_gj_per_unit
        end as energy_gj,
        coalesce(measured_carbon_content_tc_per_gj, default_carbon_content_tc_per_gj) as carbon_content_tc_per_gj,
        case
            when has_measured_ncv and has_measured_carbon_content then 'measured_ncv_and_cc'
            when has_measured_ncv then 'measured_ncv'
            when has_measured_carbon_content then 'measured_cc'
            else 'default'
        end as parameter_basis,
        case
            when fuel is null or not is_known_fuel then 'unknown_fuel'
            when reported_dimension is null then 'unknown_unit'
            when measured_ncv_gj_per_unit is null and reported_energy_gj is null and fuel_quantity is null
                then 'unit_not_convertible'
            when combustion_type not in ('stationary', 'mobile') then 'unknown_use'
            else 'ok'
        end as calc_status
    from converted

),

final as (

    select
        source_record_key,
        record_id,
        facility_id,
        period,
        period_start,
        period_end,
        period_grain,
        reporting_year,
        fuel,
        combustion_type,
        quantity,
        unit,
        fuel_quantity,
        fuel_unit,
        energy_gj,
        coalesce(measured_ncv_gj_per_unit, default_ncv_gj_per_unit) as ncv_gj_per_unit,
        carbon_content_tc_per_gj,
        oxidation_fraction,
        parameter_basis,
        coalesce(is_biomass, false) as is_biomass,
        energy_gj * carbon_content_tc_per_gj * oxidation_fraction * 44.0 / 12.0 as co2_t,
        energy_gj / 1000.0 * case combustion_type
            when 'mobile' then coalesce(mobile_ch4_kg_per_tj, stationary_ch4_kg_per_tj)
            else stationary_ch4_kg_per_tj end / 1000.0 as ch4_t,
        energy_gj / 1000.0 * case combustion_type
            when 'mobile' then coalesce(mobile_n2o_kg_per_tj, stationary_n2o_kg_per_tj)
            else stationary_n2o_kg_per_tj end / 1000.0 as n2o_t,
        parameter_seed || ':' || fuel as factor_id,
        'other_reference_values:' || case
            when combustion_type = 'mobile' and mobile_ch4_kg_per_tj is not null
                then 'ipcc2006_mobile_road_' || ipcc_mobile_fuel_group || '_ch4'
            else 'ipcc2006_stationary_manufacturing_' || ipcc_fuel_group || '_ch4' end as ch4_factor_id,
        'other_reference_values:' || case
            when combustion_type = 'mobile' and mobile_n2o_kg_per_tj is not null
                then 'ipcc2006_mobile_road_' || ipcc_mobile_fuel_group || '_n2o'
            else 'ipcc2006_stationary_manufacturing_' || ipcc_fuel_group || '_n2o' end as n2o_factor_id,
        verification_status as factor_verification_status,
        calc_status
    from computed

)

select * from final
