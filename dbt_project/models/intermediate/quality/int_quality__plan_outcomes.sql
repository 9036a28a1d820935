-- The plan's outcome per data stream and period: checks of the plan, checks
-- with findings, findings by severity and quarantined rows. A finding's period
-- is its reporting year ('all' when it has none: master data, a file that
-- could not be read). Findings on the plan itself (stream 'plan': sources or
-- meters the plan does not cover) belong to no stream and are left out here;
-- they are in quality.findings.
with

streams as (

    select * from {{ ref('stg_quality__plan_streams') }}

),

plan_checks as (

    select * from {{ ref('stg_quality__plan_checks') }}

),

findings as (

    select * from {{ ref('stg_quality__findings') }}

),

checks_per_stream as (

    select
        stream_id,
        count(*) as checks_run,
        count(*) filter (where stage = 'load') as load_checks,
        count(*) filter (where stage in ('raw', 'warehouse')) as warehouse_checks
    from plan_checks
    where stream_id <> 'plan'
    group by stream_id

),

stream_findings as (

    select
        f.stream_id,
        coalesce(cast(f.reporting_year as varchar), 'all') as period,
        f.reporting_year,
        count(distinct f.check_code) filter (where f.check_code in (select check_code from plan_checks))
            as checks_failed,
        count(*) filter (where f.severity = 'error') as error_findings,
        count(*) filter (where f.severity = 'warning') as warning_findings,
        count(distinct f.file_path || '#' || f.row_number) filter (where f.is_quarantined) as rows_quarantined
    from findings as f
    where f.stream_id in (select stream_id from streams)
    group by all

),

final as (

    select
        s.stream_id,
        s.dataset_key,
        f.period,
        f.reporting_year,
        c.checks_run,
        c.load_checks,
        c.warehouse_checks,
        f.checks_failed,
        f.error_findings,
        f.warning_findings,
        f.rows_quarantined
    from stream_findings as f
    inner join streams as s
        on s.stream_id = f.stream_id
    left join checks_per_stream as c
        on c.stream_id = s.stream_id

)

select * from final
