-- Completeness measure (T/CAS 612 6.8, 9.1): one row per data stream x
-- reporting subject x period between the subject's first and last report.
-- A period without records is a gap; `is_expected` says whether the subject
-- had to report then (inside the boundary, facility open). For meters the
-- subject is the meter and `coverage_pct` the share of the month its readings
-- cover (interval data and billing cycles alike); the span is the calendar
-- months entirely inside the meter's first reading start and last reading end,
-- so the partial first and last months of a billing cycle are not gaps
-- (int_quality__meter_coverage).
-- Monthly streams are judged on records with a monthly period; waste on years.
-- The data quality plan decides which streams must be complete and how much.
with

fuel as (

    select * from {{ ref('stg_erp__fuel_consumption') }}

),

process as (

    select * from {{ ref('stg_erp__process_activity') }}

),

production as (

    select * from {{ ref('stg_erp__production') }}

),

financials as (

    select * from {{ ref('stg_erp__financials') }}

),

invoices as (

    select * from {{ ref('stg_energy__energy_invoices') }}

),

waste as (

    select * from {{ ref('stg_procurement__waste') }}

),

-- meters: the share of each calendar month covered by readings
meter_coverage as (

    select * from {{ ref('int_quality__meter_coverage') }}

),

subjects as (

    select * from {{ ref('int_quality__subjects_in_boundary') }}

),

-- one row per stream x subject x period that has records
period_records as (

    select
        'erp/fuel_consumption' as dataset_key, 'facility' as subject_type, facility_id as subject_id,
        facility_id, period_start, 'month' as period_grain, count(*) as records, 0 as estimated_records
    from fuel where period_grain = 'month' and facility_id is not null
    group by facility_id, period_start

    union all

    select 'erp/process_activity', 'facility', facility_id, facility_id, period_start, 'month', count(*), 0
    from process where period_grain = 'month' and facility_id is not null
    group by facility_id, period_start

    union all

    select 'erp/production', 'facility', facility_id, facility_id, period_start, 'month', count(*), 0
    from production where period_grain = 'month' and facility_id is not null
    group by facility_id, period_start

    union all

    select 'erp/financials', 'entity', entity_id, null, period_start, 'month', count(*), 0
    from financials where period_grain = 'month' and entity_id is not null
    group by entity_id, period_start

    union all

    select
        'energy/energy_invoices', 'facility_energy', facility_id || ' ' || energy_type, facility_id,
        period_start, 'month', count(*), 0
    from invoices where period_grain = 'month' and facility_id is not null and energy_type is not null
    group by facility_id, energy_type, period_start

    union all

    select 'procurement/waste', 'facility', facility_id, facility_id, period_start, 'year', count(*), 0
    from waste where period_grain = 'year' and facility_id is not null
    group by facility_id, period_start

),

period_spans as (

    select dataset_key, subject_type, subject_id, facility_id, period_grain,
           min(period_start) as first_period_start, max(period_start) as last_period_start
    from period_records
    group by all

),

period_spine as (

    select
        s.dataset_key, s.subject_type, s.subject_id, s.facility_id, s.period_grain,
        cast(unnest(generate_series(
            s.first_period_start, s.last_period_start,
            case s.period_grain when 'month' then interval 1 month else interval 1 year end
        )) as date) as period_start
    from period_spans as s

),

period_coverage as (

    select
        sp.dataset_key, sp.subject_type, sp.subject_id, sp.facility_id, sp.period_grain, sp.period_start,
        coalesce(r.records, 0) as records,
        coalesce(r.estimated_records, 0) as estimated_records,
        case when coalesce(r.records, 0) > 0 then 100.0 else 0.0 end as coverage_pct
    from period_spine as sp
    left join period_records as r
        on r.dataset_key = sp.dataset_key
        and r.subject_id = sp.subject_id
        and r.period_start = sp.period_start

),

coverage as (

    select * from period_coverage
    union all by name
    select * from meter_coverage

),

final as (

    select
        c.dataset_key,
        c.subject_type,
        c.subject_id,
        c.facility_id,
        b.entity_id,
        case c.period_grain when 'month' then strftime(c.period_start, '%Y-%m')
            else strftime(c.period_start, '%Y') end as period,
        c.period_start,
        c.period_grain,
        year(c.period_start) as reporting_year,
        c.records,
        c.estimated_records,
        c.coverage_pct,
        -- inside the boundary and open for (part of) the period
        coalesce(
            b.is_in_boundary
            and (b.first_month is null or b.first_month <= c.period_start
                 + case c.period_grain when 'year' then interval 11 month else interval 0 month end)
            and (b.last_month is null or b.last_month >= c.period_start),
            false
        ) as is_expected
    from coverage as c
    left join subjects as b
        on b.subject_key = case c.subject_type
            when 'entity' then 'entity:' || c.subject_id
            else 'facility:' || c.facility_id
        end

)

select * from final
