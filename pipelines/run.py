"""``carbon run``: extract -> load raw -> dbt build -> quality checks -> reports, as one Dagster job.

The orchestration of one run, apart from the command line that resolves its options (pipelines/cli.py):
one run at a time per warehouse, the run manifest (start, unchanged-input short cut, finish), the job on
the warehouse's own Dagster instance, and the summary printed at the end.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from pipelines.lib import dagster_home
from pipelines.lib.warehouse import Locations
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years


class RunRefused(Exception):
    """A run that cannot start or cannot be recorded, for a reason the user can fix: one sentence."""


def run(loc: Locations, settings, *, year: int | None = None, dagster_home_dir: str | None = None,
        reports: bool = True) -> int:  # fmt: skip
    """Run the pipeline on ``loc`` with ``settings``; 0 when it completed, 1 when a step or blocking check
    failed (the summary is printed either way). ``year`` narrows the summary; ``dagster_home_dir`` is the
    Dagster instance folder (default: beside the warehouse); ``reports=False`` leaves the HTML / PDF reports
    out (`--no-reports`)."""
    loc.export()
    from pipelines.lib.progress import say

    say(f"run      landing={loc.landing}")
    say(f"run      warehouse={loc.warehouse}  config={loc.config}")
    from pipelines.lib.history import manifest as run_manifest

    with _warehouse_run_lock(loc.warehouse), _gx_context_lock(say):
        return _run(loc, settings, year, dagster_home_dir, run_manifest, say, reports)


@contextlib.contextmanager
def _warehouse_run_lock(warehouse: Path):
    """One run at a time per warehouse, for the whole run: a run opens and closes the DuckDB file many
    times (extraction, dbt, checks, reports), so DuckDB's own lock would let a second run slip in
    between and fail one of them half-way with a raw lock error. The second run is refused at once."""
    from filelock import FileLock, Timeout

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(warehouse.with_name(warehouse.name + ".run.lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise RunRefused(
            f"Another carbon run is writing to the warehouse {warehouse}; wait for it to finish, then run again "
            f"(or give this run its own --warehouse)."
        ) from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def _gx_context_lock(say):
    """One run at a time per Great Expectations context: GX keeps suites and results in files and
    refuses a suite another process rewrote meanwhile. A second run (another warehouse) waits."""
    from filelock import FileLock, Timeout

    from pipelines.paths import GX_DIR

    (GX_DIR / "uncommitted").mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(GX_DIR / "uncommitted" / ".run.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        say(f"run      waiting for another carbon run to finish with the data quality context {GX_DIR}")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()


def _run(loc, settings, year, dagster_home_dir, run_manifest, say, reports) -> int:
    started = run_manifest.start(loc, settings)  # code, seeds and configuration as the run starts
    from pipelines.summary import print_run_summary

    last = run_manifest.unchanged_since(started, _run_outputs(loc.warehouse, reports=reports))
    if last is not None:
        record = run_manifest.record_unchanged(started, last)
        say(f"run      nothing changed since run {last.get('same_as_run_id') or last['run_id']} "
            f"({last['finished_at']:%Y-%m-%d %H:%M} UTC): the same landing files (sha256), configuration, code, "
            "reference data, data quality plan and locks; nothing recomputed, the marts, reports and exports "
            f"are current / 输入未变化，未重新计算 (manifest run {record.run_id}, status unchanged)")  # fmt: skip
        print_run_summary(loc.warehouse, settings, year=year)
        return 0
    try:
        run_manifest.begin(started)
    except run_manifest.ManifestError as exc:
        raise RunRefused(str(exc)) from None

    from pipelines.definitions import build_definitions
    from pipelines.defs.exports.assets import no_reports_run_config
    from pipelines.lib import dbt_warm

    # dbt's imports for the main build start now, on the other core while the definitions load and the
    # files are extracted; the dbt step starts the scorecard's the same way (pipelines/lib/dbt_warm.py)
    with dbt_warm.warm_builds():
        dbt_warm.prepare()
        defs = build_definitions(loc)
        job = defs.resolve_implicit_global_asset_job_def()
        # The warehouse's own Dagster instance: `carbon ui` shows this run, its steps, materializations and
        # checks beside the earlier ones (pipelines/lib/dagster_home.py)
        home = dagster_home.dagster_home(loc.warehouse, dagster_home_dir)
        with dagster_home.open_instance(home) as instance:
            result = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                            **({} if reports else no_reports_run_config())},
                tags={"carbon/landing": str(loc.landing), "carbon/warehouse": str(loc.warehouse),
                      "carbon/config": str(loc.config)},
            )  # fmt: skip
            failures = _failed_steps(result)
            steps = run_manifest.step_timings(instance, result.run_id)
    try:  # after the job, whose connections are closed: the manifest, then restatements of locked years
        record = run_manifest.finish(started, result, steps)
        say(
            f"manifest run {record.run_id}: marts fingerprint {record.marts_fingerprint[:16]}, "
            f"{record.restatements} restatement(s) of locked years"
        )
    except run_manifest.ManifestError as exc:
        record = None
        failures = [*failures, str(exc)] if not result.success else [str(exc)]
    print_run_summary(loc.warehouse, settings, year=year)
    if not result.success or record is None:
        print("\nThe run did not complete / 运行未完成:", file=sys.stderr)
        for line in failures:
            print(f"  - {line}", file=sys.stderr)
        return 1
    return 0


def _run_outputs(warehouse: Path, *, reports: bool = True) -> list[Path]:
    """The files a complete run leaves beside the warehouse (pipelines/defs/exports): the report (HTML,
    PDF) of every reporting year (unless ``reports`` is false) and the KPI workbook of every year of the
    finance extract. Empty when the warehouse has no inventory (then there is no run to stand on anyway)."""
    import duckdb

    from pipelines.lib import kpis, report

    if not warehouse.exists():
        return []
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:
        return []
    try:
        report_years = warehouse_reporting_years(con)
        kpi_years = [r[0] for r in con.execute(
            f"select distinct reporting_year from marts.{kpis.KPI_MART} where is_group_total order by 1"
        ).fetchall()]  # fmt: skip
    except duckdb.Error:
        return []
    finally:
        con.close()
    folder = report.default_out_dir(warehouse)
    written = [folder / report.report_filename(y, fmt) for y in report_years for fmt in report.FORMATS]
    return (written if reports else []) + [
        kpis.exports_dir(warehouse) / kpis.default_out(y, "xlsx") for y in kpi_years
    ]


def _failed_steps(result) -> list[str]:
    lines = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            err = event.event_specific_data.error
            while err is not None and err.cause is not None:  # the innermost cause says what went wrong
                err = err.cause
            if err is not None and err.cls_name == "DagsterAssetCheckFailedError":
                continue  # the blocking check itself is listed (ASSET_CHECK_EVALUATION), in words
            msg = (err.message if err else "failed").strip().splitlines()[0]
            if err is not None and err.cls_name == "LandingError":  # one sentence for people: no class path
                msg = msg.split(": ", 1)[-1]
            lines.append(f"{event.step_key}: {msg}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            data = event.event_specific_data
            if not data.passed and getattr(data, "severity", None) and data.severity.value == "ERROR":
                summary = data.metadata.get("summary")
                text = summary.value if summary is not None else "failed"
                lines.append(f"{data.asset_key.to_user_string()} {data.check_name}: {text}")
    if any(" DQ_" in line for line in lines):
        lines.append("the reports and KPI workbooks were not written: a blocking check of the data quality plan "
                     "failed / 数据质量计划的阻断性检查未通过，未生成报告")  # fmt: skip
    return lines or ["see the messages above"]
