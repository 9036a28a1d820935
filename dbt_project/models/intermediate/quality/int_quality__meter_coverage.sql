-- Completeness of the meter readings (T/CAS 612 6.8, 9.1), the meter part of
-- int_quality__reporting_periods: one row per meter x calendar month, with the
-- readings (records, estimated ones) and `coverage_pct` the share of the month
-- the readings cover (interval data and billing cycles alike). The span is the
-- calendar months entirely inside the meter's first reading start and last
-- reading end, so the partial first and last months of a billing cycle are not
-- gaps; a month inside it without readings is a gap (coverage 0).
-- Same columns as the period coverage of the record datasets there.
with

meter_pieces as (

    select * from {{ ref('int_energy_consumption_monthly') }}

),

-- meters: seconds of each calendar month covered by readings
meter_months as (

    select
        meter_id,
        any_value(facility_id) as facility_id,
        cast(period_start as date) as period_start,
        sum(reading_count) as records,
        coalesce(sum(reading_count) filter (where is_estimated), 0) as estimated_records,
        sum(covered_seconds) as covered_seconds
    from meter_pieces
    where meter_id is not null
    group by meter_id, period_start

),

meter_spans as (

    select
        meter_id,
        any_value(facility_id) as facility_id,
        -- calendar months entirely inside [first reading start, last reading end]
        cast(case
            when min(first_reading_start_at) = date_trunc('month', min(first_reading_start_at))
                then date_trunc('month', min(first_reading_start_at))
            else date_trunc('month', min(first_reading_start_at)) + interval 1 month
        end as date) as first_period_start,
        cast(date_trunc('month', max(last_reading_end_at)) - interval 1 month as date) as last_period_start
    from meter_pieces
    where meter_id is not null
    group by meter_id

),

meter_spine as (

    select
        meter_id, facility_id,
        cast(unnest(generate_series(first_period_start, last_period_start, interval 1 month)) as date)
            as period_start
    from meter_spans
    where last_period_start >= first_period_start

),

meter_coverage as (

    select
        'energy/meter_readings' as dataset_key,
        'meter' as subject_type,
        sp.meter_id as subject_id,
        sp.facility_id,
        'month' as period_grain,
        sp.period_start,
        coalesce(m.records, 0) as records,
        coalesce(m.estimated_records, 0) as estimated_records,
        100.0 * coalesce(m.covered_seconds, 0)
            / (epoch(sp.period_start + interval 1 month) - epoch(sp.period_start)) as coverage_pct
    from meter_spine as sp
    left join meter_months as m
        on m.meter_id = sp.meter_id
        and m.period_start = sp.period_start

)

select * from meter_coverage
