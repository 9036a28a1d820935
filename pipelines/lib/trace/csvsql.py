"""The CSV work paper of a traced figure written by DuckDB itself (COPY ... TO), byte for byte the text that
``workpaper.write_csv_rows`` gives for the same rows: every value formatted in SQL as Python would.

Python's text of each value, and its SQL here:

- a double: ``repr`` (the shortest text that reads back the same) = DuckDB's ``double::varchar``; the formula's
  ``{x:.10g}`` = ``printf('%.10g', x)``; a DECIMAL: ``number_text`` (no trailing zeros) = the text with its
  trailing zeros and point cut;
- a boolean: ``True`` / ``False``; a date: ISO; NULL and '' alike: an empty field (DuckDB's writer quotes an
  empty string, so it is written as NULL);
- the raw row: ``json.dumps(..., sort_keys=True, ensure_ascii=False)`` of its columns (``_extra_json`` when
  not empty, no other ``_`` column), built key by key in sorted order, strings through ``to_json``;
- ``formula.formula`` spelled out in SQL with the same float arithmetic (k = gas mass / (quantity x factor),
  ``math.isclose`` with rel_tol 1e-9).

A cell or raw table with a column of another type (a nested value, a timestamp column of the work paper, a
decimal quantity) is not expressed here: ``supported`` says so and the caller writes the Python way.
``tests/test_trace.py`` holds the two writers to the same bytes on the sample.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines.lib.trace.cell import CELL, RESOLVED, raw_tables
from pipelines.lib.trace.workpaper import RECORD_COLUMNS

# columns of the traced cell the formula reads, and the DuckDB type the SQL formula assumes
_FORMULA_DOUBLES = ("activity_quantity", "factor_value", "gas_mass_t", "gwp_100", "weight", "co2e_t")
_FORMULA_TEXTS = ("activity_unit", "factor_unit", "factor_gas", "gas", "gwp_set", "method", "factor_id")
_INTEGERS = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
             "UBIGINT", "UHUGEINT"}  # fmt: skip
_RAW_PLAIN = _INTEGERS | {"VARCHAR", "BOOLEAN", "DATE", "TIMESTAMP"}  # to_json's text = Python's re-dump
_COMPUTED = {"rank", "figure_co2e_t", "formula", "raw_file_sha256", "is_raw_resolved", "raw_values"}


def _types(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> dict[str, str]:
    if schema == "temp":
        rows = con.execute(f"describe {table}").fetchall()
        return {r[0]: r[1] for r in rows}
    return dict(con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? "
        "and table_name = ? order by ordinal_position", [schema, table]).fetchall())  # fmt: skip


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _decimal_text(expr: str, dtype: str) -> str:
    """number_text of a DECIMAL: Decimal.normalize() in fixed notation (no trailing zeros, no lone point)."""
    scale = int(dtype.rstrip(")").split(",")[1]) if "," in dtype else 0
    return f"rtrim(rtrim({expr}::varchar, '0'), '.')" if scale > 0 else f"{expr}::varchar"


def _value(expr: str, dtype: str) -> str | None:
    """The work paper's text of a cell column (None: a type this module does not spell)."""
    if dtype == "VARCHAR":
        return f"nullif({expr}, '')"
    if dtype in _INTEGERS or dtype in ("DOUBLE", "DATE"):
        return f"{expr}::varchar"
    if dtype == "BOOLEAN":
        return f"case when {expr} then 'True' when not {expr} then 'False' end"
    if dtype.startswith("DECIMAL"):
        return _decimal_text(expr, dtype)
    return None


def _json_value(expr: str, dtype: str) -> str | None:
    """Python's json.dumps text of a raw column's value after json.loads(to_json(row))."""
    if dtype in ("DOUBLE", "FLOAT"):
        return (f"case when {expr} is null then 'null' when isnan({expr}) then 'NaN' "
                f"when isinf({expr}) then case when {expr} > 0 then 'Infinity' else '-Infinity' end "
                f"else {expr}::double::varchar end")  # fmt: skip
    if dtype in _RAW_PLAIN:
        return f"coalesce(to_json({expr})::varchar, 'null')"
    return None


def _raw_values_sql(columns: dict[str, str]) -> str | None:
    """The raw row as json.dumps(sort_keys=True) gives it: its columns without those starting with '_', and
    _extra_json when it is not empty."""
    pieces = []
    for name in sorted(c for c in columns if not c.startswith("_") or c == "_extra_json"):
        value = _json_value(f'r."{name}"', columns[name])
        if value is None:
            return None
        piece = f"{_literal(json.dumps(name, ensure_ascii=False) + ': ')} || {value}"
        if name == "_extra_json":
            piece = f"case when coalesce(r._extra_json, '') <> '' then {piece} end"
        pieces.append(piece)
    return "'{' || concat_ws(', ', " + ", ".join(pieces) + ") || '}'" if pieces else "'{}'"


def _raw_union(con: duckdb.DuckDBPyConnection) -> str | None:
    parts = []
    for t in raw_tables(con):
        values = _raw_values_sql(_types(con, "raw", t))
        if values is None:
            return None
        parts.append(f"""
            select '{t}' as raw_table, r._file_path, r._row_number, r._file_sha256 as raw_file_sha256,
                   {values} as raw_values
            from raw."{t}" as r
            where exists (select 1 from {CELL} as c where c.raw_table = '{t}'
                          and c.file_path = r._file_path and c.row_number = r._row_number)""")
    if not parts:
        return ("select null::varchar as raw_table, null::varchar as _file_path, null::bigint as _row_number, "
                "null::varchar as raw_file_sha256, null::varchar as raw_values")  # fmt: skip
    return " union all ".join(parts)


def _formula_sql(types: dict[str, str]) -> str:
    """formula.formula in SQL (the columns are those of _FORMULA_DOUBLES / _TEXTS, checked by supported)."""

    def num(c: str) -> str:  # number_text of a double
        return f"coalesce(printf('%.10g', {c}), '?')"

    def txt(c: str) -> str:  # an f-string's text of a str or None
        return f"coalesce({c}, 'None')"

    k = "(gas_mass_t / (activity_quantity * factor_value))"
    isclose = f"(abs(1.0::double - {k}) <= 1e-9 or abs(1.0::double - {k}) <= abs(1e-9 * {k}))"
    other_unit = "factor_unit is distinct from activity_unit"
    conversion = f"""
        case when activity_quantity is not null and factor_value is not null and factor_value <> 0
                  and gas_mass_t is not null and activity_quantity <> 0
                  and not (isfinite({k}) and {isclose})
             then ' × ' || printf('%.10g', {k})
                  || case when {other_unit} then ' ' || {txt("factor_unit")} || '/' || {txt("activity_unit")}
                          else '' end
                  || ' (' || case when {other_unit} then 'unit conversion, ' else '' end || {txt("method")} || ')'
             else '' end"""
    contribution = _decimal_text("contribution_t", types["contribution_t"])
    return f"""
        case when starts_with(coalesce(factor_id, ''), 'gwp:')
             then {num("activity_quantity")} || ' ' || {txt("activity_unit")}
             else {num("activity_quantity")} || ' ' || {txt("activity_unit")} || ' × ' || {num("factor_value")}
                  || ' t ' || {txt("factor_gas")} || '/' || {txt("factor_unit")} || {conversion}
        end
        || ' = ' || {num("gas_mass_t")} || ' t ' || {txt("gas")}
        || ' × GWP ' || {num("gwp_100")} || ' (' || {txt("gwp_set")} || ')'
        || case when weight is not null
                then ' × weight ' || {num("weight")} || ' = ' || coalesce({contribution}, '?') || ' t CO2e'
                else ' = ' || {num("co2e_t")} || ' t CO2e' end"""


def supported(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the traced cell (temp table CELL) and its raw tables have only types this module spells."""
    types = _types(con, "temp", CELL)
    if any(types.get(c) != "DOUBLE" for c in _FORMULA_DOUBLES):
        return False
    if any(types.get(c) != "VARCHAR" for c in _FORMULA_TEXTS):
        return False
    if not types.get("contribution_t", "").startswith("DECIMAL"):
        return False
    if any(c not in _COMPUTED and (c not in types or _value(c, types[c]) is None) for c in RECORD_COLUMNS):
        return False
    return _raw_union(con) is not None


RAW_ROWS = "_trace_raw_rows"  # the cell's raw rows with their text, kept for the cell's approaches


def keep_raw_rows(con: duckdb.DuckDBPyConnection, table: str = RAW_ROWS, temp: bool = True) -> None:
    """Temp table RAW_ROWS (or table ``table`` of an attached database): the raw rows of the traced cell (CELL
    under any approach) with their work-paper text, for copy_csv under each approach (the raw tables are
    read and their rows spelled once)."""
    con.execute(f"drop table if exists {table}")
    con.execute(f"create {'temp ' if temp else ''}table {table} as {_raw_union(con)}")


def copy_csv(con: duckdb.DuckDBPyConnection, out: Path, raw_rows: str | None = None) -> None:
    """Write the work paper of the traced cell (temp tables CELL and RESOLVED) to ``out`` with COPY, rows in
    rank order (contribution, co2e_t descending, emission_id), as write_csv_rows would; call ``supported``
    first. ``raw_rows``: the table keep_raw_rows made for the same rows."""
    types = _types(con, "temp", CELL)
    computed = {
        "rank": "_rank::varchar",
        "figure_co2e_t": "null::varchar",  # a figure's rows: the figure is the work paper's subject
        "formula": _formula_sql(types),
        "raw_file_sha256": "nullif(raw_file_sha256, '')",
        "is_raw_resolved": """case when row_number is null then case when summed_resolved then 'True' else 'False' end
                                   when raw_found and raw_file_sha256 is not null and raw_file_sha256 = file_sha256
                                   then 'True' else 'False' end""",
        "raw_values": "raw_values",
    }
    select = ",\n".join(
        f'{computed[c] if c in computed else _value(c, types[c])} as "{c}"' for c in RECORD_COLUMNS
    )
    sql = f"""
        copy (
            with raw_rows as ({f"select * from {raw_rows}" if raw_rows else _raw_union(con)}),
            joined as (  -- every join before the sort: what follows it keeps its order
                select c.*, r.raw_file_sha256, r.raw_values, r.raw_table is not null as raw_found,
                       c.source_record_key in (select source_record_key from {RESOLVED}) as summed_resolved
                from {CELL} as c
                left join raw_rows as r
                    on r.raw_table = c.raw_table and r._file_path = c.file_path and r._row_number = c.row_number
                order by c.contribution_t desc, c.co2e_t desc, c.emission_id
            ),
            ranked as (select *, row_number() over () as _rank from joined)
            select {select} from ranked
        ) to {_literal(out.as_posix())} (format csv, header true, delimiter ',', quote '"', escape '"',
                                         nullstr '', new_line '\\n', comment '')"""  # fmt: skip
    con.execute(sql)
