"""A dbt build rebuilds what its changed sources reach (pipelines/lib/dbt_state.py), on a real DuckDB
file and a small manifest of the shape dbt writes: two sources, three models, four tests, one model
built elsewhere (as the quality-result models are). The whole pipeline's use of it is tested in
tests/test_incremental.py (a month of readings added: the marts equal a full build's, and the
purchases' models are not rebuilt)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.lib import dbt_state

VARS = '{"gwp_set": "AR6"}'


def _node(kind: str, name: str, parents: list[str], schema: str = "intermediate") -> dict:
    return {"resource_type": kind, "name": name, "schema": schema, "alias": name,
            "config": {"materialized": "table"}, "depends_on": {"nodes": parents}}  # fmt: skip


def _manifest() -> dict:
    s1, s2 = "source.p.raw.s1", "source.p.raw.s2"
    nodes = {
        "model.p.a": _node("model", "a", [s1]),
        "model.p.b": _node("model", "b", [s2]),
        "model.p.c": _node("model", "c", ["model.p.a", "model.p.b"], schema="marts"),
        "model.p.q": _node("model", "q", ["model.p.c"], schema="marts"),  # built elsewhere
        "test.p.t_a": _node("test", "t_a", ["model.p.a"]),
        "test.p.t_b": _node("test", "t_b", ["model.p.b"]),
        "test.p.t_ab": _node("test", "t_ab", ["model.p.a", "model.p.b"]),
        "test.p.t_q": _node("test", "t_q", ["model.p.q"]),
    }
    sources = {s1: {"source_name": "raw", "name": "s1", "schema": "raw", "identifier": "s1"},
               s2: {"source_name": "raw", "name": "s2", "schema": "raw", "identifier": "s2"}}  # fmt: skip
    return {"nodes": nodes, "sources": sources}


@pytest.fixture
def warehouse(tmp_path) -> Path:
    path = tmp_path / "carbon.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "intermediate", "marts"):
            con.execute(f"create schema {schema}")
        con.execute("create table raw.s1 as select * from (values (1, 'x'), (2, 'y')) t(id, label)")
        con.execute("create table raw.s2 as select * from (values (10.5)) t(amount)")
        con.execute("create table intermediate.a as select 1 as x")
        con.execute("create view intermediate.b as select 1 as x")
        con.execute("create table marts.c as select 1 as x")
        con.execute("create table marts.q as select 1 as x")
    return path


def _plan(warehouse: Path, manifest: dict, vars_json: str = VARS) -> dbt_state.BuildPlan:
    return dbt_state.plan_build(warehouse, manifest, vars_json, excluded=["q"])


def _names(manifest: dict, uids: set[str]) -> set[str]:
    return {manifest["nodes"][u]["name"] for u in uids}


def test_without_a_recorded_build_everything_is_built(warehouse):
    manifest = _manifest()
    plan = _plan(warehouse, manifest)
    assert plan.full and "no successful build" in plan.reason
    # the model built elsewhere and its test are not this build's
    assert _names(manifest, plan.rebuild) == {"a", "b", "c", "t_a", "t_b", "t_ab"}
    assert _names(manifest, plan.outside) == {"t_q"}


def test_after_a_build_only_what_a_changed_source_reaches_is_rebuilt(warehouse):
    manifest = _manifest()
    dbt_state.record(warehouse, _plan(warehouse, manifest), manifest)
    same = _plan(warehouse, manifest)
    assert not same.full and same.changed_sources == [] and same.rebuild == set()

    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.s1 set label = 'z' where id = 2")  # one value of one row
    plan = _plan(warehouse, manifest)
    assert not plan.full
    assert plan.changed_sources == ["source.p.raw.s1"]
    # a's descendants, and every test with a rebuilt parent (t_ab although b is unchanged)
    assert _names(manifest, plan.rebuild) == {"a", "c", "t_a", "t_ab"}
    assert _names(manifest, plan.unchanged) == {"b", "t_b"}
    # dbt is told to leave out the unchanged nodes and the tests of the model built elsewhere
    assert plan.exclude_names(manifest) == ["b", "t_b", "t_q"]


def test_a_duplicated_row_and_a_changed_column_type_are_changes(warehouse):
    manifest = _manifest()
    dbt_state.record(warehouse, _plan(warehouse, manifest), manifest)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into raw.s1 values (1, 'x')")
    assert _plan(warehouse, manifest).changed_sources == ["source.p.raw.s1"]
    dbt_state.record(warehouse, _plan(warehouse, manifest), manifest)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("alter table raw.s2 alter amount type double")  # 10.5 either way
    assert _plan(warehouse, manifest).changed_sources == ["source.p.raw.s2"]


def test_other_vars_or_a_missing_model_build_everything(warehouse):
    manifest = _manifest()
    dbt_state.record(warehouse, _plan(warehouse, manifest), manifest)
    other = _plan(warehouse, manifest, '{"gwp_set": "AR5"}')
    assert other.full and "configuration" in other.reason
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop view intermediate.b")
    missing = _plan(warehouse, manifest)
    assert missing.full and "1 model(s) missing" in missing.reason and "b" in missing.reason


def test_a_build_under_way_leaves_no_state_until_it_succeeds(warehouse):
    manifest = _manifest()
    dbt_state.record(warehouse, _plan(warehouse, manifest), manifest)
    dbt_state.forget(warehouse)  # as a build starts; it fails: nothing is recorded
    assert _plan(warehouse, manifest).full


def test_the_project_fingerprint_follows_the_vars_and_not_their_order():
    assert dbt_state.project_fingerprint('{"a": 1, "b": 2}') == dbt_state.project_fingerprint(
        '{"b": 2, "a": 1}'
    )
    assert dbt_state.project_fingerprint('{"a": 1}') != dbt_state.project_fingerprint('{"a": 2}')


def test_the_scorecard_build_puts_back_the_record_it_found(warehouse):
    """Every dbt build removes the record as it starts (macros/build_state.sql); the scorecard's build,
    whose models are not in it, puts back what it found (pipelines/defs/quality/dbt.py)."""
    manifest = _manifest()
    dbt_state.record(warehouse, _plan(warehouse, manifest), manifest)
    found = dbt_state.kept(warehouse)
    assert [k for k, _ in found] == ["project", "source.p.raw.s1", "source.p.raw.s2"]
    dbt_state.forget(warehouse)
    assert dbt_state.kept(warehouse) == [] and _plan(warehouse, manifest).full
    dbt_state.restore(warehouse, found)
    assert dbt_state.kept(warehouse) == found
    assert not _plan(warehouse, manifest).full
