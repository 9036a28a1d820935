"""``exports/*``: the annual inventory reports and the finance KPI extracts, as the last assets of a run.

README.md: `carbon run` goes extract → load raw → dbt build → data quality
checks → reports and exports. For every reporting year of the warehouse the
run writes, beside the warehouse file:

    reports/ghg_inventory_report_YYYY.html, .pdf   `carbon report --year YYYY`
    exports/kpis_YYYY.xlsx                         `carbon kpis --year YYYY --format xlsx`

— the same files the commands write, from the same code. They depend on the
data quality scorecard (``fct_data_quality``), so a blocking check of the
plan, which stops the scorecard, stops them too: nothing is reported from a
run whose data failed the plan. The warehouse is read with read-only
connections; the job runs its steps one after the other.
"""

import functools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from pipelines.lib import kpis, report
from pipelines.lib.progress import say
from pipelines.lib.report.data import OPTIONAL_MARTS, REQUIRED_MARTS
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years

SCORECARD = dg.AssetKey(["marts", "fct_data_quality"])
REPORT_DEPS = [
    dg.AssetKey(["marts", m]) for m in (*REQUIRED_MARTS, *OPTIONAL_MARTS) if m != "fct_data_quality"
]
# Report processes of a run: PDF layout is CPU-bound, so more workers than cores only add start-up
MAX_REPORT_WORKERS = 2
KPI_DEPS = [
    dg.AssetKey(["marts", m]) for m in (kpis.KPI_MART, kpis.TARGET_MART, kpis.ISO_MART, kpis.SCOPE3_MART)
]


def reporting_years(warehouse: Path) -> list[int]:
    """The reporting years that have an inventory. A reporting year without any activity data (a gap
    between complete years, docs/methods.md M-PER-03) has no report; the run says so."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        years = warehouse_reporting_years(con)
        with_inventory = {
            r[0]
            for r in con.execute("select distinct reporting_year from marts.rpt_group_inventory").fetchall()
        }
    finally:
        con.close()
    for year in years:
        if year not in with_inventory:
            say(
                f"report   {year}: a reporting year without activity data, no inventory to report (see fct_data_quality)"
            )
    return [y for y in years if y in with_inventory]


REPORTS_OP = "exports__inventory_reports"


class ReportsConfig(dg.Config):
    """`carbon run --no-reports` sets ``write`` to false: a run that only refreshes the warehouse (a data
    team fixing its files) leaves the reports out; `carbon report --year YYYY` writes one later."""

    write: bool = True


def no_reports_run_config() -> dict:
    """The run config of a job run without the reports (``carbon run --no-reports``)."""
    return {"ops": {REPORTS_OP: {"config": {"write": False}}}}


def _remove_stale_reports(out: Path) -> int:
    """A run that writes no reports removes the earlier runs' reports from its folder: they show figures
    the marts may no longer hold, and a later run must not take them for current outputs."""
    stale = [p for fmt in report.FORMATS for p in out.glob(report.report_filename("*", fmt))]  # any year
    for path in stale:
        path.unlink()
    return len(stale)


@dg.asset(
    key=dg.AssetKey(["exports", "inventory_reports"]),
    deps=[*REPORT_DEPS, SCORECARD],
    group_name="exports",
    kinds={"html", "pdf"},
    description="The annual GHG inventory report (ISO 14064-1 clause 9) of every reporting year, bilingual "
    "HTML and PDF, in reports/ beside the warehouse (as `carbon report`).",
    output_required=False,  # not materialized by a run with --no-reports
)
def inventory_reports(context: AssetExecutionContext, config: ReportsConfig, carbon: CarbonResource):
    out = report.default_out_dir(carbon.warehouse)
    if not config.write:
        removed = _remove_stale_reports(out) if out.is_dir() else 0
        gone = f"; {removed} report file(s) of an earlier run removed from {out}" if removed else ""
        say(f"report   not written (--no-reports){gone}; `carbon report --year YYYY` writes one")
        return
    years = reporting_years(carbon.warehouse)
    written: list[str] = []
    for year, names, error in _build_reports(carbon.warehouse, Path(carbon.config_path), out, years):
        if error is not None:
            raise dg.Failure(description=f"The {year} report cannot be made: {error}")
        written += names
    say(f"report   {len(written)} files (HTML and PDF per reporting year) in {out}")
    yield dg.MaterializeResult(
        metadata={"folder": dg.MetadataValue.path(str(out)), "files": dg.MetadataValue.json(written)}
    )


def _report_of_year(warehouse: Path, config: Path, out: Path, year: int) -> tuple[int, list[str], str | None]:
    """One year's report files (in a worker process): (year, file names, None) or (year, [], the error)."""
    from pipelines.lib.settings import load_settings

    try:
        paths = report.build_report(warehouse, year, load_settings(config), config, out)
    except report.ReportError as exc:
        return year, [], str(exc)
    return year, [p.name for p in paths], None


def _build_reports(
    warehouse: Path, config: Path, out: Path, years: list[int]
) -> list[tuple[int, list[str], str | None]]:
    """The reports of ``years``, two years at a time when the machine has two cores: laying out a PDF is
    single-threaded Python (most of this step), and each year's report reads the marts read-only and
    writes its own files, so the years are independent. In year order, whatever order they finish in."""
    workers = min(len(years), os.cpu_count() or 1, MAX_REPORT_WORKERS)
    if workers < 2:
        return [_report_of_year(warehouse, config, out, year) for year in years]
    # spawn, not fork: the Dagster process has threads (event log, compute log) that fork would copy mid-step
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(functools.partial(_report_of_year, warehouse, config, out), years))


@dg.asset(
    key=dg.AssetKey(["exports", "finance_kpis"]),
    deps=[*KPI_DEPS, SCORECARD],
    group_name="exports",
    kinds={"excel"},
    description="The finance KPI extract of every reporting year (one Excel workbook per year: the group on its "
    "own sheet, one Excel Table per topic with a totals row, bilingual headers with units) in exports/ beside the "
    "warehouse (as `carbon kpis --format xlsx`).",
)
def finance_kpis(context: AssetExecutionContext, carbon: CarbonResource) -> dg.MaterializeResult:
    out = kpis.exports_dir(carbon.warehouse)
    written: list[str] = []
    try:
        with kpis.open_warehouse(carbon.warehouse) as con:
            years = [r[0] for r in con.execute(
                f"select distinct reporting_year from marts.{kpis.KPI_MART} where is_group_total order by 1"
            ).fetchall()]  # fmt: skip
            extracts = [kpis.read(con, year, carbon.warehouse) for year in years]
        for extract in extracts:
            written += [p.name for p in kpis.write(extract, out / f"kpis_{extract.year}.xlsx", "xlsx")]
    except kpis.KpiError as exc:
        raise dg.Failure(description=f"The finance KPI extract cannot be made: {exc}") from None
    say(f"export   {len(written)} finance KPI workbooks in {out}")
    return dg.MaterializeResult(
        metadata={"folder": dg.MetadataValue.path(str(out)), "files": dg.MetadataValue.json(written)}
    )
