-- Every computed Scope 3 emission (docs/methods.md "Scope 3"), one row per activity x gas,
-- in exactly the column set of the branches of int_emission_lines (which
-- unions it): scope '3', scope3_category set, the method the activity's best
-- candidate used (supplier_specific, average_data, spend_based,
-- distance_based, waste_type_specific, investment_specific), the factor
-- (dim_emission_factors.factor_id) and why it was chosen, and a data-quality
-- score (1 verified supplier data ... 4 spend-based or assumed; 5 is
-- unestimated and lives in int_scope3_unestimated). Activities reported per
-- entity carry entity_id and no facility; fct_emissions takes
-- coalesce(entity_id, the facility's entity).
-- CH4 of DESNZ transport, travel and electricity factors (every edition) is
-- fossil (CH4_FOSSIL under AR6); other gases take their own GWP (the EPA
-- supply-chain CH4, of mixed origin, the generic CH4 GWP).
with

-- why the factor, written once per activity (a million at scale M), before
-- the activity becomes one line per gas of its factor: materialized, or DuckDB
-- would write the sentence after the join, on each of 3.5 M lines (8 s -> 4 s)
chosen_candidates as materialized (

    select
        *,
        concat_ws('; ',
            method || ' (' || factor_key || ')',
            -- a supplier footprint is neither the group's custom factor nor a shipped one
            case when method = 'supplier_specific'
                 then replace(factor_selection_reason, 'shipped factor',
                              'supplier footprint, ' || coalesce(factor_verification_status, 'unverified'))
                 else factor_selection_reason end,
            case when method = 'spend_based' then
                'spend ' || reported_spend_amount || ' ' || reported_currency_code
                || case when reported_currency_code <> spend_currency
                        then ' -> ' || spend_currency || ' at ' || fx_line_units_per_usd || ' and '
                             || fx_factor_units_per_usd || ' units/USD (' || invoice_year || ')'
                        else '' end
                || case when price_index_ratio <> 1.0
                        then '; re-priced ' || invoice_year || ' -> ' || price_year || ' x '
                             || price_index_price_year || '/' || price_index_invoice_year
                        else '' end
            end,
            assumption_note
        ) as line_reason
    from {{ ref('int_scope3_candidates_factored') }}
    where is_chosen

),

registry as (

    select * from {{ ref('int_factor_registry') }}

),

-- the chosen candidate's factor version, one row per gas
chosen as (

    select
        c.*,
        r.gas,
        r.factor_id,
        c.factor_unit_quantity * r.t_per_unit as gas_mass_t
    from chosen_candidates as c
    inner join registry as r
        on {{ join_factor_gases('c', 'r') }}

),

investments as (

    select * from {{ ref('int_scope3_investments_apportioned') }}
    where calc_status = 'ok'

),

factored_lines as (

    select
        source_record_key,
        facility_id,
        entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '3' as scope,
        null::varchar as scope2_method,
        scope3_category,
        source_type,
        activity_code,
        gas,
        case when gas = 'CH4' and starts_with(factor_id, 'desnz_') then 'CH4_FOSSIL' else gas end as gwp_gas_key,
        gas_mass_t,
        false as is_biogenic,
        method,
        factor_id,
        line_reason as factor_selection_reason,
        factor_unit_quantity as activity_quantity,
        factor_unit as activity_unit,
        is_factor_year_fallback,
        data_quality_score
    from chosen

),

investment_lines as (

    select
        source_record_key,
        null::varchar as facility_id,
        investor_entity_id as entity_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        '3' as scope,
        null::varchar as scope2_method,
        15 as scope3_category,
        'investment' as source_type,
        investee_id as activity_code,
        'CO2e' as gas,
        'CO2e' as gwp_gas_key,
        apportioned_t as gas_mass_t,
        false as is_biogenic,
        'investment_specific' as method,
        'carbon_ledger:investee_reported_scope12' as factor_id,
        'investment_specific: investee-reported Scope 1 ' || coalesce(cast(investee_scope1_t as varchar), '-')
            || ' t + Scope 2 ' || coalesce(cast(investee_scope2_t as varchar), '-') || ' t x equity '
            || equity_pct || ' %; weighs 0 under any approach that consolidates the investee'
            as factor_selection_reason,
        apportioned_t as activity_quantity,
        't' as activity_unit,
        false as is_factor_year_fallback,
        2 as data_quality_score
    from investments

),

final as (

    select * from factored_lines
    union all by name
    select * from investment_lines

)

select
    source_record_key,
    facility_id,
    entity_id,
    cast(reporting_year as bigint) as reporting_year,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    period_grain,
    scope,
    scope2_method,
    cast(scope3_category as integer) as scope3_category,
    source_type,
    activity_code,
    gas,
    gwp_gas_key,
    cast(gas_mass_t as double) as gas_mass_t,
    is_biogenic,
    method,
    factor_id,
    factor_selection_reason,
    cast(activity_quantity as double) as activity_quantity,
    activity_unit,
    is_factor_year_fallback,
    cast(data_quality_score as integer) as data_quality_score
from final
