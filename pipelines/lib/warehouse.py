"""The DuckDB warehouse file: one writer at a time, readers open it read-only."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.paths import DEFAULT_WAREHOUSE, SAMPLE_CONFIG, SAMPLE_LANDING_DIR

ENV_LANDING = "CARBON_LANDING"
ENV_WAREHOUSE = "CARBON_WAREHOUSE"
ENV_CONFIG = "CARBON_CONFIG"
ENV_MEMORY_LIMIT = "CARBON_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "2GB"


@dataclass(frozen=True)
class Locations:
    """Where a run reads from and writes to; options > environment > the bundled sample group."""

    landing: Path
    warehouse: Path
    config: Path

    @classmethod
    def resolve(
        cls, landing: str | None = None, warehouse: str | None = None, config: str | None = None
    ) -> Locations:
        return cls(
            landing=Path(landing or os.environ.get(ENV_LANDING) or SAMPLE_LANDING_DIR).resolve(),
            warehouse=Path(warehouse or os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE).resolve(),
            config=Path(config or os.environ.get(ENV_CONFIG) or SAMPLE_CONFIG).resolve(),
        )

    def export(self) -> None:
        """Put the locations in the environment, where dbt's profile and the Dagster UI read them."""
        os.environ[ENV_LANDING] = str(self.landing)
        os.environ[ENV_WAREHOUSE] = str(self.warehouse)
        os.environ[ENV_CONFIG] = str(self.config)


def memory_limit() -> str:
    """DuckDB's memory cap for the pipeline's connections (dbt's too, profiles.yml): DuckDB takes up to
    80 % of the machine by default and spills to disk beyond its cap, so a run stays within a few GB."""
    return os.environ.get(ENV_MEMORY_LIMIT) or DEFAULT_MEMORY_LIMIT


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config={"memory_limit": memory_limit()})
    try:
        yield con
    finally:
        con.close()


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` (a table or a view) is in the warehouse."""
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])  # fmt: skip


@contextmanager
def open_read_only(
    path: Path, required: list[tuple[str, str]], what: str, error: type[Exception]
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A built warehouse, read-only, for a command that reads it (trace, KPIs): a missing file, one that
    cannot be opened or lacks a ``required`` (schema, table) is one sentence raised as ``error``."""
    if not path.is_file():
        raise error(f"There is no warehouse at {path}; run `carbon run` first or name it with --warehouse.")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise error(f"The warehouse {path} cannot be opened ({str(exc).splitlines()[0]}).") from None
    try:
        missing = [t if s == "marts" else f"{s}.{t}" for s, t in required if not table_exists(con, s, t)]
        if missing:
            raise error(
                f"The warehouse {path} has no {what} yet ({', '.join(missing)} missing); run `carbon run` first."
            )
        yield con
    finally:
        con.close()


def reporting_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The warehouse's reporting years (docs/methods.md M-PER-01), from the one model that decides them
    (marts.dim_reporting_years); a warehouse built before that mart existed: the inventory's years."""
    relation = (
        "marts.dim_reporting_years"
        if table_exists(con, "marts", "dim_reporting_years")
        else "marts.rpt_group_inventory"
    )
    return [
        r[0] for r in con.execute(f"select distinct reporting_year from {relation} order by 1").fetchall()
    ]


def held_outside_reporting_years(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Calendarised pieces of years outside the reporting years (docs/methods.md M-PER-02), held in
    marts.fct_unestimated_activity with reason outside_reporting_period: dataset, year, records,
    quantity and unit. Every annual output names them; none counts them."""
    if not table_exists(con, "marts", "fct_unestimated_activity"):
        return []
    rows = con.execute(
        """
        select dataset_key, reporting_year, count(*) as records, sum(quantity) as quantity, unit
        from marts.fct_unestimated_activity
        where reason_code = 'outside_reporting_period'
        group by all order by all
        """
    ).fetchall()
    keys = ("dataset_key", "reporting_year", "records", "quantity", "unit")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def rows_checksum(con: duckdb.DuckDBPyConnection, relation: str, where: str = "") -> tuple[int, str]:
    """(rows, checksum) of ``relation`` (a trusted name) and its rows matching ``where``: DuckDB's
    64-bit hash of each whole row (over the values' bits), summed as a 128-bit integer — independent
    of row order, duplicates count, 0.2 s for the 3.3 M emission rows of scale M (md5s of each row's
    text took 9 s). Reproducible with the same DuckDB version: ``select sum(hash(r)::hugeint) ...``."""
    rows, checksum = con.execute(
        f"select count(*), coalesce(sum(hash(r)::hugeint), 0)::varchar from {relation} as r "
        + (f"where {where}" if where else "")
    ).fetchone()
    return int(rows), checksum
