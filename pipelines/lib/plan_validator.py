"""The bridge between the loader and the data quality plan (GX).

The loader hands each new batch (rows that passed the contract) to a
``PlanValidator``; it looks up in the warehouse what the plan's load checks
need besides the batch — known facility ids, meter ids ... for in_reference
checks, the keys already loaded from other files for ``unique`` checks
``across_files``, the rest of the entity tree for the tree rules — runs the
plan through Great Expectations and returns the outcome in the loader's terms.
For the rows that fail a check it records their period, facility and entity in
``quality.load_row_context`` (a quarantined row is not in ``raw``), so the
data quality mart can place every finding in a stream and period.

Everything it reads is either the batch or a lookup keyed by the batch, so the
cost of a load follows the new files, not the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import quality
from pipelines.lib.contract import Dataset, dataset
from pipelines.lib.loader import LoadCheckResult, LoadRowFinding, LoadValidation, validation_version
from pipelines.lib.quality.store import CONTEXT_DDL
from pipelines.paths import GX_DIR

# The column that places a row in time, where it is not `period` or `year`.
_TIME_COLUMNS = {
    "energy/meter_readings": "reading_start",
    "procurement/purchases": "invoice_date",
    "procurement/shipments": "date",
    "procurement/business_travel": "date",
    "erp/carbon_allowances": "compliance_year",
    "erp/carbon_credits": "vintage_year",
    "reference/fx_rates": "year",
}
# The column naming what a row is about, first present wins.
_SUBJECT_COLUMNS = ("meter_id", "instrument_id", "serial", "line_id", "shipment_id", "trip_id", "record_id",
                    "facility_id", "entity_id", "investee_id", "category_code", "factor_key", "currency")  # fmt: skip


@dataclass
class PlanValidator:
    plan: quality.Plan
    plan_path: Path
    context_root: Path = GX_DIR

    @classmethod
    def from_repo(cls, plan_path: Path = quality.DEFAULT_PLAN, context_root: Path = GX_DIR) -> PlanValidator:
        return cls(quality.load_plan(plan_path), Path(plan_path), Path(context_root))

    @property
    def version(self) -> str:
        """Changes when the plan, the contract or the unit seeds change: files are then re-validated."""
        digest = hashlib.sha256(self.plan_path.read_bytes()).hexdigest()
        return validation_version(digest)

    def version_for(self, ds: Dataset, con: duckdb.DuckDBPyConnection) -> str:
        """The fingerprint deciding whether a dataset's unchanged files must be validated again.

        Besides the plan, contract and unit seeds it covers the reference values the
        dataset's checks look up (known facility ids, meter ids, ...), so that
        correcting master data re-judges rows quarantined for an unknown key.
        Self-references are left out: they are judged within the batch.
        """
        h = hashlib.sha256(self.version.encode())
        for key in self.plan.reference_keys(ds.key):
            ref_dataset, column = key.split(".", 1)
            if ref_dataset == ds.key:
                continue
            table = dataset(ref_dataset).raw_table
            rows = con.execute(
                f'select distinct "{column}" from raw.{table} where "{column}" is not null order by 1'
            ).fetchall()
            h.update(key.encode() + b"\0" + "\0".join(str(r[0]) for r in rows).encode())
        return h.hexdigest()[:16]

    def reference_values(
        self, ds: Dataset, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection
    ) -> dict[str, set[str]]:
        """Known values per reference key: what the warehouse holds, plus the batch itself
        when a dataset refers to itself (an entity's parent is an entity)."""
        out: dict[str, set[str]] = {}
        for key in self.plan.reference_keys(ds.key):
            ref_dataset, column = key.split(".", 1)
            table = dataset(ref_dataset).raw_table
            rows = con.execute(
                f'select distinct "{column}" from raw.{table} where "{column}" is not null'
            ).fetchall()
            known = {str(r[0]) for r in rows}
            if ref_dataset == ds.key:
                known |= {str(v) for v in frame.get_column(column).drop_nulls().unique()}
            out[key] = known
        return out

    def across_file_codes(self, ds: Dataset) -> set[str]:
        """The codes of the dataset's ``unique`` checks across files (the loader re-judges their findings
        when another file of the dataset goes or changes)."""
        return {c.code for c in self.plan.checks_for(ds.key) if c.is_across_files or c.needs_whole_dataset}

    def loaded_keys(
        self, ds: Dataset, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection
    ) -> dict[str, dict[str, str]]:
        """For each ``unique`` check across files: the batch's keys that rows of other
        files already hold, with where ("file, row n"). The loader has removed the
        rows of the files being reloaded, so what remains are other files."""
        out: dict[str, dict[str, str]] = {}
        for check in self.plan.checks_for(ds.key):
            if not check.is_across_files or not all(c in frame.columns for c in check.columns):
                continue
            cols = check.columns
            keys = frame.select(cols).unique()
            quoted = ", ".join(f'r."{c}"' for c in cols)
            on = " and ".join(f'r."{c}" is not distinct from k."{c}"' for c in cols)
            con.register("_dq_batch_keys", keys.to_arrow())
            try:
                rows = con.execute(
                    f"select {quoted}, r._file_path, r._row_number from raw.{ds.raw_table} as r "
                    f"inner join _dq_batch_keys as k on {on} order by r._file_path, r._row_number"
                ).fetchall()
            finally:
                con.unregister("_dq_batch_keys")
            found: dict[str, str] = {}
            for *values, path, row in rows:
                key = quality.key_text(values)
                if key is not None:
                    found.setdefault(key, f"{path}, row {row}")
            out[check.code] = found
        return out

    def dataset_rows(self, ds: Dataset, con: duckdb.DuckDBPyConnection):
        """The rows of other files, for the rules that judge the whole dataset (the entity tree)."""
        checks = [c for c in self.plan.checks_for(ds.key) if c.needs_whole_dataset]
        if not checks:
            return None
        cols = sorted({c for check in checks for c in check.columns})
        return con.execute(f"select {', '.join(cols)} from raw.{ds.raw_table}").df()

    def __call__(self, ds: Dataset, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> LoadValidation:
        if not self.plan.checks_for(ds.key):
            return LoadValidation([], [])
        result = quality.validate_batch(
            ds.key,
            frame.select(ds.column_names).to_pandas(),
            plan=self.plan,
            reference_values=self.reference_values(ds, frame, con),
            loaded_keys=self.loaded_keys(ds, frame, con),
            dataset_rows=self.dataset_rows(ds, con),
            context_root=self.context_root,
            # Rendering the Data Docs index per batch costs more than the validation;
            # the run renders them once at the end (quality.build_data_docs).
            update_data_docs=False,
        )
        self._record_context(ds, frame, sorted({f.row_index for f in result.row_failures}), con)
        rows_by_code: dict[str, list[int]] = defaultdict(list)
        for f in result.row_failures:
            rows_by_code[f.check_code].append(f.row_index)
        quarantining = {r.code for r in result.results if r.severity == "error" and r.level == "row"}
        checks = [
            LoadCheckResult(
                check_code=r.code,
                severity=r.severity,
                level=r.level,
                success=r.success,
                evaluated_rows=r.evaluated_rows,
                failed_rows=r.failed_rows,
                description=r.error or r.description,
                failed_row_indexes=sorted(set(rows_by_code.get(r.code, []))),
            )
            for r in result.results
        ]
        failures = [
            LoadRowFinding(
                row_index=f.row_index,
                column=f.column,
                value=f.value or None,
                check_code=f.check_code,
                severity="error" if f.check_code in quarantining else "warning",
                reason=self._where_first(f, frame),
            )
            for f in result.row_failures
        ]
        return LoadValidation(checks, failures)

    @staticmethod
    def _where_first(failure: quality.RowFailure, frame: pl.DataFrame) -> str:
        """A duplicate within the batch names the file and row of its first copy (GX saw positions only)."""
        if failure.first_index is None:
            return failure.reason
        first = frame.row(failure.first_index, named=True)
        where = f"{first['_file_path']}, row {first['_row_number']}"
        return failure.reason.replace(quality.EARLIER_IN_BATCH, f"it is already loaded from {where}.")

    def _record_context(
        self, ds: Dataset, frame: pl.DataFrame, positions: list[int], con: duckdb.DuckDBPyConnection
    ) -> None:
        """Replace the batch files' rows in quality.load_row_context with those of the failing rows."""
        con.execute(CONTEXT_DDL)
        files = frame.get_column("_file_path").unique().to_list()
        con.execute(
            "delete from quality.load_row_context where dataset_key = ? and file_path in (select unnest(?::varchar[]))",
            [ds.key, files],
        )
        if not positions:
            return
        failing = frame[positions]
        time_col = _TIME_COLUMNS.get(ds.key) or next(
            (c for c in ("period", "year") if c in ds.column_names), None
        )
        subject_col = next((c for c in _SUBJECT_COLUMNS if c in ds.column_names), None)
        rows = []
        for rec in failing.iter_rows(named=True):
            when = rec.get("retired_for_year") or rec.get(time_col) if time_col else None
            period = _period_text(when)
            rows.append((ds.key, rec["_file_path"], rec["_load_id"], rec["_row_number"], period,
                         int(period[:4]) if period else None, rec.get("facility_id"), rec.get("entity_id"),
                         None if subject_col is None or rec.get(subject_col) is None else str(rec[subject_col])))  # fmt: skip
        con.executemany("insert into quality.load_row_context values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _period_text(value) -> str | None:
    """'YYYY-MM' for a month, a date or a timestamp; 'YYYY' for a year; None otherwise."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m")
    if isinstance(value, int | float):
        return str(int(value))
    text = str(value).strip()
    if len(text) >= 7 and text[:4].isdigit() and text[4] == "-" and text[5:7].isdigit():
        return text[:7]
    return text[:4] if text[:4].isdigit() else None
