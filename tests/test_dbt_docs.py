"""`carbon docs` writes the dbt docs site (lineage, catalog) of a built warehouse.

The docs themselves are checked on the manifest of the sample run's `dbt build` and the
tables it built: every public mart (every model under dbt_project/models/marts/) has a
description, an enforced contract and a described YAML entry for each column of its table,
and the site opens on the project's overview instead of dbt's default "Welcome!" page.
"""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import REPO, SAMPLE_CONFIG, run_carbon

MARTS_DIR = REPO / "dbt_project" / "models" / "marts"
# The start of the block dbt ships (doc.dbt.__overview__), shown when a project has none.
DBT_DEFAULT_OVERVIEW = "Welcome to the auto-generated documentation for your dbt project"
OVERVIEW_TEXT = "Carbon Ledger is an open, reproducible warehouse"


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
    static = (out / "static_index.html").read_text(encoding="utf-8")
    assert "rpt_group_inventory" in static
    # ... and opens on the project's overview, not on dbt's "Welcome!" (the site shows a
    # project's __overview__ block in place of dbt's own).
    overview = manifest["docs"]["doc.carbon_ledger.__overview__"]
    assert overview["package_name"] == manifest["metadata"]["project_name"] == "carbon_ledger"
    assert OVERVIEW_TEXT in overview["block_contents"]
    assert OVERVIEW_TEXT in static
    # The catalog (read from the warehouse) and the manifest agree on the marts' column types.
    node = manifest["nodes"]["model.carbon_ledger.rpt_group_inventory"]
    assert node["config"]["contract"]["enforced"]
    for name, col in node["columns"].items():
        assert col["description"].strip(), name
        assert col["data_type"].lower() == report["columns"][name]["type"].lower(), name


def test_carbon_docs_without_a_warehouse_is_a_usage_error(tmp_path):
    proc = run_carbon(
        "docs", "--warehouse", str(tmp_path / "missing.duckdb"), "--out", str(tmp_path / "docs")
    )
    assert proc.returncode == 2
    assert "run `carbon run` first" in proc.stderr
    assert not (tmp_path / "missing.duckdb").exists()


# ---------------------------------------------------------------------------------------------
# The documentation of the public marts, on the manifest and tables of the sample run


@pytest.fixture(scope="module")
def manifest(sample_run) -> dict:
    """The manifest the run's Dagster assets are defined from (`dbt parse`, dbt_project/target/; the
    run's builds write no JSON artifacts). The sample's reporting currency is the project's default, the
    one var that changes what dbt parses (pipelines/lib/dbt_launcher.py), so its marts are the run's."""
    from pipelines.defs.transform.dbt import dbt_project

    assert not (
        sample_run.warehouse.parent / f"{sample_run.warehouse.stem}_dbt_target" / "manifest.json"
    ).exists()
    return json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def marts(manifest) -> dict[str, dict]:
    """Every model under dbt_project/models/marts/, by name."""
    return {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["original_file_path"].startswith("models/marts/")
    }


@pytest.fixture(scope="module")
def built_columns(sample_run) -> dict[str, list[tuple[str, str]]]:
    """The columns (name, type) of every relation of schema marts in the sample warehouse."""
    cols: dict[str, list[tuple[str, str]]] = {}
    rows = sample_run.query(
        "select table_name, column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' order by table_name, ordinal_position"
    )
    for table, column, data_type in rows:
        cols.setdefault(table, []).append((column, data_type))
    return cols


def _is_real_description(text: str, name: str) -> bool:
    """Not empty, not the name again, no placeholder, and more than one word."""
    text = text.strip()
    return (
        bool(text)
        and text.lower().strip("`.") != name.lower()
        and not re.search(r"\b(TODO|TBD|FIXME|XXX)\b", text)
        and len(text.split()) >= 2
    )


def test_the_marts_are_the_mart_sql_files(marts, built_columns):
    sql_files = {p.stem for p in MARTS_DIR.rglob("*.sql")}
    assert set(marts) == sql_files
    # Every mart was built into schema marts, and nothing else is there.
    assert set(built_columns) == sql_files
    assert {n["schema"] for n in marts.values()} == {"marts"}


def test_every_mart_has_a_description_and_an_enforced_contract(marts):
    undescribed = sorted(
        name for name, n in marts.items() if not _is_real_description(n["description"], name)
    )
    assert not undescribed, f"marts without a description: {undescribed}"
    uncontracted = sorted(name for name, n in marts.items() if not n["config"]["contract"]["enforced"])
    assert not uncontracted, (
        f"marts without an enforced contract (config: contract: {{enforced: true}}): {uncontracted}"
    )
    untyped = sorted(
        f"{name}.{c}" for name, n in marts.items() for c, col in n["columns"].items() if not col["data_type"]
    )
    assert not untyped, f"mart columns without a data_type: {untyped}"


def test_every_column_of_every_built_mart_is_described(marts, built_columns):
    missing, undescribed, stale, mistyped = [], [], [], []
    for name, node in sorted(marts.items()):
        documented = {c.lower(): col for c, col in node["columns"].items()}
        built = built_columns[name]
        for column, data_type in built:
            col = documented.get(column.lower())
            if col is None:
                missing.append(f"{name}.{column}")
            elif not _is_real_description(col["description"], column):
                undescribed.append(f"{name}.{column}")
            elif col["data_type"] and col["data_type"].lower() != data_type.lower():
                mistyped.append(f"{name}.{column}: YAML {col['data_type']}, table {data_type}")
        stale += [f"{name}.{c}" for c in documented if c not in {b.lower() for b, _ in built}]
    assert not missing, f"columns of the built marts without a YAML entry: {missing}"
    assert not undescribed, f"mart columns without a description: {undescribed}"
    assert not stale, f"YAML columns the built marts do not have: {stale}"
    assert not mistyped, f"contract types that are not the built types: {mistyped}"


def test_bilingual_marts_describe_every_column_in_chinese(marts):
    # A mart whose YAML gives Chinese descriptions (meta.zh: the finance extract's data
    # dictionary) gives one for every column, so no sheet of the extract lacks one.
    bilingual = {
        name: n for name, n in marts.items() if any(c["meta"].get("zh") for c in n["columns"].values())
    }
    assert {"fct_finance_kpis", "fct_finance_target_kpis"} <= set(bilingual)
    lacking = sorted(
        f"{name}.{c}"
        for name, n in bilingual.items()
        for c, col in n["columns"].items()
        if not re.search(r"[\u4e00-\u9fff]", str(col["meta"].get("zh") or ""))
    )
    assert not lacking, f"columns of bilingual marts without meta.zh: {lacking}"


def test_the_docs_open_on_the_project_overview(manifest, marts):
    project = manifest["metadata"]["project_name"]
    overview = manifest["docs"].get(f"doc.{project}.__overview__")
    assert overview is not None, (
        "no {% docs __overview__ %} block in the project: dbt docs opens on 'Welcome!'"
    )
    text = overview["block_contents"]
    assert DBT_DEFAULT_OVERVIEW in manifest["docs"]["doc.dbt.__overview__"]["block_contents"]
    assert DBT_DEFAULT_OVERVIEW not in text and "Welcome!" not in text, "the overview is still dbt's default"
    assert OVERVIEW_TEXT in text
    # What the brief asks of it: the layers, where to start, lineage to source rows, pointers.
    for needle in ("staging", "intermediate", "marts", "rpt_group_inventory", "fct_emissions",
                   "fct_finance_kpis", "source_record_key", "carbon trace", "README.md", "docs/"):  # fmt: skip
        assert needle in text, needle
    # Every mart it names is a mart of the project, and every file it points to exists.
    named = set(re.findall(r"`((?:fct|dim|rpt)_[a-z0-9_]+)`", text))
    assert named and named <= set(marts), named - set(marts)
    for path in re.findall(r"`((?:docs/|dbt_project/)?[A-Za-z_/]+\.md)`", text):
        assert (REPO / path).is_file(), path
