"""The bundled sample's reported figures, as a committed golden file.

`sample_figures.json` holds every row of the marts a user reads figures from
(rpt_group_inventory, fct_baseline, fct_target_progress, fct_carbon_position),
taken from the warehouse `make run` built before interval readings were summed
per meter x month (issue "Scale"). tests/test_golden_figures.py compares a
fresh run with it: text and flags exactly, numbers to 10^-6 t (a gram; the
marts sum in DECIMAL(38, 12), summing per month first moves the 12th
decimal). Row counts (`emission_rows`, ...) are left out: they change with
the grain by design.

Regenerate only when a figure changes on purpose, and say why in the commit:
    .venv/bin/python -m tests.golden.figures build/carbon.duckdb
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

GOLDEN = Path(__file__).with_name("sample_figures.json")

# mart -> its grain (the columns that identify a row)
MARTS: dict[str, tuple[str, ...]] = {
    "rpt_group_inventory": (
        "reporting_year",
        "consolidation_approach",
        "scope",
        "scope2_method",
        "scope3_category",
    ),
    "fct_baseline": ("consolidation_approach", "scope", "scope2_method"),
    "fct_target_progress": ("target_name", "reporting_year", "consolidation_approach"),
    "fct_carbon_position": ("reporting_year", "entity_id", "is_group_total", "consolidation_approach"),
}
# counts of rows behind a figure: they follow the grain, not the figure
COUNTS = {"emission_rows", "base_year_emission_rows", "credit_records"}


def _key(row: dict, grain: tuple[str, ...]) -> str:
    return " | ".join("∅" if row[c] is None else str(row[c]) for c in grain)


def read(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, dict]]:
    """{mart: {grain key: {column: value}}} of a built warehouse."""
    out: dict[str, dict[str, dict]] = {}
    for mart, grain in MARTS.items():
        cur = con.execute(f"select * from marts.{mart}")
        cols = [d[0] for d in cur.description]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
        table: dict[str, dict] = {}
        for row in rows:
            key = _key(row, grain)
            assert key not in table, f"{mart}: grain {grain} is not unique ({key})"
            table[key] = {c: v for c, v in row.items() if c not in COUNTS and c not in grain}
        out[mart] = dict(sorted(table.items()))
    return out


def write(warehouse: Path) -> None:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        figures = read(con)
    finally:
        con.close()
    GOLDEN.write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN} ({sum(len(t) for t in figures.values())} rows)")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "build/carbon.duckdb"))
