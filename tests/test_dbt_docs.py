"""`carbon docs` writes the dbt docs site (lineage, catalog) of a built warehouse."""

from __future__ import annotations

import json
import shutil

from conftest import SAMPLE_CONFIG, run_carbon


def test_carbon_docs_writes_catalog_manifest_and_index(sample_run, tmp_path):
    # dbt-duckdb opens the warehouse for writing: work on a copy, never on the session's file.
    warehouse = tmp_path / "carbon.duckdb"
    shutil.copyfile(sample_run.warehouse, warehouse)
    out = tmp_path / "dbt_docs"
    proc = run_carbon("docs", "--warehouse", str(warehouse), "--out", str(out))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert str(out / "static_index.html") in proc.stdout
    for name in ("index.html", "static_index.html", "manifest.json", "catalog.json"):
        assert (out / name).is_file(), name
    catalog = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    report = catalog["nodes"]["model.carbon_ledger.rpt_group_inventory"]
    assert report["metadata"]["schema"] == "marts"
    assert {"reporting_year", "consolidation_approach", "scope", "co2e_t"} <= set(report["columns"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    # The lineage the docs draw: the report depends on the inventory, and the exposures on the report.
    assert (
        "model.carbon_ledger.fct_inventory"
        in manifest["parent_map"]["model.carbon_ledger.rpt_group_inventory"]
    )
    assert any(
        "rpt_group_inventory" in n for e in manifest["exposures"].values() for n in e["depends_on"]["nodes"]
    )
    # dbt got the configured vars, the same --vars as carbon run (settings of sample_group/carbon.yml).
    from pipelines.lib.settings import load_settings

    run_vars = json.loads((out / "run_results.json").read_text(encoding="utf-8"))["args"]["vars"]
    assert run_vars == json.loads(load_settings(SAMPLE_CONFIG).dbt_vars_json())
    # The self-contained page carries the manifest inline: it opens without a web server.
    assert "rpt_group_inventory" in (out / "static_index.html").read_text(encoding="utf-8")


def test_carbon_docs_without_a_warehouse_is_a_usage_error(tmp_path):
    proc = run_carbon(
        "docs", "--warehouse", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path / "docs")
    )
    assert proc.returncode == 2
    assert "run `carbon run` first" in proc.stderr
    assert not (tmp_path / "missing.duckdb").exists()
