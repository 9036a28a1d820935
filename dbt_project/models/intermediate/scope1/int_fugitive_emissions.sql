-- Scope 1 fugitive emissions, mass-balance method (docs/methods.md M-S1-04; GHG Protocol
-- HFC tool / IPCC): emitted kg = inventory decrease + purchased - disposed -
-- capacity increase (a missing term counts as 0). The gas keeps its name (a
-- species or a blend); CO2e comes from the species' GWP or the blend's
-- mass-weighted GWP in fct_emissions. A negative balance cannot be an
-- emission: it is listed as a finding (negative_mass_balance), as is a gas
-- without a GWP in the configured set (no_gwp).
{% set gwp_set = var('gwp_set') %}
with

refrigerants as (

    select * from {{ ref('stg_erp__refrigerants') }}

),

gwp as (

    select gas_key from {{ ref('int_gwp_values') }} where gwp_set = '{{ gwp_set }}'

),

balanced as (

    select
        *,
        coalesce(inventory_decrease_kg, 0) + coalesce(purchased_kg, 0)
            - coalesce(disposed_kg, 0) - coalesce(capacity_increase_kg, 0) as emitted_kg
    from refrigerants

),

final as (

    select
        b.source_record_key,
        b.facility_id,
        b.period,
        b.period_start,
        b.period_end,
        b.period_grain,
        b.reporting_year,
        b.gas,
        b.gas_key,
        b.inventory_decrease_kg,
        b.purchased_kg,
        b.disposed_kg,
        b.capacity_increase_kg,
        b.emitted_kg,
        b.emitted_kg / 1000.0 as gas_mass_t,
        case
            when b.emitted_kg < 0 then 'negative_mass_balance'
            when g.gas_key is null then 'no_gwp'
            else 'ok'
        end as calc_status
    from balanced as b
    left join gwp as g
        on g.gas_key = b.gas_key

)

select * from final
