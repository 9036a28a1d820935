"""The bridge between the loader and the data quality plan (GX).

The loader hands each new batch (rows that passed the contract) to a
``PlanValidator``; it looks up the reference values the plan's checks need
(known facility ids, meter ids ...) in the warehouse, runs the plan through
Great Expectations and returns the outcome in the loader's terms.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import quality
from pipelines.lib.contract import Dataset, dataset
from pipelines.lib.loader import CheckOutcome, RowFailure, Validation, validation_version
from pipelines.paths import GX_DIR


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
            rows = con.execute(f'select distinct "{column}" from raw.{table} where "{column}" is not null').fetchall()
            known = {str(r[0]) for r in rows}
            if ref_dataset == ds.key:
                known |= {str(v) for v in frame.get_column(column).drop_nulls().unique()}
            out[key] = known
        return out

    def __call__(self, ds: Dataset, frame: pl.DataFrame, con: duckdb.DuckDBPyConnection) -> Validation:
        if not self.plan.checks_for(ds.key):
            return Validation([], [])
        result = quality.validate_batch(
            ds.key,
            frame.select(ds.column_names).to_pandas(),
            plan=self.plan,
            reference_values=self.reference_values(ds, frame, con),
            context_root=self.context_root,
        )
        rows_by_code: dict[str, list[int]] = defaultdict(list)
        for f in result.row_failures:
            rows_by_code[f.check_code].append(f.row_index)
        quarantining = {r.code for r in result.results if r.severity == "error" and r.level == "row"}
        checks = [
            CheckOutcome(
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
            RowFailure(
                row_index=f.row_index,
                column=f.column,
                value=f.value or None,
                check_code=f.check_code,
                severity="error" if f.check_code in quarantining else "warning",
                reason=f.reason,
            )
            for f in result.row_failures
        ]
        return Validation(checks, failures)
