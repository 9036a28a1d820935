"""What a run produced, as fingerprints of the public marts; the clock of the history tables.

Shared by the run manifest (``manifest``: the fingerprint of every mart of a run) and the period locks
(``locks``: the fingerprint of a locked year, compared with later runs), so neither imports the other
for them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import duckdb

from pipelines.lib.warehouse import rows_checksum

# Marts that record the warehouse's history rather than a calculation from the
# inputs: left out of the fingerprint, or two identical runs would differ once a
# year is locked.
HISTORY_MARTS = ("fct_restatements",)


def utc_now() -> datetime:
    # Naive UTC: DuckDB's `timestamp` has no zone, and the columns say UTC.
    return datetime.now(UTC).replace(tzinfo=None)


def public_marts(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in HISTORY_MARTS]


def mart_fingerprint(con: duckdb.DuckDBPyConnection, mart: str) -> tuple[int, str]:
    """(rows, sha256) of a mart: its columns and types, then its rows' checksum
    (:func:`pipelines.lib.warehouse.rows_checksum`: order independent, duplicates count, equal bits).
    The checksum is DuckDB's hash, so fingerprints compare runs under one DuckDB version (pinned in
    constraints.txt); a new version is a code change anyway (the run recomputes)."""
    columns = con.execute(
        "select string_agg(column_name || ' ' || data_type, ', ' order by ordinal_position) "
        "from information_schema.columns where table_schema = 'marts' and table_name = ?", [mart]
    ).fetchone()[0]  # fmt: skip
    rows, rows_hash = rows_checksum(con, f'marts."{mart}"')
    return rows, hashlib.sha256(f"{columns}\n{rows_hash}".encode()).hexdigest()


def mart_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    return {mart: mart_fingerprint(con, mart) for mart in public_marts(con)}
