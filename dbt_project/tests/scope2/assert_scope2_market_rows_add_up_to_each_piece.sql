-- Market-based Scope 2: the rows of a reading-month piece (instruments +
-- residual) add up to the piece's MWh, so market and location methods
-- account for the same consumption; and no facility-year is negative.
with

market as (

    select * from {{ ref('int_scope2_market') }}

),

location as (

    select * from {{ ref('int_scope2_location') }}

),

market_pieces as (

    select source_record_key, period_start, sum(energy_mwh) as energy_mwh, count(*) as n_rows
    from market
    group by source_record_key, period_start

),

piece_mismatch as (

    select
        'piece MWh differ from int_scope2_location' as failure,
        l.source_record_key,
        l.period_start,
        l.energy_mwh as expected_value,
        m.energy_mwh as actual_value
    from location as l
    left join market_pieces as m
        on m.source_record_key = l.source_record_key
        and m.period_start = l.period_start
    where m.source_record_key is null
       or abs(m.energy_mwh - l.energy_mwh) > 1e-9 * greatest(1, abs(l.energy_mwh))

),

negative_facility_years as (

    select
        'negative market-based tCO2 of a facility-year' as failure,
        facility_id || ':' || reporting_year as source_record_key,
        null::date as period_start,
        0.0 as expected_value,
        sum(co2_t) as actual_value
    from market
    group by facility_id, reporting_year
    having sum(co2_t) < 0

)

select * from piece_mismatch
union all
select * from negative_facility_years
