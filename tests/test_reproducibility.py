"""Reproducible runs and period locks (issue 6): the run manifest, `carbon lock` and restatements.

A small landing folder goes through `carbon run` twice, side by side, into two
fresh warehouses (same inputs, same code): the marts and the manifests must be
identical apart from run ids and timings. Then a copy of the first warehouse
locks 2023, one quantity of an input file changes, and a third run must record
the restatement with the old value, the new value and the file as the cause.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import CARBON, REPO, RunResult, run_carbon, run_pipeline, write_config, write_csv

APPROACHES = ("equity_share", "financial_control", "operational_control")
# Columns of history.runs that differ between two runs of the same inputs by nature.
PER_RUN = {
    "run_id",
    "started_at",
    "finished_at",
    "duration_s",
    "extraction_s",
    "dbt_s",
    "checks_s",
    "steps_json",
}
FUEL = "erp/fuel_consumption/fuel.csv"


def build_landing(root: Path) -> Path:
    """A small group (a trimmed copy of test_hand_calculations' landing): fuel and electricity, 2022-2024."""
    write_csv(root / "erp/entities/entities.csv",
              ["entity_id", "entity_name", "parent_entity_id", "relationship", "equity_pct", "financial_control",
               "operational_control", "valid_from", "valid_to"], [
        ["G001", "Group", "", "root", 100, "full", "true", "", ""],
        ["HOL", "Holland Industries", "G001", "subsidiary", 83, "full", "true", "", ""],
        ["ACQ", "Acquired mid-2023", "G001", "subsidiary", 100, "full", "true", "2023-07-01", ""],
    ])  # fmt: skip
    write_csv(root / "erp/facilities/facilities.csv",
              ["facility_id", "entity_id", "facility_name", "country", "province", "opened_on", "closed_on"], [
        ["F1", "G001", "Gas boiler house", "CN", "Guangdong", "", ""],
        ["F2", "HOL", "Diesel fleet depot", "CN", "广东", "", ""],
        ["F4", "ACQ", "Acquired plant", "CN", "Zhejiang", "", ""],
    ])  # fmt: skip
    write_csv(root / FUEL,
              ["record_id", "facility_id", "period", "fuel", "quantity", "unit", "use", "measured_ncv_gj_per_unit",
               "measured_carbon_content_tc_per_gj"], [
        ["R1", "F1", "2022-03", "natural_gas", 100, "10^4 Nm3", "stationary", "", ""],
        ["R2", "F2", "2022-03", "diesel", 100, "t", "stationary", "", ""],
        ["R3", "F2", "2023-03", "diesel", 10, "t", "stationary", "", ""],
        ["R4", "F4", "2023-06", "diesel", 1, "t", "stationary", "", ""],
        # row 5: the quantity test_a_changed_input_restates_the_locked_year edits
        ["R5", "F4", "2023-07", "diesel", 1, "t", "stationary", "", ""],
    ])  # fmt: skip
    write_csv(root / "energy/meters/meters.csv",
              ["meter_id", "facility_id", "energy_type", "supply", "unit", "accuracy_class", "last_calibrated_on",
               "calibration_interval_months"], [
        ["M1", "F1", "electricity", "grid", "kWh", "0.5S", "2022-01-10", 12],
        ["M2", "F2", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
    ])  # fmt: skip
    write_csv(root / "energy/meter_readings/readings.csv",
              ["meter_id", "reading_start", "reading_end", "quantity", "unit", "is_estimated"], [
        ["M1", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 1000000, "kWh", "false"],
        ["M2", "2022-12-26T00:00:00", "2023-01-25T00:00:00", 300, "MWh", "false"],
        ["M1", "2024-01-01T00:00:00", "2024-02-01T00:00:00", 100000, "kWh", "false"],
    ])  # fmt: skip
    return root


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest(run: RunResult) -> dict:
    """The run's row of history.runs (the only run of a fresh warehouse)."""
    rows = run.query("select * from history.runs order by finished_at")
    con_cols = [r[0] for r in run.query(
        "select column_name from information_schema.columns where table_schema = 'history' "
        "and table_name = 'runs' order by ordinal_position")]  # fmt: skip
    return dict(zip(con_cols, rows[-1], strict=True))


@pytest.fixture(scope="module")
def repro(tmp_path_factory):
    """Two `carbon run`s of the same landing into two fresh warehouses, side by side."""
    root = tmp_path_factory.mktemp("repro")
    landing = build_landing(root / "landing")
    config = write_config(root / "carbon.yml")
    # Parse the dbt project once here, so the two runs do not both parse it into the same target folder.
    from pipelines.defs.transform.dbt import ensure_manifest

    ensure_manifest()
    warehouses = [root / "a" / "carbon.duckdb", root / "b" / "carbon.duckdb"]
    procs = []
    for wh in warehouses:
        wh.parent.mkdir()
        args = ["run", "--landing", str(landing), "--warehouse", str(wh), "--config", str(config)]
        procs.append(subprocess.Popen([CARBON, *args], cwd=REPO, text=True, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE))  # fmt: skip
    runs = []
    for proc, wh in zip(procs, warehouses, strict=True):
        out, err = proc.communicate(timeout=1800)
        assert proc.returncode == 0, out[-3000:] + err[-3000:]
        runs.append(RunResult(proc.returncode, out, err, wh))
    return {"root": root, "landing": landing, "config": config, "a": runs[0], "b": runs[1]}


# ---------------------------------------------------------------- (a) same inputs, same results


def test_two_runs_over_the_same_inputs_give_identical_marts(repro):
    a, b = repro["a"], repro["b"]
    marts_a = a.query("select mart, row_count, fingerprint from history.run_marts order by mart")
    marts_b = b.query("select mart, row_count, fingerprint from history.run_marts order by mart")
    assert {m for m, _n, _f in marts_a} >= {"fct_emissions", "rpt_group_inventory", "fct_inventory",
                                            "fct_baseline", "fct_intensity", "fct_carbon_position"}  # fmt: skip
    assert marts_a == marts_b
    assert manifest(a)["marts_fingerprint"] == manifest(b)["marts_fingerprint"]
    # ... and row by row, to the bit, not only through the fingerprint.
    for mart in ("rpt_group_inventory", "fct_emissions"):
        rows_a = a.query(f"select * from marts.{mart} order by all")
        assert rows_a, mart
        assert rows_a == b.query(f"select * from marts.{mart} order by all"), mart


def test_two_runs_over_the_same_inputs_give_a_byte_identical_report(repro, tmp_path):
    # issue 6: run twice and compare report bytes - two warehouses built independently; HTML and PDF
    reports = []
    for name in ("a", "b"):
        out = tmp_path / f"report_{name}.html"
        proc = run_carbon("report", "--year", "2023", "--warehouse", str(repro[name].warehouse),
                          "--config", str(repro["config"]), "--out", str(out), "--format", "both")  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        reports.append((out.read_bytes(), out.with_suffix(".pdf").read_bytes()))
    assert len(reports[0][0]) > 10_000 and reports[0][1].startswith(b"%PDF-")
    assert reports[0][0] == reports[1][0]
    # The PDF's creation date is the start of the run that built each warehouse (issue 16: the same
    # warehouse gives the same bytes); apart from it, two independent runs give the same PDF bytes.
    dates = [re.findall(rb"/CreationDate \(D:(\d{14})\+00'00'\)", pdf) for _, pdf in reports]
    for name, found in zip(("a", "b"), dates, strict=True):
        started = repro[name].scalar("select max(started_at) from history.runs where status = 'success'")
        assert found == [started.strftime("%Y%m%d%H%M%S").encode()], (name, found)
    undated = [re.sub(rb"\(D:\d{14}\+00'00'\)", b"(D:00000000000000+00'00')", pdf) for _, pdf in reports]
    assert undated[0] == undated[1]


def test_two_runs_over_the_same_inputs_have_identical_manifests_apart_from_ids_and_timings(repro):
    a, b = manifest(repro["a"]), manifest(repro["b"])
    assert a["run_id"] != b["run_id"]
    assert {k: v for k, v in a.items() if k not in PER_RUN} == {
        k: v for k, v in b.items() if k not in PER_RUN
    }
    steps = [{k: s[k] for k in ("step_key", "phase", "status")} for s in json.loads(a["steps_json"])]
    assert steps == [{k: s[k] for k in ("step_key", "phase", "status")} for s in json.loads(b["steps_json"])]
    inputs = "select * exclude (run_id) from history.run_inputs order by all"
    assert repro["a"].query(inputs) == repro["b"].query(inputs)


def test_manifest_records_status_timings_configuration_and_versions(repro):
    m = manifest(repro["a"])
    assert m["status"] == "success" and m["exit_code"] == 0 and m["is_inventory_built"]
    assert m["started_at"] < m["finished_at"]
    for phase in ("extraction_s", "dbt_s", "checks_s"):
        assert m[phase] > 0, phase
    assert {s["phase"] for s in json.loads(m["steps_json"])} >= {"extraction", "dbt", "checks"}
    config = repro["config"]
    assert m["config_sha256"] == _sha256(config)
    # carbon.yml as written, as JSON (whose keys are text: scope3_exclusions' 14 is "14")
    written = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert json.loads(m["config_json"]) == json.loads(json.dumps(written, ensure_ascii=False))
    assert json.loads(m["config_json"])["scope3_exclusions"] == {
        str(k): v for k, v in written["scope3_exclusions"].items()
    }
    assert json.loads(m["settings_json"])["gwp_set"] == m["gwp_set"] == "AR6"
    project = yaml.safe_load((REPO / "dbt_project/dbt_project.yml").read_text(encoding="utf-8"))
    assert m["factor_set_version"] == str(project["vars"]["factor_set_version"])
    seeds = json.loads(m["seed_files_json"])
    assert len(seeds["ipcc_gwp100.csv"]) == 64 and len(m["seeds_sha256"]) == 64
    from pipelines import __version__

    assert m["code_version"] == __version__
    assert m["git_commit"] is None or len(m["git_commit"]) == 40
    assert "duckdb" in json.loads(m["environment_json"])


def test_a_fresh_warehouse_has_empty_history_and_restatement_mart(repro):
    a = repro["a"]
    assert a.scalar("select count(*) from history.period_locks") == 0
    assert a.scalar("select count(*) from marts.fct_restatements") == 0
    assert "重述 Restatements" not in a.stdout  # nothing locked, nothing to say


# ---------------------------------------------------------------- (c) inputs with checksums


def test_manifest_lists_every_input_file_with_its_sha256(repro):
    landing = repro["landing"]
    on_disk = {p.relative_to(landing).as_posix(): _sha256(p) for p in landing.rglob("*") if p.is_file()}
    assert len(on_disk) == 5
    for run in (repro["a"], repro["b"]):
        recorded = dict(run.query("select file_path, file_sha256 from history.run_inputs"))
        assert recorded == on_disk
        assert manifest(run)["input_files"] == len(on_disk)
    years = dict(repro["a"].query("select file_path, reporting_years from history.run_inputs"))
    assert years[FUEL] == [2022, 2023]
    assert years["erp/entities/entities.csv"] == []  # master data feeds every year


# ---------------------------------------------------------------- (b) lock, change, restatement


@pytest.fixture(scope="module")
def restated(repro):
    """Lock 2023 in a copy of warehouse a, double the quantity of fuel row 5 (R5, 2023), run again."""
    root = repro["root"]
    wh = root / "locked" / "carbon.duckdb"
    wh.parent.mkdir()
    shutil.copy2(repro["a"].warehouse, wh)
    landing = root / "landing_changed"
    shutil.copytree(repro["landing"], landing)
    fuel = landing / FUEL
    text = fuel.read_text(encoding="utf-8")
    assert "R5,F4,2023-07,diesel,1,t" in text
    fuel.write_text(text.replace("R5,F4,2023-07,diesel,1,t", "R5,F4,2023-07,diesel,2,t"), encoding="utf-8")

    lock = run_carbon("lock", "--year", "2023", "--warehouse", str(wh), "--note", "published 2024-04-30")
    assert lock.returncode == 0, lock.stderr
    locked = RunResult(0, "", "", wh).query(
        "select consolidation_approach, scope, scope2_method, scope3_category, co2e_t "
        "from history.locked_figures order by all"
    )
    again = run_carbon("lock", "--year", "2023", "--warehouse", str(wh))
    run = run_pipeline(landing, wh, repro["config"])
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return {"lock": lock, "again": again, "locked": locked, "run": run, "warehouse": wh}


def test_locking_a_year_freezes_its_inventory_cells_and_names_the_run(repro, restated):
    assert "Locked 2023 as 2023-v1" in restated["lock"].stdout
    before = repro["a"].query(
        "select consolidation_approach, scope, scope2_method, scope3_category, co2e_t "
        "from marts.rpt_group_inventory where reporting_year = 2023 order by all"
    )
    assert restated["locked"] == before and len(before) >= 9  # 3 approaches x scope 1, 2 location/market, ...
    lock = restated["run"].query("select run_id, note, lock_version from history.period_locks")
    assert lock == [(manifest(repro["a"])["run_id"], "published 2024-04-30", 1)]


def test_locking_the_same_figures_twice_makes_no_new_version(restated):
    assert restated["again"].returncode == 0
    assert "already locked as version 1" in restated["again"].stdout


def test_a_changed_input_restates_the_locked_year(repro, restated):
    run = restated["run"]
    rows = run.query(
        """select consolidation_approach, old_co2e_t, new_co2e_t, difference_t, locked_co2e_t, change_kind, cause,
                  cause_json
           from history.restatements where reporting_year = 2023 and scope = '1' order by 1"""
    )
    assert [r[0] for r in rows] == list(APPROACHES)
    for approach, old, new, diff, locked_value, kind, cause, cause_json in rows:
        before = repro["a"].scalar(
            "select co2e_t from marts.rpt_group_inventory where reporting_year = 2023 and scope = '1' "
            "and consolidation_approach = ?", [approach])  # fmt: skip
        now = run.scalar(
            "select co2e_t from marts.rpt_group_inventory where reporting_year = 2023 and scope = '1' "
            "and consolidation_approach = ?", [approach])  # fmt: skip
        # The marts show the new calculation; the restatement keeps the locked figure.
        assert (old, locked_value, new, kind) == (before, before, now, "changed")
        assert diff == new - old
        # Doubling R5 (1 t diesel, ACQ: 100 %, in the group from July) adds R5's own emissions once more.
        r5 = repro["a"].scalar(
            f"select sum(co2e_t * weight_{approach}) from marts.fct_emissions "
            "where scope = '1' and source_record_key = ?", [f"erp__fuel_consumption:{FUEL}#5"])  # fmt: skip
        assert diff == pytest.approx(r5, rel=1e-9)
        assert FUEL in cause
        assert json.loads(cause_json)["files_changed"] == [FUEL]
        for other in ("readings.csv", "entities.csv", "GWP", "factor set", "configuration"):
            assert other not in cause
    # 1 t diesel: 42.652 GJ/t x 0.0202 tC/GJ x 0.98 x 44/12 = 3.0959 t CO2, plus CH4 and N2O
    assert rows[0][3] == pytest.approx(3.0959, abs=0.05)
    # Not locked, not restated: 2022 has no restatement, and 2023's other scopes moved only through Scope 3.
    assert run.scalar("select count(*) from history.restatements where reporting_year <> 2023") == 0
    assert {s for (s,) in run.query("select distinct scope from marts.fct_restatements")} <= {"1", "3"}


def test_the_run_summary_prints_the_restatements(restated):
    out = restated["run"].stdout
    assert "重述 Restatements" in out
    assert f"Input file changed: {FUEL}" in out.replace("\n", " ")


def test_locks_are_listed_and_relocking_changed_figures_makes_a_new_version(restated):
    wh = str(restated["warehouse"])
    listed = run_carbon("lock", "--list", "--warehouse", wh)
    assert listed.returncode == 0 and "2023-v1" in listed.stdout and "in force" in listed.stdout
    relock = run_carbon("lock", "--year", "2023", "--warehouse", wh)
    assert relock.returncode == 0, relock.stderr
    assert "Locked 2023 as 2023-v2" in relock.stdout and "supersedes 2023-v1" in relock.stdout
    assert "superseded" in run_carbon("lock", "--list", "--warehouse", wh).stdout


def test_locking_a_year_without_figures_is_one_sentence(restated):
    proc = run_carbon("lock", "--year", "2019", "--warehouse", str(restated["warehouse"]))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert "no figures for 2019" in proc.stderr and "2023" in proc.stderr
