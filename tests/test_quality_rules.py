"""Every rule of the plan's catalogue, pass and fail, without running the pipeline.

Load rules run through ``validate_batch`` on pandas batches; the raw, warehouse
and review rules through their GX suites on small frames shaped like their
measures (the dbt measures themselves are exercised end to end by
tests/test_quality_pipeline.py and tests/test_quality_sample.py). Every test
validates in a temporary copy of the GX context root.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import header, write_csv

from pipelines.lib import quality
from pipelines.lib.contract import dataset
from pipelines.lib.loader import ensure_schema, load_dataset
from pipelines.lib.plan_validator import PlanValidator
from pipelines.lib.quality import PlanError, load_plan, parse_plan, validate_batch
from pipelines.lib.quality.render import RULE_CATALOGUE, render_plan
from pipelines.lib.quality.review import review_findings
from pipelines.lib.quality.warehouse_checks import MEASURES, validate_frame, validate_raw_counts
from pipelines.paths import GX_DIR, REPO_ROOT


@pytest.fixture(scope="module")
def gx_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gx_rules") / "gx"
    shutil.copytree(GX_DIR, root, ignore=shutil.ignore_patterns("uncommitted"))
    return root


def stream(checks: list[dict], dataset_key: str, **extra) -> dict:
    return {
        "id": "s", "name": {"en": "S", "zh": "数据流"}, "clause": "6.3", "dataset": dataset_key,
        "source_system": "ERP", "method": "metered", "frequency": "monthly", "responsible_role": "Manager",
        "retention": "10 years", "checks": checks, **extra,
    }  # fmt: skip


def plan_of(*checks: dict, dataset_key: str, review: list | None = None, **extra) -> quality.Plan:
    return parse_plan({
        "version": 1, "title": {"en": "T", "zh": "测"}, "streams": [stream(list(checks), dataset_key, **extra)],
        "review": review or [],
    })  # fmt: skip


def rule(name: str, code: str = "DQ-TEST-001", severity: str = "warning", **args) -> dict:
    return {"code": code, "severity": severity, "rule": name, **args}


def rows(result) -> list[tuple[int, str, str]]:
    return [(f.row_index, f.value, f.check_code) for f in result.row_failures]


# ------------------------------------------------------------------------ load rules (new in plan 2.0)


def test_unique_across_files_fails_keys_already_loaded_and_says_where(gx_root):
    plan = plan_of(rule("unique", severity="error", level="row", columns=["instrument_id"], across_files=True),
                   dataset_key="energy/renewable_instruments")  # fmt: skip
    df = pd.DataFrame({"instrument_id": ["GEC-1", "GEC-2", "GEC-2"], "mwh": [1.0, 2.0, 3.0]})
    ok = validate_batch("energy/renewable_instruments", df.head(2), plan=plan, context_root=gx_root,
                        loaded_keys={"DQ-TEST-001": {}})  # fmt: skip
    assert ok.success
    bad = validate_batch("energy/renewable_instruments", df, plan=plan, context_root=gx_root,
                         loaded_keys={"DQ-TEST-001": {"GEC-1": "energy/renewable_instruments/a.csv, row 4"}})  # fmt: skip
    assert rows(bad) == [(0, "GEC-1", "DQ-TEST-001"), (2, "GEC-2", "DQ-TEST-001")]
    assert bad.row_failures[0].reason == (
        "Duplicate instrument_id 'GEC-1': it is already loaded from energy/renewable_instruments/a.csv, row 4."
    )
    assert bad.row_failures[1].reason.endswith("it occurs earlier in the batch.")
    assert bad.quarantined_rows == [0, 2]


def test_key_text_is_the_same_for_a_pandas_cell_and_a_duckdb_value():
    import datetime as dt

    assert quality.key_text([2021.0, "CNY"]) == quality.key_text([2021, "CNY"]) == "2021 | CNY"
    assert quality.key_text([pd.Timestamp("2024-01-01")]) == quality.key_text([dt.date(2024, 1, 1)])
    assert quality.key_text([pd.Timestamp("2024-01-01 00:15")]) == quality.key_text(
        [dt.datetime(2024, 1, 1, 0, 15)]
    )
    assert quality.key_text([None, float("nan")]) is None


def test_greater_than_fails_a_reading_that_ends_before_it_starts(gx_root):
    plan = plan_of(rule("greater_than", severity="error", level="row", column="reading_end", than="reading_start"),
                   dataset_key="energy/meter_readings")  # fmt: skip
    df = pd.DataFrame({
        "reading_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", None]),
        "reading_end": pd.to_datetime(["2024-02-01", "2024-02-01", "2024-02-01", "2024-01-01"]),
    })  # fmt: skip
    result = validate_batch("energy/meter_readings", df, plan=plan, context_root=gx_root)
    assert [(f.row_index, f.column) for f in result.row_failures] == [(1, "reading_end"), (2, "reading_end")]
    assert (
        result.row_failures[1].reason
        == "reading_end 2024-02-01 00:00:00 is not after reading_start 2024-03-01 00:00:00."
    )
    or_equal = plan_of(rule("greater_than", level="row", column="reading_end", than="reading_start", or_equal=True),
                       dataset_key="energy/meter_readings")  # fmt: skip
    assert [f.row_index for f in validate_batch("energy/meter_readings", df, plan=or_equal,
                                                context_root=gx_root).row_failures] == [2]  # fmt: skip


TREE = ["entity_id", "parent_entity_id"]


def test_one_root_judges_the_batch_with_the_rows_of_other_files(gx_root):
    plan = plan_of(rule("one_root", severity="error", level="dataset", column="parent_entity_id"),
                   dataset_key="erp/entities")  # fmt: skip
    tree = pd.DataFrame([["G", None], ["S1", "G"]], columns=TREE)
    assert validate_batch("erp/entities", tree, plan=plan, context_root=gx_root).success
    # a second file brings another root: the batch's root row fails, the run is blocked
    second = pd.DataFrame([["H", None], ["S2", "H"]], columns=TREE)
    result = validate_batch("erp/entities", second, plan=plan, context_root=gx_root, dataset_rows=tree)
    assert result.blocking and rows(result) == [(0, "H", "DQ-TEST-001")]
    assert result.row_failures[0].reason == "Entity 'H' is one of 2 roots (G, H); the tree needs exactly one."
    no_root = validate_batch("erp/entities", pd.DataFrame([["A", "B"], ["B", "A"]], columns=TREE), plan=plan,
                             context_root=gx_root)  # fmt: skip
    assert [f.reason for f in no_root.row_failures] == [
        "The tree has no root: every entity has a parent."
    ] * 2


def test_no_cycles_names_the_loop(gx_root):
    plan = plan_of(rule("no_cycles", severity="error", level="dataset", column="parent_entity_id",
                        id_column="entity_id"), dataset_key="erp/entities")  # fmt: skip
    ok = pd.DataFrame([["G", None], ["A", "G"], ["B", "A"]], columns=TREE)
    assert validate_batch("erp/entities", ok, plan=plan, context_root=gx_root).success
    loop = pd.DataFrame([["G", None], ["A", "C"], ["B", "A"], ["C", "B"], ["D", "C"]], columns=TREE)
    result = validate_batch("erp/entities", loop, plan=plan, context_root=gx_root)
    assert result.blocking
    assert [(f.row_index, f.reason) for f in result.row_failures] == [
        (1, "Entity 'A' is its own ancestor: A > C > B > A."),
        (2, "Entity 'B' is its own ancestor: B > A > C > B."),
        (3, "Entity 'C' is its own ancestor: C > B > A > C."),
    ]  # D hangs below the loop but is not on it


# ------------------------------------------------------------------------ on load, through the loader


INVOICE_HEADER = header("energy/energy_invoices")


def test_a_line_loaded_again_in_a_later_file_is_quarantined_with_where_it_was_loaded(tmp_path, gx_root):
    land = tmp_path / "landing"
    write_csv(land / "erp/entities/e.csv", ["entity_id", "entity_name", "parent_entity_id", "relationship",
              "equity_pct", "financial_control", "operational_control"], [["G", "Group", "", "root", 100, "full",
              "true"]])  # fmt: skip
    write_csv(land / "erp/facilities/f.csv", ["facility_id", "entity_id", "facility_name", "country"],
              [["F1", "G", "Plant", "CN"]])  # fmt: skip
    line = ["F1", "electricity", "2024-01", 100, "kWh", 60, "CNY", "Grid"]
    write_csv(land / "energy/energy_invoices/2024-01.csv", INVOICE_HEADER, [line])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    validator = PlanValidator.from_repo(context_root=gx_root)
    for key in ("erp/entities", "erp/facilities", "energy/energy_invoices"):
        ds = dataset(key)
        load_dataset(con, land, ds, validator=validator, version=validator.version_for(ds, con))
    # next month's export repeats January: only the new file is read, and its copy is judged against raw
    write_csv(land / "energy/energy_invoices/2024-02.csv", INVOICE_HEADER,
              [line, ["F1", "electricity", "2024-02", 90, "kWh", 54, "CNY", "Grid"]])  # fmt: skip
    ds = dataset("energy/energy_invoices")
    result = load_dataset(con, land, ds, validator=validator, version=validator.version_for(ds, con))
    assert [(f.file_path, f.status) for f in result.files] == [
        ("energy/energy_invoices/2024-01.csv", "unchanged"),
        ("energy/energy_invoices/2024-02.csv", "loaded"),
    ]
    assert con.execute("select file_path, row_number, check_code, message from ingest.quarantine").fetchall() == [
        ("energy/energy_invoices/2024-02.csv", 1, "DQ-UNIQ-003",
         "energy/energy_invoices/2024-02.csv, row 1, field 'facility_id, energy_type, period, quantity, unit, "
         "amount, currency, supplier': Duplicate (facility_id, energy_type, period, quantity, unit, amount, "
         "currency, supplier) 'F1 | electricity | 2024-01 | 100 | kWh | 60 | CNY | Grid': it is already loaded "
         "from energy/energy_invoices/2024-01.csv, row 1."),
    ]  # fmt: skip
    # the check ran on the new file only; the failing row's period is kept for the scorecard
    assert con.execute("select distinct file_path from ingest.check_results where dataset_key = ? "
                       "and file_path like '%2024-02%'", [ds.key]).fetchall()  # fmt: skip
    assert con.execute("select file_path, row_number, period, reporting_year, facility_id from "
                       "quality.load_row_context").fetchall() == [
        ("energy/energy_invoices/2024-02.csv", 1, "2024-01", 2024, "F1")]  # fmt: skip
    con.close()


# ------------------------------------------------------------------------ raw gate


def test_has_rows_fails_a_required_stream_that_is_missing(gx_root):
    plan = plan_of(rule("has_rows", severity="error"), dataset_key="erp/entities")
    con = duckdb.connect()
    ensure_schema(con)
    empty = validate_raw_counts(con, plan, context_root=gx_root)
    assert [(o.check.code, o.success) for o in empty.outcomes] == [("DQ-TEST-001", False)]
    assert empty.blocking and empty.findings[0].message.startswith("erp/entities has 0 row(s) loaded")
    con.execute("insert into raw.erp__entities (entity_id) values ('G')")
    assert validate_raw_counts(con, plan, context_root=gx_root).outcomes[0].success


# ------------------------------------------------------------------------ warehouse rules

# rule -> (dataset, plan arguments, measure row that passes, the change that makes it fail, message phrase)
WAREHOUSE_CASES = {
    "complete_periods": ("erp/fuel_consumption", {"min_coverage_pct": 100},
                         {"subject_type": "facility", "subject_id": "F1", "period": "2024-03", "coverage_pct": 100.0,
                          "is_expected": True}, {"coverage_pct": 0.0},
                         "Facility F1 reported no erp/fuel_consumption records for 2024-03"),
    "readings_do_not_overlap": ("energy/meter_readings", {"max_coverage_pct": 100},
                                {"subject_type": "meter", "subject_id": "M1", "period": "2024-03",
                                 "coverage_pct": 100.0, "is_expected": True}, {"coverage_pct": 150.0},
                                "150.0 % of the month"),
    "reporting_lag": ("erp/production", {"max_periods": 0},
                      {"subject_type": "facility", "subject_id": "F1", "period": "2024-12", "periods_behind": 0,
                       "last_period_start": "2024-12-01"}, {"periods_behind": 3, "last_period_start": "2024-09-01"},
                      "last reported 2024-09 in erp/production: 3 period(s) up to 2024-12 are missing"),
    "calibration_current": ("energy/meters", {"max_days_overdue": 0},
                            {"subject_type": "meter", "subject_id": "M1", "facility_id": "F1", "period": "2024-06",
                             "days_overdue": 0, "calibration_due_date": "2024-05-16",
                             "last_calibrated_date": "2022-05-16", "calibration_interval_months": 24,
                             "last_reading_at": "2024-06-01"},
                            {"days_overdue": 16}, "due for calibration on 2024-05-16"),
    "deviation": ("erp/fuel_consumption", {"max_factor": 2.0},
                  {"subject_type": "facility", "subject_id": "F1", "activity": "gas", "unit": "t", "period": "2024-03",
                   "quantity": 10.0, "month_on_month_factor": 1.1, "year_on_year_factor": 1.0,
                   "next_month_factor": None, "deviation_factor": 1.0},
                  {"quantity": 50.0, "month_on_month_factor": 5.0, "year_on_year_factor": 4.0, "deviation_factor": 4.0},
                  "5.0× the previous month, 4.0× the same month a year earlier"),
    "annual_jump": ("erp/fuel_consumption", {"max_factor": 10.0},
                    {"subject_type": "facility", "subject_id": "F02", "activity": "diesel, mobile", "unit": "t",
                     "reporting_year": 2023, "period": "2023", "months_reported": 12, "monthly_average": 1600.0,
                     "previous_monthly_average": 1520.0, "jump_factor": 1.05, "is_acknowledged": False},
                    {"monthly_average": 834726.6666666666, "jump_factor": 549.16},
                    "Facility F02 diesel, mobile 2023: 834,726.667 t a reported month on average (12 months), "
                    "549.2× above 2022 (1,520.000 t)"),
    "intensity_outlier": ("erp/fuel_consumption", {"max_factor": 2.0},
                          {"subject_type": "facility", "subject_id": "F1", "activity": "gas", "unit": "t",
                           "production_unit": "t", "period": "2024-03", "intensity": 0.01, "median_intensity": 0.01,
                           "intensity_factor": 1.0}, {"intensity": 0.05, "intensity_factor": 5.0},
                          "is 5.0× away from its median"),
    "stoichiometric_max": ("erp/process_activity", {},
                           {"subject_type": "facility", "subject_id": "F16", "facility_id": "F16",
                            "process_key": "limestone_calcination", "product": "quicklime", "reporting_year": 2023,
                            "period": "2023", "process_co2_t": 12670.7, "product_t": 17786.2, "co2_t_per_t": 0.7124,
                            "max_co2_t_per_t": 0.7848, "share_of_maximum": 0.9077, "reaction": "CaCO3 -> CaO + CO2"},
                           {"process_co2_t": 15000.0, "co2_t_per_t": 0.8434, "share_of_maximum": 1.0746},
                           "Facility F16 limestone_calcination 2023: 15,000.0 t CO2 over 17,786.2 t of quicklime = "
                           "0.8434 t CO2 per t, above the stoichiometric maximum 0.7848"),
    "reconciliation": ("energy/energy_invoices", {"tolerance_pct": 5},
                       {"subject_type": "facility_energy", "subject_id": "F1 electricity", "facility_id": "F1",
                        "energy_type": "electricity", "period": "2024-02", "metered_gj": 100.0, "invoiced_gj": 101.0,
                        "difference_pct": -1.0, "abs_difference_pct": 1.0},
                       {"invoiced_gj": 130.0, "difference_pct": -23.1, "abs_difference_pct": 23.1},
                       "meters 100 GJ, invoices 130 GJ (-23.1 %; tolerance ±5 %)"),
    "estimated_share": ("energy/meter_readings", {"max_pct": 10},
                        {"period": "2024", "estimated_pct": 5.0, "estimated_records": 1, "records": 20},
                        {"estimated_pct": 50.0, "estimated_records": 10}, "50.0 % of the energy/meter_readings"),
    "serial_blocks_disjoint": ("erp/carbon_credits", {},
                               {"subject_type": "credit", "subject_id": "C-1-100", "entity_id": "G", "period": "2023",
                                "overlapping_records": 0, "overlapping_serials": None},
                               {"overlapping_records": 1, "overlapping_serials": "C-50-150"},
                               "overlaps the serial block of C-50-150"),
    "in_boundary_tree": ("erp/entities", {},
                         {"subject_type": "entity", "subject_id": "S1", "is_in_tree": 1, "group_root_entity_id": "G"},
                         {"is_in_tree": 0}, "Entity S1 is not reachable from the group root G"),
    "factor_coverage": ("erp/fuel_consumption", {},
                        None, {"subject_type": "facility", "subject_id": "F1", "facility_id": "F1",
                               "activity_code": "unobtainium", "reason_code": "unknown_fuel", "period": "2024",
                               "records": 2},
                        "2 erp/fuel_consumption record(s) of unobtainium in 2024 at F1 have no emissions"),
}  # fmt: skip


def test_every_warehouse_rule_has_a_case():
    assert set(WAREHOUSE_CASES) == {r for r, s in quality.RULES.items() if s.stage == "warehouse"}


@pytest.mark.parametrize("rule_name", sorted(WAREHOUSE_CASES))
def test_warehouse_rule_passes_and_fails(rule_name, gx_root):
    dataset_key, args, good, change, phrase = WAREHOUSE_CASES[rule_name]
    plan = plan_of(rule(rule_name, **args), dataset_key=dataset_key)
    (check,) = plan.checks_in("warehouse")
    suite = f"quality__test_{MEASURES[rule_name].name}"
    other = {**(good or change), "dataset_key": "some/other_dataset", **change}  # another stream: not judged
    if good is not None:
        outcomes, findings = validate_frame(pd.DataFrame([{**good, "dataset_key": dataset_key}, other]), [check],
                                            suite, context_root=gx_root)  # fmt: skip
        assert [(o.success, o.evaluated, o.failed) for o in outcomes] == [(True, 1, 0)] and findings == []
    bad = {**(good or {}), **change, "dataset_key": dataset_key}
    outcomes, findings = validate_frame(pd.DataFrame([other, bad]), [check], suite, context_root=gx_root)
    assert [(o.success, o.failed) for o in outcomes] == [(False, 1)]
    (finding,) = findings
    assert phrase in finding.message
    assert (finding.check_code, finding.stage, finding.dataset_key) == (
        "DQ-TEST-001",
        "warehouse",
        dataset_key,
    )


def test_a_warehouse_check_marked_error_is_blocking():
    plan = plan_of(rule("serial_blocks_disjoint", severity="error"), dataset_key="erp/carbon_credits")
    assert plan.check("DQ-TEST-001").is_blocking
    assert (
        not plan_of(rule("serial_blocks_disjoint"), dataset_key="erp/carbon_credits")
        .check("DQ-TEST-001")
        .is_blocking
    )


def test_a_finding_points_at_the_raw_row_it_came_from(gx_root):
    plan = plan_of(rule("deviation", max_factor=2.0), dataset_key="erp/fuel_consumption")
    row = {
        **WAREHOUSE_CASES["deviation"][2],
        **WAREHOUSE_CASES["deviation"][3],
        "dataset_key": "erp/fuel_consumption",
        "reporting_year": 2024,
        "source_record_key": "erp__fuel_consumption:erp/fuel_consumption/a.csv#61",
    }
    _o, (finding,) = validate_frame(pd.DataFrame([row]), list(plan.checks_in("warehouse")), "quality__test_src",
                                    context_root=gx_root)  # fmt: skip
    assert (finding.file_path, finding.row_number, finding.reporting_year) == (
        "erp/fuel_consumption/a.csv",
        61,
        2024,
    )


# ------------------------------------------------------------------------ review rules


REVIEW = [
    rule(name, code=f"DQ-PLAN-00{i}")
    for i, name in enumerate(
        ["datasets_in_plan", "meters_in_plan", "plan_meters_registered", "calibration_interval_matches"], 1
    )
]
PLAN_METER = {"meter_id": "M1", "facility_id": "F1", "energy_type": "electricity", "supply": "grid",
              "calibration_interval_months": 12}  # fmt: skip


def _review(tmp_path, gx_root, meters_in_register, folders):
    landing = tmp_path / "landing"
    for folder in folders:
        write_csv(landing / folder / "x.csv", ["a"], [[1]])
    con = duckdb.connect()
    ensure_schema(con)
    for meter_id, interval in meters_in_register:
        con.execute("insert into raw.energy__meters (meter_id, facility_id, calibration_interval_months) "
                    "values (?, 'F1', ?)", [meter_id, interval])  # fmt: skip
    plan = plan_of(dataset_key="energy/meter_readings", review=REVIEW, meters=[PLAN_METER])
    result = review_findings(con, plan, landing, context_root=gx_root)
    return {o.check.code: o.success for o in result.outcomes}, [
        (f.check_code, f.subject_id) for f in result.findings
    ]


def test_review_rules_pass_when_the_plan_covers_the_data(tmp_path, gx_root):
    outcomes, findings = _review(tmp_path, gx_root, [("M1", 12)], ["energy/meter_readings"])
    assert all(outcomes.values()) and findings == []


def test_review_rules_find_what_the_plan_does_not_cover(tmp_path, gx_root):
    outcomes, findings = _review(tmp_path, gx_root, [("M1", 24), ("M9", 12)],
                                 ["energy/meter_readings", "erp/production", "scada/trends"])  # fmt: skip
    assert outcomes == {"DQ-PLAN-001": False, "DQ-PLAN-002": False, "DQ-PLAN-003": True, "DQ-PLAN-004": False}
    assert findings == [
        ("DQ-PLAN-001", "erp/production"), ("DQ-PLAN-001", "scada/trends"),
        ("DQ-PLAN-002", "M9"), ("DQ-PLAN-004", "M1"),
    ]  # fmt: skip
    outcomes, findings = _review(tmp_path / "2", gx_root, [], [])
    assert outcomes["DQ-PLAN-003"] is False and findings == [("DQ-PLAN-003", "M1")]


# ------------------------------------------------------------------------ the plan file


def _base(**extra) -> dict:
    data = {"version": 1, "title": {"en": "T", "zh": "测"},
            "streams": [stream([], "erp/fuel_consumption")], **extra}  # fmt: skip
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_base(streams=[stream([rule("datasets_in_plan")], "erp/fuel_consumption")]),
         r"rule datasets_in_plan belongs in the plan's `review:` list"),
        (_base(review=[rule("deviation", max_factor=2)]), r"rule deviation belongs to a stream"),
        (_base(streams=[stream([rule("reconciliation", tolerance_pct=5)], "erp/fuel_consumption")]),
         r"rule reconciliation has no measure for erp/fuel_consumption"),
        (_base(streams=[stream([rule("deviation")], "erp/fuel_consumption")]), r"rule deviation needs max_factor"),
        (_base(streams=[stream([rule("deviation", max_factor=-1)], "erp/fuel_consumption")]),
         r"`max_factor` must not be negative"),
        (_base(streams=[stream([rule("deviation", level="row", max_factor=2)], "erp/fuel_consumption")]),
         r"level \(warehouse rule deviation\): 'row' is not one of dataset"),
        (_base(streams=[stream([rule("unique", level="row", columns=["record_id"], across_files="yes")],
                               "erp/fuel_consumption")]), r"across_files: true or false expected"),
        (_base(streams=[stream([], "energy/meter_readings", meters=[PLAN_METER, PLAN_METER])]),
         r"meter M1 is already listed"),
        (_base(streams=[stream([], "energy/meter_readings", meters=[{**PLAN_METER, "calibration_interval_months": 0}])]),
         r"calibration_interval_months must be a whole number of months"),
        (_base(revisions=[{"version": "2", "date": "2026-02-01", "author": "a", "changes": {"en": "x", "zh": "x"}},
                          {"version": "1", "date": "2026-01-01", "author": "a", "changes": {"en": "x", "zh": "x"}}]),
         r"revisions must be listed oldest first"),
        (_base(scorecard={"weights": {"completeness": 0.5, "checks": 0.5, "measured": 0.5}}),
         r"the weights must add up to 1"),
        (_base(streams=[{**stream([], "erp/fuel_consumption"), "id": "plan"}]), r"'plan' is reserved"),
    ],
)  # fmt: skip
def test_plan_errors_name_the_bad_entry(data, message):
    with pytest.raises(PlanError, match=message):
        parse_plan(data, source="plan.yml")


# ------------------------------------------------------------------------ the rendered plan


def test_the_committed_plan_document_is_the_rendering_of_plan_yml():
    doc = REPO_ROOT / "docs" / quality.DOC_NAME
    assert doc.read_text(encoding="utf-8") == render_plan(load_plan()), (
        "run `carbon dq-plan` and commit docs/"
    )


def test_the_plan_document_is_bilingual_with_revisions_meters_and_every_check():
    plan = load_plan()
    text = render_plan(plan)
    for heading in ("## 2. 修订记录 Revision history", "## 4. 计量器具 Measuring equipment (9.1.3)",
                    "## 7. 规则目录 Rule catalogue", "| 2.0 | 2026-11-21 |"):  # fmt: skip
        assert heading in text
    for c in plan.checks:
        assert f"| {c.code} |" in text
    for m in plan.meters:
        assert f"| `{m.meter_id}` |" in text
    assert set(RULE_CATALOGUE) == set(quality.RULES)
    assert "化石燃料消耗量（固定源与移动源燃烧）<br>Fuel consumption" in text


def test_dq_plan_command_writes_and_checks_the_document(tmp_path):
    from pipelines.cli import main

    assert main(["dq-plan", "--out", str(tmp_path)]) == 0
    assert (tmp_path / quality.DOC_NAME).read_text(encoding="utf-8") == render_plan(load_plan())
    assert main(["dq-plan", "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / quality.DOC_NAME).write_text("stale", encoding="utf-8")
    assert main(["dq-plan", "--out", str(tmp_path), "--check"]) == 1


def test_load_findings_carry_the_loaders_rows_and_unreadable_files():
    from pipelines.lib.quality import store

    con = duckdb.connect()
    ensure_schema(con)
    con.execute(store.CONTEXT_DDL)
    con.execute(
        "insert into ingest.row_findings values ('erp/fuel_consumption', 'erp/fuel_consumption/a.csv', 'L1', 3, "
        "'quantity', '-1', 'DQ-VALID-001', 'error', true, 'quantity is -1, which is negative.')"
    )
    con.execute(
        "insert into quality.load_row_context values ('erp/fuel_consumption', 'erp/fuel_consumption/a.csv', 'L1', "
        "3, '2024-02', 2024, 'F1', null, 'F1')"
    )
    con.execute(
        "insert into ingest.quarantine values ('erp/production', 'erp/production/b.xlsx', 'sha', 'L2', null, null, "
        "null, 'DQ-CONTRACT-000', 'not a workbook', 'not a workbook.')"
    )
    found = store.load_findings(con, load_plan())
    assert [(f.check_code, f.stream_id, f.level, f.period, f.reporting_year, f.file_path, f.message) for f in found] == [
        ("DQ-VALID-001", "fuel_consumption", "row", "2024-02", 2024, "erp/fuel_consumption/a.csv",
         "erp/fuel_consumption/a.csv, row 3, field 'quantity': quantity is -1, which is negative."),
        ("DQ-CONTRACT-000", "production", "row", None, None, "erp/production/b.xlsx", "not a workbook."),
    ]  # fmt: skip
