"""The `carbon` front door: user errors are one sentence, a blocking check stops the run."""

from __future__ import annotations

import shutil

from conftest import SAMPLE_CONFIG, SAMPLE_LANDING, run_carbon, run_pipeline, write_csv


def test_missing_landing_folder_is_one_clear_sentence(tmp_path):
    proc = run_carbon("run", "--landing", str(tmp_path / "nope"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"carbon: The landing folder {tmp_path / 'nope'} does not exist (option --landing or CARBON_LANDING)."
    ]


def test_bad_configuration_names_the_key(tmp_path):
    cfg = tmp_path / "carbon.yml"
    cfg.write_text(
        SAMPLE_CONFIG.read_text(encoding="utf-8").replace("gwp_set: AR6", "gwp_set: AR9"), encoding="utf-8"
    )
    proc = run_carbon("run", "--config", str(cfg), "--warehouse", str(tmp_path / "w.duckdb"))
    assert proc.returncode == 2
    assert "'gwp_set' is 'AR9'; expected one of AR4, AR5, AR6." in proc.stderr
    assert "Traceback" not in proc.stderr


def test_generate_refuses_to_overwrite_without_force(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("x")
    proc = run_carbon("generate", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "is not empty" in proc.stderr


def test_blocking_check_stops_the_run_before_dbt(tmp_path):
    # An equity share of 150 % breaks the entity tree: a dataset-level error of the plan.
    landing = tmp_path / "landing"
    for folder in ("erp/facilities", "erp/fuel_consumption"):
        shutil.copytree(SAMPLE_LANDING / folder, landing / folder)
    write_csv(
        landing / "erp/entities/entities.csv",
        [
            "entity_id",
            "entity_name",
            "parent_entity_id",
            "relationship",
            "equity_pct",
            "financial_control",
            "operational_control",
            "valid_from",
            "valid_to",
        ],
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            ["S100", "Sub", "G001", "subsidiary", 150, "full", "true", "", ""],
        ],
    )
    result = run_pipeline(landing, tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "raw/erp__entities data_quality_plan: blocking check(s) failed: DQ-VALID-014" in result.stderr
    # nothing downstream was built
    marts = result.scalar("select count(*) from information_schema.tables where table_schema = 'marts'")
    assert marts == 0
    # the summary is printed either way
    assert "Extraction" in result.stdout


def test_a_second_run_on_a_warehouse_being_written_is_refused_in_one_sentence(tmp_path):
    """One run at a time per warehouse, for the whole run (DuckDB's own lock is released between steps)."""
    from filelock import FileLock

    warehouse = tmp_path / "w.duckdb"
    with FileLock(str(tmp_path / "w.duckdb.run.lock")):  # as a run in progress holds it
        proc = run_carbon("run", "--warehouse", str(warehouse))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"carbon: Another carbon run is writing to the warehouse {warehouse}; wait for it to finish, "
        "then run again (or give this run its own --warehouse)."
    )
    assert "Traceback" not in proc.stderr
    assert not warehouse.exists()  # nothing was started
