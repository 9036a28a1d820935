-- Exchange rates (docs/methods.md M-S3-02, M-INT-01), one row per currency x
-- year: the group's reference/fx_rates in units of the currency per USD (USD =
-- 1), one rate per currency and year, the last loaded file row winning
-- (greatest source_record_key); a rate that is not positive is never used.
-- The one place this choice is made: the Scope 3 spend conversion
-- (int_scope3_purchases_prepared) and the intensity denominators
-- (int_intensity__denominators) read it. A currency x year without a row has
-- no rate: the readers say no_fx_rate, never a zero.
with

fx_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}
    where units_per_usd > 0

),

ranked as (

    select
        currency_code,
        rate_year,
        units_per_usd,
        row_number() over (partition by currency_code, rate_year order by source_record_key desc) as preference
    from fx_rates

),

final as (

    select currency_code, rate_year, units_per_usd from ranked where preference = 1

)

select * from final
