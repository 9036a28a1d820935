-- Purchases (Scope 3 categories 1 and 2, docs/methods.md M-S3-01) as factor-selection
-- candidates: one row per purchase line x method it could use, best first.
--   method_rank 1  supplier_specific: a supplier_footprints row for the line's
--                  supplier, category code and invoice year; quantity x footprint
--   method_rank 2  average_data: category_map.activity_factor_key; quantity x factor
--   method_rank 3  spend_based: category_map.spend_factor_key; the spend converted
--                  to each currency the key has factors in, with the group's
--                  fx_rates of the invoice year (units per USD; USD = 1):
--                  spend / rate(line currency) x rate(factor currency).
--                  The re-pricing to the factor's price year happens once the
--                  factor is chosen (int_scope3_candidates_factored).
-- is_capital -> category 2, else the category_map's category
-- (int_scope3_purchase_lines_mapped). A line with no usable mapping keeps one
-- row with candidate_status 'no_mapping'; a candidate that cannot be tried
-- says why ('no_quantity', 'no_fx_rate'). Spend factors are selected as of
-- max(invoice year, the key's first year_from: int_scope3_spend_factor_currencies).
with

lines as (

    select * from {{ ref('int_scope3_purchase_lines_mapped') }}

),

fx as (

    -- one rate per currency and year (int_fx_rates)
    select * from {{ ref('int_fx_rates') }}

),

spend_currencies as (

    select * from {{ ref('int_scope3_spend_factor_currencies') }}

),

supplier_specific as (

    select
        l.source_record_key,
        1 as method_rank,
        1 as key_rank,
        'supplier_specific' as method,
        'supplier:' || l.supplier_id || ':' || l.category_code as factor_key,
        l.reporting_year as activity_year,
        l.quantity,
        l.unit,
        null::varchar as factor_currency,
        null::double as fx_line_units_per_usd,
        null::double as fx_factor_units_per_usd,
        case when l.quantity is null or l.unit is null then 'no_quantity' else 'ready' end as candidate_status
    from lines as l
    where l.has_supplier_footprint

),

average_data as (

    select
        source_record_key,
        2 as method_rank,
        1 as key_rank,
        'average_data' as method,
        activity_factor_key as factor_key,
        reporting_year as activity_year,
        quantity,
        unit,
        null::varchar as factor_currency,
        null::double as fx_line_units_per_usd,
        null::double as fx_factor_units_per_usd,
        case when quantity is null or unit is null then 'no_quantity' else 'ready' end as candidate_status
    from lines
    where activity_factor_key is not null

),

spend_targets as (

    -- one target currency per currency the key has factors in; a key without
    -- any factor keeps the line's own currency (factor selection says no_factor)
    select
        l.*,
        coalesce(c.factor_currency, l.currency_code) as factor_currency,
        greatest(l.reporting_year, coalesce(c.first_year_from, l.reporting_year)) as spend_activity_year
    from lines as l
    left join spend_currencies as c
        on c.factor_key = l.spend_factor_key
    where l.spend_factor_key is not null

),

spend_based as (

    select
        t.source_record_key,
        3 as method_rank,
        1 as key_rank,
        'spend_based' as method,
        t.spend_factor_key as factor_key,
        t.spend_activity_year as activity_year,
        case
            when t.currency_code = t.factor_currency then t.spend_amount
            else t.spend_amount
                / case when t.currency_code = 'USD' then coalesce(fl.units_per_usd, 1.0) else fl.units_per_usd end
                * case when t.factor_currency = 'USD' then coalesce(ff.units_per_usd, 1.0) else ff.units_per_usd end
        end as quantity,
        t.factor_currency as unit,
        t.factor_currency,
        case when t.currency_code = 'USD' then coalesce(fl.units_per_usd, 1.0) else fl.units_per_usd end
            as fx_line_units_per_usd,
        case when t.factor_currency = 'USD' then coalesce(ff.units_per_usd, 1.0) else ff.units_per_usd end
            as fx_factor_units_per_usd,
        case
            when t.spend_amount is null or t.currency_code is null then 'no_quantity'
            when t.currency_code = t.factor_currency then 'ready'
            when (t.currency_code <> 'USD' and fl.units_per_usd is null)
              or (t.factor_currency <> 'USD' and ff.units_per_usd is null) then 'no_fx_rate'
            else 'ready'
        end as candidate_status
    from spend_targets as t
    left join fx as fl
        on fl.currency_code = t.currency_code
        and fl.rate_year = t.reporting_year
    left join fx as ff
        on ff.currency_code = t.factor_currency
        and ff.rate_year = t.reporting_year

),

candidates as (

    select * from supplier_specific
    union all by name
    select * from average_data
    union all by name
    select * from spend_based

),

unmapped as (

    -- nothing to try: no category_map row, or a row with neither factor key
    -- (and no supplier footprint)
    select
        l.source_record_key,
        9 as method_rank,
        1 as key_rank,
        'none' as method,
        null::varchar as factor_key,
        l.reporting_year as activity_year,
        l.quantity,
        l.unit,
        'no_mapping' as candidate_status
    from lines as l
    where not exists (select 1 from candidates as c where c.source_record_key = l.source_record_key)

),

all_candidates as (

    select * from candidates
    union all by name
    select * from unmapped

),

final as (

    select
        l.source_record_key || '|purchase' as activity_id,
        l.source_record_key || '|purchase#' || c.method_rank || '.' || c.key_rank
            || coalesce('.' || c.factor_currency, '') as candidate_id,
        c.method_rank,
        c.key_rank,
        c.method,
        c.factor_key,
        c.activity_year,
        c.quantity,
        c.unit,
        null::varchar as region_code,
        l.country_code,
        c.candidate_status,
        case c.method when 'supplier_specific' then 1 when 'average_data' then 3 when 'spend_based' then 4 end
            as base_data_quality_score,
        c.factor_currency as spend_currency,
        l.reporting_year as invoice_year,
        c.fx_line_units_per_usd,
        c.fx_factor_units_per_usd,
        null::varchar as assumption_note,
        -- the activity
        l.source_record_key,
        'procurement/purchases' as dataset_key,
        'purchase' as component,
        l.scope3_category,
        l.entity_id,
        null::varchar as facility_id,
        l.reporting_year,
        l.invoice_date as period_start,
        l.invoice_date as period_end,
        'day' as period_grain,
        case l.scope3_category
            when 1 then 'purchased_goods_and_services'
            when 2 then 'capital_goods'
            else 'purchase'
        end as source_type,
        l.category_code as activity_code,
        l.spend_amount as reported_spend_amount,
        l.currency_code as reported_currency_code,
        l.quantity as reported_quantity,
        l.unit as reported_unit
    from all_candidates as c
    inner join lines as l
        on l.source_record_key = c.source_record_key

)

select * from final
