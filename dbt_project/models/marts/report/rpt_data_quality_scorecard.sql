-- The data quality scorecard `carbon run` prints (T/CAS 612 6.8, 9.1): one
-- row per monitored stream of the plan, for each reporting year
-- (scorecard_year) and once over all years (scorecard_year null). A year's
-- scorecard takes the stream's periods of that year and its 'all' period
-- (master data, findings without a year); checks failed counts the distinct
-- checks with a finding of the year or without a year. Records and findings
-- are summed, completeness is periods reported of periods expected,
-- estimated % is weighted by the records of the periods that have one, and the
-- score is the worst period's, with that period (the latest year when several
-- have the worst score). Streams with neither records
-- nor findings are left out. Built after the plan's checks, like
-- fct_data_quality (pipelines/defs/quality/__init__.py).
with

scorecard as (

    select * from {{ ref('fct_data_quality') }}

),

findings as (

    select * from {{ ref('stg_quality__findings') }}

),

years as (

    select reporting_year as scorecard_year from scorecard where reporting_year is not null
    union
    select reporting_year from findings where reporting_year is not null
    union
    select null::integer

),

periods as (

    select y.scorecard_year, s.*
    from years as y
    inner join scorecard as s
        on y.scorecard_year is null
        or s.reporting_year = y.scorecard_year
        or s.period = 'all'

),

failed as (

    select y.scorecard_year, f.stream_id, count(distinct f.check_code) as checks_failed
    from years as y
    inner join findings as f
        on y.scorecard_year is null
        or f.reporting_year = y.scorecard_year
        or f.reporting_year is null
    group by all

),

streams as (

    select
        scorecard_year,
        stream_id,
        any_value(stream_name_zh) as stream_name_zh,
        max(checks_run) as checks_run,
        sum(records) as records,
        sum(error_findings) as error_findings,
        sum(warning_findings) as warning_findings,
        100.0 * sum(reported_periods) / nullif(sum(expected_periods), 0) as completeness_pct,
        sum(estimated_pct * records) / nullif(sum(records) filter (where estimated_pct is not null), 0)
            as estimated_pct,
        min(data_quality_score) as worst_score,
        first(period order by data_quality_score, reporting_year desc nulls last) as worst_period
    from periods
    group by all
    having sum(records) > 0 or sum(error_findings + warning_findings) > 0

),

final as (

    select
        s.scorecard_year::integer as scorecard_year,
        s.stream_id,
        s.stream_name_zh,
        s.checks_run::bigint as checks_run,
        coalesce(f.checks_failed, 0)::bigint as checks_failed,
        s.records::bigint as records,
        s.error_findings::bigint as error_findings,
        s.warning_findings::bigint as warning_findings,
        s.completeness_pct::double as completeness_pct,
        s.estimated_pct::double as estimated_pct,
        s.worst_score::double as worst_score,
        s.worst_period
    from streams as s
    left join failed as f
        on f.stream_id = s.stream_id
        and f.scorecard_year is not distinct from s.scorecard_year

)

select * from final
