"""Byte-deterministic file writers for the landing zone (CSV, XLSX, Parquet).

Same input, same bytes: no timestamps, fixed line endings (``\\n``), fixed
workbook metadata, fixed Parquet options. Cells reach ``write_csv`` already
formatted, so number formatting is decided once, by the caller.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

# The one timestamp xlsxwriter would otherwise take from the clock.
XLSX_CREATED = datetime(2025, 1, 1)


def cell(value: object) -> str:
    """A CSV cell: ``None`` -> empty, bools -> ``true``/``false``; floats must be pre-formatted."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        raise TypeError(f"format floats explicitly before writing (got {value!r})")
    return str(value)


def fmt(x: float, decimals: int) -> str:
    """A decimal with a fixed number of places, never ``-0.000``."""
    s = f"{x:.{decimals}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[object]], encoding: str = "utf-8"
) -> int:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow([cell(v) for v in row])
        n += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue().encode(encoding))
    return n


def write_xlsx(path: Path, sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """One sheet, a header row, then values: str as text, int/float as numbers, None as blank."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": XLSX_CREATED, "author": "Carbon Ledger sample generator"})
    ws = wb.add_worksheet(sheet)
    for c, name in enumerate(header):
        ws.write_string(0, c, name)
    n = 0
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, int | float):
                ws.write_number(r, c, v)
            else:
                ws.write_string(r, c, str(v))
        n += 1
    wb.close()
    return n


def write_parquet(path: Path, table: pa.Table) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        row_group_size=1_048_576,
    )
    return table.num_rows
