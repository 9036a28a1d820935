-- Intensity denominators (docs/methods.md M-INT-01; T/CAS 612 6.4), one row per source row
-- and kind, converted to the unit the intensity divides by:
--   revenue, output_value  erp/financials amounts -> 10^4 of the reporting
--                          currency (var reporting_currency), with the group's
--                          fx_rates of the row's year (units per USD; USD = 1):
--                          amount / rate(row currency) x rate(reporting) / 10^4.
--                          Same currency -> no rate needed. A missing rate gives
--                          denominator_quantity null and conversion_status
--                          'no_fx_rate' (never a zero).
--   production             erp/production quantity -> the canonical unit of its
--                          unit (units seed: kg -> t, 10^4 pcs -> pcs); a unit the
--                          seed does not know stays as reported.
-- Each row carries its owner entity's window share (in_group_fraction, the
-- membership_fraction rule of fct_emissions: whole months from the month of
-- valid_from, annual rows pro-rated by days) and the entity's three
-- consolidation weights, so that fct_intensity weighs denominators exactly as
-- fct_emissions weighs emissions. This model converts; it does not aggregate.
{% set reporting_currency = var('reporting_currency') | upper %}
with

financials as (

    select * from {{ ref('stg_erp__financials') }}

),

production as (

    select * from {{ ref('stg_erp__production') }}

),

facilities as (

    select facility_id, entity_id from {{ ref('stg_erp__facilities') }}

),

weights as (

    select * from {{ ref('int_entity_weights') }}

),

units as (

    select unit, canonical_unit, factor_to_canonical from {{ ref('units') }}

),

fx_ranked as (

    -- one rate per currency and year (the last loaded file row wins), as in
    -- the Scope 3 spend conversion
    select
        currency_code,
        rate_year,
        units_per_usd,
        row_number() over (partition by currency_code, rate_year order by source_record_key desc) as preference
    from {{ ref('stg_reference__fx_rates') }}
    where units_per_usd > 0

),

fx as (

    select currency_code, rate_year, units_per_usd from fx_ranked where preference = 1

),

financial_amounts as (

    -- unpivot: one row per financial row and kind that has an amount
    select
        'revenue' as denominator_kind,
        entity_id,
        period,
        period_start,
        period_end,
        period_grain,
        reporting_year,
        revenue_amount as amount,
        currency_code,
        source_record_key
    from financials
    where revenue_amount is not null

    union all

    select
        'output_value' as denominator_kind,
        entity_id,
        period,
        period_start,
        period_end,
        period_grain,
        reporting_year,
        output_value_amount as amount,
        currency_code,
        source_record_key
    from financials
    where output_value_amount is not null

),

financial_rates as (

    select
        a.*,
        case when a.currency_code = 'USD' then coalesce(fs.units_per_usd, 1.0) else fs.units_per_usd end
            as fx_source_units_per_usd,
        case when '{{ reporting_currency }}' = 'USD' then coalesce(fr.units_per_usd, 1.0) else fr.units_per_usd end
            as fx_reporting_units_per_usd
    from financial_amounts as a
    left join fx as fs
        on fs.currency_code = a.currency_code
        and fs.rate_year = a.reporting_year
    left join fx as fr
        on fr.currency_code = '{{ reporting_currency }}'
        and fr.rate_year = a.reporting_year

),

financial_converted as (

    select
        denominator_kind,
        entity_id,
        null::varchar as facility_id,
        null::varchar as product,
        period,
        period_start,
        period_end,
        period_grain,
        reporting_year,
        amount as reported_quantity,
        currency_code as reported_unit,
        case
            when currency_code = '{{ reporting_currency }}' then amount / 10000.0
            when fx_source_units_per_usd is null or fx_reporting_units_per_usd is null then null
            else amount / fx_source_units_per_usd * fx_reporting_units_per_usd / 10000.0
        end as denominator_quantity,
        '10^4 {{ reporting_currency }}' as denominator_unit,
        case when currency_code <> '{{ reporting_currency }}' then fx_source_units_per_usd end
            as fx_source_units_per_usd,
        case when currency_code <> '{{ reporting_currency }}' then fx_reporting_units_per_usd end
            as fx_reporting_units_per_usd,
        case
            when currency_code is null then 'no_currency'
            when currency_code = '{{ reporting_currency }}' then 'ready'
            when fx_source_units_per_usd is null or fx_reporting_units_per_usd is null then 'no_fx_rate'
            else 'ready'
        end as conversion_status,
        source_record_key
    from financial_rates

),

production_converted as (

    select
        'production' as denominator_kind,
        f.entity_id,
        p.facility_id,
        p.product,
        p.period,
        p.period_start,
        p.period_end,
        p.period_grain,
        p.reporting_year,
        p.quantity as reported_quantity,
        p.unit as reported_unit,
        p.quantity * coalesce(u.factor_to_canonical, 1.0) as denominator_quantity,
        coalesce(u.canonical_unit, p.unit) as denominator_unit,
        null::double as fx_source_units_per_usd,
        null::double as fx_reporting_units_per_usd,
        case
            when p.quantity is null then 'no_quantity'
            when f.entity_id is null then 'unknown_facility'
            else 'ready'
        end as conversion_status,
        p.source_record_key
    from production as p
    left join facilities as f
        on f.facility_id = p.facility_id
    left join units as u
        on u.unit = p.unit

),

unioned as (

    select * from financial_converted
    union all
    select * from production_converted

),

final as (

    select
        u.denominator_kind,
        u.reporting_year,
        u.entity_id,
        u.facility_id,
        u.product,
        u.period,
        u.period_start,
        u.period_end,
        u.period_grain,
        u.reported_quantity,
        u.reported_unit,
        u.denominator_quantity,
        u.denominator_unit,
        u.fx_source_units_per_usd,
        u.fx_reporting_units_per_usd,
        u.conversion_status,
        w.entity_id is not null as is_in_boundary_tree,
        -- an entity outside the boundary tree is never in the group
        case
            when w.entity_id is null then 0.0
            else coalesce({{ membership_fraction('u.period_start', 'u.period_end', 'u.period_grain',
                                                 'w.in_group_from_date', 'w.in_group_to_date') }}, 0)
        end as in_group_fraction,
        coalesce(w.weight_equity_share, 0) as entity_weight_equity_share,
        coalesce(w.weight_operational_control, 0) as entity_weight_operational_control,
        coalesce(w.weight_financial_control, 0) as entity_weight_financial_control,
        u.source_record_key
    from unioned as u
    left join weights as w
        on w.entity_id = u.entity_id
    where u.reporting_year is not null

)

select * from final
