-- Default combustion parameters per fuel (docs/methods.md M-S1-01): NCV, carbon content
-- per heat, oxidation fraction (GB/T 32150-2015 Appendix B and supplements),
-- the fuel's canonical unit and state, and the IPCC 2006 CH4/N2O defaults
-- (kg/TJ) for stationary and mobile use.
with

defaults as (

    select *, 'cn_fuel_defaults' as parameter_seed from {{ ref('cn_fuel_defaults') }}
    union all
    select *, 'fuel_defaults_supplement' from {{ ref('fuel_defaults_supplement') }}

),

properties as (

    select * from {{ ref('fuel_properties') }}

),

non_co2 as (

    -- keys like ipcc2006_stationary_manufacturing_oil_ch4 / ipcc2006_mobile_road_diesel_n2o
    select
        regexp_extract(key, '^ipcc2006_(stationary|mobile)_', 1) as combustion_type,
        regexp_extract(key, '^ipcc2006_(?:stationary_manufacturing|mobile_road)_(.+)_(ch4|n2o)$', 1) as fuel_group,
        upper(regexp_extract(key, '_(ch4|n2o)$', 1)) as gas,
        value as kg_per_tj,
        key as reference_key,
        status
    from {{ ref('other_reference_values') }}
    where key like 'ipcc2006_%'

),

final as (

    select
        d.fuel,
        d.fuel_zh,
        p.physical_state,
        p.canonical_unit,
        p.is_biomass,
        p.density_t_per_l,
        d.ncv as ncv_gj_per_unit,
        d.ncv_unit,
        d.carbon_content_tc_per_gj,
        d.oxidation_fraction,
        d.source_document,
        d.status as verification_status,
        d.parameter_seed,
        p.ipcc_fuel_group,
        p.ipcc_mobile_fuel_group,
        s_ch4.kg_per_tj as stationary_ch4_kg_per_tj,
        s_n2o.kg_per_tj as stationary_n2o_kg_per_tj,
        m_ch4.kg_per_tj as mobile_ch4_kg_per_tj,
        m_n2o.kg_per_tj as mobile_n2o_kg_per_tj
    from defaults as d
    left join properties as p
        on p.fuel = d.fuel
    left join non_co2 as s_ch4
        on s_ch4.combustion_type = 'stationary' and s_ch4.fuel_group = p.ipcc_fuel_group and s_ch4.gas = 'CH4'
    left join non_co2 as s_n2o
        on s_n2o.combustion_type = 'stationary' and s_n2o.fuel_group = p.ipcc_fuel_group and s_n2o.gas = 'N2O'
    left join non_co2 as m_ch4
        on m_ch4.combustion_type = 'mobile' and m_ch4.fuel_group = p.ipcc_mobile_fuel_group and m_ch4.gas = 'CH4'
    left join non_co2 as m_n2o
        on m_n2o.combustion_type = 'mobile' and m_n2o.fuel_group = p.ipcc_mobile_fuel_group and m_n2o.gas = 'N2O'

)

select * from final
