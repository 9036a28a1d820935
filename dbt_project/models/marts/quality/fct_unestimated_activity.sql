-- Activity that no rule could turn into an emission, with the reason: listed,
-- counted in the run summary, never a silent zero.
with

fuel as (

    select
        source_record_key,
        'erp/fuel_consumption' as dataset_key,
        facility_id,
        reporting_year,
        fuel as activity_code,
        quantity,
        unit,
        calc_status as reason_code
    from {{ ref('int_fuel_combustion') }}
    where calc_status <> 'ok'

),

energy as (

    select
        source_record_key,
        'energy/meter_readings' as dataset_key,
        facility_id,
        reporting_year,
        energy_type as activity_code,
        piece_quantity as quantity,
        unit,
        calc_status as reason_code
    from {{ ref('int_energy_consumption_monthly') }}
    where calc_status <> 'ok'

),

scope2_no_factor as (

    select
        source_record_key,
        'energy/meter_readings',
        facility_id,
        reporting_year,
        energy_type,
        energy_mwh,
        'MWh',
        'no_factor'
    from {{ ref('int_scope2_location') }}
    where factor_status <> 'ok'

),

process as (

    select
        source_record_key,
        'erp/process_activity',
        facility_id,
        reporting_year,
        process_key,
        quantity,
        unit,
        factor_status
    from {{ ref('int_process_activity_factored') }}
    where factor_status <> 'ok'

),

fugitive as (

    select
        source_record_key,
        'erp/refrigerants',
        facility_id,
        reporting_year,
        gas,
        emitted_kg,
        'kg',
        calc_status
    from {{ ref('int_fugitive_emissions') }}
    where calc_status <> 'ok'

),

scope3 as (

    -- Scope 3 activities no method could estimate (listed in full, with every
    -- method tried, in marts.fct_scope3_unestimated)
    select
        source_record_key,
        dataset_key,
        facility_id,
        reporting_year,
        activity_code,
        coalesce(reported_spend_amount, reported_quantity),
        case when reported_spend_amount is not null then reported_currency_code else reported_unit end,
        'scope3_cat' || coalesce(cast(scope3_category as varchar), '?') || '_' || reason_code
    from {{ ref('int_scope3_unestimated') }}

),

final as (

    select * from fuel
    union all select * from process
    union all select * from fugitive
    union all select * from energy
    union all select * from scope2_no_factor
    union all select * from scope3

)

select * from final
