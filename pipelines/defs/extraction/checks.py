"""Blocking quality gates on every raw table.

The plan's checks run through Great Expectations when a batch is loaded (see
``lib.plan_validator``); their outcomes are stored per file in
``ingest.check_results``. This gate reads them for the files now in the
landing zone, so an unchanged file keeps its verdict without being re-read.
It fails with severity ERROR — and Dagster then does not build anything
downstream — when a dataset-level error check failed or the row counts do not
reconcile (rows read = rows loaded + rows quarantined). Quarantined rows and
warnings are reported as a WARN result, which does not block.
"""

import dagster as dg

from pipelines.defs.extraction.assets import asset_key
from pipelines.lib.contract import DATASETS, Dataset
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import connect


def evaluate_gate(con, ds: Dataset) -> tuple[bool, str, dict]:
    """(blocking failure?, summary sentence, metadata) for one dataset."""
    reconcile = con.execute(
        f"""
        with loaded as (
            select _file_path as file_path, count(*) as n from raw.{ds.raw_table} group by 1
        ), quarantined as (
            select file_path, count(*) as n from ingest.quarantine
            where dataset_key = ? and row_number is not null group by 1
        )
        select f.file_path, f.rows_read, coalesce(l.n, 0), coalesce(q.n, 0)
        from ingest.files f
        left join loaded l using (file_path)
        left join quarantined q using (file_path)
        where f.dataset_key = ? and f.status = 'loaded'
          and (f.rows_read != coalesce(l.n, 0) + coalesce(q.n, 0) or f.rows_loaded != coalesce(l.n, 0))
        """,
        [ds.key, ds.key],
    ).fetchall()
    failed_checks = con.execute(
        """
        select check_code, severity, level, sum(failed_rows), any_value(description)
        from ingest.check_results
        where dataset_key = ? and not success
        group by 1, 2, 3 order by 1
        """,
        [ds.key],
    ).fetchall()
    quarantined, unreadable = con.execute(
        "select count(*) filter (where row_number is not null), count(*) filter (where row_number is null) "
        "from ingest.quarantine where dataset_key = ?",
        [ds.key],
    ).fetchone()
    blocking = [c for c in failed_checks if c[1] == "error" and c[2] == "dataset"]
    parts = []
    if reconcile:
        parts.append(f"row counts do not reconcile for {len(reconcile)} file(s): {reconcile[0][0]}")
    if blocking:
        parts.append("blocking check(s) failed: " + ", ".join(f"{c[0]} ({c[4]})" for c in blocking))
    if quarantined:
        parts.append(f"{quarantined} row(s) quarantined")
    if unreadable:
        parts.append(f"{unreadable} file(s) unreadable")
    warnings = [c for c in failed_checks if c[1] == "warning"]
    if warnings:
        parts.append("warnings: " + ", ".join(f"{c[0]} ×{int(c[3] or 0)}" for c in warnings))
    metadata = {
        "quarantined_rows": int(quarantined),
        "unreadable_files": int(unreadable),
        "failed_checks": ", ".join(f"{c[0]}[{c[1]}]" for c in failed_checks) or "none",
        "reconciles": not reconcile,
    }
    return bool(reconcile or blocking), "; ".join(parts) or "all plan checks passed", metadata


def build_gate(ds: Dataset) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key(ds),
        name="data_quality_plan",
        blocking=True,
        description=f"Data quality plan (T/CAS 612 6.8) gate for {ds.key}: blocking errors and row reconciliation.",
    )
    def _gate(carbon: CarbonResource) -> dg.AssetCheckResult:
        with connect(carbon.warehouse, read_only=True) as con:
            blocked, summary, metadata = evaluate_gate(con, ds)
        metadata["summary"] = summary
        if blocked:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata)
        clean = (
            metadata["quarantined_rows"] == 0
            and metadata["failed_checks"] == "none"
            and not metadata["unreadable_files"]
        )
        return dg.AssetCheckResult(passed=clean, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)

    return _gate


def build_extraction_gates() -> list[dg.AssetChecksDefinition]:
    """One gate per dataset of the contract."""
    return [build_gate(ds) for ds in DATASETS]
