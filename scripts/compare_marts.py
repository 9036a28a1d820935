"""Compare every mart of two warehouses row by row: a refactoring of the dbt models keeps the numbers.

    python scripts/compare_marts.py BEFORE.duckdb AFTER.duckdb [--schema marts]

Both files are opened read-only. For every relation of the schema in either warehouse it
reports the columns (names and types, in order) and the rows as multisets (`except all`
both ways, so duplicates count and nothing is rounded). Exit status 0 when every relation
is equal, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys

import duckdb


def _relations(con: duckdb.DuckDBPyConnection, alias: str, schema: str) -> dict[str, list[tuple[str, str]]]:
    rows = con.execute(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? order by table_name, ordinal_position",
        [alias, schema],
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        out.setdefault(table, []).append((column, data_type))
    return out


def compare(before: str, after: str, schema: str = "marts") -> list[str]:
    """One line per relation: 'equal' or what differs."""
    con = duckdb.connect()
    con.execute(f"attach '{before}' as before_db (read_only)")
    con.execute(f"attach '{after}' as after_db (read_only)")
    old, new = _relations(con, "before_db", schema), _relations(con, "after_db", schema)
    lines = []
    for name in sorted(set(old) | set(new)):
        if name not in new or name not in old:
            lines.append(f"DIFF  {schema}.{name}: only in {'before' if name in old else 'after'}")
            continue
        if old[name] != new[name]:
            lines.append(f"DIFF  {schema}.{name}: columns differ: {old[name]} vs {new[name]}")
            continue
        a, b = f"before_db.{schema}.{name}", f"after_db.{schema}.{name}"
        count = con.execute(f"select count(*) from {a}").fetchone()[0]
        missing = con.execute(
            f"select count(*) from (select * from {a} except all select * from {b})"
        ).fetchone()[0]
        extra = con.execute(
            f"select count(*) from (select * from {b} except all select * from {a})"
        ).fetchone()[0]
        if missing or extra:
            lines.append(
                f"DIFF  {schema}.{name}: {missing} rows only before, {extra} rows only after (of {count})"
            )
        else:
            lines.append(f"equal {schema}.{name}: {count} rows, {len(old[name])} columns")
    con.close()
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schema", default="marts")
    args = parser.parse_args(argv)
    lines = compare(args.before, args.after, args.schema)
    print("\n".join(lines))
    differing = [line for line in lines if line.startswith("DIFF")]
    print(f"{len(lines) - len(differing)} of {len(lines)} relations equal")
    return 1 if differing or not lines else 0


if __name__ == "__main__":
    sys.exit(main())
