-- The data quality scorecard (T/CAS 612 6.8, 9.1): one row per monitored data
-- stream of the plan and period (reporting year; 'all' for master data and
-- for findings without a year). Checks run are the plan's checks of the
-- stream; checks failed those with at least one finding in the period.
-- Completeness is periods reported of periods expected (streams the plan
-- measures for completeness); estimated % is the share of records flagged as
-- estimated (100 for a stream the plan obtains by estimation). The score,
-- 0-100, weighs completeness, checks passed and measured (not estimated)
-- data with the plan's scorecard weights; a share that does not apply counts
-- as 1.
{%- set weights = var('dq_score_weights') %}
with

streams as (

    select * from {{ ref('stg_quality__plan_streams') }}

),

plan_checks as (

    select * from {{ ref('stg_quality__plan_checks') }}

),

outcomes as (

    select * from {{ ref('int_quality__plan_outcomes') }}

),

stream_years as (

    select * from {{ ref('int_quality__stream_years') }}

),

checks_per_stream as (

    select stream_id, count(*) as checks_run
    from plan_checks
    where stream_id <> 'plan'
    group by stream_id

),

periods as (

    select s.stream_id, y.period, y.reporting_year
    from stream_years as y
    inner join streams as s
        on s.dataset_key = y.dataset_key
    union
    select stream_id, period, reporting_year
    from outcomes

),

joined as (

    select
        p.stream_id,
        s.dataset_key,
        s.stream_name_en,
        s.stream_name_zh,
        s.method,
        s.frequency,
        s.plan_version,
        p.period,
        p.reporting_year,
        coalesce(y.records, 0) as records,
        coalesce(c.checks_run, 0) as checks_run,
        coalesce(o.checks_failed, 0) as checks_failed,
        coalesce(o.error_findings, 0) as error_findings,
        coalesce(o.warning_findings, 0) as warning_findings,
        coalesce(o.rows_quarantined, 0) as rows_quarantined,
        y.expected_periods,
        y.reported_periods,
        y.completeness_pct,
        case
            when s.method = 'estimated' then 100.0
            when y.records > 0 then coalesce(y.estimated_pct, 0.0)
        end as estimated_pct
    from periods as p
    inner join streams as s
        on s.stream_id = p.stream_id
    left join checks_per_stream as c
        on c.stream_id = p.stream_id
    left join stream_years as y
        on y.dataset_key = s.dataset_key
        and y.period = p.period
    left join outcomes as o
        on o.stream_id = p.stream_id
        and o.period = p.period

),

final as (

    select
        stream_id,
        dataset_key,
        stream_name_en,
        stream_name_zh,
        method,
        frequency,
        plan_version,
        period,
        cast(reporting_year as integer) as reporting_year,
        records,
        checks_run,
        checks_run - checks_failed as checks_passed,
        checks_failed,
        error_findings,
        warning_findings,
        rows_quarantined,
        expected_periods,
        reported_periods,
        completeness_pct,
        estimated_pct,
        round(100 * (
            {{ weights['completeness'] }} * coalesce(completeness_pct / 100, 1)
            + {{ weights['checks'] }} * case when checks_run > 0
                then (checks_run - checks_failed)::double / checks_run else 1 end
            + {{ weights['measured'] }} * (1 - coalesce(estimated_pct, 0) / 100)
        ), 1) as data_quality_score
    from joined

)

select * from final
