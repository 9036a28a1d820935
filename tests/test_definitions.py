"""The Dagster code location loads and wires landing -> raw -> dbt, with checks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO

from pipelines.lib.contract import DATASETS, dbt_sources_yaml
from pipelines.paths import DBT_PROJECT_DIR


@pytest.fixture(scope="module")
def defs():
    """The code location as Dagster loads it: the ``@dg.definitions`` function of pipelines.definitions."""
    from pipelines.definitions import defs as load

    return load()


def test_definitions_have_an_asset_per_dataset_and_the_marts(defs):
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for ds in DATASETS:
        assert f"raw/{ds.raw_table}" in keys
    for mart in ("fct_emissions", "rpt_group_inventory", "fct_inventory", "dim_entities"):
        assert f"marts/{mart}" in keys
    # raw tables feed the staging models
    assert "raw/erp__fuel_consumption" in {
        k.to_user_string()
        for k in graph.get(
            next(
                k
                for k in graph.get_all_asset_keys()
                if k.to_user_string() == "staging/stg_erp__fuel_consumption"
            )
        ).parent_keys
    }


def test_quality_gates_block_and_dbt_tests_are_asset_checks(defs):
    graph = defs.resolve_asset_graph()
    checks = graph.asset_check_keys
    names = {(c.asset_key.to_user_string(), c.name) for c in checks}
    for ds in DATASETS:
        assert (f"raw/{ds.raw_table}", "data_quality_plan") in names
    assert any(a == "marts/fct_emissions" and n == "row_rules_fct_emissions" for a, n in names)


def test_dbt_sources_match_the_contract():
    for source in sorted({d.source for d in DATASETS}):
        path = DBT_PROJECT_DIR / "models" / "staging" / source / f"_{source}__sources.yml"
        assert path.read_text(encoding="utf-8") == dbt_sources_yaml(source), f"regenerate {path}"


def test_reports_and_exports_come_after_the_marts_and_the_data_quality_scorecard(defs):
    graph = defs.resolve_asset_graph()
    by_name = {k.to_user_string(): k for k in graph.get_all_asset_keys()}
    reports = graph.get(by_name["exports/inventory_reports"]).parent_keys
    kpis = graph.get(by_name["exports/finance_kpis"]).parent_keys
    for parents in (reports, kpis):
        # a blocking check of the plan stops the scorecard, and with it the reports and exports
        assert by_name["marts/fct_data_quality"] in parents
    assert {
        by_name[f"marts/{m}"]
        for m in ("rpt_group_inventory", "rpt_inventory_totals", "rpt_factors_used", "fct_baseline")
    } <= reports
    assert by_name["marts/fct_finance_kpis"] in kpis and by_name["marts/fct_finance_target_kpis"] in kpis


def test_the_definitions_load_as_the_ui_loads_them(defs):
    # what `dagster dev` does with the module: a name clash (job, graph, op) fails only here
    import dagster as dg

    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {"carbon_run", "__ASSET_JOB"} <= {j.name for j in repo.get_all_jobs()}
    assert [s.name for s in repo.sensor_defs] == ["landing_folder_sensor"]
    assert [s.name for s in repo.schedule_defs] == ["monthly_close_schedule"]


def test_dbt_assets_are_grouped_by_the_folder_of_their_model(defs):
    """A model's group is its folder under models/<layer>/ (the domain: inventory, finance, quality, ...);
    the layer stays the first part of its asset key."""
    graph = defs.resolve_asset_graph()
    expected = {}
    for path in (DBT_PROJECT_DIR / "models").rglob("*.sql"):
        if "materialized='ephemeral'" in path.read_text(encoding="utf-8").replace('"', "'"):
            continue  # compiled into the models that read it: not a table, not an asset
        layer, folder = path.relative_to(DBT_PROJECT_DIR / "models").parts[:2]
        expected[f"{layer}/{path.stem}"] = folder
    groups = {
        k.to_user_string(): graph.get(k).group_name
        for k in graph.get_all_asset_keys()
        if k.to_user_string() in expected
    }
    assert len(groups) == len(expected) > 100
    assert groups == expected
    assert groups["marts/fct_emissions"] == "inventory" and groups["marts/fct_finance_kpis"] == "finance"
    # one group holds a domain's models of every layer
    quality = {key.split("/")[0] for key, group in groups.items() if group == "quality"}
    assert quality == {"intermediate", "marts"}


IMPORT_PROBE = """
import json, sys
opened, spawned = [], []
def hook(event, args):
    if event == "open" and not isinstance(args[0], int):
        opened.append(str(args[0]))
    elif event == "subprocess.Popen":
        spawned.append(str(args[1]))
sys.addaudithook(hook)
import pipelines.definitions, pipelines.defs.transform.dbt, pipelines.defs.quality.dbt
import pipelines.defs.quality.assets, pipelines.defs.quality.checks, pipelines.defs.extraction.assets
import pipelines.defs.extraction.checks, pipelines.defs.automation, pipelines.defs.exports.assets
import pipelines.defs.history.assets
on_import = (list(opened), list(spawned))
if sys.argv[1] == "build":
    pipelines.definitions.defs()
print(json.dumps({"import": on_import, "all": [opened, spawned]}))
"""


def _probe(step: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", IMPORT_PROBE, step], cwd=REPO, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_importing_the_definitions_reads_no_manifest_and_no_plan():
    """Importing pipelines.definitions and pipelines/defs/ does nothing heavy: no dbt parse, no manifest
    read, no data quality plan parsed; that happens when Dagster (or `carbon run`) builds the definitions."""
    heavy = ("manifest.json", "plan.yml", "dbt_project.yml")
    opened, spawned = _probe("import")["import"]
    assert [p for p in opened if p.endswith(heavy)] == []
    assert [c for c in spawned if "dbt" in c] == []  # no `dbt parse` (a library may run `file`)
    # the probe sees them once the definitions are built
    opened, _ = _probe("build")["all"]
    assert {h for h in heavy if any(p.endswith(h) for p in opened)} == set(heavy)
