"""Incremental monthly close (issue "Scale", item 4): one more month of interval readings is read alone.

One warehouse, three `carbon run`s: (1) a small group with two files of meter readings, a new
warehouse (every model built in full); (2) the newer file taken out of the landing folder; (3) the
file back. The interval readings' one pass (int_energy_reading_runs, incremental by landing file)
reads only what the extraction loaded since its last build: run (3) reads the returned file alone,
run (2) no reading at all, and run (3)'s marts are those of run (1), to the bit (the fingerprints of
history.run_marts), so the incremental build gives the full build's numbers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE_CONFIG, header, run_pipeline, write_config, write_csv
from test_reproducibility import build_landing

from pipelines.defs.transform.dbt import JSON_ARTIFACTS
from pipelines.lib.dbt_warm import STARTED_WARM
from pipelines.lib.settings import load_settings

NEW_FILE = "energy/meter_readings/readings_2024-02.csv"
COMPILED_RUNS = "compiled/carbon_ledger/models/intermediate/scope2/int_energy_reading_runs.sql"


def _marts(run) -> list[tuple]:
    """The marts (name, rows, fingerprint) the warehouse's last run recorded."""
    return run.query(
        "select mart, row_count, fingerprint from history.run_marts where run_id = "
        "(select run_id from history.runs order by finished_at desc limit 1) order by mart"
    )


def _dbt_built(warehouse: Path) -> set[str]:
    """The models, seeds and tests (dbt names) that the run's main dbt build ran, from its log beside the
    warehouse (the run writes no run_results.json, and its second build is the scorecard's)."""
    log = (warehouse.parent / "dbt_build.log").read_text(encoding="utf-8")
    started = re.findall(r"\d+ of \d+ START (?:sql \w+ model|seed file|test) (\S+)", log)
    assert started, log[-2000:]
    return {name.split(".")[-1] for name in started}


def _files_read(warehouse: Path) -> list[str] | str:
    """The landing files the last build of int_energy_reading_runs read, from dbt's compiled SQL: a
    list of files, 'none' (nothing new) or 'all' (no filter: a build in full)."""
    sql = (warehouse.parent / "carbon_dbt_target" / COMPILED_RUNS).read_text(encoding="utf-8")
    body = sql.split("pieces as not materialized (", 1)[1].split("),", 1)[0]
    if "where false" in body:
        return "none"
    listed = re.search(r"where p\.file_path in \((.*?)\)", body, re.S)
    return "all" if listed is None else re.findall(r"'([^']*)'", listed.group(1))


@pytest.fixture(scope="module")
def closes(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    landing = build_landing(root / "landing")
    # February 2024 for meter M1 (kWh): four quarter-hours of 250 kWh and a day of 24,000 kWh
    write_csv(landing / NEW_FILE, header("energy/meter_readings"), [
        ["M1", "2024-02-01T00:00:00", "2024-02-01T00:15:00", 250, "kWh", "false"],
        ["M1", "2024-02-01T00:15:00", "2024-02-01T00:30:00", 250, "kWh", "false"],
        ["M1", "2024-02-01T00:30:00", "2024-02-01T00:45:00", 250, "kWh", "false"],
        ["M1", "2024-02-01T00:45:00", "2024-02-01T01:00:00", 250, "kWh", "false"],
        ["M1", "2024-02-02T00:00:00", "2024-02-03T00:00:00", 24000, "kWh", "false"],
    ])  # fmt: skip
    config = write_config(root / "carbon.yml")
    warehouse = root / "wh" / "carbon.duckdb"
    held = root / "held.csv"
    out = {}
    for step in ("full", "month_removed", "month_added"):
        if step == "month_removed":
            shutil.move(landing / NEW_FILE, held)
            # artifacts an older build left: a run writes none, and must not leave these looking current
            for name in JSON_ARTIFACTS:
                (warehouse.parent / "carbon_dbt_target" / name).write_text(
                    '{"stale": true}', encoding="utf-8"
                )
        elif step == "month_added":
            shutil.move(held, landing / NEW_FILE)
        run = run_pipeline(landing, warehouse, config)
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        out[step] = {
            "run": run,
            "marts": _marts(run),
            "files_read": _files_read(warehouse),
            "dbt_built": _dbt_built(warehouse),
            "warm_builds": (warehouse.parent / "dbt_build.log")
            .read_text(encoding="utf-8")
            .count(STARTED_WARM),
            "json_artifacts": [
                n for n in JSON_ARTIFACTS if (warehouse.parent / "carbon_dbt_target" / n).exists()
            ],
            "said": run.stdout + run.stderr,
            "runs": run.query(
                "select file_path, period_start, reading_count, cast(piece_quantity as double) "
                "from intermediate.int_energy_reading_runs order by all"
            ),
            # Scope 2 location-based activity of February 2024 (the new file's month), MWh
            "february_mwh": run.scalar(
                "select sum(activity_quantity) from marts.fct_emissions where period_start = date '2024-02-01' "
                "and scope = '2' and scope2_method = 'location'"
            ),
        }
    return out


def test_a_new_warehouse_reads_every_reading(closes):
    full = closes["full"]
    assert full["files_read"] == "all"
    # the new file's February: one run of 5 readings, 4 x 250 + 24,000 kWh
    assert (NEW_FILE, 5, 25000.0) in [(f, n, q) for f, _p, n, q in full["runs"]]
    assert full["february_mwh"] == 25.0


def test_a_removed_file_loses_its_runs_and_nothing_else_is_read(closes):
    removed = closes["month_removed"]
    assert removed["files_read"] == "none"
    assert NEW_FILE not in {f for f, *_ in removed["runs"]}
    assert removed["runs"] == [r for r in closes["full"]["runs"] if r[0] != NEW_FILE]
    assert removed["marts"] != closes["full"]["marts"]  # February 2024 is gone from the inventory
    assert removed["february_mwh"] is None


def test_the_new_month_is_read_alone_and_gives_the_full_builds_marts(closes):
    added = closes["month_added"]
    assert added["files_read"] == [NEW_FILE]
    assert added["runs"] == closes["full"]["runs"]
    assert added["marts"] == closes["full"]["marts"]
    assert {m for m, _n, _f in added["marts"]} >= {
        "fct_emissions",
        "rpt_group_inventory",
        "fct_source_row_ranges",
    }
    # February 2024 of meter M1: 4 x 0.25 MWh + 24 MWh, in the full build and again after the return
    assert closes["full"]["february_mwh"] == added["february_mwh"] == 25.0


def test_dbt_rebuilds_only_what_the_changed_readings_reach(closes):
    """pipelines/lib/dbt_state.py: the first build builds everything; the next ones rebuild the models
    and tests below the sources whose rows changed (the readings, the files table, the run history),
    and leave the purchases' models, which no changed source reaches, as they are."""
    full, removed, added = closes["full"], closes["month_removed"], closes["month_added"]
    assert "dbt      build everything" in full["said"]
    purchase_lines = {"stg_procurement__purchases", "int_scope3_purchases_prepared",
                      "int_scope3_candidates_factored__purchases", "int_scope3_emission_lines__purchases",
                      "int_emission_lines_weighted__purchases"}  # fmt: skip
    assert purchase_lines | {"fct_emissions", "int_emission_lines_weighted__others"} <= full["dbt_built"]
    for step in (removed, added):
        said = re.search(r"sources changed since the last build: ([^;]*);", step["said"])
        assert said is not None, step["said"][-3000:]
        assert {"energy.meter_readings", "ingest.files"} <= set(said.group(1).split(", "))
        assert "procurement.purchases" not in said.group(1)
        built = step["dbt_built"]
        assert {"int_energy_reading_runs", "int_energy_consumption_monthly", "fct_emissions",
                "int_emission_lines_weighted__others", "rpt_group_inventory",
                "row_rules_fct_emissions"} <= built  # fmt: skip
        # the purchase lines, their Scope 3 and their weighted ledger table stay as they are
        assert not built & (purchase_lines | {"stg_erp__entities", "row_rules_stg_procurement__purchases"})
        assert len(built) < len(full["dbt_built"])
        # the unchanged models' error-severity tests report their last result: no gate of the exports is
        # left without one (Dagster would warn of each)
        assert "emitted no result" not in step["said"]
    # the builds write no JSON artifacts (--no-write-json) and remove those an earlier build left
    assert full["json_artifacts"] == removed["json_artifacts"] == added["json_artifacts"] == []
    # both builds of each run (the main build, the scorecard's) ran in dbt processes started ahead of
    # them (pipelines/lib/dbt_warm.py)
    assert full["warm_builds"] == removed["warm_builds"] == added["warm_builds"] == 2


def _runs_fingerprint(project: Path, warehouse: Path) -> str:
    """The fingerprint that `dbt compile` writes into int_energy_reading_runs for the project copy."""
    target = project / "target"
    env = {**os.environ, "CARBON_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "carbon-dbt"), "compile", "--select", "int_energy_reading_runs",
         "--project-dir", str(project), "--profiles-dir", str(project), "--target-path", str(target),
         "--log-path", str(target), "--vars", load_settings(SAMPLE_CONFIG).dbt_vars_json()],
        capture_output=True, text=True, env=env, cwd=project, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sql = (target / COMPILED_RUNS).read_text(encoding="utf-8")
    found = re.findall(r"'([0-9a-f]{32})' as transform_fingerprint", sql)
    assert len(found) == 1, json.dumps(sql[-2000:])
    return found[0]


def test_code_above_the_runs_changes_their_fingerprint_and_other_code_does_not(tmp_path):
    """A change to a model the runs are made from (here the readings' staging model) gives the runs
    a new fingerprint, so the next build reads every file again; a change elsewhere does not."""
    shutil.copytree(REPO / "dbt_project", tmp_path / "dbt_project",
                    ignore=shutil.ignore_patterns("target", "logs"))  # fmt: skip
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    project, warehouse = tmp_path / "dbt_project", tmp_path / "carbon.duckdb"
    before = _runs_fingerprint(project, warehouse)
    with (project / "models/marts/inventory/fct_inventory.sql").open("a", encoding="utf-8") as f:
        f.write("\n-- a change below the runs\n")
    assert _runs_fingerprint(project, warehouse) == before
    with (project / "models/staging/energy/stg_energy__meter_readings.sql").open("a", encoding="utf-8") as f:
        f.write("\n-- a change above the runs\n")
    assert _runs_fingerprint(project, warehouse) != before


def _state_keys(warehouse: Path) -> list[str]:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        return [r[0] for r in con.execute("select key from ingest.dbt_build_state order by key").fetchall()]


def _dbt(args: list[str], warehouse: Path, target: Path) -> None:
    env = {**os.environ, "CARBON_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "carbon-dbt"), *args, "--target-path", str(target),
         "--log-path", str(target), "--vars", load_settings(SAMPLE_CONFIG).dbt_vars_json()],
        capture_output=True, text=True, env=env, cwd=REPO / "dbt_project", timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def test_a_build_outside_carbon_run_removes_the_record_and_a_test_run_keeps_it(closes, tmp_path):
    """The record survives the run's own second build (the scorecard's) and `dbt test`; a bare `dbt run`
    of any model removes it (on-run-start, macros/build_state.sql), so the next `carbon run` builds
    everything instead of trusting models that build may have changed (tests/test_dbt_state.py: no
    record, everything built)."""
    warehouse = tmp_path / "carbon.duckdb"
    shutil.copy(closes["month_added"]["run"].warehouse, warehouse)
    keys = _state_keys(warehouse)
    assert "project" in keys and "source.carbon_ledger.energy.meter_readings" in keys
    _dbt(["test", "--select", "stg_erp__entities"], warehouse, tmp_path / "target")
    assert _state_keys(warehouse) == keys
    _dbt(["run", "--select", "stg_erp__entities"], warehouse, tmp_path / "target")
    assert _state_keys(warehouse) == []
