-- Scope 1 process emissions (docs/methods.md M-S1-03): quantity x purity_fraction x
-- process factor from the factor registry. The purity (pipelines/lib/contract.py
-- erp/process_activity, default 1) is the share of the input that reacts: 1,000 t
-- of limestone at 95 % CaCO3 releases 950 x 0.44 = 418 t CO2. From the
-- factor registry (custom before shipped, region, validity year; see the
-- select_factors macro). One row per activity record x gas, or one row with
-- factor_status <> 'ok' when no factor applies (listed, never zero).
with

process as (

    select * from {{ ref('stg_erp__process_activity') }}

),

facilities as (

    select * from {{ ref('int_facilities_located') }}

),

activities as (

    select
        p.source_record_key as activity_id,
        p.process_key as factor_key,
        p.reporting_year as activity_year,
        p.quantity * p.purity_fraction as quantity,
        p.unit,
        cast(f.region_code as varchar) as region_code,
        coalesce(f.country_code, 'CN') as country_code
    from process as p
    left join facilities as f
        on f.facility_id = p.facility_id

),

factored as (

    {{ select_factors('activities') }}

),

final as (

    select
        p.source_record_key,
        p.facility_id,
        p.period,
        p.period_start,
        p.period_end,
        p.period_grain,
        p.reporting_year,
        p.process_key,
        p.quantity,
        p.purity_fraction,
        p.quantity * p.purity_fraction as reacting_quantity,
        p.unit,
        x.gas,
        x.gas_mass_t,
        x.factor_id,
        x.factor_unit_quantity,
        x.factor_unit,
        x.is_factor_year_fallback,
        x.factor_selection_reason,
        x.factor_status
    from process as p
    inner join factored as x
        on x.activity_id = p.source_record_key

)

select * from final
