"""Load landing batches into the DuckDB ``raw`` schema, idempotently, with lineage.

Per dataset, for each file in its landing folder:
- unchanged (same path, same sha256, same validation version): skipped;
- byte-identical to another file already loaded: skipped as a duplicate;
- new or changed: its previous rows (if any) are deleted, and it is read,
  cast to the contract and validated against the data quality plan; good rows
  go to ``raw.<source>__<dataset>``, failing rows to ``ingest.quarantine``.
Files that disappeared from the landing folder have their rows removed, so the
warehouse always mirrors the landing zone. When a file goes or changes, the
unchanged files with rows held back as duplicates of other files' rows are
validated again (``revalidated``): the row they duplicated may be gone.
Everything for one dataset happens in one transaction. Per file, rows read = rows loaded + rows quarantined.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib import casting, contract
from pipelines.lib import landing as landing_rules
from pipelines.lib.casting import CODE_FUTURE, FAILURE_SCHEMA, cast_to_contract
from pipelines.lib.contract import DATASETS, LINEAGE_COLUMNS, RAW_SQL_TYPES, Dataset
from pipelines.lib.landing import SOURCE_ROW_COLUMN, LandingError, LandingFile, Mapping, discover, read_batch
from pipelines.lib.sql_sources import SQL_PULLS_DDL, Pull, load_sources
from pipelines.lib.sql_sources import pull as sql_pull
from pipelines.paths import SEEDS_DIR

CODE_UNREADABLE = "DQ-CONTRACT-000"
# The lineage columns each read file brings to the batch cast, carried to its rows and failures.
LINEAGE_CARRY = ("_file_path", "_load_id", "_file_sha256")

INGEST_DDL = (
    """
create schema if not exists raw;
create schema if not exists ingest;
create table if not exists ingest.files (
    dataset_key varchar not null,
    file_path varchar not null,
    file_sha256 varchar not null,
    load_id varchar not null,
    status varchar not null,            -- loaded | duplicate | unreadable
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    validation_version varchar,
    message varchar,
    loaded_at timestamp,
    primary key (dataset_key, file_path)
);
"""
    + SQL_PULLS_DDL
    + """
create table if not exists ingest.quarantine (
    dataset_key varchar not null,
    file_path varchar not null,
    file_sha256 varchar not null,
    load_id varchar not null,
    row_number bigint,                  -- 1-based data row (header excluded); null = whole file
    column_name varchar,                -- the first failing field
    raw_value varchar,
    check_code varchar not null,
    reason varchar not null,            -- every failure of the row, '; '-separated
    message varchar not null            -- one sentence naming file, row and field
);
create table if not exists ingest.row_findings (
    dataset_key varchar not null,
    file_path varchar not null,
    load_id varchar not null,
    row_number bigint,
    column_name varchar,
    raw_value varchar,
    check_code varchar not null,
    severity varchar not null,          -- error (row quarantined) | warning (row loaded)
    is_quarantined boolean not null,
    reason varchar not null
);
create table if not exists ingest.check_results (
    dataset_key varchar not null,
    file_path varchar not null,
    load_id varchar not null,
    check_code varchar not null,
    severity varchar not null,
    level varchar not null,             -- row | dataset
    success boolean not null,
    evaluated_rows bigint,
    failed_rows bigint,
    description varchar
);
"""
)


@dataclass
class LoadRowFinding:
    """A row that failed a load check (a row of ``ingest.row_findings``; an error quarantines it);
    ``row_index`` is its position in the validated frame."""

    row_index: int
    column: str | None
    value: str | None
    check_code: str
    severity: str  # error | warning
    reason: str


@dataclass
class LoadCheckResult:
    """The outcome of one load check on a batch (a row of ``ingest.check_results``)."""

    check_code: str
    severity: str
    level: str
    success: bool
    evaluated_rows: int
    failed_rows: int
    description: str
    failed_row_indexes: list[int] = field(default_factory=list)


@dataclass
class LoadValidation:
    """What a :data:`Validator` returns for a batch: its check results and failing rows."""

    checks: list[LoadCheckResult]
    row_failures: list[LoadRowFinding]


# (dataset, typed batch frame incl. lineage columns, open connection) -> validation
Validator = Callable[[Dataset, pl.DataFrame, duckdb.DuckDBPyConnection], LoadValidation]


@dataclass
class FileOutcome:
    file_path: str
    status: str  # loaded | replaced | revalidated | unchanged | duplicate | unreadable | removed
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    message: str = ""


@dataclass
class DatasetLoad:
    dataset_key: str
    files: list[FileOutcome]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)


def raw_table_ddl(ds: Dataset) -> str:
    cols = [f'"{c.name}" {RAW_SQL_TYPES[c.type]}' for c in ds.columns]
    cols += [f"{name} {sql_type}" for name, sql_type in LINEAGE_COLUMNS.items()]
    return f"create table if not exists raw.{ds.raw_table} (\n    " + ",\n    ".join(cols) + "\n)"


_INGEST_TABLES = tuple(re.findall(r"create table if not exists ingest\.(\w+)", INGEST_DDL))


def _schema_columns(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    return set(con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = current_database() and schema_name in ('raw', 'ingest')"
    ).fetchall())  # fmt: skip


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    # Every extraction step calls this: one catalog query when everything is there (15 ms; the 30
    # statements below cost 30 ms a step).
    present = _schema_columns(con)
    tables = {(schema, table) for schema, table, _column in present}
    if all(("ingest", t) in tables for t in _INGEST_TABLES) and all(
        ("raw", ds.raw_table, c.name) in present for ds in DATASETS for c in ds.columns
    ):
        return
    con.execute(INGEST_DDL)
    for ds in DATASETS:
        con.execute(raw_table_ddl(ds))
    # a warehouse built under an earlier contract gains its new optional columns (rows are inserted by
    # name; a changed contract re-reads every file, see validation_version). Only the missing ones are
    # altered: an ALTER per column of every table each time cost more than loading a small dataset.
    present = {(table, column) for schema, table, column in _schema_columns(con) if schema == "raw"}
    for ds in DATASETS:
        for c in ds.columns:
            if (ds.raw_table, c.name) not in present:
                con.execute(f'alter table raw.{ds.raw_table} add column "{c.name}" {RAW_SQL_TYPES[c.type]}')


def validation_version(extra: str = "") -> str:
    """Fingerprint of everything that decides what a file's rows become.

    A file is re-read when this changes (a new contract, new unit synonyms, a
    revised data quality plan), otherwise an unchanged file is skipped.
    """
    h = hashlib.sha256()
    for module in (contract, casting, landing_rules):  # the contract and the rules that read and cast to it
        h.update(Path(module.__file__).read_bytes())
    for name in ("unit_synonyms.csv", "units.csv"):
        p = SEEDS_DIR / name
        if p.exists():
            h.update(p.read_bytes())
    h.update(extra.encode())
    return h.hexdigest()[:16]


def load_id_for(ds: Dataset, file: LandingFile) -> str:
    """Deterministic: the same file always gets the same load id."""
    return hashlib.sha256(f"{ds.key}\0{file.relative_path}\0{file.sha256}".encode()).hexdigest()[:16]


def _delete_file(con: duckdb.DuckDBPyConnection, ds: Dataset, file_path: str) -> None:
    con.execute(f"delete from raw.{ds.raw_table} where _file_path = ?", [file_path])
    for table in ("quarantine", "row_findings", "check_results", "files", "sql_pulls"):
        con.execute(
            f"delete from ingest.{table} where dataset_key = ? and file_path = ?", [ds.key, file_path]
        )


# Files are validated and written in batches of about this many rows: 10 M interval readings in one
# pandas frame for GX would need gigabytes.
BATCH_ROWS = 2_000_000


def load_dataset(
    con: duckdb.DuckDBPyConnection,
    landing: Path,
    ds: Dataset,
    *,
    validator: Validator | None = None,
    version: str = "",
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> DatasetLoad:
    """Bring ``raw.<dataset>`` in line with the landing folder. See the module docstring."""
    say = progress or (lambda _msg: None)
    now = now or datetime.now()
    version = version or validation_version()
    files = discover(landing, ds)
    # rows from a database (_sources.yml): each pull is a virtual file (pipelines/lib/sql_sources.py)
    pulled = {p.file.relative_path: p for p in _pull(con, landing, ds, files, now)}
    mapping_error: str | None = None
    try:
        mapping = Mapping.load(landing / ds.source / ds.name)
    except LandingError as exc:
        mapping, mapping_error = Mapping(), str(exc)

    known = {
        r[0]: (r[1], r[2], r[3])
        for r in con.execute(
            "select file_path, file_sha256, validation_version, status from ingest.files where dataset_key = ?",
            [ds.key],
        ).fetchall()
    }
    outcomes: list[FileOutcome] = []
    present = {f.relative_path for f in files}

    con.begin()
    try:
        for gone in sorted(set(known) - present):
            _delete_file(con, ds, gone)
            outcomes.append(
                FileOutcome(gone, "removed", message="no longer in the landing folder; its rows were removed")
            )

        to_load: list[LandingFile] = []
        loaded_shas = {
            sha: path for path, (sha, _v, st) in known.items() if path in present and st == "loaded"
        }

        def is_unchanged(f: LandingFile) -> bool:
            prev = known.get(f.relative_path)
            # A duplicate is re-decided every run: its twin may have gone.
            return bool(prev and prev[0] == f.sha256 and prev[1] == version and prev[2] != "duplicate")

        # Rows held back as duplicates of rows in other files are judged again when any file of the
        # dataset goes or changes: the row they duplicated may be gone. The earlier file keeps the row.
        revalidate: set[str] = set()
        if set(known) - present or not all(is_unchanged(f) for f in files):
            revalidate = _files_with_findings(con, ds, _across_file_codes(validator, ds))
        # rows refused as dated after the run date are judged again on a later day
        revalidate |= {
            r[0]
            for r in con.execute(
                "select distinct q.file_path from ingest.quarantine as q inner join ingest.files as f "
                "on f.dataset_key = q.dataset_key and f.file_path = q.file_path "
                "where q.dataset_key = ? and q.check_code = ? and cast(f.loaded_at as date) < ?",
                [ds.key, CODE_FUTURE, now.date()],
            ).fetchall()
        }
        for f in files:
            prev = known.get(f.relative_path)
            if is_unchanged(f) and f.relative_path not in revalidate:
                outcomes.append(FileOutcome(f.relative_path, "unchanged"))
                continue
            if prev:
                _delete_file(con, ds, f.relative_path)
            to_load.append(f)

        batches: list[pl.DataFrame] = []
        quarantine_frames: list[pl.DataFrame] = []
        file_meta: dict[str, tuple[LandingFile, str, str]] = {}

        def flush() -> None:
            """Validate and write the files read so far; the next batch sees their rows in raw (the
            across-files duplicate rule), so batching changes no outcome, only the memory a batch needs."""
            if batches:
                _load_batch(con, ds, validator, batches, quarantine_frames, file_meta, version, now, outcomes)
                # Commit each batch: DuckDB holds a transaction's appended rows in memory (10 M readings
                # in one transaction: 14 GB). A batch commits its files' rows with their ingest.files
                # records, so a run stopped between batches leaves whole files, which the next run skips.
                con.commit()
                con.begin()
            batches.clear()
            quarantine_frames.clear()
            file_meta.clear()

        pending: list[pl.DataFrame] = []  # files read, not yet cast

        def cast_pending() -> None:
            """Cast the files read so far, all files of one column layout at once (casting file by file
            cost 30 ms a file: 9 s for the 289 files of scale M's readings)."""
            layouts: dict[tuple, list[pl.DataFrame]] = {}
            for frame in pending:
                layouts.setdefault(tuple(frame.schema.items()), []).append(frame)
            for frames in layouts.values():
                cast = cast_to_contract(
                    pl.concat(frames, how="vertical"), ds, mapping, today=now.date(), carry=LINEAGE_CARRY
                )
                batches.append(
                    cast.frame.with_columns(pl.lit(now).cast(pl.Datetime("us")).alias("_loaded_at"))
                )
                if cast.failures.height:
                    quarantine_frames.append(cast.failures.with_columns(pl.lit("error").alias("severity")))
            pending.clear()

        for f in to_load:
            load_id = load_id_for(ds, f)
            if f.relative_path not in known:
                status = "loaded"
            elif is_unchanged(f):
                status = "revalidated"
            else:
                status = "replaced"
            twin = loaded_shas.get(f.sha256)
            if twin and twin != f.relative_path:
                msg = f"byte-identical to {twin}, which is already loaded; skipped"
                con.execute(
                    "insert into ingest.files values (?, ?, ?, ?, 'duplicate', 0, 0, 0, ?, ?, ?)",
                    [ds.key, f.relative_path, f.sha256, load_id, version, msg, now],
                )
                outcomes.append(FileOutcome(f.relative_path, "duplicate", message=msg))
                continue
            loaded_shas[f.sha256] = f.relative_path
            say(f"{ds.key}: reading {f.relative_path}")
            try:
                if mapping_error:
                    raise LandingError(mapping_error)
                if f.relative_path in pulled:
                    frame = pulled[f.relative_path].frame
                    _record_pull(con, pulled[f.relative_path].record)
                else:
                    frame = read_batch(f, mapping, landing)
            except LandingError as exc:
                reason = str(exc).rstrip(".")
                con.execute(
                    "insert into ingest.files values (?, ?, ?, ?, 'unreadable', 0, 0, 0, ?, ?, ?)",
                    [ds.key, f.relative_path, f.sha256, load_id, version, reason, now],
                )
                con.execute(
                    "insert into ingest.quarantine values (?, ?, ?, ?, null, null, null, ?, ?, ?)",
                    [ds.key, f.relative_path, f.sha256, load_id, CODE_UNREADABLE, reason, reason + "."],
                )
                outcomes.append(FileOutcome(f.relative_path, "unreadable", message=reason))
                continue
            if SOURCE_ROW_COLUMN not in frame.columns:  # rows numbered per file (line mode numbers its own)
                frame = frame.with_row_index(SOURCE_ROW_COLUMN, offset=1)
            pending.append(
                frame.with_columns(
                    pl.col(SOURCE_ROW_COLUMN).cast(pl.Int64),
                    pl.lit(load_id).alias("_load_id"),
                    pl.lit(f.relative_path).alias("_file_path"),
                    pl.lit(f.sha256).alias("_file_sha256"),
                )
            )
            file_meta[f.relative_path] = (f, load_id, status)
            if sum(p.height for p in pending) >= BATCH_ROWS:
                cast_pending()
                flush()

        cast_pending()
        flush()
        con.commit()
    except Exception:
        con.rollback()
        raise
    return DatasetLoad(ds.key, sorted(outcomes, key=lambda o: o.file_path))


def _pull(con: duckdb.DuckDBPyConnection, landing: Path, ds: Dataset, files: list[LandingFile],
          now: datetime) -> list[Pull]:  # fmt: skip
    """Pull the dataset from its database when _sources.yml names it; ``files`` gains the pulls' virtual
    files: the new pull, and for incremental pulls the earlier ones (their rows stay loaded)."""
    source = load_sources(landing).get(ds.key)
    if source is None:
        return []
    earlier: list[dict] = []
    if source.watermark:
        cur = con.execute(
            "select * from ingest.sql_pulls where dataset_key = ? and source_fingerprint = ? order by file_path",
            [ds.key, source.fingerprint()],
        )
        earlier = [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur.fetchall()]
    pulls = sql_pull(source, earlier, now)
    files += [LandingFile(ds.key, Path(r["file_path"]), r["file_path"], r["file_sha256"]) for r in earlier]
    files += [p.file for p in pulls]
    return pulls


def _record_pull(con: duckdb.DuckDBPyConnection, record: dict) -> None:
    con.execute("delete from ingest.sql_pulls where dataset_key = ? and file_path = ?",
                [record["dataset_key"], record["file_path"]])  # fmt: skip
    names = list(record)
    con.execute(f"insert into ingest.sql_pulls ({', '.join(names)}) values ({', '.join('?' * len(names))})",
                [record[n] for n in names])  # fmt: skip


def _load_batch(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    validator: Validator | None,
    batches: list[pl.DataFrame],
    quarantine_frames: list[pl.DataFrame],
    file_meta: dict[str, tuple[LandingFile, str, str]],
    version: str,
    now: datetime,
    outcomes: list[FileOutcome],
) -> None:
    """Check one batch of files against the plan and write its good rows, findings and file records."""
    batch = pl.concat(batches, how="vertical")
    contract_bad = (
        pl.concat(quarantine_frames).select("_file_path", "_row_number").unique()
        if quarantine_frames
        else pl.DataFrame(schema={"_file_path": pl.String, "_row_number": pl.Int64})
    )
    candidates = (
        batch.join(contract_bad, on=["_file_path", "_row_number"], how="anti")
        if contract_bad.height
        else batch
    )
    plan_frames, check_rows = _run_validator(validator, ds, candidates, con)
    findings = (
        pl.concat(
            [f.select("_file_path", *FAILURE_SCHEMA, "severity") for f in quarantine_frames + plan_frames],
            how="vertical",
        )
        if (quarantine_frames or plan_frames)
        else None
    )
    _write(con, ds, batch, findings, check_rows, file_meta, version, now, outcomes)


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple], chunk: int = 500) -> None:
    """Append ``rows`` (tuples in the table's column order), ``chunk`` rows a statement: one INSERT per
    row cost 0.35 ms each, 1.6 s for the check outcomes of scale M's 289 reading files."""
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        row = "(" + ", ".join("?" * len(part[0])) + ")"
        con.execute(
            f"insert into {table} values {', '.join([row] * len(part))}", [v for r in part for v in r]
        )


def _across_file_codes(validator: Validator | None, ds: Dataset) -> set[str]:
    """The codes of the validator's checks that compare a batch with the rows of other files."""
    codes = getattr(validator, "across_file_codes", None)
    return set(codes(ds)) if codes else set()


def _files_with_findings(con: duckdb.DuckDBPyConnection, ds: Dataset, codes: set[str]) -> set[str]:
    if not codes:
        return set()
    rows = con.execute(
        "select distinct file_path from ingest.row_findings where dataset_key = ? "
        "and check_code in (select unnest(?::varchar[]))",
        [ds.key, sorted(codes)],
    ).fetchall()
    return {r[0] for r in rows}


def _run_validator(
    validator: Validator | None, ds: Dataset, candidates: pl.DataFrame, con: duckdb.DuckDBPyConnection
) -> tuple[list[pl.DataFrame], list[dict]]:
    """Run the plan's checks on the rows that passed the contract."""
    if validator is None or candidates.height == 0:
        return [], []
    result = validator(ds, candidates, con)
    frames: list[pl.DataFrame] = []
    if result.row_failures:
        idx = pl.Series([rf.row_index for rf in result.row_failures], dtype=pl.Int64)
        located = candidates.select("_file_path", "_row_number")[idx]
        frames.append(
            located.with_columns(
                pl.Series("column_name", [rf.column for rf in result.row_failures], dtype=pl.String),
                pl.Series("raw_value", [rf.value for rf in result.row_failures], dtype=pl.String),
                pl.Series("check_code", [rf.check_code for rf in result.row_failures], dtype=pl.String),
                pl.Series("reason", [rf.reason for rf in result.row_failures], dtype=pl.String),
                pl.Series("severity", [rf.severity for rf in result.row_failures], dtype=pl.String),
            )
        )
    # Attribute each check's outcome to the files of the batch.
    per_file = candidates.group_by("_file_path").agg(pl.len().alias("n"))
    file_of_row = candidates.get_column("_file_path")
    check_rows: list[dict] = []
    for chk in result.checks:
        failed_by_file: dict[str, int] = {}
        for i in chk.failed_row_indexes:
            fp = file_of_row[i]
            failed_by_file[fp] = failed_by_file.get(fp, 0) + 1
        for fp, n in per_file.iter_rows():
            failed = failed_by_file.get(fp, 0)
            success = chk.success if chk.level == "dataset" else failed == 0
            check_rows.append(
                dict(
                    file_path=fp,
                    check_code=chk.check_code,
                    severity=chk.severity,
                    level=chk.level,
                    success=success,
                    evaluated_rows=n,
                    failed_rows=failed,
                    description=chk.description,
                )
            )
    return frames, check_rows


def _write(
    con: duckdb.DuckDBPyConnection,
    ds: Dataset,
    batch: pl.DataFrame,
    findings: pl.DataFrame | None,
    check_rows: list[dict],
    file_meta: dict[str, tuple[LandingFile, str, str]],
    version: str,
    now: datetime,
    outcomes: list[FileOutcome],
) -> None:
    errors = (
        findings.filter(pl.col("severity") == "error").select("_file_path", "_row_number").unique()
        if findings is not None
        else pl.DataFrame(schema={"_file_path": pl.String, "_row_number": pl.Int64})
    )
    good = batch.join(errors, on=["_file_path", "_row_number"], how="anti") if errors.height else batch
    good = good.select(
        *ds.column_names,
        "_load_id",
        "_file_path",
        "_file_sha256",
        pl.col("_row_number"),
        "_loaded_at",
        "_extra_json",
    )
    con.register("_carbon_good", good.to_arrow())
    con.execute(f"insert into raw.{ds.raw_table} by name select * from _carbon_good")
    con.unregister("_carbon_good")

    meta = pl.DataFrame(
        [(fp, lf.sha256, lid) for fp, (lf, lid, _s) in file_meta.items()],
        schema={"_file_path": pl.String, "file_sha256": pl.String, "load_id": pl.String},
        orient="row",
    )
    if findings is not None and findings.height:
        f = findings.join(meta, on="_file_path", how="left").with_columns(
            pl.col("severity").eq("error").alias("is_quarantined"),
            pl.lit(ds.key).alias("dataset_key"),
        )
        con.register("_carbon_findings", f.to_arrow())
        con.execute(
            """insert into ingest.row_findings
               select dataset_key, _file_path, load_id, _row_number, column_name, raw_value,
                      check_code, severity, is_quarantined, reason from _carbon_findings"""
        )
        # One quarantine row per quarantined source row: the first failing field, all reasons.
        con.execute(
            """insert into ingest.quarantine
               select dataset_key, _file_path, any_value(file_sha256), any_value(load_id), _row_number,
                      arg_min(column_name, coalesce(column_name, '')),
                      arg_min(raw_value, coalesce(column_name, '')),
                      arg_min(check_code, coalesce(column_name, '')),
                      string_agg(coalesce(column_name || ': ', '') || reason, '; ' order by column_name, check_code),
                      -- a malformed line has no field: "file, row n: the line has 8 fields, ..."
                      _file_path || ', row ' || _row_number
                        || coalesce(', field ''' || arg_min(column_name, coalesce(column_name, '')) || '''', '')
                        || ': ' || rtrim(arg_min(reason, coalesce(column_name, '')), '.') || '.'
               from _carbon_findings where is_quarantined
               group by dataset_key, _file_path, _row_number"""
        )
        con.unregister("_carbon_findings")

    load_ids = [lid for (_lf, lid, _s) in file_meta.values()]
    # the rows just inserted, per file (a file's earlier rows were deleted before it was read again);
    # counted here, not in the raw table, which a query would scan whole for every batch
    loaded_counts = dict(good.group_by("_file_path").agg(pl.len()).iter_rows())
    q_counts = dict(
        con.execute(
            "select file_path, count(*) from ingest.quarantine where dataset_key = ? and load_id in "
            "(select unnest(?::varchar[])) group by 1",
            [ds.key, load_ids],
        ).fetchall()
    )
    read_counts = dict(batch.group_by("_file_path").agg(pl.len()).iter_rows())
    file_rows = []
    for fp, (lf, load_id, status) in sorted(file_meta.items()):
        loaded = loaded_counts.get(fp, 0)
        quarantined = q_counts.get(fp, 0)
        read = read_counts.get(fp, 0)
        file_rows.append(
            (ds.key, fp, lf.sha256, load_id, "loaded", read, loaded, quarantined, version, None, now)
        )
        outcomes.append(FileOutcome(fp, status, read, loaded, quarantined))
    _insert_rows(con, "ingest.files", file_rows)
    _insert_rows(
        con,
        "ingest.check_results",
        [
            (ds.key, row["file_path"], file_meta[row["file_path"]][1], row["check_code"], row["severity"],
             row["level"], row["success"], row["evaluated_rows"], row["failed_rows"], row["description"])
            for row in check_rows
        ],
    )  # fmt: skip
