-- Every fuel code accepted in erp/fuel_consumption (fuel_properties) has default
-- NCV / carbon content / oxidation in exactly one of the two defaults seeds, and
-- the NCV's denominator is the fuel's canonical activity unit: the combustion
-- formula FC × NCV × CC × OF × 44/12 needs FC in that unit.

with

fuel_properties as (
    select * from {{ ref('fuel_properties') }}
),

fuel_defaults as (
    select fuel, ncv_unit, 'cn_fuel_defaults' as seed_name from {{ ref('cn_fuel_defaults') }}
    union all
    select fuel, ncv_unit, 'fuel_defaults_supplement' as seed_name from {{ ref('fuel_defaults_supplement') }}
),

checked as (
    select
        fuel_properties.fuel,
        fuel_properties.canonical_unit,
        count(fuel_defaults.fuel) as n_default_rows,
        min(fuel_defaults.ncv_unit) as ncv_unit
    from fuel_properties
    left join fuel_defaults
        on fuel_properties.fuel = fuel_defaults.fuel
    group by fuel_properties.fuel, fuel_properties.canonical_unit
),

failures as (
    select *
    from checked
    where n_default_rows <> 1
        or ncv_unit is distinct from 'GJ/' || canonical_unit
)

select * from failures
