"""The traced cell in the warehouse: its emission rows in a temp table, with factor, raw-row and
row-range coordinates, and the SQL that finds their raw rows (shared by query and reconcile)."""

from __future__ import annotations

from typing import Any

import duckdb

from pipelines.lib.trace.model import FigureKey
from pipelines.lib.warehouse import table_exists

KEY_PATTERN = r"^([^:]+):(.*)#([0-9]+)$"  # '<raw table>:<landing file>#<row>'
CELL = "_trace_cell"  # temp table (the connection is read-only; temp objects live in memory)
RANGES = "_trace_ranges"  # the row ranges of the cell's summed (meter x month) rows
RESOLVED = "_trace_resolved"  # the summed rows whose every range is found in raw (checked once per trace)
SHARED = "_trace_shared"  # a cell's rows once for all approaches (CELL is then a view of it per approach)


def dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def cell_filter() -> str:
    return ("reporting_year = ? and scope = ? and scope2_method is not distinct from ? "
            "and scope3_category is not distinct from ?")  # fmt: skip


def cell_params(key: FigureKey) -> list[Any]:
    return [key.reporting_year, key.scope, key.scope2_method, key.scope3_category]


def materialise_cell(
    con: duckdb.DuckDBPyConnection, select: str, params: list[Any], table: str = CELL, temp: bool = True
) -> None:
    """Emission rows of the figure with their contribution, factor and raw-row coordinates, in temp table
    ``table`` (or, not ``temp``, in table ``table`` of an attached database).

    contribution_t is the mart's own term: cast(co2e_t x weight as DECIMAL(38, 12)).
    """
    con.execute(f"drop table if exists {table}")
    con.execute(
        f"""
        create {"temp " if temp else ""}table {table} as
        with cell as ({select}),
        keyed as (  -- the key's three parts in one match (at M a third of the cell's time was three matches)
            select c.*, regexp_extract(c.source_record_key, '{KEY_PATTERN}',
                                       ['raw_table', 'file_path', 'row_number']) as _key_parts
            from cell as c
        ),
        located as (
            select
                c.* exclude (_key_parts),
                cast(c.co2e_t * c.weight as decimal(38, 12)) as contribution_t,
                cast(c.co2e_t as decimal(38, 12)) as co2e_t_decimal,
                coalesce(nullif(struct_extract(c._key_parts, 'raw_table'), ''),
                         split_part(c.source_record_key, ':', 1)) as raw_table,
                nullif(struct_extract(c._key_parts, 'file_path'), '') as row_file_path,
                cast(nullif(struct_extract(c._key_parts, 'row_number'), '') as bigint) as row_number
            from keyed as c
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
    con.execute(f"drop table if exists {RANGES}")
    con.execute(
        f"""create temp table {RANGES} as select * from ({_ranges_sql(con)})
            where source_record_key in (select source_record_key from {table} where row_number is null)"""
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
    """Temp table RESOLVED: the summed rows of the cell whose every range is found in its raw table (the
    run's rows are all there, consecutive, with the sha256 of the file as ingest.files recorded it)."""
    con.execute(f"drop table if exists {RESOLVED}")
    parts = []
    for t in [r[0] for r in con.execute(f"select distinct raw_table from {RANGES}").fetchall()]:
        if not table_exists(con, "raw", t):
            continue
        parts.append(f"""
            select g.source_record_key, g.file_path, g.first_row_number, count(x._row_number) as raw_rows
            from {RANGES} as g
            left join raw."{t}" as x
                on x._file_path = g.file_path
                and x._row_number between g.first_row_number and g.last_row_number
                and x._file_sha256 = g.file_sha256
            where g.raw_table = '{t}'
            group by all""")
    if not parts:
        con.execute(f"create temp table {RESOLVED} (source_record_key varchar)")
        return
    con.execute(f"""
        create temp table {RESOLVED} as
        with found as ({" union all ".join(parts)})
        select g.source_record_key
        from {RANGES} as g
        left join found as f
            on f.source_record_key = g.source_record_key and f.file_path = g.file_path
            and f.first_row_number = g.first_row_number
        left join ingest.files as i
            on i.file_path = g.file_path and i.status = 'loaded'
        group by g.source_record_key
        having bool_and(f.raw_rows = g.reading_count
                        and g.reading_count = g.last_row_number - g.first_row_number + 1
                        and i.file_sha256 = g.file_sha256)""")


def approach_view(con: duckdb.DuckDBPyConnection, approach: str, rows: str = SHARED) -> None:
    """Temp view CELL: the shared rows (table ``rows``, temp table SHARED by default) under ``approach``
    (validated by the caller), with the columns and contribution materialise_cell gives them."""
    con.execute(f"drop view if exists {CELL}")
    con.execute(f"""
        create temp view {CELL} as
        select * replace ('{approach}' as consolidation_approach, weight_{approach} as weight,
                          cast(co2e_t * weight_{approach} as decimal(38, 12)) as contribution_t)
        from {rows}""")  # fmt: skip


def raw_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Raw tables the cell's rows point at that exist (names come from data: checked before use)."""
    wanted = [
        r[0] for r in con.execute(f"select distinct raw_table from {CELL} where raw_table <> ''").fetchall()
    ]
    return [t for t in sorted(wanted) if table_exists(con, "raw", t)]


def raw_union(con: duckdb.DuckDBPyConnection, with_values: bool) -> str:
    """SQL for the raw rows of the cell: raw_table, file path, row, the sha256 stored on the row."""
    values = ", to_json(r)::varchar as raw_json" if with_values else ""
    parts = [
        f"""select '{t}' as raw_table, r._file_path, r._row_number, r._file_sha256 as raw_file_sha256{values}
            from raw."{t}" as r
            where exists (select 1 from {CELL} as c where c.raw_table = '{t}'
                          and c.file_path = r._file_path and c.row_number = r._row_number)"""
        for t in raw_tables(con)
    ]
    if not parts:
        return ("select null::varchar as raw_table, null::varchar as _file_path, null::bigint as _row_number, "
                "null::varchar as raw_file_sha256" + (", null::varchar as raw_json" if with_values else ""))  # fmt: skip
    return " union all ".join(parts)
