"""The trace as a work paper: CSV (one line per row) or JSON (everything)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from pipelines.lib.trace.formula import number_text
from pipelines.lib.trace.model import Trace

RECORD_COLUMNS = (
    "rank", "emission_id", "reporting_year", "consolidation_approach", "scope", "scope2_method", "scope3_category",
    "iso_category", "entity_id", "facility_id", "period_start", "period_end", "source_type", "activity_code",
    "method", "activity_quantity", "activity_unit", "factor_id", "factor_value", "factor_unit", "factor_gas",
    "factor_family", "factor_derivation", "factor_source_document", "factor_publisher", "factor_licence",
    "factor_verification_status", "factor_set_version", "factor_selection_reason", "is_factor_year_fallback",
    "gas", "gas_mass_t", "gwp_set", "gwp_100", "co2e_t", "is_biogenic", "weight", "weight_equity_share",
    "weight_operational_control", "weight_financial_control", "in_group_fraction", "contribution_t",
    "figure_co2e_t", "formula", "data_quality_score", "source_record_key", "raw_table", "file_path", "row_number",
    "source_row_count", "source_rows",
    "file_sha256", "raw_file_sha256", "file_load_id", "is_raw_resolved", "raw_values",
)  # fmt: skip


def _plain(value: Any) -> Any:
    """JSON-safe: exact decimals as strings (no binary rounding), dates as ISO text."""
    if value is None or type(value) in (str, int, float, bool):  # most values: a work paper has millions
        return value
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def records(trace: Trace) -> list[dict[str, Any]]:
    """One flat record per traced row, in rank order, with the work-paper columns."""
    return [{c: _plain(r.get(c)) for c in RECORD_COLUMNS} for r in trace.rows]


def to_json(trace: Trace) -> dict[str, Any]:
    return {
        "kind": trace.kind,
        "figure": _plain(asdict(trace.key)) if trace.key else None,
        "figure_co2e_t": trace.figure_t,
        "gwp_set": trace.gwp_set,
        "emission_rows": trace.row_count,
        "rows_sum_decimal_t": number_text(trace.total_t),
        "reconciles": trace.reconciles,
        "reconciliation": [asdict(c) for c in trace.checks],
        "factors": _plain(trace.factors),
        "files": _plain(trace.files),
        "database_pulls": _plain(trace.pulls),
        "rows": records(trace),
    }


def dumps(trace: Trace, fmt: str) -> str:
    """The work paper as text: CSV (one line per row, raw values as JSON text) or JSON (everything)."""
    if fmt == "json":
        return json.dumps(to_json(trace), ensure_ascii=False, indent=2) + "\n"
    buf = io.StringIO()
    write_csv_rows(trace.rows, buf)
    return buf.getvalue()


def write_csv_rows(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """The CSV work paper of ``rows`` (traced rows, in rank order) into ``out``, one line at a time, so a
    cell of any size is written in constant memory; returns the number of rows."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(RECORD_COLUMNS)
    n = 0
    for r in rows:
        values = []
        for c in RECORD_COLUMNS:
            v = _plain(r.get(c))
            if c == "raw_values" and v is not None:
                v = json.dumps(v, ensure_ascii=False, sort_keys=True)
            values.append("" if v is None else v)
        w.writerow(values)
        n += 1
    return n


def write(trace: Trace, out: Path, fmt: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(trace, fmt), encoding="utf-8")
    return out
