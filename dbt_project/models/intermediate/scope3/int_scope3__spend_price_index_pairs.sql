-- The re-pricing ratios of spend_price_indices (docs/methods.md M-S3-02): for
-- each currency, every pair of two different years it has an index for, as
-- price year (a spend factor's year_from) and invoice year, with both index
-- values and price_index_ratio = index(price year) / index(invoice year).
-- Grain: currency x price year x invoice year. A view over the seed, read by
-- int_scope3_candidates_factored only (a pair missing here: no_price_index).
{{ config(materialized='view') }}
with

price_indices as (

    select currency_code, price_year, index_value from {{ ref('spend_price_indices') }}

),

pairs as (

    select
        p.currency_code,
        p.price_year,
        i.price_year as invoice_year,
        p.index_value as price_index_price_year,
        i.index_value as price_index_invoice_year,
        p.index_value / i.index_value as price_index_ratio
    from price_indices as p
    inner join price_indices as i
        on i.currency_code = p.currency_code
        and i.price_year <> p.price_year

)

select * from pairs
