"""Figure-to-source lineage for verifiers (``carbon trace``).

From a reported figure — a cell of ``marts.rpt_group_inventory`` (year x
approach x scope x Scope 2 method x Scope 3 category) — or from one
``emission_id``, down to:

1. the contributing rows of ``marts.fct_emissions``, ranked by contribution
   (co2e_t x the approach's weight), each with a formula built from the row;
2. their factors in ``marts.dim_emission_factors`` (value, unit, source
   document, publisher, factor-set version);
3. the raw rows they were computed from (``source_record_key`` =
   ``'<raw table>:<landing file>#<row>'``, see the dbt macro
   ``lineage_columns``), with the file's sha256 as recorded in ``ingest.files``.
   Interval meter readings are summed per meter x calendar month before a
   factor is applied: such a row's key (``'energy__meter_readings:<meter>
   <YYYY-MM> <unit>[ estimated]'``) resolves through
   ``marts.fct_source_row_ranges`` to every reading it sums, as runs of
   consecutive rows of each file ("2,976 readings: file#1-2976"), each run
   checked against the raw table and the file's sha256.

Sums reconcile exactly, level by level, with the arithmetic the marts use
(the dbt macro ``exact_sum``: every value cast to DECIMAL(38, 12) before
summing, the sum cast back to double):

- emission rows -> ``fct_inventory`` groups: the rows of each group sum to the
  group's ``co2e_t`` exactly;
- ``fct_inventory`` groups -> the ``rpt_group_inventory`` cell: the groups
  sum to the reported figure exactly;
- the row count equals the cell's ``emission_rows``; every row's
  ``co2e_t`` = ``gas_mass_t`` x ``gwp_100``; every row has its factor and its
  raw row, whose file checksum is the one ``ingest.files`` recorded.

The direct DECIMAL sum of the rows is reported next to the figure too; it can
differ from it by a few 1e-12 t because ``fct_inventory`` stores each group as
a double before the cell sums the groups (docs/decisions.md, "Trace").

Everything here returns data (no printing) except :func:`render`, which draws
the rich tables of the terminal view.
"""

from __future__ import annotations

import csv
import io
import json
import math
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.sql_sources import SQL_PREFIX
from pipelines.lib.terminal import print_table, print_text
from pipelines.lib.warehouse import open_read_only, table_exists
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years

APPROACHES = ("equity_share", "operational_control", "financial_control")
SCOPES = ("1", "2", "3", "biogenic")
SCOPE2_METHODS = ("location", "market")
# fct_inventory columns that are measures, not part of its grain
_INVENTORY_MEASURES = {"gas_mass_t", "co2e_t", "co2e_unweighted_t", "emission_rows", "consolidation_approach"}
_KEY_PATTERN = r"^([^:]+):(.*)#([0-9]+)$"  # '<raw table>:<landing file>#<row>'
_CELL = "_trace_cell"  # temp table (the connection is read-only; temp objects live in memory)
_RANGES = "_trace_ranges"  # the row ranges of the cell's summed (meter x month) rows
_RESOLVED = "_trace_resolved"  # the summed rows whose every range is found in raw (checked once per trace)


class TraceError(Exception):
    """A figure or warehouse the user named does not exist: one sentence, no traceback."""


@dataclass(frozen=True)
class FigureKey:
    """A cell of rpt_group_inventory."""

    reporting_year: int
    consolidation_approach: str
    scope: str
    scope2_method: str | None = None
    scope3_category: int | None = None

    def label(self) -> str:
        parts = [str(self.reporting_year), self.consolidation_approach, f"scope {self.scope}"]
        if self.scope2_method:
            parts.append(f"{self.scope2_method}-based")
        if self.scope3_category is not None:
            parts.append(f"category {self.scope3_category}")
        return ", ".join(parts)


@dataclass
class ReconciliationCheck:
    """One reconciliation step: what was compared, the two sides, and whether they agree."""

    level: str
    expected: str
    actual: str
    ok: bool
    note: str = ""


@dataclass
class Trace:
    kind: str  # figure | emission
    key: FigureKey | None
    figure_t: float | None  # the reported figure (rpt_group_inventory.co2e_t)
    gwp_set: str | None
    row_count: int  # all contributing emission rows (rows holds the top ones when limited)
    total_t: Decimal  # direct DECIMAL(38, 12) sum of the contributions
    rows: list[dict[str, Any]]
    factors: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    checks: list[ReconciliationCheck] = field(default_factory=list)
    pulls: list[dict[str, Any]] = field(
        default_factory=list
    )  # database pulls among the files (ingest.sql_pulls)

    @property
    def reconciles(self) -> bool:
        return all(c.ok for c in self.checks)


# ---------------------------------------------------------------- warehouse


def open_warehouse(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; a missing file or unbuilt marts is a TraceError."""
    tables = [
        ("marts", t)
        for t in ("fct_emissions", "fct_inventory", "rpt_group_inventory", "dim_emission_factors")
    ]
    return open_read_only(path, [*tables, ("ingest", "files")], "inventory marts", TraceError)


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _cell_filter() -> str:
    return ("reporting_year = ? and scope = ? and scope2_method is not distinct from ? "
            "and scope3_category is not distinct from ?")  # fmt: skip


def _cell_params(key: FigureKey) -> list[Any]:
    return [key.reporting_year, key.scope, key.scope2_method, key.scope3_category]


# ---------------------------------------------------------------- figure


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
    rows = _dicts(con.execute(
        f"select * from marts.rpt_group_inventory where consolidation_approach = ? and {_cell_filter()}",
        [key.consolidation_approach, *_cell_params(key)],
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


def trace_figure(con: duckdb.DuckDBPyConnection, key: FigureKey, *, limit: int | None = None) -> Trace:
    """Trace a cell of rpt_group_inventory; ``rows`` holds the top ``limit`` rows (all when None).

    Totals, per-factor and per-file summaries and the reconciliation always
    cover every contributing row.
    """
    figure = find_figure(con, key)
    weight = f"weight_{key.consolidation_approach}"  # validated against APPROACHES
    _materialise_cell(
        con,
        f"""select e.*, '{key.consolidation_approach}' as consolidation_approach, e.{weight} as weight
            from marts.fct_emissions as e where {_cell_filter()}""",
        _cell_params(key),
    )
    try:
        rows = _rows(con, limit)
        summary = con.execute(
            f"select count(*), sum(contribution_t), count(*) filter (where contribution_t <> 0) from {_CELL}"
        ).fetchone()
        total = summary[1] if summary[1] is not None else Decimal(0)
        factors = _dicts(con.execute(f"""
            select factor_id, any_value(factor_value) as factor_value, any_value(factor_unit) as factor_unit,
                   any_value(factor_gas) as factor_gas, any_value(factor_source_document) as source_document,
                   any_value(factor_publisher) as publisher, any_value(factor_set_version) as factor_set_version,
                   count(*) as rows, sum(contribution_t) as contribution_t
            from {_CELL} group by factor_id order by contribution_t desc, factor_id"""))  # fmt: skip
        files = _dicts(con.execute(f"""
            select raw_table, file_path, any_value(file_sha256) as file_sha256, count(*) as rows,
                   sum(contribution_t) as contribution_t
            from {_CELL} group by raw_table, file_path order by contribution_t desc, file_path"""))  # fmt: skip
        checks = _figure_checks(con, key, figure, summary[0], total)
        checks += _row_checks(con)
    finally:
        con.execute(f"drop table if exists {_CELL}")
        con.execute(f"drop table if exists {_RANGES}")
        con.execute(f"drop table if exists {_RESOLVED}")
    pulls = _pulls(con, [f["file_path"] for f in files])
    return Trace("figure", key, figure["co2e_t"], figure.get("gwp_set"), summary[0], total, rows,
                 factors, files, checks, pulls)  # fmt: skip


# ---------------------------------------------------------------- emission row


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
    _materialise_cell(con, branches, [emission_id] * len(approaches))
    try:
        rows = _rows(con, None, order="approach")
        figures = {
            r["consolidation_approach"]: r
            for r in _dicts(con.execute(f"""
                select f.* from marts.rpt_group_inventory as f join {_CELL} as c
                  on f.consolidation_approach = c.consolidation_approach
                 and f.reporting_year = c.reporting_year and f.scope = c.scope
                 and f.scope2_method is not distinct from c.scope2_method
                 and f.scope3_category is not distinct from c.scope3_category"""))
        }  # fmt: skip
        for r in rows:
            cell = figures.get(r["consolidation_approach"])
            r["figure_co2e_t"] = cell["co2e_t"] if cell else None
            r["figure_emission_rows"] = cell["emission_rows"] if cell else None
        checks = _row_checks(con)
        missing = [r["consolidation_approach"] for r in rows if r["figure_co2e_t"] is None]
        checks.append(ReconciliationCheck("the row's cell exists in rpt_group_inventory under each approach",
                            str(len(rows)), str(len(rows) - len(missing)), not missing,
                            ", ".join(missing)))  # fmt: skip
    finally:
        con.execute(f"drop table if exists {_CELL}")
        con.execute(f"drop table if exists {_RANGES}")
        con.execute(f"drop table if exists {_RESOLVED}")
    first = rows[0]
    return Trace("emission", None, None, first.get("gwp_set"), 1, first["co2e_t_decimal"], rows, checks=checks,
                 pulls=_pulls(con, [first.get("file_path")]))  # fmt: skip


def _pulls(con: duckdb.DuckDBPyConnection, file_paths: list[str | None]) -> list[dict[str, Any]]:
    """The database pulls (ingest.sql_pulls) among the source files: database, query, its sha256, when."""
    paths = sorted({p.split("#")[0].strip() for fp in file_paths if fp for p in fp.split("; ")
                    if p.startswith(SQL_PREFIX)})  # fmt: skip
    if not paths or not table_exists(con, "ingest", "sql_pulls"):
        return []
    return _dicts(con.execute(
        """select file_path, database_name, database_kind, database_url, query, query_sha256, key_columns,
                  watermark_column, watermark_from, watermark_to, rows_pulled, pulled_at
           from ingest.sql_pulls where file_path in (select unnest(?::varchar[])) order by file_path""",
        [paths]))  # fmt: skip


# ---------------------------------------------------------------- shared steps


def _materialise_cell(con: duckdb.DuckDBPyConnection, select: str, params: list[Any]) -> None:
    """Emission rows of the figure with their contribution, factor and raw-row coordinates.

    contribution_t is the mart's own term: cast(co2e_t x weight as DECIMAL(38, 12)).
    """
    con.execute(f"drop table if exists {_CELL}")
    con.execute(
        f"""
        create temp table {_CELL} as
        with cell as ({select}),
        located as (
            select
                c.*,
                cast(c.co2e_t * c.weight as decimal(38, 12)) as contribution_t,
                cast(c.co2e_t as decimal(38, 12)) as co2e_t_decimal,
                coalesce(nullif(regexp_extract(c.source_record_key, '{_KEY_PATTERN}', 1), ''),
                         split_part(c.source_record_key, ':', 1)) as raw_table,
                nullif(regexp_extract(c.source_record_key, '{_KEY_PATTERN}', 2), '') as row_file_path,
                cast(nullif(regexp_extract(c.source_record_key, '{_KEY_PATTERN}', 3), '') as bigint) as row_number
            from cell as c
        ),
        ranges as ({_ranges_summary_sql(con)})
        select
            l.* exclude (row_file_path),
            coalesce(l.row_file_path, g.file_paths) as file_path,
            coalesce(g.source_row_count, case when l.row_number is not null then 1 end) as source_row_count,
            coalesce(g.source_rows, l.row_file_path || '#' || l.row_number) as source_rows,
            f.t_per_unit as factor_value,
            f.activity_unit as factor_unit,
            f.gas as factor_gas,
            f.factor_family,
            f.derivation as factor_derivation,
            f.source_document as factor_source_document,
            f.publisher as factor_publisher,
            f.licence as factor_licence,
            f.verification_status as factor_verification_status,
            f.factor_set_version,
            i.file_sha256,
            i.load_id as file_load_id
        from located as l
        left join marts.dim_emission_factors as f
            on f.factor_id = l.factor_id
        left join ranges as g
            on g.source_record_key = l.source_record_key
        left join ingest.files as i
            on i.file_path = coalesce(l.row_file_path, g.file_paths) and i.status = 'loaded'
        """,
        params,
    )
    con.execute(f"drop table if exists {_RANGES}")
    con.execute(
        f"""create temp table {_RANGES} as select * from ({_ranges_sql(con)})
            where source_record_key in (select source_record_key from {_CELL} where row_number is null)"""
    )
    _resolve_ranges(con)


def _ranges_sql(con: duckdb.DuckDBPyConnection) -> str:
    """The row ranges of summed rows (empty on a warehouse built before they existed)."""
    if table_exists(con, "marts", "fct_source_row_ranges"):
        return "select * from marts.fct_source_row_ranges"
    return (
        "select null::varchar as source_record_key, null::varchar as raw_table, null::varchar as file_path, "
        "null::varchar as file_sha256, null::bigint as first_row_number, null::bigint as last_row_number, "
        "null::bigint as reading_count where false"
    )


def _ranges_summary_sql(con: duckdb.DuckDBPyConnection) -> str:
    """Per summed row: how many raw rows, in which files, as 'file#first-last' runs."""
    return f"""
        select
            source_record_key,
            sum(reading_count) as source_row_count,
            string_agg(distinct file_path, '; ' order by file_path) as file_paths,
            string_agg(
                file_path || '#' || first_row_number
                    || case when last_row_number > first_row_number then '-' || last_row_number else '' end,
                '; ' order by file_path, first_row_number
            ) as source_rows
        from ({_ranges_sql(con)})
        where source_record_key in (select source_record_key from cell)
        group by source_record_key"""


def _resolve_ranges(con: duckdb.DuckDBPyConnection) -> None:
    """Temp table _RESOLVED: the summed rows of the cell whose every range is found in its raw table (the
    run's rows are all there, consecutive, with the sha256 of the file as ingest.files recorded it)."""
    con.execute(f"drop table if exists {_RESOLVED}")
    parts = []
    for t in [r[0] for r in con.execute(f"select distinct raw_table from {_RANGES}").fetchall()]:
        if not table_exists(con, "raw", t):
            continue
        parts.append(f"""
            select g.source_record_key, g.file_path, g.first_row_number, count(x._row_number) as raw_rows
            from {_RANGES} as g
            left join raw."{t}" as x
                on x._file_path = g.file_path
                and x._row_number between g.first_row_number and g.last_row_number
                and x._file_sha256 = g.file_sha256
            where g.raw_table = '{t}'
            group by all""")
    if not parts:
        con.execute(f"create temp table {_RESOLVED} (source_record_key varchar)")
        return
    con.execute(f"""
        create temp table {_RESOLVED} as
        with found as ({" union all ".join(parts)})
        select g.source_record_key
        from {_RANGES} as g
        left join found as f
            on f.source_record_key = g.source_record_key and f.file_path = g.file_path
            and f.first_row_number = g.first_row_number
        left join ingest.files as i
            on i.file_path = g.file_path and i.status = 'loaded'
        group by g.source_record_key
        having bool_and(f.raw_rows = g.reading_count
                        and g.reading_count = g.last_row_number - g.first_row_number + 1
                        and i.file_sha256 = g.file_sha256)""")


def _raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Raw tables the cell's rows point at that exist (names come from data: checked before use)."""
    wanted = [
        r[0] for r in con.execute(f"select distinct raw_table from {_CELL} where raw_table <> ''").fetchall()
    ]
    return [t for t in sorted(wanted) if table_exists(con, "raw", t)]


def _raw_union(con: duckdb.DuckDBPyConnection, with_values: bool) -> str:
    """SQL for the raw rows of the cell: raw_table, file path, row, the sha256 stored on the row."""
    values = ", to_json(r)::varchar as raw_json" if with_values else ""
    parts = [
        f"""select '{t}' as raw_table, r._file_path, r._row_number, r._file_sha256 as raw_file_sha256{values}
            from raw."{t}" as r
            where exists (select 1 from {_CELL} as c where c.raw_table = '{t}'
                          and c.file_path = r._file_path and c.row_number = r._row_number)"""
        for t in _raw_tables(con)
    ]
    if not parts:
        return ("select null::varchar as raw_table, null::varchar as _file_path, null::bigint as _row_number, "
                "null::varchar as raw_file_sha256" + (", null::varchar as raw_json" if with_values else ""))  # fmt: skip
    return " union all ".join(parts)


def _rows(
    con: duckdb.DuckDBPyConnection, limit: int | None, order: str = "contribution"
) -> list[dict[str, Any]]:
    order_by = ("case c.consolidation_approach " + " ".join(f"when '{a}' then {i}" for i, a in enumerate(APPROACHES))
                + " end" if order == "approach" else "c.contribution_t desc, c.co2e_t desc, c.emission_id")  # fmt: skip
    sql = f"""
        with raw_rows as ({_raw_union(con, with_values=True)}),
        ranked as (
            select c.*, r.raw_file_sha256, r.raw_json,
                   row_number() over (order by {order_by}) as rank
            from {_CELL} as c
            left join raw_rows as r
                on r.raw_table = c.raw_table and r._file_path = c.file_path and r._row_number = c.row_number
        )
        select * from ranked {"where rank <= ?" if limit is not None else ""} order by rank
    """
    rows = _dicts(con.execute(sql, [limit] if limit is not None else []))
    summed = {r[0] for r in con.execute(f"select source_record_key from {_RESOLVED}").fetchall()}
    return [_finish_row(r, summed) for r in rows]


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


def _figure_checks(con: duckdb.DuckDBPyConnection, key: FigureKey, figure: dict[str, Any], n_rows: int,
                   total: Decimal) -> list[ReconciliationCheck]:  # fmt: skip
    grain = [c for c in _columns(con, "marts", "fct_inventory")
             if c not in _INVENTORY_MEASURES and c not in ("reporting_year", "scope", "scope2_method",
                                                          "scope3_category")]  # fmt: skip
    cols = ", ".join(grain)
    on = " and ".join(f"g.{c} is not distinct from i.{c}" for c in grain) or "true"
    # Level 1: rows -> fct_inventory groups, with the mart's own arithmetic (exact_sum).
    groups = con.execute(f"""
        with g as (
            select {cols + ',' if cols else ''}
                   cast(sum(contribution_t) as double) as co2e_t, count(*) as n
            from {_CELL} {'group by ' + cols if cols else ''}
        ),
        i as (
            select {cols + ',' if cols else ''} co2e_t, emission_rows as n
            from marts.fct_inventory where consolidation_approach = ? and {_cell_filter()}
        ),
        joined as (select g.co2e_t as g_t, g.n as g_n, i.co2e_t as i_t, i.n as i_n from g full join i on {on})
        select count(*),
               count(*) filter (where g_t = i_t and g_n = i_n),
               cast(sum(cast(g_t as decimal(38, 12))) as double),
               cast(sum(cast(i_t as decimal(38, 12))) as double)
        from joined
        """, [key.consolidation_approach, *_cell_params(key)]).fetchone()  # fmt: skip
    n_groups, n_matched, groups_t, inventory_t = groups
    figure_t = figure["co2e_t"]
    direct_diff = total - Decimal(repr(figure_t)) if figure_t is not None else None
    return [
        ReconciliationCheck(f"emission rows -> fct_inventory groups ({' x '.join(grain)})",
              f"{n_groups} groups", f"{n_matched} equal exactly", n_groups == n_matched and n_groups > 0),
        ReconciliationCheck("fct_inventory groups -> rpt_group_inventory co2e_t (exact_sum)",
              repr(figure_t), repr(groups_t), groups_t == figure_t and inventory_t == figure_t),
        ReconciliationCheck("emission row count = rpt_group_inventory emission_rows",
              str(figure["emission_rows"]), str(n_rows), int(figure["emission_rows"]) == n_rows),
        ReconciliationCheck("direct DECIMAL(38,12) sum of the rows vs the figure (information)",
              repr(figure_t), str(total), True,
              f"difference {direct_diff:+.12f} t: fct_inventory stores each group as a double"
              if direct_diff else "identical"),
    ]  # fmt: skip


def _row_checks(con: duckdb.DuckDBPyConnection) -> list[ReconciliationCheck]:
    n, gwp_ok, factor_ok = con.execute(f"""
        select count(distinct emission_id),
               count(distinct emission_id) filter (where co2e_t = gas_mass_t * gwp_100),
               count(distinct emission_id) filter (where factor_value is not null)
        from {_CELL}""").fetchone()  # fmt: skip
    # distinct: an emission trace holds the same row once per approach
    resolved = con.execute(f"""
        with raw_rows as ({_raw_union(con, with_values=False)})
        select count(distinct c.emission_id) from {_CELL} as c
        join raw_rows as r
          on r.raw_table = c.raw_table and r._file_path = c.file_path and r._row_number = c.row_number
        where r.raw_file_sha256 = c.file_sha256""").fetchone()[0]  # fmt: skip
    resolved += con.execute(f"""
        select count(distinct emission_id) from {_CELL}
        where row_number is null and source_record_key in (select source_record_key from {_RESOLVED})
    """).fetchone()[0]  # fmt: skip
    return [
        ReconciliationCheck("each row: co2e_t = gas_mass_t x gwp_100", str(n), str(gwp_ok), gwp_ok == n),
        ReconciliationCheck(
            "each row's factor is in dim_emission_factors", str(n), str(factor_ok), factor_ok == n
        ),
        ReconciliationCheck(
            "each row resolves to its raw row (a meter x month row: every reading it sums, "
            "run by run); file sha256 = ingest.files",
            str(n),
            str(resolved),
            resolved == n,
        ),
    ]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position", [schema, table]).fetchall()]  # fmt: skip


# ---------------------------------------------------------------- formula


def _n(x: float | Decimal | None) -> str:
    if x is None:
        return "?"
    if isinstance(x, Decimal):
        text = format(x.normalize(), "f")
        return text if text not in ("-0", "") else "0"
    return f"{x:.10g}"


def formula(r: dict[str, Any]) -> str:
    """The row's arithmetic in words: quantity x factor [x conversion] x GWP x weight = contribution.

    Where the mart's gas mass is not simply quantity x factor (the factor is per
    TJ and the activity in tonnes, measured NCV/carbon content replaced the
    default, a reading was pro-rated), the multiplier k = gas mass / (quantity x
    factor) is written out, so the formula always closes on the row's numbers.
    """
    q, unit = r.get("activity_quantity"), r.get("activity_unit")
    fv, funit, fgas = r.get("factor_value"), r.get("factor_unit"), r.get("factor_gas")
    gas, mass, gwp = r.get("gas"), r.get("gas_mass_t"), r.get("gwp_100")
    if str(r.get("factor_id") or "").startswith("gwp:"):  # the factor is the GWP itself (refrigerants)
        head = f"{_n(q)} {unit} = {_n(mass)} t {gas}"
    else:
        parts = [f"{_n(q)} {unit}", f"{_n(fv)} t {fgas}/{funit}"]
        if q is not None and fv and mass is not None and q != 0:
            k = mass / (q * fv)
            if not math.isclose(k, 1.0, rel_tol=1e-9):
                per = f" {funit}/{unit}" if funit != unit else ""
                parts.append(
                    f"{k:.10g}{per} ({'unit conversion, ' if funit != unit else ''}{r.get('method')})"
                )
        head = " × ".join(parts) + f" = {_n(mass)} t {gas}"
    tail = f" × GWP {_n(gwp)} ({r.get('gwp_set')})"
    if r.get("weight") is not None:
        tail += f" × weight {_n(r.get('weight'))} = {_n(r.get('contribution_t'))} t CO2e"
    else:
        tail += f" = {_n(r.get('co2e_t'))} t CO2e"
    return head + tail


# ---------------------------------------------------------------- work papers (CSV / JSON)

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
    if isinstance(value, Decimal):
        return _n(value)
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
        "rows_sum_decimal_t": _n(trace.total_t),
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
    w = csv.DictWriter(buf, fieldnames=RECORD_COLUMNS, lineterminator="\n")
    w.writeheader()
    for rec in records(trace):
        if rec["raw_values"] is not None:
            rec["raw_values"] = json.dumps(rec["raw_values"], ensure_ascii=False, sort_keys=True)
        w.writerow({k: "" if v is None else v for k, v in rec.items()})
    return buf.getvalue()


def write(trace: Trace, out: Path, fmt: str) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(trace, fmt), encoding="utf-8")
    return out


# ---------------------------------------------------------------- terminal view


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
        tab.add_row(f["factor_id"], _n(f["factor_value"]), f"t {f['factor_gas']}/{f['factor_unit']}",
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
            f"{r['source_type']}: {r['activity_code']}, {_n(r['activity_quantity'])} {r['activity_unit']}",
        ),
        ("method", r["method"]),
        (
            "gas",
            f"{r['gas']} {_n(r['gas_mass_t'])} t × GWP {_n(r['gwp_100'])} ({r['gwp_set']}) = "
            f"{_n(r['co2e_t'])} t CO2e",
        ),
        ("factor", f"{r['factor_id']} = {_n(r['factor_value'])} t {r['factor_gas']}/{r['factor_unit']}"),
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
        by.add_row(row["consolidation_approach"], _n(row["weight"]), _n(row["contribution_t"]),
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
