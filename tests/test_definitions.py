"""The Dagster code location loads and wires landing -> raw -> dbt, with checks."""

from __future__ import annotations

from pipelines.definitions import defs
from pipelines.lib.contract import DATASETS, dbt_sources_yaml
from pipelines.paths import DBT_PROJECT_DIR


def test_definitions_have_an_asset_per_dataset_and_the_marts():
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


def test_quality_gates_block_and_dbt_tests_are_asset_checks():
    graph = defs.resolve_asset_graph()
    checks = graph.asset_check_keys
    names = {(c.asset_key.to_user_string(), c.name) for c in checks}
    for ds in DATASETS:
        assert (f"raw/{ds.raw_table}", "data_quality_plan") in names
    assert any(
        a == "marts/fct_emissions" and n.startswith("columns_not_null_fct_emissions") for a, n in names
    )


def test_dbt_sources_match_the_contract():
    for source in sorted({d.source for d in DATASETS}):
        path = DBT_PROJECT_DIR / "models" / "staging" / source / f"_{source}__sources.yml"
        assert path.read_text(encoding="utf-8") == dbt_sources_yaml(source), f"regenerate {path}"


def test_reports_and_exports_come_after_the_marts_and_the_data_quality_scorecard():
    graph = defs.resolve_asset_graph()
    by_name = {k.to_user_string(): k for k in graph.get_all_asset_keys()}
    reports = graph.get(by_name["exports/inventory_reports"]).parent_keys
    kpis = graph.get(by_name["exports/finance_kpis"]).parent_keys
    for parents in (reports, kpis):
        # a blocking check of the plan stops the scorecard, and with it the reports and exports
        assert by_name["marts/fct_data_quality"] in parents
    assert {
        by_name[f"marts/{m}"] for m in ("rpt_group_inventory", "fct_emissions", "fct_baseline")
    } <= reports
    assert by_name["marts/fct_finance_kpis"] in kpis and by_name["marts/fct_finance_target_kpis"] in kpis


def test_the_definitions_load_as_the_ui_loads_them():
    # what `dagster dev` does with the module: a name clash (job, graph, op) fails only here
    import dagster as dg

    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {"carbon_run", "__ASSET_JOB"} <= {j.name for j in repo.get_all_jobs()}
    assert [s.name for s in repo.sensor_defs] == ["landing_folder_sensor"]
    assert [s.name for s in repo.schedule_defs] == ["monthly_close_schedule"]
