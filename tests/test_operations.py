"""Running it as a data team runs Dagster (issue "Operations"): the warehouse's persistent instance that
`carbon ui` shows, the landing-folder sensor and the monthly-close schedule.

The sensor and the schedule are evaluated with Dagster's testing APIs on a real folder; the UI test
starts `carbon ui` (dagster dev) on a free port after two real runs and reads what it shows through
the webserver's GraphQL endpoint, then stops it with SIGTERM and checks nothing it started is left.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from conftest import REPO, header, run_pipeline, write_config, write_csv

from pipelines.defs.automation import build_automation, carbon_run_job, landing_fingerprint
from pipelines.lib import dagster_home
from pipelines.lib.resources import CarbonResource
from pipelines.lib.settings import ConfigError, load_settings
from pipelines.lib.warehouse import Locations

FUEL_HEADER = header("erp/fuel_consumption")


def small_landing(root: Path) -> Path:
    write_csv(root / "erp/entities/entities.csv", header("erp/entities"),
              [["G001", "Group", "", "root", 100, "full", "true", "", ""]])  # fmt: skip
    write_csv(root / "erp/facilities/facilities.csv", header("erp/facilities"),
              [["F1", "G001", "Boiler house", "CN", "Guangdong", "", ""]])  # fmt: skip
    write_csv(root / "erp/fuel_consumption/fuel_2024_01.csv", FUEL_HEADER,
              [["R1", "F1", "2024-01", "natural_gas", 100, "10^4 Nm3", "stationary", "", ""]])  # fmt: skip
    return root


def add_month(root: Path, month: int) -> Path:
    return write_csv(root / f"erp/fuel_consumption/fuel_2024_{month:02d}.csv", FUEL_HEADER,
                     [[f"R{month}", "F1", f"2024-{month:02d}", "natural_gas", 90, "10^4 Nm3", "stationary", "",
                       ""]])  # fmt: skip


def evaluate(sensor: dg.SensorDefinition, cursor: str | None):
    with dg.instance_for_test() as instance:
        return sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=cursor))


# ------------------------------------------------------------------------------------------ sensor


def test_landing_sensor_starts_one_run_per_change_and_none_when_unchanged(tmp_path):
    landing = small_landing(tmp_path / "landing")
    warehouse = tmp_path / "carbon.duckdb"
    sensor, _schedule = build_automation(Locations(landing, warehouse, write_config(tmp_path / "carbon.yml")))
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # off unless carbon.yml says so
    assert sensor.job_name == "carbon_run"

    # never built: the first look starts the first run
    first = evaluate(sensor, None)
    assert len(first.run_requests) == 1 and first.cursor == landing_fingerprint(landing)[0]
    # nothing changed: no run
    same = evaluate(sensor, first.cursor)
    assert same.run_requests == [] and "unchanged (3 files)" in same.skip_message
    # a new month's file: exactly one run, keyed by the folder's fingerprint
    add_month(landing, 2)
    new = evaluate(sensor, same.cursor or first.cursor)
    assert len(new.run_requests) == 1 and new.cursor != first.cursor
    assert new.run_requests[0].run_key == f"landing-{new.cursor[:16]}"
    assert new.run_requests[0].tags["carbon/trigger"] == "landing_sensor"
    assert evaluate(sensor, new.cursor).run_requests == []
    # an exporter's temporary file or a hidden file is not data: no run
    (landing / "erp/fuel_consumption/.~lock.fuel.csv#").write_text("x", encoding="utf-8")
    (landing / "erp/fuel_consumption/fuel_2024_03.csv.part").write_text("x", encoding="utf-8")
    assert evaluate(sensor, new.cursor).run_requests == []
    # a changed file (re-exported) and a removed file each start one run
    os.utime(landing / "erp/fuel_consumption/fuel_2024_02.csv", ns=(0, 1_700_000_000_000_000_000))
    changed = evaluate(sensor, new.cursor)
    assert len(changed.run_requests) == 1
    (landing / "erp/fuel_consumption/fuel_2024_02.csv").unlink()
    assert len(evaluate(sensor, changed.cursor).run_requests) == 1


def test_landing_sensor_first_look_at_a_built_warehouse_only_records(tmp_path):
    landing = small_landing(tmp_path / "landing")
    warehouse = tmp_path / "carbon.duckdb"
    warehouse.write_bytes(b"")  # a warehouse exists: the sensor waits for the next change
    config = write_config(tmp_path / "carbon.yml", automation={"landing_sensor": True})
    sensor, _schedule = build_automation(Locations(landing, warehouse, config))
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING
    first = evaluate(sensor, None)
    assert first.run_requests == [] and first.skip_message.startswith("Watching 3 files")
    add_month(landing, 2)
    assert len(evaluate(sensor, first.cursor).run_requests) == 1


# ---------------------------------------------------------------------------------------- schedule


def test_monthly_close_schedule_from_carbon_yml(tmp_path):
    landing = small_landing(tmp_path / "landing")
    config = write_config(tmp_path / "carbon.yml",
                          automation={"monthly_close": True, "monthly_close_cron": "30 7 3 * *",
                                      "timezone": "Asia/Shanghai"})  # fmt: skip
    _sensor, schedule = build_automation(Locations(landing, tmp_path / "w.duckdb", config))
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 7 3 * *", "Asia/Shanghai")
    assert schedule.job_name == "carbon_run"
    when = datetime(2026, 3, 3, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    with dg.instance_for_test() as instance:
        data = schedule.evaluate_tick(
            dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
        )
    (request,) = data.run_requests
    assert request.tags["carbon/trigger"] == "monthly_close_schedule"
    # the default: 06:00 on the 2nd, off
    _sensor, default = build_automation(
        Locations(landing, tmp_path / "w.duckdb", write_config(tmp_path / "d.yml"))
    )
    assert (default.cron_schedule, default.default_status) == ("0 6 2 * *", dg.DefaultScheduleStatus.STOPPED)


@pytest.mark.parametrize(
    ("automation", "phrase"),
    [
        ({"landing_sensor": "yes"}, "'automation.landing_sensor' must be true or false"),
        ({"monthly_close_cron": "every month"}, "not a cron expression"),
        ({"timezone": "Mars/Olympus"}, "not a known time zone"),
        ({"monthly_clsoe": True}, "monthly_close"),
    ],
)
def test_automation_settings_are_strict(tmp_path, automation, phrase):
    config = write_config(tmp_path / "carbon.yml", automation=automation)
    with pytest.raises(ConfigError, match=re.escape(phrase)):
        load_settings(config)


def test_the_carbon_run_job_runs_carbon_run_and_fails_with_its_words(tmp_path):
    # an empty landing folder: `carbon run` stops before dbt (no entity tree), the step fails with its log
    landing = tmp_path / "landing"
    landing.mkdir()
    loc = Locations(landing, tmp_path / "w.duckdb", write_config(tmp_path / "carbon.yml"))
    env = {dagster_home.ENV_DAGSTER_HOME: str(tmp_path / "home")}
    with pytest.MonkeyPatch.context() as mp, dg.instance_for_test() as instance:
        for key, value in env.items():
            mp.setenv(key, value)
        result = carbon_run_job.execute_in_process(
            resources={"carbon": CarbonResource.from_locations(loc)}, raise_on_error=False, instance=instance
        )
        text = "\n".join(record.user_message for record in instance.all_logs(result.run_id))
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert "carbon run ended with exit code 1" in failure.event_specific_data.error.message
    assert "DQ-COMPL-008" in text  # the inner run's own sentence reached the step's log


# ---------------------------------------------------------------------------------------------- UI


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = json.loads(resp.read())
    except urllib.error.HTTPError as exc:  # a query the schema refuses: show why
        raise AssertionError(exc.read().decode()[:2000]) from None
    assert "errors" not in body, body["errors"]
    return body["data"]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_carbon_ui_shows_every_run_its_materializations_and_checks_and_stops_cleanly(tmp_path):
    landing = small_landing(tmp_path / "landing")
    warehouse = tmp_path / "carbon.duckdb"
    first = run_pipeline(landing, warehouse)
    assert first.returncode == 0, first.stderr[-3000:]
    add_month(landing, 2)
    second = run_pipeline(landing, warehouse)
    assert second.returncode == 0, second.stderr[-3000:]
    home = tmp_path / "carbon_dagster_home"
    assert (home / "dagster.yaml").read_text(encoding="utf-8").count("enabled: false") == 2  # telemetry, nux

    port = _free_port()
    ui = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "ui", "--landing", str(landing), "--warehouse",
                           str(warehouse), "--port", str(port)],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).close()
                break
            except OSError:
                assert ui.poll() is None, ui.stdout.read()
                assert time.monotonic() < deadline, "the UI did not start within 3 minutes"
                time.sleep(1)
        while True:  # the webserver answers before its code location has loaded
            entries = _graphql(
                port,
                """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
                locationOrLoadError { __typename ... on PythonError { message } } } } } }""",
            )
            (entry,) = entries["workspaceOrError"]["locationEntries"]
            if entry["loadStatus"] == "LOADED":
                assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation", entry
                break
            assert time.monotonic() < deadline, "the code location did not load within 3 minutes"
            time.sleep(1)
        runs = _graphql(
            port, "{ runsOrError { ... on Runs { results { runId status tags { key value } } } } }"
        )
        results = runs["runsOrError"]["results"]
        assert [r["status"] for r in results] == ["SUCCESS", "SUCCESS"]  # both runs, newest first
        assert all({"key": "carbon/warehouse", "value": str(warehouse)} in r["tags"] for r in results)
        nodes = _graphql(
            port,
            """{ assetNodes { assetKey { path }
            assetMaterializations(limit: 1) { runId metadataEntries { label ... on IntMetadataEntry { intValue } } }
            assetChecksOrError { ... on AssetChecks { checks { name
                executionForLatestMaterialization { status } } } } } }""",
        )["assetNodes"]
        by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
        assert "raw/erp__fuel_consumption" in by_key, sorted(by_key)[:40]
        fuel = by_key["raw/erp__fuel_consumption"]["assetMaterializations"][0]
        assert fuel["runId"] == results[0]["runId"]  # the latest run's materialization
        meta = {e["label"]: e.get("intValue") for e in fuel["metadataEntries"]}
        assert meta["rows_loaded_this_run"] == 1 and meta["rows_in_raw_table"] == 2
        assert by_key["marts/fct_emissions"]["assetMaterializations"], "dbt models are materialized"
        # the data quality scorecard carries its scores (fct_data_quality, latest reporting year)
        scorecard = {
            e["label"]
            for e in by_key["marts/fct_data_quality"]["assetMaterializations"][0]["metadataEntries"]
        }
        assert {"data_quality_year", "data_quality_score_mean", "data_quality_score_lowest"} <= scorecard
        findings = {
            e["label"] for e in by_key["quality/findings"]["assetMaterializations"][0]["metadataEntries"]
        }
        assert {"plan_version", "checks_failed", "findings", "data_docs"} <= findings
        statuses = [c["executionForLatestMaterialization"]["status"]
                    for n in nodes for c in (n["assetChecksOrError"].get("checks") or [])
                    if c["executionForLatestMaterialization"]]  # fmt: skip
        assert len(statuses) > 250 and "SUCCEEDED" in statuses  # dbt tests (204) and the plan's checks
        repos = _graphql(
            port,
            """{ repositoriesOrError { ... on RepositoryConnection { nodes {
            schedules { name scheduleState { status } } sensors { name sensorState { status } } } } } }""",
        )
        (repo,) = repos["repositoriesOrError"]["nodes"]
        # defined, shown, off until switched on in the UI or in carbon.yml
        assert [(s["name"], s["scheduleState"]["status"]) for s in repo["schedules"]] == [
            ("monthly_close_schedule", "STOPPED")]  # fmt: skip
        assert [(s["name"], s["sensorState"]["status"]) for s in repo["sensors"]] == [
            ("landing_folder_sensor", "STOPPED")]  # fmt: skip
    finally:
        pgid = os.getpgid(ui.pid)
        ui.send_signal(signal.SIGTERM)
        try:
            ui.wait(timeout=60)
        finally:
            if ui.poll() is None:
                os.killpg(pgid, signal.SIGKILL)
    # `carbon ui` stopped everything it started: dagster dev, the webserver, the daemon, code servers
    deadline = time.monotonic() + 30
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(1)
    assert not _group_alive(pgid)


def test_building_the_automation_warns_nobody(tmp_path):
    # `carbon run` prints nothing from Dagster's beta parameters on the user's console
    import warnings

    # imported first: its imports warn of their own things
    from pipelines.definitions import build_definitions

    loc = Locations(small_landing(tmp_path / "l"), tmp_path / "w.duckdb", write_config(tmp_path / "c.yml"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_automation(loc)
        build_definitions(loc).resolve_implicit_global_asset_job_def()  # what `carbon run` does


def test_the_event_log_remembers_the_tables_it_found_and_asks_again_for_missing_ones(tmp_path, monkeypatch):
    """Dagster asks has_table before most asset and check events; the run's storage asks the database
    once per table that exists, and every time for one that does not (it may be migrated in)."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    from pipelines.lib.dagster_storage import PooledSqliteEventLogStorage

    storage = PooledSqliteEventLogStorage(str(tmp_path / "history"))
    asked: list[str] = []
    real = SqliteEventLogStorage.has_table

    def counting(self, table_name):
        asked.append(table_name)
        return real(self, table_name)

    monkeypatch.setattr(SqliteEventLogStorage, "has_table", counting)
    assert [storage.has_table("asset_check_executions") for _ in range(3)] == [True, True, True]
    assert [storage.has_table("no_such_table") for _ in range(2)] == [False, False]
    assert asked == ["asset_check_executions", "no_such_table", "no_such_table"]
    assert storage.supports_asset_checks  # a property of the storage
    assert asked.count("asset_check_executions") == 1
