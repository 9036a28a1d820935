"""The tables ``carbon run`` prints at the end, read from the warehouse (read-only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from pipelines.lib.settings import Settings
from pipelines.lib.warehouse import connect

APPROACH_LABELS = {
    "operational_control": "运营控制 operational",
    "financial_control": "财务控制 financial",
    "equity_share": "股权比例 equity",
}


def _exists(con, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _num(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def print_run_summary(warehouse: Path, settings: Settings, *, year: int | None = None,
                      console: Console | None = None) -> None:
    console = console or Console(width=160)
    if not warehouse.exists():
        console.print(f"No warehouse at {warehouse}: nothing was built.")
        return
    try:
        with connect(warehouse, read_only=True) as con:
            if _exists(con, "ingest", "files"):
                _print_extraction(con, console)
            if _exists(con, "marts", "rpt_group_inventory"):
                _print_inventory(con, console, settings, year)
            if _exists(con, "marts", "fct_unestimated_activity"):
                _print_unestimated(con, console)
    except duckdb.IOException as exc:
        console.print(f"The warehouse {warehouse} cannot be read now ({str(exc).splitlines()[0]}).", markup=False)


def _print_extraction(con, console: Console) -> None:
    rows = con.execute(
        """
        select dataset_key,
               count(*) filter (where status = 'loaded') as files,
               coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0),
               count(*) filter (where status <> 'loaded') as skipped
        from ingest.files group by 1 order by 1
        """
    ).fetchall()
    t = Table(title="数据加载 Extraction (landing → raw)", title_justify="left")
    for col in ("dataset", "files", "rows read", "loaded", "quarantined", "dup/unreadable"):
        t.add_column(col, justify="left" if col == "dataset" else "right")
    for ds, files, read, loaded, quarantined, skipped in rows:
        t.add_row(ds, str(files), f"{read:,}", f"{loaded:,}", f"{quarantined:,}", str(skipped))
    tot = [sum(r[i] for r in rows) for i in range(1, 6)]
    t.add_row("total", *(f"{v:,}" for v in tot), style="bold")
    console.print(t)
    findings = con.execute(
        """
        select check_code, message from ingest.quarantine
        order by dataset_key, file_path, row_number nulls first limit 12
        """
    ).fetchall()
    if findings:
        n = con.execute("select count(*) from ingest.quarantine").fetchone()[0]
        console.print(f"隔离 Quarantined ({n}; full list in table ingest.quarantine):")
        for code, message in findings:
            console.print(f"  [{code}] {message}", soft_wrap=True, markup=False)


def _print_inventory(con, console: Console, settings: Settings, year: int | None) -> None:
    where = "where reporting_year = ?" if year else ""
    params = [year] if year else []
    rows = con.execute(
        f"""
        select reporting_year, consolidation_approach,
               sum(co2e_t) filter (where scope = '1'),
               sum(co2e_t) filter (where scope = '2' and scope2_method = 'location'),
               sum(co2e_t) filter (where scope = '2' and scope2_method = 'market'),
               sum(co2e_t) filter (where scope = '3'),
               sum(co2e_t) filter (where scope = 'biogenic')
        from marts.rpt_group_inventory {where}
        group by 1, 2 order by 1, 2
        """,
        params,
    ).fetchall()
    t = Table(
        title=f"温室气体排放 Group GHG inventory, tCO2e ({settings.gwp_set}; primary approach: "
        f"{settings.consolidation})",
        title_justify="left",
    )
    for col in ("year", "approach", "范围一 Scope 1", "范围二 Scope 2 location", "范围二 Scope 2 market",
                "范围三 Scope 3", "生物质 biogenic CO2"):
        t.add_column(col, justify="left" if col in ("year", "approach") else "right")
    for y, approach, s1, s2l, s2m, s3, bio in rows:
        style = "bold" if approach == settings.consolidation else None
        t.add_row(str(y), APPROACH_LABELS.get(approach, approach), _num(s1), _num(s2l), _num(s2m), _num(s3),
                  _num(bio), style=style)
    console.print(t)


def _print_unestimated(con, console: Console) -> None:
    rows = con.execute(
        "select dataset_key, reason_code, count(*) from marts.fct_unestimated_activity group by all order by all"
    ).fetchall()
    if not rows:
        console.print("未估算 Unestimated activity: none — every activity record has an emission.")
        return
    total = sum(r[2] for r in rows)
    console.print(f"未估算 Unestimated activity: {total} record(s), listed in marts.fct_unestimated_activity:")
    for dataset_key, reason, n in rows:
        console.print(f"  {dataset_key}: {n} × {reason}", markup=False)
