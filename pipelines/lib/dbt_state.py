"""What a warehouse's last successful dbt build was made from, so that the next build rebuilds only the
models downstream of a source whose rows changed (issue 12, item 4: one new month rebuilds what it touches).

A dbt model's rows are a function of the project (its SQL, macros, seeds, ``--vars``, the dbt and DuckDB
versions) and of the rows of the sources above it. After every successful build the warehouse keeps, in
``ingest.dbt_build_state``, one fingerprint of the project and one of each source table (its columns and
:func:`pipelines.lib.warehouse.rows_checksum`: row count and the sum of every whole row's hash, 0.2 s for
the 10 M readings of scale M). The next build compares:

- no state, another project fingerprint (code, seeds, vars, versions), or a model or seed relation missing
  from the warehouse: everything is built, as dbt would;
- otherwise the models, seeds and tests downstream of the sources whose fingerprint changed are built and
  the rest are left as they are: their inputs are the ones they were built from, so building them again
  would write the same rows. A test runs when any of its parents is rebuilt.

The state is removed as a build starts and written only after it succeeded: a failed or interrupted build
leaves no state, so the next one builds everything. Nothing outside the warehouse is involved, so a copied
or restored warehouse file carries its own state.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.warehouse import connect, rows_checksum, table_exists
from pipelines.paths import DBT_PROJECT_DIR, SEEDS_DIR

STATE_SCHEMA, STATE_TABLE = "ingest", "dbt_build_state"
PROJECT_KEY = "project"
BUILT_TYPES = ("model", "seed", "snapshot")
_PROJECT_FOLDERS = ("models", "macros", "tests", "snapshots", "analyses")
_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "packages.yml", "selectors.yml")
_PACKAGES = ("dbt-core", "dbt-adapters", "dbt-duckdb", "duckdb")


@dataclass
class BuildPlan:
    """What a build does: everything (``full``, with the reason), or only ``rebuild`` (unique ids of
    models, seeds and tests) because ``changed_sources`` changed since the last build."""

    full: bool
    reason: str
    project: str
    sources: dict[str, str]
    changed_sources: list[str] = field(default_factory=list)
    rebuild: set[str] = field(default_factory=set)
    unchanged: set[str] = field(default_factory=set)
    outside: set[str] = field(default_factory=set)

    def exclude_names(self, manifest: Mapping[str, Any]) -> list[str]:
        """The dbt names of the unchanged models, seeds and tests and of the tests of models built
        elsewhere, for ``--exclude`` with ``--indirect-selection empty``: then a test of a rebuilt model
        stays selected even when another of its parents is unchanged (dbt's default, eager, would drop it
        with the excluded parent)."""
        return sorted(manifest["nodes"][uid]["name"] for uid in self.unchanged | self.outside)


def project_fingerprint(vars_json: str, manifest: Mapping[str, Any] | None = None) -> str:
    """Everything but the data that a model's rows depend on: the project's files, the seeds, the vars
    and the versions of dbt, its adapters and DuckDB; and, given the manifest the build is planned from,
    every node's checksum and parents, so that a plan made from a manifest older than the files is not
    recorded as the files' (the next plan, from a current manifest, then builds everything)."""
    paths = [DBT_PROJECT_DIR / name for name in _PROJECT_FILES]
    for folder in _PROJECT_FOLDERS:
        paths += sorted(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    paths += sorted(p for p in SEEDS_DIR.rglob("*") if p.is_file())
    digest = hashlib.sha256()
    for name in _PACKAGES:
        digest.update(f"{name}=={importlib.metadata.version(name)}\n".encode())
    digest.update(json.dumps(json.loads(vars_json), sort_keys=True).encode("utf-8") + b"\n")
    for path in paths:
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(f"{path.relative_to(DBT_PROJECT_DIR.parent).as_posix()}\t".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    for uid, node in sorted((manifest or {}).get("nodes", {}).items()):
        checksum = (node.get("checksum") or {}).get("checksum", "")
        parents = ",".join(sorted(node.get("depends_on", {}).get("nodes", [])))
        digest.update(f"{uid}\t{checksum}\t{parents}\n".encode())
    return digest.hexdigest()


def source_fingerprints(con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any]) -> dict[str, str]:
    """Per dbt source (unique id): its table's columns and rows checksum, or 'missing'."""
    out: dict[str, str] = {}
    for uid, source in sorted(manifest["sources"].items()):
        schema, name = source["schema"], source.get("identifier") or source["name"]
        if not table_exists(con, schema, name):
            out[uid] = "missing"
            continue
        columns = con.execute(
            "select string_agg(column_name || ' ' || data_type, ', ' order by column_index) "
            "from duckdb_columns() where schema_name = ? and table_name = ?",
            [schema, name],
        ).fetchone()[0]
        rows, checksum = rows_checksum(con, f'"{schema}"."{name}"')
        out[uid] = hashlib.sha256(f"{columns}\n{rows}\n{checksum}".encode()).hexdigest()
    return out


def _descendants(manifest: Mapping[str, Any], roots: Iterable[str]) -> set[str]:
    children: dict[str, list[str]] = {}
    for uid, node in manifest["nodes"].items():
        for parent in node.get("depends_on", {}).get("nodes", []):
            children.setdefault(parent, []).append(uid)
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _built_nodes(
    manifest: Mapping[str, Any], excluded: set[str]
) -> tuple[dict[str, Mapping[str, Any]], set[str]]:
    """The nodes this build is in charge of: models, seeds and snapshots (ephemeral models leave no
    relation) and data tests, less the models built elsewhere (``excluded``, by name); and the tests of
    those (any parent built elsewhere: as dbt's eager exclusion leaves them out)."""
    elsewhere = {uid for uid, node in manifest["nodes"].items() if node["name"] in excluded}
    nodes, outside = {}, set()
    for uid, node in manifest["nodes"].items():
        if uid in elsewhere or node["resource_type"] not in (*BUILT_TYPES, "test"):
            continue
        if node["resource_type"] == "test" and elsewhere & set(node["depends_on"].get("nodes", [])):
            outside.add(uid)
        elif node.get("config", {}).get("materialized") != "ephemeral":
            nodes[uid] = node
    return nodes, outside


def _missing_relations(con: duckdb.DuckDBPyConnection, nodes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    present = set(
        con.execute(
            "select schema_name, table_name from duckdb_tables() "
            "union all select schema_name, view_name from duckdb_views() where not internal"
        ).fetchall()
    )
    return sorted(
        node["name"]
        for node in nodes.values()
        if node["resource_type"] in BUILT_TYPES
        and (node["schema"], node.get("alias") or node["name"]) not in present
    )


def _stored(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    if not table_exists(con, STATE_SCHEMA, STATE_TABLE):
        return {}
    return dict(con.execute(f"select key, fingerprint from {STATE_SCHEMA}.{STATE_TABLE}").fetchall())


def plan_build(
    warehouse: Path, manifest: Mapping[str, Any], vars_json: str, excluded: Iterable[str] = ()
) -> BuildPlan:
    """Compare the warehouse's stored state with the project and sources now (see the module)."""
    project = project_fingerprint(vars_json, manifest)
    nodes, outside = _built_nodes(manifest, set(excluded))

    def full(reason: str, sources: dict[str, str]) -> BuildPlan:
        return BuildPlan(True, reason, project, sources, rebuild=set(nodes), outside=outside)

    if not warehouse.exists():
        return full("a new warehouse", {})
    with connect(warehouse, read_only=True) as con:
        sources = source_fingerprints(con, manifest)
        stored = _stored(con)
        missing = _missing_relations(con, nodes) if stored else []
    if not stored:
        return full("no successful build recorded in this warehouse", sources)
    if stored.get(PROJECT_KEY) != project:
        return full("the dbt project, seeds, configuration or versions changed since the last build", sources)
    if missing:
        return full(
            f"{len(missing)} model(s) missing from the warehouse ({', '.join(missing[:3])}, ...)", sources
        )
    changed = sorted(uid for uid, fp in sources.items() if stored.get(uid) != fp)
    downstream = _descendants(manifest, changed)
    rebuild = {uid for uid in nodes if uid in downstream}
    return BuildPlan(False, "", project, sources, changed_sources=changed, rebuild=rebuild,
                     unchanged=set(nodes) - rebuild, outside=outside)  # fmt: skip


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {STATE_SCHEMA}")
    con.execute(
        f"create table if not exists {STATE_SCHEMA}.{STATE_TABLE} ("
        "key varchar primary key, fingerprint varchar not null, recorded_at timestamp not null)"
    )


def kept(warehouse: Path) -> list[tuple[str, str]]:
    """The record as it is (before a build of models that are not in it: the scorecard's)."""
    if not warehouse.exists():
        return []
    with connect(warehouse, read_only=True) as con:
        return sorted(_stored(con).items())


def restore(warehouse: Path, rows: list[tuple[str, str]]) -> None:
    """Put back a record taken by :func:`kept` (every dbt build removes it as it starts:
    macros/build_state.sql)."""
    if not rows:
        return
    _write(warehouse, rows)


def forget(warehouse: Path) -> None:
    """As a build starts: until it succeeds, the warehouse does not say what its models were built from."""
    if not warehouse.exists():
        return
    with connect(warehouse) as con:
        if table_exists(con, STATE_SCHEMA, STATE_TABLE):
            con.execute(f"delete from {STATE_SCHEMA}.{STATE_TABLE}")


def record(warehouse: Path, plan: BuildPlan, manifest: Mapping[str, Any]) -> None:
    """After a successful build: the project and source fingerprints its models are now made from
    (taken now when the plan was made before the warehouse existed; a build does not write sources)."""
    sources = plan.sources
    if not sources:
        with connect(warehouse, read_only=True) as con:
            sources = source_fingerprints(con, manifest)
    _write(warehouse, [(PROJECT_KEY, plan.project), *sorted(sources.items())])


def _write(warehouse: Path, rows: list[tuple[str, str]]) -> None:
    with connect(warehouse) as con:
        _ensure_table(con)
        con.begin()
        con.execute(f"delete from {STATE_SCHEMA}.{STATE_TABLE}")
        con.executemany(
            f"insert into {STATE_SCHEMA}.{STATE_TABLE} values (?, ?, current_timestamp::timestamp)", rows
        )
        con.commit()
