-- GWP100 per gas key and IPCC assessment (docs/methods.md M-GWP-01), long form:
-- one row per gas_key x gwp_set. Species from the IPCC table (plus CO2 = 1),
-- CH4 split into fossil / non-fossil (AR6 29.8 / 27.0; AR4 and AR5 use one
-- value for both), and refrigerant blends as the mass-fraction-weighted sum of
-- their components' GWPs (R-410A = 0.5 HFC-32 + 0.5 HFC-125).
-- gas_key is the spelling-insensitive join key (normalize_gas_key macro).
with

species as (

    select Species as gas, AR4GWP100 as ar4, AR5GWP100 as ar5, AR6GWP100 as ar6
    from {{ ref('ipcc_gwp100') }}
    union all
    select Species, AR4GWP100, AR5GWP100, AR6GWP100
    from {{ ref('gwp_supplement') }}

),

species_long as (

    select gas, 'AR4' as gwp_set, ar4 as gwp_100, 'ipcc_gwp100' as gwp_source from species where ar4 is not null
    union all
    select gas, 'AR5', ar5, 'ipcc_gwp100' from species where ar5 is not null
    union all
    select gas, 'AR6', ar6, 'ipcc_gwp100' from species where ar6 is not null

),

reference_values as (

    select * from {{ ref('other_reference_values') }}

),

methane as (

    select 'CH4_FOSSIL' as gas, gwp_set, gwp_100, gwp_source
    from species_long where gas = 'CH4' and gwp_set in ('AR4', 'AR5')
    union all
    select 'CH4_NON_FOSSIL', gwp_set, gwp_100, gwp_source
    from species_long where gas = 'CH4' and gwp_set in ('AR4', 'AR5')
    union all
    select 'CH4_FOSSIL', 'AR6', value, 'other_reference_values:gwp_ar6_ch4_fossil'
    from reference_values where key = 'gwp_ar6_ch4_fossil'
    union all
    select 'CH4_NON_FOSSIL', 'AR6', value, 'other_reference_values:gwp_ar6_ch4_non_fossil'
    from reference_values where key = 'gwp_ar6_ch4_non_fossil'

),

singles as (

    select {{ normalize_gas_key('gas') }} as gas_key, gas, gwp_set, gwp_100, gwp_source, false as is_blend
    from species_long
    union all
    select {{ normalize_gas_key('gas') }}, gas, gwp_set, gwp_100, gwp_source, false
    from methane

),

blend_components as (

    select
        {{ normalize_gas_key('blend') }} as gas_key,
        blend as gas,
        {{ normalize_gas_key('component') }} as component_key,
        mass_fraction
    from {{ ref('refrigerant_blends') }}

),

blends as (

    -- A blend has a GWP in a set only when every component has one.
    select
        b.gas_key,
        any_value(b.gas) as gas,
        s.gwp_set,
        sum(b.mass_fraction * s.gwp_100) as gwp_100,
        'refrigerant_blends x ipcc_gwp100' as gwp_source,
        true as is_blend
    from blend_components as b
    inner join singles as s
        on s.gas_key = b.component_key
    group by b.gas_key, s.gwp_set
    having count(*) = (select count(*) from blend_components as c where c.gas_key = b.gas_key)

),

co2e as (

    -- a factor already expressed in CO2e (custom factors with gas = CO2e)
    select 'CO2E' as gas_key, 'CO2e' as gas, gwp_set, 1.0 as gwp_100, 'identity' as gwp_source, false as is_blend
    from (values ('AR4'), ('AR5'), ('AR6')) as t(gwp_set)

),

final as (

    select * from singles
    union all
    select * from co2e
    union all
    select * from blends

)

select * from final
