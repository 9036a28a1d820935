-- Scope 3 activities that no method could estimate (docs/methods.md M-UNE-01: "listed as
-- unestimated (score 5), counted and shown, never silently zero"), one row per
-- activity, with the reason:
--   reason_code     the reason of the last fallback tried (the spend-based
--                   method for a purchase, else the documented factor key):
--                   no_mapping, no_factor, no_factor_for_year,
--                   no_factor_for_region, unit_mismatch, unknown_unit,
--                   no_quantity, no_fx_rate, no_price_index, unknown_direction,
--                   no_emissions_data, no_equity_pct
--   reason_detail   every candidate tried: 'method key: reason; ...'
with

candidates as (

    select * from {{ ref('int_scope3_candidates_factored') }}

),

investments as (

    select * from {{ ref('int_scope3_investments_apportioned') }}
    where calc_status not in ('ok', 'consolidated_in_inventory', 'counted_from_entity_tree')

),

per_candidate as (

    select
        activity_id,
        candidate_id,
        method_rank,
        key_rank,
        unit_rank,
        method,
        factor_key,
        candidate_unit,
        candidate_status
    from candidates
    where activity_id not in (select activity_id from candidates where is_chosen)

),

reasons as (

    select
        activity_id,
        arg_max(candidate_status, method_rank * 1000 - key_rank * 10 - unit_rank) as reason_code,
        string_agg(method || ' ' || coalesce(factor_key, '(no key)')
                   || case when unit_rank > 1 then ' (' || candidate_unit || ')' else '' end
                   || ': ' || candidate_status, '; '
                   order by method_rank, key_rank, unit_rank, candidate_id) as reason_detail,
        string_agg(distinct method, ', ' order by method) as methods_tried
    from per_candidate
    group by activity_id

),

activities as (

    select distinct on (activity_id)
        activity_id,
        source_record_key,
        dataset_key,
        component,
        scope3_category,
        entity_id,
        facility_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        source_type,
        activity_code,
        reported_spend_amount,
        reported_currency_code,
        reported_quantity,
        reported_unit
    from candidates
    where activity_id in (select activity_id from reasons)
    order by activity_id

),

factored_unestimated as (

    select
        a.*,
        r.methods_tried,
        r.reason_code,
        r.reason_detail
    from activities as a
    inner join reasons as r
        on r.activity_id = a.activity_id

),

investment_unestimated as (

    select
        source_record_key || '|investment' as activity_id,
        source_record_key,
        'procurement/investments' as dataset_key,
        'investment' as component,
        15 as scope3_category,
        investor_entity_id as entity_id,
        null::varchar as facility_id,
        reporting_year,
        period_start,
        period_end,
        period_grain,
        'investment' as source_type,
        investee_id as activity_code,
        null::double as reported_spend_amount,
        null::varchar as reported_currency_code,
        investee_scope12_t as reported_quantity,
        't' as reported_unit,
        'investment_specific' as methods_tried,
        calc_status as reason_code,
        'investment_specific: ' || calc_status as reason_detail
    from investments

),

final as (

    select *, 5 as data_quality_score from factored_unestimated
    union all by name
    select *, 5 as data_quality_score from investment_unestimated

)

select * from final
