"""Landing datasets pulled from a database instead of files (docs/landing_zone.md, "Database sources").

A landing folder may hold ``_sources.yml``: for each dataset it names, the rows come from a query
against a database, read through the same contract, casting, quarantine, plan checks and lineage as
a file. A pull is a *virtual file* of the dataset:

* path ``sql/<database>/<source>/<dataset>`` (a full pull: the query's whole result each run), or
  ``…/pull-0001``, ``pull-0002``… (incremental pulls on a watermark column: each pull the rows whose
  watermark is above the highest one already pulled);
* sha256 of its content (Arrow IPC of the rows in key order), so an unchanged result changes nothing
  and loading it twice loads it once;
* rows numbered 1… in key order; the row's key (the ``key`` columns, contract names) is the stable
  reference shown by ``carbon trace``, with the database, the query and its sha256
  (``ingest.sql_pulls``).

The connection comes from an environment variable named in the file (``url_env``), never from the
file itself: a committed file must not hold a password, and the URL is recorded without it.
PostgreSQL through ADBC (``adbc-driver-postgresql``: Arrow end to end, the fastest of the drivers
measured, 0.8 s a million rows).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import polars as pl
import yaml

from pipelines.lib.contract import DATASETS, Dataset
from pipelines.lib.landing import SOURCE_ROW_COLUMN, LandingError, LandingFile

SOURCES_FILE = "_sources.yml"
SQL_PREFIX = "sql/"
KINDS = ("postgresql",)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

SQL_PULLS_DDL = """
create table if not exists ingest.sql_pulls (
    dataset_key varchar not null,
    file_path varchar not null,         -- the pull's virtual file: sql/<database>/<dataset>[/pull-NNNN]
    file_sha256 varchar not null,       -- of the rows pulled (Arrow IPC, key order)
    database_name varchar not null,     -- the name in _sources.yml
    database_kind varchar not null,     -- postgresql
    database_url varchar not null,      -- without the password
    query varchar not null,             -- as run (with the watermark condition)
    query_sha256 varchar not null,
    key_columns varchar,                -- comma-separated contract columns: the row's key
    watermark_column varchar,
    watermark_from varchar,             -- exclusive; null for a full pull or the first pull
    watermark_to varchar,               -- the highest watermark of the pull
    rows_pulled bigint not null,
    pulled_at timestamp not null,
    source_fingerprint varchar not null -- database, query, key and watermark: another one starts over
);
"""


@dataclass(frozen=True)
class Database:
    name: str
    kind: str
    url_env: str


@dataclass(frozen=True)
class SqlSource:
    dataset: Dataset
    database: Database
    query: str
    columns: dict[str, str] = field(default_factory=dict)  # database column -> contract column
    key: tuple[str, ...] = ()
    watermark: str | None = None

    @property
    def base_path(self) -> str:
        return f"{SQL_PREFIX}{self.database.name}/{self.dataset.key}"

    def fingerprint(self) -> str:
        """What the pulls of a watermark source depend on: another query starts the pulls again."""
        text = "\0".join([self.database.name, self.query, ",".join(self.key), self.watermark or ""])
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Pull:
    file: LandingFile
    frame: pl.DataFrame  # contract column names, with _row_number
    record: dict


def load_sources(landing: Path) -> dict[str, SqlSource]:
    """The database sources of a landing folder ({dataset key: source}); empty without _sources.yml.
    Raises LandingError with one sentence naming the file and the key for anything malformed."""
    path = landing / SOURCES_FILE
    if not path.exists():
        return {}
    where = f"{SOURCES_FILE} in {landing}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise LandingError(f"{where}: not readable YAML ({exc}).") from None
    if not isinstance(data, dict) or set(data) - {"databases", "datasets"}:
        raise LandingError(f"{where}: expected the keys databases and datasets only.")
    databases: dict[str, Database] = {}
    for name, spec in (data.get("databases") or {}).items():
        if not isinstance(spec, dict):
            raise LandingError(f"{where}: databases.{name} must be a mapping with kind and url_env.")
        if "url" in spec or "password" in spec:
            raise LandingError(
                f"{where}: databases.{name} holds a connection URL or password; put the URL in an environment "
                "variable and name it with url_env (a committed file must not hold credentials)."
            )
        unknown = set(spec) - {"kind", "url_env"}
        kind = str(spec.get("kind", "")).strip().lower()
        url_env = str(spec.get("url_env", "")).strip()
        if unknown or kind not in KINDS or not _NAME.match(url_env) or not _NAME.match(str(name)):
            raise LandingError(
                f"{where}: databases.{name} needs kind ({', '.join(KINDS)}) and url_env (the name of the "
                f"environment variable holding the connection URL){f'; unknown key(s) {sorted(unknown)}' if unknown else ''}."
            )
        databases[str(name)] = Database(str(name), kind, url_env)
    by_key = {d.key: d for d in DATASETS}
    sources: dict[str, SqlSource] = {}
    for key, spec in (data.get("datasets") or {}).items():
        here = f"{where}: datasets.{key}"
        if key not in by_key:
            raise LandingError(
                f"{here}: no such dataset in the landing contract (e.g. erp/fuel_consumption)."
            )
        if not isinstance(spec, dict):
            raise LandingError(
                f"{here} must be a mapping (database, query or table, key, watermark, columns)."
            )
        unknown = set(spec) - {"database", "query", "table", "columns", "key", "watermark"}
        if unknown:
            raise LandingError(f"{here}: unknown key(s) {sorted(unknown)}.")
        db = databases.get(str(spec.get("database", "")))
        if db is None:
            raise LandingError(f"{here}: database {spec.get('database')!r} is not declared under databases.")
        query, table = spec.get("query"), spec.get("table")
        if bool(query) == bool(table):
            raise LandingError(f"{here}: give either query or table (schema.table), not both or neither.")
        if table:
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$", str(table)):
                raise LandingError(f"{here}: table {table!r} is not a plain [schema.]table name.")
            query = f"select * from {table}"
        ds = by_key[key]
        columns = {str(k).strip(): str(v).strip() for k, v in (spec.get("columns") or {}).items()}
        contract = set(ds.column_names)
        bad = sorted(v for v in columns.values() if v not in contract)
        keys = tuple(str(k) for k in (spec.get("key") or ()))
        bad += sorted(k for k in keys if k not in contract)
        if bad:
            raise LandingError(f"{here}: {bad} are not columns of {key} in the landing contract.")
        watermark = spec.get("watermark")
        if watermark is not None and not _NAME.match(str(watermark)):
            raise LandingError(
                f"{here}: watermark {watermark!r} must be a column name of the query's result."
            )
        if watermark and not keys:
            raise LandingError(f"{here}: incremental pulls (watermark) need the row key (key: [columns]).")
        sources[key] = SqlSource(ds, db, str(query).strip().rstrip(";"), columns, keys,
                                 str(watermark) if watermark else None)  # fmt: skip
    return sources


def redacted(url: str) -> str:
    """The URL without its password (and without query parameters, which may carry one)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    user = f"{parts.username}@" if parts.username else ""
    return urlunsplit((parts.scheme, user + host, parts.path, "", ""))


def _connect(db: Database):
    url = os.environ.get(db.url_env)
    if not url:
        raise LandingError(
            f"{SOURCES_FILE}: database {db.name} reads its connection URL from the environment variable "
            f"{db.url_env}, which is not set (e.g. export {db.url_env}=postgresql://user:password@host:5432/erp)."
        )
    import adbc_driver_postgresql.dbapi as pg

    try:
        return pg.connect(url), redacted(url)
    except Exception as exc:  # the driver raises its own error types; all mean the same to a user
        raise LandingError(
            f"{SOURCES_FILE}: cannot connect to database {db.name} ({redacted(url)}): {exc}"
        ) from None


def _fetch(con, sql: str, where: str) -> pl.DataFrame:
    import pyarrow as pa

    try:
        with con.cursor() as cur:
            cur.execute(sql)
            table = cur.fetch_arrow_table()
    except Exception as exc:
        raise LandingError(f"{where}: the query failed ({str(exc).strip().splitlines()[0]}).") from None
    # PostgreSQL numeric arrives as an extension type over its exact text: keep the text
    columns = [c.storage if isinstance(c.type, pa.BaseExtensionType) else c for c in
               (col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col for col in table.columns)]  # fmt: skip
    return pl.from_arrow(pa.table(columns, names=table.column_names))


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _content_sha256(frame: pl.DataFrame) -> str:
    buf = io.BytesIO()
    frame.write_ipc(buf, compression="uncompressed")
    return hashlib.sha256(buf.getvalue()).hexdigest()


def pull(source: SqlSource, earlier: list[dict], now: datetime) -> list[Pull]:
    """Pull a dataset's rows. Full: one virtual file, the whole result. Watermark: the earlier pulls
    are kept (rows already loaded) and one new virtual file holds the rows above the highest
    watermark pulled so far; none when there are no new rows. ``earlier``: this dataset's rows of
    ingest.sql_pulls with the same source fingerprint."""
    con, url = _connect(source.database)
    where = f"{SOURCES_FILE}: datasets.{source.dataset.key} (database {source.database.name})"
    try:
        sql = source.query
        since = None
        if source.watermark:
            # each pull's highest watermark is above the one before: the last pull's is the highest
            since = earlier[-1]["watermark_to"] if earlier else None
            sql = f"select * from ({source.query}) as q"
            if since is not None:
                sql += f' where q."{source.watermark}" > {_literal(since)}'
        frame = _fetch(con, sql, where)
        watermark_to = None
        if source.watermark:
            if source.watermark not in frame.columns:
                raise LandingError(
                    f"{where}: the query's result has no column {source.watermark} (the watermark)."
                )
            if frame.schema[source.watermark] == pl.String:
                raise LandingError(
                    f"{where}: the watermark {source.watermark} must be a timestamp, date or "
                    "integer column (text and numeric values do not order as pulls need)."
                )
            if frame.height == 0:
                return []
            # the highest watermark, written as the database reads it back in the next pull's condition
            watermark_to = str(frame.get_column(source.watermark).max())
    finally:
        con.close()
    frame = frame.rename({c: source.columns[c] for c in frame.columns if c in source.columns})
    if (
        source.watermark
        and source.watermark in frame.columns
        and source.watermark not in source.dataset.column_names
    ):
        frame = frame.drop(source.watermark)
    if source.key:
        missing = [k for k in source.key if k not in frame.columns]
        if missing:
            raise LandingError(f"{where}: the query's result has no column {missing} (the key).")
        frame = frame.sort(list(source.key), nulls_last=True, maintain_order=True)
    frame = frame.with_row_index(SOURCE_ROW_COLUMN, offset=1)
    path = source.base_path
    if source.watermark:
        path += f"/pull-{len(earlier) + 1:04d}"
    sha = _content_sha256(frame)
    record = {
        "dataset_key": source.dataset.key, "file_path": path, "file_sha256": sha,
        "database_name": source.database.name, "database_kind": source.database.kind, "database_url": url,
        "query": sql, "query_sha256": hashlib.sha256(sql.encode()).hexdigest(),
        "key_columns": ",".join(source.key) or None, "watermark_column": source.watermark,
        "watermark_from": since, "watermark_to": watermark_to, "rows_pulled": frame.height, "pulled_at": now,
        "source_fingerprint": source.fingerprint(),
    }  # fmt: skip
    return [Pull(LandingFile(source.dataset.key, Path(path), path, sha), frame, record)]
