-- Activity that is not in the inventory, with the reason: listed, counted in
-- the run summary, never a silent zero. Two kinds: activity no rule could turn
-- into an emission (no factor, unknown unit, ...), and calendarised pieces of a
-- year outside the reporting years (int_reporting_years, docs/methods.md M-PER-02), held
-- with reason `outside_reporting_period` whether or not they could be computed
-- (a Dec 26 - Jan 25 reading's January part after the last reporting year).
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

not_computed as (

    select * from fuel
    union all select * from process
    union all select * from fugitive
    union all select * from energy
    union all select * from scope2_no_factor
    union all select * from scope3

),

reporting_years as (

    -- the years fct_emissions computes (reporting years and configured base years)
    select reporting_year from {{ ref('int_inventory_years') }}

),

computed_outside as (

    -- emission pieces of other years (every gas, method and category of one
    -- piece collapse to one row per record and activity)
    select
        source_record_key,
        replace(split_part(source_record_key, ':', 1), '__', '/') as dataset_key,
        facility_id,
        reporting_year,
        activity_code,
        max(activity_quantity) as quantity,
        activity_unit as unit,
        'outside_reporting_period' as reason_code
    from {{ ref('int_emission_lines') }}
    where reporting_year not in (select reporting_year from reporting_years)
    group by all

),

held as (

    select
        source_record_key, dataset_key, facility_id, reporting_year, activity_code, quantity, unit,
        'outside_reporting_period' as reason_code
    from not_computed
    where reporting_year not in (select reporting_year from reporting_years)

    union all

    select * from computed_outside

),

final as (

    select * from not_computed
    where reporting_year is null or reporting_year in (select reporting_year from reporting_years)

    union all

    -- one row per held record x year x activity, whatever made it appear twice
    select * from held
    qualify row_number() over (
        partition by source_record_key, reporting_year, activity_code
        order by dataset_key, unit, quantity desc
    ) = 1

)

select * from final
