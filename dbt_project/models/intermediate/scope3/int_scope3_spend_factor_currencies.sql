-- The currencies each spend factor key has factors in (docs/methods.md M-S3-02):
-- the canonical money units of the key's registry rows, and the first year_from
-- of the key in that currency. A spend factor's year_from is its price year, not
-- the start of its validity: int_scope3_purchases_prepared selects spend factors
-- as of max(invoice year, this first year_from), so a 2022-USD factor also
-- serves 2021 invoices (re-priced to 2022). Grain: factor key x factor currency.
-- A view over the registry, read by int_scope3_purchases_prepared only.
{{ config(materialized='view') }}
with

registry as (

    select * from {{ ref('int_factor_registry') }}

),

units as (

    select * from {{ ref('units') }}

),

-- the currencies (canonical money units) each spend key has factors in,
-- and the first year_from of the key in that currency
spend_currencies as (

    select
        r.factor_key,
        u.canonical_unit as factor_currency,
        min(r.year_from) as first_year_from
    from registry as r
    inner join units as u
        on u.unit = r.activity_unit
        and u.dimension = 'money'
    group by all

)

select * from spend_currencies
