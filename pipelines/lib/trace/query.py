"""Trace a reported figure or one emission row in the warehouse (read-only queries)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.sql_sources import SQL_PREFIX
from pipelines.lib.trace import csvsql
from pipelines.lib.trace.cell import (
    CELL,
    RANGES,
    RESOLVED,
    SHARED,
    approach_view,
    cell_filter,
    cell_params,
    dicts,
    materialise_cell,
    raw_union,
)
from pipelines.lib.trace.formula import formula
from pipelines.lib.trace.model import (
    APPROACHES,
    SCOPE2_METHODS,
    SCOPES,
    FigureKey,
    ReconciliationCheck,
    Trace,
    TraceError,
)
from pipelines.lib.trace.reconcile import figure_checks, row_checks
from pipelines.lib.trace.workpaper import write_csv_rows
from pipelines.lib.warehouse import open_read_only, table_exists
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years


def open_warehouse(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; a missing file or unbuilt marts is a TraceError."""
    tables = [
        ("marts", t)
        for t in ("fct_emissions", "fct_inventory", "rpt_group_inventory", "dim_emission_factors")
    ]
    return open_read_only(path, [*tables, ("ingest", "files")], "inventory marts", TraceError)


def validate_key(key: FigureKey) -> None:
    """The figure's coordinates must name a cell shape that exists (one sentence otherwise)."""
    if key.consolidation_approach not in APPROACHES:
        raise TraceError(f"The consolidation approach '{key.consolidation_approach}' is unknown; "
                         f"use one of {', '.join(APPROACHES)}.")  # fmt: skip
    if key.scope not in SCOPES:
        raise TraceError(f"The scope '{key.scope}' is unknown; use one of {', '.join(SCOPES)}.")
    if key.scope == "2" and key.scope2_method not in SCOPE2_METHODS:
        raise TraceError(
            "A Scope 2 figure is location- or market-based; add --scope2-method location|market."
        )
    if key.scope != "2" and key.scope2_method is not None:
        raise TraceError(f"--scope2-method applies to Scope 2 only, not to scope {key.scope}.")
    if key.scope == "3" and key.scope3_category is None:
        raise TraceError("Scope 3 figures are reported per category; add --category N (1-15).")
    if key.scope != "3" and key.scope3_category is not None:
        raise TraceError(f"--category applies to Scope 3 only, not to scope {key.scope}.")


def find_figure(con: duckdb.DuckDBPyConnection, key: FigureKey) -> dict[str, Any]:
    """The rpt_group_inventory row of the cell, or a TraceError that says which cells exist."""
    validate_key(key)
    rows = dicts(con.execute(
        f"select * from marts.rpt_group_inventory where consolidation_approach = ? and {cell_filter()}",
        [key.consolidation_approach, *cell_params(key)],
    ))  # fmt: skip
    if rows:
        return rows[0]
    years = warehouse_reporting_years(con)
    if key.reporting_year not in years:
        raise TraceError(f"No figure for {key.label()}: the warehouse reports the years "
                         f"{', '.join(map(str, years)) or 'none'}.")  # fmt: skip
    if key.scope == "3":
        cats = [str(r[0]) for r in con.execute(
            "select distinct scope3_category from marts.rpt_group_inventory where reporting_year = ? "
            "and scope = '3' order by 1", [key.reporting_year]).fetchall()]  # fmt: skip
        raise TraceError(f"No figure for {key.label()}: Scope 3 of {key.reporting_year} is reported for "
                         f"categories {', '.join(cats) or 'none'}.")  # fmt: skip
    raise TraceError(f"No figure for {key.label()} in rpt_group_inventory.")


def trace_figure(con: duckdb.DuckDBPyConnection, key: FigureKey, *, limit: int | None = None,
                 rows_to: Callable[[Iterator[dict[str, Any]]], Any] | None = None,
                 csv_to: Path | None = None) -> Trace:  # fmt: skip
    """Trace a cell of rpt_group_inventory; ``rows`` holds the top ``limit`` rows (all when None).

    With ``rows_to``, the rows are not kept: they are handed to it as an iterator, in rank order, a batch
    at a time (a work paper written row by row: a Scope 3 cell at scale M has 750,000 rows), and the
    returned trace's ``rows`` is empty. With ``csv_to``, the CSV work paper of every row is written to that
    file by DuckDB itself (``csvsql``: the same bytes as ``workpaper.write_csv_rows``, without a row passing
    through Python; a cell of a type it does not spell is written row by row), and ``rows`` is empty.
    Totals, per-factor and per-file summaries and the reconciliation always cover every contributing row.
    """
    figure = find_figure(con, key)
    weight = f"weight_{key.consolidation_approach}"  # validated against APPROACHES
    materialise_cell(
        con,
        f"""select e.*, '{key.consolidation_approach}' as consolidation_approach, e.{weight} as weight
            from marts.fct_emissions as e where {cell_filter()}""",
        cell_params(key),
    )
    try:
        rows = []
        if csv_to is not None:
            _write_paper(con, csv_to, fast=csvsql.supported(con))
        elif rows_to is None:
            rows = list(_iter_rows(con, limit))
        else:
            _drain(_iter_rows(con, limit), rows_to)
        return _figure_trace(con, key, figure, rows)
    finally:
        con.execute(f"drop table if exists {CELL}")
        con.execute(f"drop table if exists {RANGES}")
        con.execute(f"drop table if exists {RESOLVED}")


# A cell's rows for every approach at once: approach_view sets the approach and weight of each.
_SHARED_CELL_SELECT = f"""select e.*, null::varchar as consolidation_approach, null::double as weight
    from marts.fct_emissions as e where {cell_filter()}"""


def _write_paper(
    con: duckdb.DuckDBPyConnection, out: Path, *, fast: bool, raw_rows: str | None = None
) -> None:
    """The CSV work paper of the cell in CELL: by DuckDB (csvsql, ``fast``; ``raw_rows`` the table
    keep_raw_rows made), or row by row in Python for a type csvsql does not spell (the same bytes)."""
    if fast:
        csvsql.copy_csv(con, out, **({"raw_rows": raw_rows} if raw_rows else {}))
        return
    with out.open("w", encoding="utf-8", newline="") as f:
        _drain(_iter_rows(con, None), lambda streamed: write_csv_rows(streamed, f))


def trace_cell(con: duckdb.DuckDBPyConnection, keys: list[FigureKey], csv_to: dict[FigureKey, Path]
               ) -> dict[FigureKey, Trace]:  # fmt: skip
    """trace_figure(con, key, csv_to=csv_to[key]) for figures of one cell under different consolidation
    approaches (the same year, scope, Scope 2 method and Scope 3 category), each a work paper of the same
    bytes: the cell's rows are selected and joined to their factors, row ranges and files once, their raw
    rows spelled once and each row checked once; only the weighting, the contribution and the order differ
    between approaches (CELL is a view of the shared rows per approach)."""
    figures = {key: find_figure(con, key) for key in keys}
    if len({tuple(cell_params(key)) for key in keys}) != 1 or len(set(keys)) != len(keys):
        raise ValueError("trace_cell traces the figures of one cell, each approach once")
    approaches = tuple(key.consolidation_approach for key in keys)  # validated by find_figure
    materialise_cell(
        con,
        _SHARED_CELL_SELECT,
        cell_params(keys[0]),
        table=SHARED,
    )
    traces: dict[FigureKey, Trace] = {}
    try:
        approach_view(con, approaches[0])
        fast = csvsql.supported(con)
        if fast:
            csvsql.keep_raw_rows(con)
        checked = row_checks(con)  # each row's own checks: the same under every approach
        for key in keys:
            approach_view(con, key.consolidation_approach)
            _write_paper(con, csv_to[key], fast=fast, raw_rows=csvsql.RAW_ROWS)
            traces[key] = _figure_trace(con, key, figures[key], [], checked)
    finally:
        con.execute(f"drop view if exists {CELL}")
        for table in (csvsql.RAW_ROWS, SHARED, RANGES, RESOLVED):
            con.execute(f"drop table if exists {table}")
    return traces


def share_cell(
    con: duckdb.DuckDBPyConnection, keys: list[FigureKey], scratch: str
) -> list[ReconciliationCheck]:
    """The shared part of trace_cell into tables of the attached database ``scratch``, which every cursor of
    the connection sees (a cursor's temp tables only it): the cell's rows (``scratch``.rows), its resolved
    row ranges (.resolved) and raw rows (.raw_rows, when csvsql spells them); returns the rows' own checks.
    Then trace_shared, on any cursor, for each approach."""
    if len({tuple(cell_params(key)) for key in keys}) != 1:
        raise ValueError("share_cell shares the figures of one cell")
    for key in keys:
        validate_key(key)  # the approach names a column in SQL
    materialise_cell(
        con,
        _SHARED_CELL_SELECT,
        cell_params(keys[0]),
        table=f"{scratch}.rows",
        temp=False,
    )
    try:
        approach_view(con, keys[0].consolidation_approach, rows=f"{scratch}.rows")
        con.execute(f"create table {scratch}.resolved as select * from {RESOLVED}")
        if csvsql.supported(con):
            csvsql.keep_raw_rows(con, table=f"{scratch}.raw_rows", temp=False)
        return row_checks(con)
    finally:
        con.execute(f"drop view if exists {CELL}")
        con.execute(f"drop table if exists {RANGES}")
        con.execute(f"drop table if exists {RESOLVED}")


def trace_shared(con: duckdb.DuckDBPyConnection, key: FigureKey, scratch: str,
                 checked: list[ReconciliationCheck], csv_to: Path) -> Trace:  # fmt: skip
    """trace_figure(con, key, csv_to=csv_to) from the cell share_cell put in ``scratch`` (its rows' checks
    ``checked``): the same work paper and trace."""
    figure = find_figure(con, key)
    approach_view(con, key.consolidation_approach, rows=f"{scratch}.rows")
    con.execute(f"create temp view {RESOLVED} as select * from {scratch}.resolved")
    try:
        _write_paper(con, csv_to, fast=csvsql.supported(con), raw_rows=f"{scratch}.raw_rows")
        return _figure_trace(con, key, figure, [], checked)
    finally:
        con.execute(f"drop view if exists {CELL}")
        con.execute(f"drop view if exists {RESOLVED}")


def _figure_trace(con: duckdb.DuckDBPyConnection, key: FigureKey, figure: dict[str, Any], rows: list[dict[str, Any]],
                  shared_row_checks: list[ReconciliationCheck] | None = None) -> Trace:  # fmt: skip
    """The trace of the figure whose rows are in CELL (materialise_cell or approach_view), with ``rows``; the
    checks of each row (row_checks) are those given when the same rows were checked under another approach."""
    summary = con.execute(
        f"select count(*), sum(contribution_t), count(*) filter (where contribution_t <> 0) from {CELL}"
    ).fetchone()
    total = summary[1] if summary[1] is not None else Decimal(0)
    factors = dicts(con.execute(f"""
        select factor_id, any_value(factor_value) as factor_value, any_value(factor_unit) as factor_unit,
               any_value(factor_gas) as factor_gas, any_value(factor_source_document) as source_document,
               any_value(factor_publisher) as publisher, any_value(factor_set_version) as factor_set_version,
               count(*) as rows, sum(contribution_t) as contribution_t
        from {CELL} group by factor_id order by contribution_t desc, factor_id"""))  # fmt: skip
    files = dicts(con.execute(f"""
        select raw_table, file_path, any_value(file_sha256) as file_sha256, count(*) as rows,
               sum(contribution_t) as contribution_t
        from {CELL} group by raw_table, file_path order by contribution_t desc, file_path"""))  # fmt: skip
    checks = figure_checks(con, key, figure, summary[0], total)
    if shared_row_checks is None:
        checks += row_checks(con)
    else:
        checks += [replace(check) for check in shared_row_checks]
    pulls = _pulls(con, [f["file_path"] for f in files])
    return Trace("figure", key, figure["co2e_t"], figure.get("gwp_set"), summary[0], total, rows,
                 factors, files, checks, pulls)  # fmt: skip


def trace_emission(con: duckdb.DuckDBPyConnection, emission_id: str,
                   approaches: tuple[str, ...] = APPROACHES) -> Trace:  # fmt: skip
    """Trace one emission row: one line per consolidation approach, with the cell it counts in."""
    unknown = [a for a in approaches if a not in APPROACHES]
    if unknown or not approaches:
        raise TraceError(f"The consolidation approach '{', '.join(unknown)}' is unknown; "
                         f"use one of {', '.join(APPROACHES)}.")  # fmt: skip
    found = con.execute(
        "select count(*) from marts.fct_emissions where emission_id = ?", [emission_id]
    ).fetchone()[0]
    if not found:
        raise TraceError(f"No emission row with emission_id '{emission_id}' in fct_emissions.")
    branches = " union all ".join(
        f"select e.*, '{a}' as consolidation_approach, e.weight_{a} as weight from marts.fct_emissions as e "
        "where emission_id = ?"
        for a in approaches
    )
    materialise_cell(con, branches, [emission_id] * len(approaches))
    try:
        rows = list(_iter_rows(con, None, order="approach"))
        figures = {
            r["consolidation_approach"]: r
            for r in dicts(con.execute(f"""
                select f.* from marts.rpt_group_inventory as f join {CELL} as c
                  on f.consolidation_approach = c.consolidation_approach
                 and f.reporting_year = c.reporting_year and f.scope = c.scope
                 and f.scope2_method is not distinct from c.scope2_method
                 and f.scope3_category is not distinct from c.scope3_category"""))
        }  # fmt: skip
        for r in rows:
            cell = figures.get(r["consolidation_approach"])
            r["figure_co2e_t"] = cell["co2e_t"] if cell else None
            r["figure_emission_rows"] = cell["emission_rows"] if cell else None
        checks = row_checks(con)
        missing = [r["consolidation_approach"] for r in rows if r["figure_co2e_t"] is None]
        checks.append(ReconciliationCheck("the row's cell exists in rpt_group_inventory under each approach",
                            str(len(rows)), str(len(rows) - len(missing)), not missing,
                            ", ".join(missing)))  # fmt: skip
    finally:
        con.execute(f"drop table if exists {CELL}")
        con.execute(f"drop table if exists {RANGES}")
        con.execute(f"drop table if exists {RESOLVED}")
    first = rows[0]
    return Trace("emission", None, None, first.get("gwp_set"), 1, first["co2e_t_decimal"], rows, checks=checks,
                 pulls=_pulls(con, [first.get("file_path")]))  # fmt: skip


def _pulls(con: duckdb.DuckDBPyConnection, file_paths: list[str | None]) -> list[dict[str, Any]]:
    """The database pulls (ingest.sql_pulls) among the source files: database, query, its sha256, when."""
    paths = sorted({p.split("#")[0].strip() for fp in file_paths if fp for p in fp.split("; ")
                    if p.startswith(SQL_PREFIX)})  # fmt: skip
    if not paths or not table_exists(con, "ingest", "sql_pulls"):
        return []
    return dicts(con.execute(
        """select file_path, database_name, database_kind, database_url, query, query_sha256, key_columns,
                  watermark_column, watermark_from, watermark_to, rows_pulled, pulled_at
           from ingest.sql_pulls where file_path in (select unnest(?::varchar[])) order by file_path""",
        [paths]))  # fmt: skip


def _drain(streamed: Iterator[dict[str, Any]], rows_to: Callable[[Iterator[dict[str, Any]]], Any]) -> None:
    rows_to(streamed)
    for _ in streamed:  # the connection's result must be read out before the next query
        pass


# rows fetched from DuckDB at a time when a trace is read row by row
ROW_BATCH = 20_000


def _iter_rows(
    con: duckdb.DuckDBPyConnection, limit: int | None, order: str = "contribution"
) -> Iterator[dict[str, Any]]:
    """The cell's rows in rank order, finished (raw values, resolution, formula), a batch at a time. The
    connection runs no other query until the iterator is exhausted."""
    order_by = ("case c.consolidation_approach " + " ".join(f"when '{a}' then {i}" for i, a in enumerate(APPROACHES))
                + " end" if order == "approach" else "c.contribution_t desc, c.co2e_t desc, c.emission_id")  # fmt: skip
    sql = f"""
        with raw_rows as ({raw_union(con, with_values=True)}),
        ranked as (
            select c.*, r.raw_file_sha256, r.raw_json,
                   row_number() over (order by {order_by}) as rank
            from {CELL} as c
            left join raw_rows as r
                on r.raw_table = c.raw_table and r._file_path = c.file_path and r._row_number = c.row_number
        )
        select * from ranked {"where rank <= ?" if limit is not None else ""} order by rank
    """
    summed = {r[0] for r in con.execute(f"select source_record_key from {RESOLVED}").fetchall()}
    cur = con.execute(sql, [limit] if limit is not None else [])
    names = [d[0] for d in cur.description]
    while batch := cur.fetchmany(ROW_BATCH):
        for values in batch:
            yield _finish_row(dict(zip(names, values, strict=True)), summed)


def _finish_row(r: dict[str, Any], summed_resolved: set[str]) -> dict[str, Any]:
    raw = json.loads(r.pop("raw_json")) if r.get("raw_json") else None
    r["raw_values"] = {k: v for k, v in raw.items() if not k.startswith("_")} if raw else None
    if raw and raw.get("_extra_json"):
        r["raw_values"]["_extra_json"] = raw["_extra_json"]
    if r.get("row_number") is None:  # a meter x month row: every reading it sums, by range
        r["is_raw_resolved"] = r["source_record_key"] in summed_resolved
    else:
        r["is_raw_resolved"] = (
            bool(raw)
            and r.get("raw_file_sha256") is not None
            and r.get("raw_file_sha256") == r.get("file_sha256")
        )
    r["formula"] = formula(r)
    return r
