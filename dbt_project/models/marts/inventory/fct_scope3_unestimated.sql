-- Scope 3 activities that no method could estimate (docs/methods.md M-UNE-01), one row per
-- activity (a purchase line, shipment, trip, survey row, waste record,
-- investment, other value-chain record, or a fuel record / electricity month
-- piece for category 3), with the Scope 3 and ISO 14064-1 category, the owning
-- entity, what was reported, every method tried and the reason. Counted in the
-- run summary through fct_unestimated_activity; never a silent zero.
with

unestimated as (

    select * from {{ ref('int_scope3_unestimated') }}

),

facilities as (

    select facility_id, entity_id from {{ ref('stg_erp__facilities') }}

),

final as (

    select
        u.activity_id,
        u.source_record_key,
        u.dataset_key,
        u.component,
        cast(u.scope3_category as integer) as scope3_category,
        {{ iso_category("'3'", 'u.scope3_category') }}::integer as iso_category,
        coalesce(u.entity_id, f.entity_id) as entity_id,
        u.facility_id,
        cast(u.reporting_year as bigint) as reporting_year,
        u.period_start,
        u.period_end,
        u.period_grain,
        u.source_type,
        u.activity_code,
        u.reported_spend_amount as spend_amount,
        u.reported_currency_code as currency_code,
        u.reported_quantity as quantity,
        u.reported_unit as unit,
        u.methods_tried,
        u.reason_code,
        u.reason_detail,
        u.data_quality_score
    from unestimated as u
    left join facilities as f
        on f.facility_id = u.facility_id

)

-- Scope 3 gaps of the reporting years only (docs/methods.md M-PER-01)
select * from final
where {{ in_reporting_years('reporting_year') }}
