"""The plan's results in the warehouse: schema ``quality``, rewritten on every run.

* ``quality.plan_streams`` / ``quality.plan_checks`` — the plan as it was applied;
* ``quality.check_results`` — one row per check of the plan: passed or not,
  rows evaluated and failed (load checks aggregated over the loaded files);
* ``quality.findings`` — every finding of every stage, one sentence each,
  with subject, period and, where one raw row is at fault, file and row;
* ``quality.load_row_context`` — written on load by the plan validator: the
  period, facility and entity of each row that failed a load check (the
  quarantined row itself is not in ``raw``), so findings have a period.

``fct_data_quality`` (dbt) reads them. DuckDB allows one writer at a time:
callers open a connection, call :func:`write_results`, close it.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

from pipelines.lib.quality.plan import Plan
from pipelines.lib.quality.warehouse_checks import CheckOutcome, Finding, threshold_text
from pipelines.lib.warehouse import table_exists

SCHEMA_DDL = """
create schema if not exists quality;
create table if not exists quality.load_row_context (
    dataset_key varchar not null,
    file_path varchar not null,
    load_id varchar not null,
    row_number bigint not null,
    period varchar,                     -- 'YYYY-MM' or 'YYYY' of the row, when it has one
    reporting_year integer,
    facility_id varchar,
    entity_id varchar,
    subject_id varchar                  -- meter, instrument, serial ... the row is about
);
create or replace table quality.plan_streams (
    stream_id varchar not null,
    dataset_key varchar not null,
    stream_name_en varchar not null,
    stream_name_zh varchar not null,
    clause varchar not null,
    source_system varchar not null,
    method varchar not null,
    frequency varchar not null,
    responsible_role varchar not null,
    plan_version varchar not null
);
create or replace table quality.plan_checks (
    check_code varchar not null,
    stream_id varchar not null,
    dataset_key varchar not null,
    stage varchar not null,             -- load | raw | warehouse | review
    rule varchar not null,
    severity varchar not null,
    level varchar not null,
    is_blocking boolean not null,
    threshold varchar,
    description varchar not null
);
create or replace table quality.check_results (
    check_code varchar not null,
    stream_id varchar not null,
    dataset_key varchar not null,
    stage varchar not null,
    severity varchar not null,
    level varchar not null,
    is_blocking boolean not null,
    success boolean not null,
    evaluated bigint not null,          -- rows of the batch or the measure the check judged
    failed bigint not null,
    error varchar,                      -- set when the check could not be evaluated
    checked_at timestamp not null
);
create or replace table quality.findings (
    check_code varchar not null,
    stream_id varchar not null,
    dataset_key varchar not null,
    stage varchar not null,
    severity varchar not null,
    level varchar not null,
    message varchar not null,
    subject_type varchar,
    subject_id varchar,
    facility_id varchar,
    entity_id varchar,
    period varchar,
    reporting_year integer,
    value double,
    threshold varchar,
    source_record_key varchar,
    file_path varchar,
    row_number bigint,
    is_quarantined boolean not null
);
"""

CONTEXT_DDL = SCHEMA_DDL.split("create or replace table quality.plan_streams")[0]

_LOAD_FINDINGS_SQL = """
with context as (
    select distinct dataset_key, file_path, load_id, row_number,
           period, reporting_year, facility_id, entity_id, subject_id
    from quality.load_row_context
)
select
    f.check_code, f.dataset_key, f.severity, f.is_quarantined, f.file_path, f.row_number,
    f.column_name, f.raw_value, f.reason,
    c.period, c.reporting_year, c.facility_id, c.entity_id, c.subject_id
from ingest.row_findings as f
left join context as c
    on c.dataset_key = f.dataset_key and c.file_path = f.file_path
    and c.load_id = f.load_id and c.row_number = f.row_number
union all
select
    q.check_code, q.dataset_key, 'error', true, q.file_path, null, null, null, q.message,
    null, null, null, null, null
from ingest.quarantine as q
where q.row_number is null
order by 2, 5, 6, 1
"""

_LOAD_RESULTS_SQL = """
select check_code, dataset_key, bool_and(success), sum(evaluated_rows), sum(failed_rows)
from ingest.check_results
group by 1, 2
"""


def load_findings(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[Finding]:
    """The findings of the load checks (and the contract), as stored by the loader."""
    if not table_exists(con, "ingest", "row_findings"):
        return []
    sql = _LOAD_FINDINGS_SQL if table_exists(con, "quality", "load_row_context") else _LOAD_FINDINGS_SQL.replace(
        "from quality.load_row_context", "from (select null::varchar as dataset_key, null::varchar as file_path, "
        "null::varchar as load_id, null::bigint as row_number, null::varchar as period, null::integer as "
        "reporting_year, null::varchar as facility_id, null::varchar as entity_id, null::varchar as subject_id "
        "where false)")  # fmt: skip
    out = []
    for (code, key, severity, quarantined, path, row, column, _raw_value, reason, period, year, facility, entity,
         subject) in con.execute(sql).fetchall():  # fmt: skip
        stream = plan.stream_for(key)
        try:
            level = plan.check(code).level
        except KeyError:  # contract codes (DQ-CONTRACT-*) are judged per row
            level = "row"
        if row is None:
            message = reason
        else:
            field = f", field '{column}'" if column else ""
            message = f"{path}, row {row}{field}: {reason.rstrip('.')}."
        out.append(Finding(
            check_code=code, stream_id=stream.id if stream else "", dataset_key=key, stage="load",
            severity=severity, level=level, message=message, subject_type="row" if row is not None else "file",
            subject_id=subject, facility_id=facility, entity_id=entity, period=period, reporting_year=year,
            value=None, threshold=None, source_record_key=None, file_path=path, row_number=row,
            is_quarantined=bool(quarantined),
        ))  # fmt: skip
    return out


def load_outcomes(con: duckdb.DuckDBPyConnection, plan: Plan) -> list[CheckOutcome]:
    """The load checks' outcomes, aggregated over the files now loaded (a check
    whose dataset has no rows counts as passed on nothing)."""
    rows = con.execute(_LOAD_RESULTS_SQL).fetchall() if table_exists(con, "ingest", "check_results") else []
    seen = {
        code: (bool(ok), int(evaluated or 0), int(failed or 0)) for code, _key, ok, evaluated, failed in rows
    }
    out = []
    for check in plan.checks_in("load"):
        ok, evaluated, failed = seen.get(check.code, (True, 0, 0))
        out.append(CheckOutcome(check, ok, evaluated, failed))
    return out


def write_results(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    outcomes: list[CheckOutcome],
    findings: list[Finding],
    *,
    checked_at: datetime | None = None,
) -> None:
    """Replace the ``quality`` tables with this run's plan, outcomes and findings."""
    checked_at = checked_at or datetime.now()
    con.execute(SCHEMA_DDL)
    streams = pd.DataFrame(
        [
            (s.id, s.dataset_key, s.name_en, s.name_zh, s.clause, s.source_system, s.method, s.frequency,
             s.responsible_role, plan.version)
            for s in plan.streams
        ],
        columns=["stream_id", "dataset_key", "stream_name_en", "stream_name_zh", "clause", "source_system",
                 "method", "frequency", "responsible_role", "plan_version"],
    )  # fmt: skip
    checks = pd.DataFrame(
        [
            (c.code, c.stream, c.dataset_key, c.stage, c.rule, c.severity, c.level, c.is_blocking,
             threshold_text(c) if c.stage in ("raw", "warehouse") else None, c.description)
            for c in plan.checks
        ],
        columns=["check_code", "stream_id", "dataset_key", "stage", "rule", "severity", "level", "is_blocking",
                 "threshold", "description"],
    )  # fmt: skip
    results = pd.DataFrame(
        [
            (o.check.code, o.check.stream, o.check.dataset_key, o.check.stage, o.check.severity, o.check.level,
             o.check.is_blocking, o.success, o.evaluated, o.failed, o.error, checked_at)
            for o in outcomes
        ],
        columns=["check_code", "stream_id", "dataset_key", "stage", "severity", "level", "is_blocking", "success",
                 "evaluated", "failed", "error", "checked_at"],
    )  # fmt: skip
    found = pd.DataFrame(
        [f.__dict__ for f in sort_findings(findings)], columns=list(Finding.__dataclass_fields__)
    )
    for table, frame in (("plan_streams", streams), ("plan_checks", checks), ("check_results", results),
                         ("findings", found)):  # fmt: skip
        if frame.empty:
            continue
        con.register("_quality_frame", frame)
        try:
            con.execute(f"insert into quality.{table} by name select * from _quality_frame")
        finally:
            con.unregister("_quality_frame")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    stage = {"load": 0, "raw": 1, "warehouse": 2, "review": 3}
    return sorted(
        findings,
        key=lambda f: (stage.get(f.stage, 9), f.dataset_key, f.check_code, f.subject_id or "", f.period or "",
                       f.file_path or "", f.row_number or 0, f.message),
    )  # fmt: skip
