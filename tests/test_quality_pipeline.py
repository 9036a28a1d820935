"""The data quality plan's warehouse checks on data built to break them, and its blocking paths.

The sample group's warehouse (the session's run) is copied and given one
defect per warehouse rule, straight in its raw tables; dbt rebuilds the
measures and Dagster runs the plan's checks and the scorecard model, as in
``carbon run`` — without loading and building everything again. Its credit
serial blocks now overlap, an error at dataset level after dbt: the check
blocks the scorecard. A landing folder without the entity tree goes through
``carbon run`` and is stopped before dbt.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from conftest import RunResult, run_pipeline, write_config, write_csv

from pipelines.lib.warehouse import Locations

DBT = str(Path(sys.executable).parent / "dbt")
REPO = Path(__file__).resolve().parent.parent

# One defect per warehouse rule, as SQL on the raw tables of a copy of the sample warehouse.
DEFECTS = [
    # DQ-COMPL-010: F01 reports no fuel for March 2022
    "delete from raw.erp__fuel_consumption where facility_id = 'F01' and period = '2022-03'",
    # DQ-TIME-001: F05 stops reporting fuel after June 2024
    "delete from raw.erp__fuel_consumption where facility_id = 'F05' and period > '2024-06'",
    # DQ-FACTOR-001: a fuel no factor knows
    "insert into raw.erp__fuel_consumption (record_id, facility_id, period, fuel, quantity, unit, use, _file_path, "
    "_row_number) values ('X1', 'F01', '2023-01', 'unobtainium', 1, 't', 'stationary', 'erp/fuel_consumption/x.csv', 1)",
    # DQ-RECON-001: F01's June 2023 electricity invoice is 30 % above the meter
    "update raw.energy__energy_invoices set quantity = quantity * 1.3 where facility_id = 'F01' and period = '2023-06'",
    # DQ-EST-001: every 2022 reading of four meters is estimated
    "update raw.energy__meter_readings set is_estimated = true where meter_id in ('EM-F01', 'EM-F02', 'EM-F03', "
    "'EM-F04') and year(reading_start) = 2022",
    # DQ-UNIQ-018: a reading of EM-F02 overlaps March and April 2021
    "insert into raw.energy__meter_readings (meter_id, reading_start, reading_end, quantity, unit, _file_path, "
    "_row_number) values ('EM-F02', '2021-03-15', '2021-04-15', 400000, 'kWh', 'energy/meter_readings/x.csv', 1)",
    # DQ-UNIQ-009 (error, blocking): a credit whose serials overlap two blocks already held
    "insert into raw.erp__carbon_credits (serial, entity_id, registry, project_id, project_type, vintage_year, "
    "quantity_t, status, _file_path, _row_number) values ('CCER-2022-GS-WND-0231-000014001-000015500', 'S500', "
    "'CCER', 'CCER-01-0231', 'avoidance', 2022, 1500, 'held', 'erp/carbon_credits/x.csv', 1)",
    # DQ-PLAN-002 and DQ-TIME-002: a meter the plan does not list, which never reported
    "insert into raw.energy__meters (meter_id, facility_id, energy_type, supply, unit, _file_path, _row_number) "
    "values ('EM-NEW', 'F01', 'electricity', 'onsite_renewable', 'kWh', 'energy/meters/x.csv', 1)",
    # DQ-VALID-063: F16's 2023 limestone keyed 1.5 times too high: 1.07 t CO2 per t of quicklime (max 0.7848)
    "update raw.erp__process_activity set quantity = quantity * 1.5 where facility_id = 'F16' and period like '2023-%'",
    # DQ-PLAN-004 and DQ-CALIB-001: EM-F01 is now on a 6-month interval: due 2024-08-20
    "update raw.energy__meters set calibration_interval_months = 6 where meter_id = 'EM-F01'",
]
# DQ-TREE-003: carbon.yml names S100 the group root, so the rest of the tree is outside the boundary.
GROUP_ROOT = "S100"
# int_energy_reading_runs is incremental by landing file: rows changed in raw by hand need --full-refresh.
REBUILT = ("int_energy_reading_runs int_energy_consumption_monthly int_entity_weights int_fuel_combustion "
           "int_process_activity_factored fct_unestimated_activity "
           "path:models/intermediate/quality")  # fmt: skip


@pytest.fixture(scope="module")
def defected(sample_run, tmp_path_factory):
    """(the Dagster result of the plan's checks, scorecard, reports and exports, the warehouse) on the
    defected copy."""
    from pipelines.defs.exports.assets import finance_kpis, inventory_reports
    from pipelines.defs.quality.assets import build_plan_results
    from pipelines.defs.quality.dbt import build_quality_result_models
    from pipelines.defs.transform.dbt import dbt_resource
    from pipelines.lib.resources import CarbonResource
    from pipelines.lib.settings import load_settings

    root = tmp_path_factory.mktemp("defected")
    warehouse = root / "carbon.duckdb"
    shutil.copy(sample_run.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    for sql in DEFECTS:
        con.execute(sql)
    con.close()
    landing = root / "landing"
    write_csv(landing / "scada/trends/trend.csv", ["tag", "value"], [["T1", 1]])  # DQ-PLAN-001
    config = write_config(root / "carbon.yml", group_root=GROUP_ROOT)
    dbt_vars = json.dumps(load_settings(config).dbt_vars())
    proc = subprocess.run(
        [DBT, "run", "--full-refresh", "--select", *REBUILT.split(), "--exclude", "int_quality__plan_outcomes",
         "--vars", dbt_vars,
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        cwd=REPO / "dbt_project", env=dict(os.environ, CARBON_WAREHOUSE=str(warehouse)),
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:]
    loc = Locations(landing=landing, warehouse=warehouse, config=config)
    result = dg.materialize(
        [build_plan_results(), build_quality_result_models(), inventory_reports, finance_kpis],
        resources={"carbon": CarbonResource.from_locations(loc), "dbt": dbt_resource()},
        raise_on_error=False,
    )
    return result, RunResult(0, "", "", warehouse)


def _findings(run, code):
    return run.query(
        "select subject_id, period, message from quality.findings where check_code = ? order by 1, 2", [code]
    )


def test_a_blocking_warehouse_check_stops_the_scorecard(defected):
    result, run = defected
    assert not result.success
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert not evaluations["DQ_UNIQ_009"].passed
    assert evaluations["DQ_UNIQ_009"].severity == dg.AssetCheckSeverity.ERROR
    assert (
        not evaluations["DQ_DEV_001"].passed
        and evaluations["DQ_DEV_001"].severity == dg.AssetCheckSeverity.WARN
    )
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"quality/findings", "quality/check_results"} <= materialized
    assert "marts/fct_data_quality" not in materialized
    assert run.scalar("select count(*) from quality.check_results where is_blocking and not success") == 1
    # nothing is reported from data that failed the plan
    assert not {"exports/inventory_reports", "exports/finance_kpis"} & materialized
    assert not (run.warehouse.parent / "reports").exists() and not (run.warehouse.parent / "exports").exists()


@pytest.mark.parametrize(
    ("code", "subjects", "phrase"),
    [
        ("DQ-COMPL-010", [("F01", "2022-03"), ("F04", "2023-08")],
         "Facility F01 reported no erp/fuel_consumption records for 2022-03"),
        ("DQ-TIME-001", [("F05", "2024-12")], "last reported 2024-06 in erp/fuel_consumption: 6 period(s)"),
        ("DQ-TIME-002", [("EM-NEW", "2024-12")], "never reported in energy/meter_readings: 48 period(s)"),
        # the overlapping EM-F02 reading also puts F02's meters above its March and April 2021 invoices
        ("DQ-RECON-001", [("F01 electricity", "2023-06"), ("F02 electricity", "2021-03"),
                          ("F02 electricity", "2021-04")], "(-23.2 %; tolerance ±5 %)"),
        ("DQ-EST-001", [(None, "2022")], "of the energy/meter_readings records of 2022 are estimated (47 of 318)"),
        ("DQ-UNIQ-018", [("EM-F02", "2021-03"), ("EM-F02", "2021-04")], "intervals overlap"),
        ("DQ-UNIQ-009", [("CCER-2022-GS-WND-0231-000010001-000015000", "2022"),
                         ("CCER-2022-GS-WND-0231-000014001-000015500", "2022"),
                         ("CCER-2022-GS-WND-0231-000015001-000016200", "2023")], "the same tonnes"),
        ("DQ-CALIB-001", [("EM-F01", f"2024-{m:02d}") for m in range(8, 13)]
         + [("EM-F05", f"2024-{m:02d}") for m in range(5, 13)], "was due for calibration on 2024-08-20"),
        ("DQ-TREE-003", [(e, None) for e in sorted(["A600", "G001", "I700", "J210", "S200", "S220", "S300", "S400",
                                                    "S500"])], "not reachable from the group root S100"),
        ("DQ-FACTOR-001", [("F01", "2023")], "unobtainium"),
        # 12,670.7 t x 1.5 = 19,006.1 t of CO2 over 17,786.2 t of quicklime = 1.0686 t/t
        ("DQ-VALID-063", [("F16", "2023")], "19,006.1 t CO2 over 17,786.2 t of quicklime = 1.0686 t CO2 per t, "
                                            "above the stoichiometric maximum 0.7848 (CaCO3 -> CaO + CO2)"),
        ("DQ-PLAN-001", [("scada/trends", None)], "is not a dataset of the landing-zone contract"),
        ("DQ-PLAN-002", [("EM-NEW", None)], "in the meter register but not in the plan"),
        ("DQ-PLAN-004", [("EM-F01", None)], "every 6 months in the register but every 12 months in the plan"),
    ],
)  # fmt: skip
def test_each_warehouse_rule_finds_its_defect(defected, code, subjects, phrase):
    _result, run = defected
    found = _findings(run, code)
    assert [(s, p) for s, p, _m in found] == subjects
    assert any(phrase in m for _s, _p, m in found), found[0][2]


def test_the_rules_without_a_defect_still_pass(defected):
    _result, run = defected
    passed = dict(run.query("select check_code, success from quality.check_results"))
    for code in ("DQ-COMPL-011", "DQ-COMPL-012", "DQ-COMPL-013", "DQ-COMPL-014", "DQ-COMPL-015", "DQ-COMPL-016",
                 "DQ-TIME-003", "DQ-TIME-004", "DQ-TIME-005", "DQ-DEV-003", "DQ-DEV-004", "DQ-DEV-005",
                 "DQ-DEV-006", "DQ-PLAN-003", "DQ-DEV-008"):  # fmt: skip
        assert passed[code] is True, code


def test_a_landing_folder_without_the_entity_tree_stops_before_dbt(tmp_path):
    landing = tmp_path / "landing"
    write_csv(landing / "erp/facilities/f.csv", ["facility_id", "entity_id", "facility_name", "country"],
              [["F1", "G001", "Plant", "CN"]])  # fmt: skip
    result = run_pipeline(landing, tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "raw/erp__entities DQ_COMPL_008: blocking check(s) failed: DQ-COMPL-008" in result.stderr
    assert result.scalar("select count(*) from information_schema.tables where table_schema = 'marts'") == 0


def test_the_plan_is_wired_into_the_dagster_graph():
    import dagster as dg

    from pipelines.definitions import build_definitions
    from pipelines.defs.quality.assets import build_plan_results
    from pipelines.defs.quality.checks import build_required_stream_checks

    graph = build_definitions().resolve_asset_graph()
    key = dg.AssetKey.from_user_string
    specs = {s.name: s for s in build_plan_results().check_specs}
    assert specs["DQ_UNIQ_009"].blocking and not specs["DQ_DEV_001"].blocking
    assert {s.asset_key for s in specs.values()} == {key("quality/findings")}
    assert key("intermediate/int_quality__deviations") in graph.get(key("quality/findings")).parent_keys
    assert key("quality/findings") in graph.get(key("intermediate/int_quality__plan_outcomes")).parent_keys
    assert (
        key("intermediate/int_quality__plan_outcomes") in graph.get(key("marts/fct_data_quality")).parent_keys
    )
    gates = {
        (c.asset_key.to_user_string(), c.name, c.blocking)
        for d in build_required_stream_checks()
        for c in d.check_specs
    }
    assert gates == {
        ("raw/erp__entities", "DQ_COMPL_008", True),
        ("raw/erp__facilities", "DQ_COMPL_009", True),
    }
