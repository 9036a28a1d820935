-- Factor selection for every Scope 3 candidate (docs/methods.md M-S3-01 and M-FAC-02), and the
-- choice of one candidate per activity. One row per candidate, with its
-- factor version (factor_is_custom, factor_region, factor_year_from,
-- factor_year_to, factor_unit: the version's gases are joined to the chosen
-- candidates only, in int_scope3_emission_lines, so a million spend lines
-- with five gases each are not ranked as five million rows), and
--   candidate_status  'ok' or why not: no_mapping, no_factor, no_factor_for_year,
--                     no_factor_for_region, unit_mismatch, unknown_unit,
--                     no_quantity, no_fx_rate, no_price_index, unknown_direction
--   is_chosen         the candidate the activity's emission rows come from:
--                     the lowest method_rank with a factor (supplier-specific
--                     before average-data before spend-based), then a group
--                     custom factor before a shipped one, then the lowest
--                     key_rank (the documented key before bare aliases), then
--                     the lowest unit_rank (the documented unit before another
--                     unit the source row reaches: a custom factor per
--                     passenger.km wins over a shipped one per vehicle.km)
-- Factors come from the select_factors macro (custom before shipped, region,
-- validity year, unit dimension). Spend-based candidates are then re-priced
-- from the invoice year to the chosen factor's price year (its year_from) by
-- the ratio of int_scope3__spend_price_index_pairs (factor currency, price
-- year, invoice year). A factor without year_from, or with year_from = invoice
-- year, is not re-priced; a pair without both indices -> no_price_index.
with

purchase_candidates as (

    select * from {{ ref('int_scope3_purchases_prepared') }}

),

activity_candidates as (

    select * from {{ ref('int_scope3_activities_prepared') }}

),

candidates as (

    select * from purchase_candidates
    union all by name
    select * from activity_candidates

),

registry as (

    select * from {{ ref('int_factor_registry') }}

),

price_index_pairs as (

    select * from {{ ref('int_scope3__spend_price_index_pairs') }}

),

to_select as (

    select
        candidate_id as activity_id,
        factor_key,
        activity_year,
        quantity,
        unit,
        region_code,
        country_code
    from candidates
    where candidate_status = 'ready'

),

factored as (

    {{ select_factors('to_select', per_gas=false) }}

),

-- the macro reports a key whose factors all belong to other regions as a unit
-- mismatch (no candidate survives its region filter): name it
region_refined as (

    select
        x.*,
        case
            when x.factor_status = 'unit_mismatch' and not exists (
                select 1 from registry as r
                where r.factor_key = s.factor_key
                  and (r.region_code is null or r.region_code = s.region_code or r.region_code = s.country_code)
            ) then 'no_factor_for_region'
            else x.factor_status
        end as refined_status
    from factored as x
    inner join to_select as s
        on s.activity_id = x.activity_id

),

repriced as (

    select
        c.candidate_id,
        case when c.method = 'spend_based' then x.factor_year_from end as price_year,
        case
            when c.method <> 'spend_based' then 1.0
            when x.factor_year_from is null or x.factor_year_from = c.invoice_year then 1.0
            else pi.price_index_ratio
        end as price_index_ratio,
        pi.price_index_price_year,
        pi.price_index_invoice_year
    from candidates as c
    inner join region_refined as x
        on x.activity_id = c.candidate_id
        and x.refined_status = 'ok'
    left join price_index_pairs as pi
        on c.method = 'spend_based'
        and pi.currency_code = c.spend_currency
        and pi.price_year = x.factor_year_from
        and pi.invoice_year = c.invoice_year

),

evaluated as (

    select
        c.*,
        x.factor_is_custom,
        x.factor_region,
        x.factor_year_from,
        x.factor_year_to,
        x.factor_unit,
        x.is_factor_year_fallback,
        x.factor_selection_reason,
        x.factor_verification_status,
        p.price_year,
        p.price_index_ratio,
        p.price_index_price_year,
        p.price_index_invoice_year,
        x.factor_unit_quantity * p.price_index_ratio as factor_unit_quantity,
        case
            when c.candidate_status <> 'ready' then c.candidate_status
            when x.refined_status <> 'ok' then x.refined_status
            when p.price_index_ratio is null then 'no_price_index'
            else 'ok'
        end as candidate_status_final
    from candidates as c
    left join region_refined as x
        on x.activity_id = c.candidate_id
    left join repriced as p
        on p.candidate_id = c.candidate_id

),

final as (

    select
        activity_id,
        candidate_id,
        method_rank,
        key_rank,
        coalesce(unit_rank, 1) as unit_rank,
        method,
        factor_key,
        activity_year,
        quantity as candidate_quantity,
        unit as candidate_unit,
        region_code,
        country_code,
        candidate_status_final as candidate_status,
        -- the first candidate of its activity in the order of the header
        candidate_status_final = 'ok' and dense_rank() over (
            partition by activity_id
            order by case when candidate_status_final = 'ok' then 0 else 1 end,
                     method_rank, factor_is_custom desc nulls last, key_rank, coalesce(unit_rank, 1), candidate_id
        ) = 1 as is_chosen,
        factor_is_custom,
        factor_region,
        factor_year_from,
        factor_year_to,
        factor_unit,
        factor_unit_quantity,
        coalesce(is_factor_year_fallback, false) as is_factor_year_fallback,
        factor_selection_reason,
        factor_verification_status,
        case
            when method = 'supplier_specific' then case when factor_verification_status = 'verified' then 1 else 2 end
            else least(base_data_quality_score + case when is_factor_year_fallback then 1 else 0 end, 4)
        end as data_quality_score,
        spend_currency,
        invoice_year,
        fx_line_units_per_usd,
        fx_factor_units_per_usd,
        price_year,
        price_index_ratio,
        price_index_price_year,
        price_index_invoice_year,
        assumption_note,
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
    from evaluated

)

select * from final
