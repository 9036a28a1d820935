"""The terminal view of a trace (rich tables); everything else in the package returns data."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pipelines.lib.terminal import print_table, print_text
from pipelines.lib.trace.formula import formula, number_text
from pipelines.lib.trace.model import Trace


def render(trace: Trace, console, top: int) -> None:  # console: rich.console.Console
    from rich.table import Table
    from rich.text import Text

    def t(x: Any, digits: int = 4) -> str:
        return "—" if x is None else f"{float(x):,.{digits}f}"

    if trace.kind == "emission":
        _render_emission(trace, console)
    else:
        key = trace.key
        console.print(f"[bold]追溯 Trace: {key.label()}[/bold] = {t(trace.figure_t)} t CO2e "
                      f"({trace.gwp_set}; rpt_group_inventory, {trace.row_count:,} emission rows)")  # fmt: skip
        shown = trace.rows[:top]
        tab = Table(title=f"Contributing emission rows, top {len(shown)} of {trace.row_count:,} by contribution "
                    f"(co2e × weight_{key.consolidation_approach})", title_justify="left")  # fmt: skip
        for col in ("#", "t CO2e", "share", "entity / facility", "period", "activity", "gas", "formula",
                    "factor", "source file#row(s)"):  # fmt: skip
            # numbers wrap between words only, ids and periods not at all (pipelines/lib/terminal.py)
            tab.add_column(col, justify="right" if col in ("#", "t CO2e", "share") else "left",
                           no_wrap=col in ("period", "gas", "factor"))  # fmt: skip
        total = trace.total_t or Decimal(0)
        for r in shown:
            share = f"{100 * r['contribution_t'] / total:.1f}%" if total else "—"
            tab.add_row(str(r["rank"]), t(r["contribution_t"]), share,
                        f"{r['entity_id']} / {r['facility_id'] or '—'}",
                        _period(r),
                        f"{r['source_type']}: {r['activity_code']}", r["gas"], r["formula"],
                        r["factor_id"], _source(r))  # fmt: skip
        top_t = sum((r["contribution_t"] for r in shown), Decimal(0))
        # the totals' labels are never broken (Text no_wrap, pipelines/lib/terminal.py)
        tab.add_row("", t(top_t), f"{100 * top_t / total:.1f}%" if total else "—",
                    Text(f"top {len(shown)}", no_wrap=True), style="bold")  # fmt: skip
        if trace.row_count > len(shown):
            tab.add_row("", t(total - top_t), f"{100 * (total - top_t) / total:.1f}%" if total else "—",
                        Text(f"other {trace.row_count - len(shown):,} rows", no_wrap=True))  # fmt: skip
        tab.add_row("", t(total), "100.0%" if total else "—", Text(f"all {trace.row_count:,} rows", no_wrap=True),
                    style="bold")  # fmt: skip
        print_table(console, tab)
        _render_factors(trace, console)
        _render_files(trace, console)
    _render_pulls(trace, console)
    _render_checks(trace, console)


def _render_pulls(trace: Trace, console) -> None:
    """Rows pulled from a database: which database, query (and its sha256) and when; the row's key."""
    if not trace.pulls:
        return
    from rich.table import Table

    tab = Table(title=f"Database sources ({len(trace.pulls)}) 数据库来源", title_justify="left")
    for col in ("virtual file", "database", "pulled at (UTC)", "rows", "row key", "query sha256", "query"):
        tab.add_column(col, justify="right" if col == "rows" else "left",
                       no_wrap=col in ("pulled at (UTC)", "query sha256"))  # fmt: skip
    for p in trace.pulls:
        tab.add_row(p["file_path"], f"{p['database_name']} ({p['database_kind']} {p['database_url']})",
                    f"{p['pulled_at']:%Y-%m-%d %H:%M:%S}", f"{p['rows_pulled']:,}", p["key_columns"] or "— (row order)",
                    p["query_sha256"][:16], p["query"])  # fmt: skip
    print_table(console, tab)
    if trace.kind == "emission":
        r = trace.rows[0]
        keys = next((p["key_columns"] for p in trace.pulls if p["file_path"] == r.get("file_path")), None)
        if keys and r.get("raw_values"):
            values = ", ".join(f"{k}={r['raw_values'].get(k)}" for k in keys.split(","))
            print_text(console, f"行键 Row key in the database: {values}", hanging="  ")


def _source(r: dict[str, Any]) -> str:
    """'file#row', or for a meter x month row '2,976 readings: file#1-2976'."""
    if r.get("row_number") is not None:
        return f"{r['file_path']}#{r['row_number']}"
    if r.get("source_row_count"):
        return f"{r['source_row_count']:,} readings: {r['source_rows']}"
    return r.get("source_record_key") or "—"


def _period(r: dict[str, Any]) -> str:
    start, end = r.get("period_start"), r.get("period_end")
    if r.get("period_grain") == "month" and start:
        return start.strftime("%Y-%m")
    if r.get("period_grain") == "year" and start:
        return str(start.year)
    return f"{start}…{end}"


def _render_factors(trace: Trace, console) -> None:
    from rich.table import Table

    tab = Table(title=f"Factors ({len(trace.factors)}) 排放因子", title_justify="left")
    for col in ("factor_id", "value", "unit", "source document", "publisher", "version", "rows", "t CO2e"):
        tab.add_column(col, justify="right" if col in ("value", "rows", "t CO2e") else "left",
                       no_wrap=col in ("factor_id", "version"))  # fmt: skip
    for f in trace.factors[:15]:
        tab.add_row(f["factor_id"], number_text(f["factor_value"]), f"t {f['factor_gas']}/{f['factor_unit']}",
                    f["source_document"], f["publisher"], f["factor_set_version"], f"{f['rows']:,}",
                    f"{float(f['contribution_t']):,.4f}")  # fmt: skip
    if len(trace.factors) > 15:
        tab.add_row(f"… {len(trace.factors) - 15} more (--format csv|json lists all)")
    print_table(console, tab)


def _render_files(trace: Trace, console) -> None:
    from rich.table import Table

    tab = Table(title=f"Source files ({len(trace.files)}) 源文件", title_justify="left")
    for col in ("raw table", "file", "sha256", "rows", "t CO2e"):
        tab.add_column(col, justify="right" if col in ("rows", "t CO2e") else "left",
                       no_wrap=col in ("raw table", "sha256"))  # fmt: skip
    for f in trace.files[:15]:
        tab.add_row(f["raw_table"], f["file_path"], f["file_sha256"] or ("— (several files: each run of rows is checked)"
                    if "; " in (f["file_path"] or "") else "— (not in ingest.files)"), f"{f['rows']:,}",
                    f"{float(f['contribution_t']):,.4f}")  # fmt: skip
    if len(trace.files) > 15:
        tab.add_row("", f"… {len(trace.files) - 15} more (--format csv|json lists all)")
    print_table(console, tab)


def _render_emission(trace: Trace, console) -> None:
    from rich.table import Table

    r = trace.rows[0]
    tab = Table(title=f"追溯 Trace: emission {r['emission_id']}", title_justify="left", show_header=False)
    tab.add_column("field", style="bold")
    tab.add_column("value")
    scope = (
        r["scope"]
        + (f" ({r['scope2_method']}-based)" if r["scope2_method"] else "")
        + (f" category {r['scope3_category']}" if r["scope3_category"] is not None else "")
    )
    for label, value in (
        ("year / scope", f"{r['reporting_year']} / {scope}"),
        ("entity / facility", f"{r['entity_id']} / {r['facility_id'] or '—'}"),
        ("period", f"{r['period_start']} … {r['period_end']}"),
        (
            "activity",
            f"{r['source_type']}: {r['activity_code']}, {number_text(r['activity_quantity'])} {r['activity_unit']}",
        ),
        ("method", r["method"]),
        (
            "gas",
            f"{r['gas']} {number_text(r['gas_mass_t'])} t × GWP {number_text(r['gwp_100'])} ({r['gwp_set']}) = "
            f"{number_text(r['co2e_t'])} t CO2e",
        ),
        (
            "factor",
            f"{r['factor_id']} = {number_text(r['factor_value'])} t {r['factor_gas']}/{r['factor_unit']}",
        ),
        ("factor derivation", r["factor_derivation"]),
        ("factor source", f"{r['factor_source_document']} — {r['factor_publisher']}"),
        ("factor status / set", f"{r['factor_verification_status']} / {r['factor_set_version']}"),
        ("factor selection", r["factor_selection_reason"]),
        ("formula", formula({**r, "weight": None})),
        ("source record", r["source_record_key"]),
        ("source rows", _source(r)),
        (
            "file sha256",
            f"{r['file_sha256']} ({'matches the raw row' if r['is_raw_resolved'] else 'NOT resolved'})",
        ),
        ("raw row", json.dumps(r["raw_values"], ensure_ascii=False, default=str) if r["raw_values"] else "—"),
    ):
        tab.add_row(label, "—" if value is None else str(value))
    print_table(console, tab)
    by = Table(title="Contribution to rpt_group_inventory per approach 合并", title_justify="left")
    for col in ("approach", "weight", "t CO2e (co2e × weight)", "cell figure t CO2e"):
        by.add_column(col, justify="left" if col == "approach" else "right")
    for row in trace.rows:
        by.add_row(row["consolidation_approach"], number_text(row["weight"]), number_text(row["contribution_t"]),
                   "—" if row.get("figure_co2e_t") is None else f"{row['figure_co2e_t']:,.4f}")  # fmt: skip
    print_table(console, by)


def _render_checks(trace: Trace, console) -> None:
    word = "[green]reconciles 一致[/green]" if trace.reconciles else "[red]DOES NOT RECONCILE 不一致[/red]"
    console.print(f"对账 Reconciliation: {word}")
    for c in trace.checks:
        mark = "✓" if c.ok else "✗"
        note = f" — {c.note}" if c.note else ""
        print_text(console, f"{mark} {c.level}: expected {c.expected}, got {c.actual}{note}", indent="  ",
                   hanging="    ")  # fmt: skip
