"""The run manifest: what a ``carbon run`` used and what it produced, stored in ``history.runs``.

Two runs can be compared from the warehouse alone: the same inputs (sha256),
factor set and seeds, GWP set, configuration and code must give the same
``marts_fingerprint``. The manifest is written by the CLI after the Dagster
job returned (see docs/decisions.md, "Run manifest and period locks"): only
then are the exit status, every step's timing and the final marts known, and
every connection of the job is closed.

The code, seeds and configuration are fingerprinted when the run *starts*
(:func:`start`), because that is the code and reference data the run used.
"""

from __future__ import annotations

import hashlib
import json
import platform
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines import __version__
from pipelines.lib.history import locks
from pipelines.lib.history.fingerprints import (
    mart_fingerprints,
    utc_now,
)
from pipelines.lib.history.schema import ensure_history_schema
from pipelines.lib.settings import Settings
from pipelines.lib.warehouse import Locations, connect, table_exists
from pipelines.paths import DATA_QUALITY_DIR, DBT_PROJECT_DIR, REPO_ROOT, SEEDS_DIR

# Packages whose version can change a number; recorded, not compared.
ENVIRONMENT_PACKAGES = ("dbt-core", "dbt-duckdb", "duckdb", "dagster", "dagster-dbt", "polars",
                        "great_expectations")  # fmt: skip
# Step phases of the manifest, from Dagster step keys (pipelines/definitions.py).
DBT_STEPS = ("carbon_dbt_assets", "carbon_dbt_quality_results")
CHECK_STEPS = ("plan_results",)
INVENTORY_KEY = ("marts", "rpt_group_inventory")


class ManifestError(Exception):
    """The manifest could not be written; one sentence naming the warehouse."""


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files(root: Path, patterns: tuple[str, ...] = ("*",)) -> list[Path]:
    found = {p for pattern in patterns for p in root.rglob(pattern) if p.is_file()}
    return sorted(p for p in found if "__pycache__" not in p.parts and not p.name.startswith("."))


def _combined(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()


def seed_checksums(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """{path below seeds/: sha256} of every file of the factor registry and reference data."""
    return {p.relative_to(seeds_dir).as_posix(): _sha256_file(p) for p in _files(seeds_dir)}


def code_checksum() -> str:
    """The code that decides the numbers: the dbt project and the pipelines package."""
    paths = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests"):
        paths += _files(DBT_PROJECT_DIR / folder)
    paths += _files(REPO_ROOT / "pipelines", ("*.py", "*.html"))  # the report templates shape its bytes
    return _combined(
        [f"{p.relative_to(REPO_ROOT).as_posix()}\t{_sha256_file(p)}" for p in paths if p.exists()]
    )


def landing_fingerprint(landing: Path) -> str:
    """Over every file of the landing folder (path below it + sha256; hidden files left out): the
    same value means the same inputs, whatever the loader would make of them."""
    return _combined([f"{p.relative_to(landing).as_posix()}\t{_sha256_file(p)}" for p in _files(landing)])


def locks_fingerprint(warehouse: Path) -> str | None:
    """Over the period locks and locked figures (they feed fct_baseline and the restatements); a new
    warehouse has none. None when the warehouse cannot be read now."""
    if not warehouse.exists():
        return _combined([])
    try:
        with connect(warehouse, read_only=True) as con:
            if not table_exists(con, "history", "period_locks"):
                return _combined([])
            rows = con.execute(
                "select to_json(l)::varchar from history.period_locks as l "
                "union all select to_json(f)::varchar from history.locked_figures as f"
            ).fetchall()
    except duckdb.Error:
        return None
    return _combined([r[0] for r in rows])


def factor_set_version() -> str | None:
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    value = (project.get("vars") or {}).get("factor_set_version")
    return None if value is None else str(value)


def _git(*args: str) -> str | None:
    """Output of a git command on the repository, or None where git or the repository is absent."""
    git = shutil.which("git")
    if not git:
        return None
    try:
        proc = subprocess.run([git, "-C", str(REPO_ROOT), *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def git_version() -> tuple[str | None, bool | None]:
    commit = _git("rev-parse", "HEAD")
    if not commit:
        return None, None
    status = _git("status", "--porcelain", "--", "pipelines", "dbt_project", "seeds", "data_quality")
    return commit.strip(), (None if status is None else bool(status.strip()))


def environment() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ENVIRONMENT_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "absent"
    return versions


@dataclass
class RunStart:
    """What the run starts with: locations, configuration, reference data and code."""

    locations: Locations
    settings: Settings
    started_at: datetime
    fields: dict[str, Any] = field(default_factory=dict)
    marker_id: str = ""  # the history.runs row that says the run is under way (see begin)


def start(loc: Locations, settings: Settings) -> RunStart:
    config_text = loc.config.read_bytes()
    config = yaml.safe_load(config_text.decode("utf-8")) or {}
    seeds = seed_checksums()
    commit, dirty = git_version()
    plan = DATA_QUALITY_DIR / "plan.yml"
    fields = {
        "landing_dir": str(loc.landing),
        "config_path": str(loc.config),
        "config_sha256": hashlib.sha256(config_text).hexdigest(),
        "config_json": json.dumps(config, sort_keys=True, ensure_ascii=False, default=str),
        "settings_json": settings.dbt_vars_json(),
        "gwp_set": settings.gwp_set,
        "consolidation": settings.consolidation,
        "factor_set_version": factor_set_version(),
        "seeds_sha256": _combined([f"{k}\t{v}" for k, v in seeds.items()]),
        "seed_files_json": json.dumps(seeds, sort_keys=True),
        "dq_plan_sha256": _sha256_file(plan) if plan.exists() else None,
        "code_version": __version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "code_sha256": code_checksum(),
        "environment_json": json.dumps(environment(), sort_keys=True),
        "landing_sha256": landing_fingerprint(loc.landing),
        "locks_sha256": locks_fingerprint(loc.warehouse),
    }
    return RunStart(loc, settings, utc_now(), fields, marker_id=f"running-{uuid.uuid4()}")


# ---------------------------------------------------------------- timings


def phase_of(step_key: str) -> str:
    if step_key in DBT_STEPS:
        return "dbt"
    if step_key in CHECK_STEPS:
        return "checks"
    if step_key.startswith("raw__"):  # extraction assets and their blocking gates
        return "extraction"
    return "other"


def step_timings(instance, run_id: str) -> list[dict[str, Any]]:
    """Every step of the Dagster run with its phase, status and seconds (read before the instance goes)."""
    steps = []
    for s in instance.get_run_step_stats(run_id):
        seconds = (s.end_time - s.start_time) if s.start_time and s.end_time else None
        steps.append({"step_key": s.step_key, "phase": phase_of(s.step_key),
                      "status": s.status.value if s.status else None,
                      "seconds": None if seconds is None else round(seconds, 3)})  # fmt: skip
    return sorted(steps, key=lambda s: s["step_key"])


def _phase_seconds(steps: list[dict[str, Any]], phase: str) -> float | None:
    values = [s["seconds"] for s in steps if s["phase"] == phase and s["seconds"] is not None]
    return round(sum(values), 3) if values else None


def inventory_built(result) -> bool:
    """Whether the job rebuilt rpt_group_inventory (otherwise the mart may be a previous run's)."""
    for event in result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION" and tuple(event.asset_key.path) == INVENTORY_KEY:
            return True
    return False


# ---------------------------------------------------------------- what the run produced


def _input_files(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    if not table_exists(con, "ingest", "files"):
        return []
    years = ""
    if table_exists(con, "marts", "fct_emissions"):
        # source_record_key = '<raw table>:<file below the landing root>#<row>' (macro lineage_columns);
        # a meter x month row sums readings of the files its row ranges name (fct_source_row_ranges)
        summed = ""
        if table_exists(con, "marts", "fct_source_row_ranges"):
            summed = """
                    union all
                    select g.file_path, e.reporting_year
                    from marts.fct_emissions as e
                    join (select distinct source_record_key, file_path from marts.fct_source_row_ranges) as g
                        using (source_record_key)"""
        years = f"""
            left join (
                select file_path,
                       list(distinct reporting_year order by reporting_year)::integer[] as reporting_years
                from (
                    select regexp_extract(source_record_key, '^[^:]+:(.*)#[0-9]+$', 1) as file_path, reporting_year
                    from marts.fct_emissions{summed}
                )
                group by 1
            ) as y using (file_path)"""
    select_years = "coalesce(y.reporting_years, []::integer[])" if years else "[]::integer[]"
    return con.execute(
        f"""select f.dataset_key, f.file_path, f.file_sha256, f.load_id, f.status, f.rows_read, f.rows_loaded,
                   f.rows_quarantined, {select_years}
            from ingest.files as f {years}
            order by f.dataset_key, f.file_path"""
    ).fetchall()


@dataclass
class RunRecord:
    run_id: str
    exit_code: int
    marts_fingerprint: str
    restatements: int


def finish(started: RunStart, result, steps: list[dict[str, Any]]) -> RunRecord:
    """Write the manifest of a finished job, then record restatements of locked years.

    One write connection, one transaction: a run has a whole manifest or none.
    """
    exit_code = 0 if result.success else 1
    built = inventory_built(result)
    warehouse = started.locations.warehouse
    try:
        with connect(warehouse) as con:
            ensure_history_schema(con)
            con.begin()
            inputs = _input_files(con)
            marts = mart_fingerprints(con)
            finished_at = utc_now()
            row = {
                "run_id": result.run_id,
                "started_at": started.started_at,
                "finished_at": finished_at,
                "duration_s": round((finished_at - started.started_at).total_seconds(), 3),
                "extraction_s": _phase_seconds(steps, "extraction"),
                "dbt_s": _phase_seconds(steps, "dbt"),
                "checks_s": _phase_seconds(steps, "checks"),
                "steps_json": json.dumps(steps, sort_keys=True),
                "exit_code": exit_code,
                "status": "success" if exit_code == 0 else "failed",
                "is_inventory_built": built,
                **started.fields,
                "input_files": len(inputs),
                "inputs_sha256": _combined([f"{r[0]}\t{r[1]}\t{r[2]}" for r in inputs]),
                "marts_fingerprint": _combined([f"{m}\t{fp}" for m, (_n, fp) in marts.items()]),
            }
            names = ", ".join(row)
            con.execute(
                f"insert into history.runs ({names}) values ({', '.join('?' * len(row))})", list(row.values())
            )
            con.execute("delete from history.runs where run_id = ?", [started.marker_id])
            if inputs:  # a run blocked before anything loaded has none
                con.executemany("insert into history.run_inputs values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                [[result.run_id, *r] for r in inputs])  # fmt: skip
            if marts:
                con.executemany("insert into history.run_marts values (?, ?, ?, ?)",
                                [[result.run_id, m, n, fp] for m, (n, fp) in marts.items()])  # fmt: skip
            # Only a run that rebuilt the inventory can restate it; an earlier
            # failure leaves the previous run's figures in place.
            restated = locks.record_restatements(con, result.run_id) if built else 0
            con.commit()
    except duckdb.Error as exc:
        raise ManifestError(f"The run manifest could not be written to {warehouse} "
                            f"({str(exc).splitlines()[0]}).") from None  # fmt: skip
    return RunRecord(result.run_id, exit_code, row["marts_fingerprint"], restated)


# ---------------------------------------------------------------- unchanged runs and interrupted ones

# What decides every number and every byte of the reports: equal in two runs, the second has nothing
# to recompute (docs/decisions.md, "Nothing changed, nothing recomputed").
SAME_RUN_FIELDS = ("landing_sha256", "locks_sha256", "config_sha256", "settings_json", "seeds_sha256",
                   "dq_plan_sha256", "code_sha256", "environment_json")  # fmt: skip


def _pulls_from_a_database(landing: Path) -> bool:
    from pipelines.lib.landing import LandingError
    from pipelines.lib.sql_sources import load_sources

    try:
        return bool(load_sources(landing))
    except LandingError:
        return True  # the run says what is wrong with the file


def unchanged_since(started: RunStart, outputs: list[Path]) -> dict[str, Any] | None:
    """The warehouse's last run when this one would recompute nothing: that run completed (or found
    nothing to do itself), its landing files, configuration, code, reference data, plan, package
    versions and locks are this run's, and the outputs it wrote are still there. None otherwise."""
    warehouse = started.locations.warehouse
    if not warehouse.exists() or not all(p.exists() for p in outputs):
        return None
    if _pulls_from_a_database(started.locations.landing):
        return None  # what a database holds now is only known by pulling it
    try:
        with connect(warehouse, read_only=True) as con:
            if not table_exists(con, "history", "runs") or not table_exists(
                con, "marts", "rpt_group_inventory"
            ):
                return None
            cur = con.execute("select * from history.runs order by started_at desc, run_id limit 1")
            row = cur.fetchone()
            last = None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))
    except duckdb.Error:
        return None
    if last is None or last.get("status") not in ("success", "unchanged") or last.get("exit_code") != 0:
        return None
    if any(last.get(k) is None or last.get(k) != started.fields.get(k) for k in SAME_RUN_FIELDS):
        return None
    return last


def record_unchanged(started: RunStart, last: dict[str, Any]) -> RunRecord:
    """A manifest row for a run that found nothing to recompute: its inputs and marts are the last
    run's (copied, so every run has its own manifest), status 'unchanged'."""
    run_id = str(uuid.uuid4())
    same_as = last.get("same_as_run_id") or last["run_id"]
    warehouse = started.locations.warehouse
    finished_at = utc_now()
    row = {
        "run_id": run_id, "started_at": started.started_at, "finished_at": finished_at,
        "duration_s": round((finished_at - started.started_at).total_seconds(), 3), "steps_json": "[]",
        "exit_code": 0, "status": "unchanged", "is_inventory_built": False, **started.fields,
        "input_files": last["input_files"], "inputs_sha256": last["inputs_sha256"],
        "marts_fingerprint": last["marts_fingerprint"], "same_as_run_id": same_as,
    }  # fmt: skip
    try:
        with connect(warehouse) as con:
            ensure_history_schema(con)
            con.begin()
            _mark_interrupted(con)
            names = ", ".join(row)
            con.execute(f"insert into history.runs ({names}) values ({', '.join('?' * len(row))})",
                        list(row.values()))  # fmt: skip
            con.execute("insert into history.run_inputs select ? as run_id, * exclude (run_id) "
                        "from history.run_inputs where run_id = ?", [run_id, last["run_id"]])  # fmt: skip
            con.execute("insert into history.run_marts select ? as run_id, * exclude (run_id) "
                        "from history.run_marts where run_id = ?", [run_id, last["run_id"]])  # fmt: skip
            con.commit()
    except duckdb.Error as exc:
        raise ManifestError(f"The run manifest could not be written to {warehouse} "
                            f"({str(exc).splitlines()[0]}).") from None  # fmt: skip
    return RunRecord(run_id, 0, row["marts_fingerprint"], 0)


def begin(started: RunStart) -> None:
    """Say in the warehouse that a run is under way (status 'running'; finish replaces the row). A run
    killed before it finished leaves the row, and the next run marks it 'interrupted'."""
    warehouse = started.locations.warehouse
    try:
        with connect(warehouse) as con:
            ensure_history_schema(con)
            con.begin()
            _mark_interrupted(con)
            row = {"run_id": started.marker_id, "started_at": started.started_at,
                   "finished_at": started.started_at, "exit_code": -1, "status": "running",
                   "is_inventory_built": False, **started.fields}  # fmt: skip
            con.execute(f"insert into history.runs ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                        list(row.values()))  # fmt: skip
            con.commit()
    except duckdb.IOException as exc:
        raise ManifestError(f"The warehouse {warehouse} is in use by another process "
                            f"({str(exc).splitlines()[0]}); wait for it to finish.") from None  # fmt: skip
    except duckdb.Error as exc:
        raise ManifestError(f"The run could not be recorded in {warehouse} "
                            f"({str(exc).splitlines()[0]}).") from None  # fmt: skip


def _mark_interrupted(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("update history.runs set status = 'interrupted' where status = 'running'")
