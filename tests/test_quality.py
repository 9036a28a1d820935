"""The data quality plan (data_quality/plan.yml) and its enforcement through GX Core.

Every test validates in a temporary copy of the GX context root, so nothing is
written into data_quality/gx/ of the repository.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipelines.lib import quality
from pipelines.lib.contract import DATASETS_BY_KEY
from pipelines.lib.quality import PlanError, load_plan, parse_plan, validate_batch
from pipelines.paths import GX_DIR

FUEL = "erp/fuel_consumption"


@pytest.fixture
def gx_root(tmp_path: Path) -> Path:
    root = tmp_path / "gx"
    shutil.copytree(GX_DIR, root, ignore=shutil.ignore_patterns("uncommitted"))
    return root


@pytest.fixture(scope="module")
def shared_gx_root(tmp_path_factory) -> Path:
    """One context for the rule tests: each test's plan rebuilds the suite in it."""
    root = tmp_path_factory.mktemp("gx_shared") / "gx"
    shutil.copytree(GX_DIR, root, ignore=shutil.ignore_patterns("uncommitted"))
    return root


def stream(checks: list[dict], dataset: str = FUEL, id: str = "fuel") -> dict:
    return {
        "id": id,
        "name": {"en": "Fuel", "zh": "燃料"},
        "clause": "6.3",
        "dataset": dataset,
        "source_system": "ERP",
        "method": "metered",
        "frequency": "monthly",
        "responsible_role": "Energy manager",
        "retention": "10 years",
        "checks": checks,
    }


def plan_data(*checks: dict, dataset: str = FUEL) -> dict:
    return {
        "version": 1,
        "title": {"en": "Test plan", "zh": "测试计划"},
        "value_lists": {"units": {"seed": "units.csv", "column": "unit", "fallback": ["t", "kg", "GJ"]}},
        "streams": [stream(list(checks), dataset)],
    }


def check(rule: str, code: str = "DQ-TEST-001", severity: str = "error", level: str = "row", **args) -> dict:
    return {"code": code, "severity": severity, "level": level, "rule": rule, **args}


def run(
    plan_or_check, df: pd.DataFrame, root: Path, dataset: str = FUEL, refs=None
) -> quality.BatchValidation:
    plan = (
        plan_or_check
        if isinstance(plan_or_check, quality.Plan)
        else parse_plan(plan_data(plan_or_check, dataset=dataset))
    )
    return validate_batch(
        dataset, df, plan=plan, reference_values=refs, context_root=root, update_data_docs=False
    )


def failures(result: quality.BatchValidation) -> list[tuple[int, str, str, str]]:
    return [(f.row_index, f.column, f.value, f.check_code) for f in result.row_failures]


# ------------------------------------------------------------------------ rules, pass and fail


def test_not_null_fails_each_empty_cell_with_its_column(shared_gx_root):
    c = check("not_null", columns=["facility_id", "quantity"])
    ok = run(c, pd.DataFrame({"facility_id": ["F1", "F2"], "quantity": [1.0, 0.0]}), shared_gx_root)
    assert ok.success and ok.row_failures == []

    bad = run(
        c, pd.DataFrame({"facility_id": ["F1", None, "F3"], "quantity": [1.0, 2.0, None]}), shared_gx_root
    )
    assert failures(bad) == [(1, "facility_id", "", "DQ-TEST-001"), (2, "quantity", "", "DQ-TEST-001")]
    assert bad.row_failures[0].reason == "Required column facility_id is empty."
    (result,) = bad.results
    assert (result.success, result.evaluated_rows, result.failed_rows) == (False, 3, 2)
    assert not bad.success


def test_non_negative_fails_negative_values_and_lets_nulls_and_zero_pass(shared_gx_root):
    c = check("non_negative", columns=["quantity"])
    assert run(c, pd.DataFrame({"quantity": [0.0, 1.5, None]}), shared_gx_root).success

    bad = run(c, pd.DataFrame({"quantity": [1.0, -0.5, None, -3.0]}), shared_gx_root)
    assert failures(bad) == [(1, "quantity", "-0.5", "DQ-TEST-001"), (3, "quantity", "-3.0", "DQ-TEST-001")]
    assert bad.row_failures[0].reason == "quantity is -0.5, which is negative."
    assert bad.results[0].failed_rows == 2


def test_between_is_inclusive_and_names_the_range(shared_gx_root):
    c = check("between", column="equity_pct", min=0, max=100)
    entities = "erp/entities"
    assert run(c, pd.DataFrame({"equity_pct": [0.0, 100.0, 51.0, None]}), shared_gx_root, entities).success

    bad = run(c, pd.DataFrame({"equity_pct": [-1.0, 100.5, 100.0, None]}), shared_gx_root, entities)
    assert failures(bad) == [
        (0, "equity_pct", "-1.0", "DQ-TEST-001"),
        (1, "equity_pct", "100.5", "DQ-TEST-001"),
    ]
    assert bad.row_failures[1].reason == "equity_pct is 100.5; it must be between 0 and 100."


def test_between_with_only_a_minimum(shared_gx_root):
    c = check("between", column="calibration_interval_months", min=1)
    bad = run(
        c, pd.DataFrame({"calibration_interval_months": [12.0, 0.0, 240.0]}), shared_gx_root, "energy/meters"
    )
    assert failures(bad) == [(1, "calibration_interval_months", "0.0", "DQ-TEST-001")]
    assert bad.row_failures[0].reason == "calibration_interval_months is 0.0; it must be at least 1."


def test_in_set_fails_unknown_values_and_ignores_nulls(shared_gx_root):
    c = check("in_set", column="use", values=["stationary", "mobile"])
    assert run(c, pd.DataFrame({"use": ["stationary", None, "mobile"]}), shared_gx_root).success

    bad = run(c, pd.DataFrame({"use": ["stationary", "固定", None, "Mobile"]}), shared_gx_root)
    assert failures(bad) == [(1, "use", "固定", "DQ-TEST-001"), (3, "use", "Mobile", "DQ-TEST-001")]
    assert bad.row_failures[0].reason == "use '固定' is not one of the allowed values: mobile, stationary."


def test_in_set_values_from_reads_the_seed_plus_listed_values(tmp_path, shared_gx_root):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "units.csv").write_text("unit,dimension\nt,mass\nkWh,energy\n", encoding="utf-8")
    data = plan_data(check("in_set", column="unit", values_from="units", values=["10^4 Nm3"]))
    plan_file = tmp_path / "plan.yml"
    plan_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    plan = load_plan(plan_file, seeds_dir=seeds)
    assert plan.value_lists["units"] == ("kWh", "t")
    assert plan.check("DQ-TEST-001").args["values"] == ["10^4 Nm3", "kWh", "t"]

    bad = run(plan, pd.DataFrame({"unit": ["t", "kg", "10^4 Nm3", "吨"]}), shared_gx_root)
    assert failures(bad) == [(1, "unit", "kg", "DQ-TEST-001"), (3, "unit", "吨", "DQ-TEST-001")]


def test_in_set_values_from_falls_back_to_the_plan_list_without_the_seed(tmp_path):
    data = plan_data(check("in_set", column="unit", values_from="units"))
    plan_file = tmp_path / "plan.yml"
    plan_file.write_text(yaml.safe_dump(data), encoding="utf-8")
    plan = load_plan(plan_file, seeds_dir=tmp_path / "no_seeds_here")
    assert plan.check("DQ-TEST-001").args["values"] == ["GJ", "kg", "t"]


def test_in_reference_checks_against_the_known_values_passed_in(shared_gx_root):
    c = check(
        "in_reference", column="facility_id", reference={"dataset": "erp/facilities", "column": "facility_id"}
    )
    plan = parse_plan(plan_data(c))
    assert plan.reference_keys(FUEL) == ["erp/facilities.facility_id"]
    known = {"erp/facilities.facility_id": {"F1", "F2"}}
    df = pd.DataFrame({"facility_id": ["F1", None, "F2"]})
    assert run(plan, df, shared_gx_root, refs=known).success

    bad = run(plan, pd.DataFrame({"facility_id": ["F1", "F9", None, "f1"]}), shared_gx_root, refs=known)
    assert failures(bad) == [(1, "facility_id", "F9", "DQ-TEST-001"), (3, "facility_id", "f1", "DQ-TEST-001")]
    assert bad.row_failures[0].reason == "facility_id 'F9' is not a known facility_id of erp/facilities."

    # The same suite with other known values: they are run-time parameters.
    nothing_known = run(plan, df, shared_gx_root, refs={"erp/facilities.facility_id": set()})
    assert [f.row_index for f in nothing_known.row_failures] == [0, 2]


def test_in_reference_without_its_reference_values_is_a_caller_error(shared_gx_root):
    c = check(
        "in_reference", column="facility_id", reference={"dataset": "erp/facilities", "column": "facility_id"}
    )
    with pytest.raises(ValueError, match=r"reference_values needs erp/facilities\.facility_id"):
        run(c, pd.DataFrame({"facility_id": ["F1"]}), shared_gx_root)


def test_unique_fails_every_repeat_but_not_the_first_occurrence(shared_gx_root):
    c = check("unique", columns=["record_id"])
    assert run(c, pd.DataFrame({"record_id": ["a", "b", None, None]}), shared_gx_root).success

    bad = run(c, pd.DataFrame({"record_id": ["a", "b", "a", None, None, "a", "b"]}), shared_gx_root)
    # GX marks all five members of the two groups (rows 0, 1, 2, 5, 6); rows 0 and 1 are kept.
    assert failures(bad) == [
        (2, "record_id", "a", "DQ-TEST-001"),
        (5, "record_id", "a", "DQ-TEST-001"),
        (6, "record_id", "b", "DQ-TEST-001"),
    ]
    assert bad.row_failures[0].reason == "Duplicate record_id 'a': it occurs earlier in the batch."
    assert bad.results[0].failed_rows == 3


def test_compound_unique_compares_the_whole_key(shared_gx_root):
    c = check("unique", columns=["meter_id", "reading_start"])
    df = pd.DataFrame(
        {
            "meter_id": ["M1", "M1", "M2", "M1"],
            "reading_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-01", "2024-01-01"]),
        }
    )
    bad = run(c, df, shared_gx_root, "energy/meter_readings")
    assert failures(bad) == [(3, "meter_id, reading_start", "M1 | 2024-01-01 00:00:00", "DQ-TEST-001")]
    assert (
        bad.row_failures[0].reason
        == "Duplicate (meter_id, reading_start) 'M1 | 2024-01-01 00:00:00': it occurs earlier in the batch."
    )
    assert run(c, df.iloc[:3], shared_gx_root, "energy/meter_readings").success


# ------------------------------------------------------------------------ batches


def test_row_index_is_positional_whatever_the_frame_index(shared_gx_root):
    c = check("non_negative", columns=["quantity"])
    df = pd.DataFrame({"quantity": [1.0, -1.0, 2.0]}, index=[100, 7, 42])
    assert [f.row_index for f in run(c, df, shared_gx_root).row_failures] == [1]


def test_empty_batch_passes_every_check(gx_root):
    plan = load_plan()
    refs = {"erp/facilities.facility_id": {"F1"}}
    columns = pd.DataFrame(columns=["record_id", "facility_id", "period", "fuel", "quantity", "unit", "use"])
    for df in (columns, pd.DataFrame()):
        result = validate_batch(FUEL, df, plan=plan, reference_values=refs, context_root=gx_root)
        assert result.success and result.row_failures == []
        assert [r.evaluated_rows for r in result.results] == [0] * len(plan.checks_for(FUEL))
        assert all(r.error is None for r in result.results)


def test_an_all_null_column_fails_not_null_only(shared_gx_root):
    plan = parse_plan(
        plan_data(
            check("not_null", code="DQ-TEST-001", columns=["quantity"]),
            check("non_negative", code="DQ-TEST-002", columns=["quantity"]),
            check("in_set", code="DQ-TEST-003", column="unit", values=["t"]),
            check("unique", code="DQ-TEST-004", columns=["record_id"]),
        )
    )
    df = pd.DataFrame({"quantity": [None, None], "unit": [None, None], "record_id": [None, None]})
    result = run(plan, df, shared_gx_root)
    assert {r.code: r.success for r in result.results} == {
        "DQ-TEST-001": False,
        "DQ-TEST-002": True,
        "DQ-TEST-003": True,
        "DQ-TEST-004": True,
    }
    assert failures(result) == [(0, "quantity", "", "DQ-TEST-001"), (1, "quantity", "", "DQ-TEST-001")]


def test_a_missing_required_column_fails_its_checks_without_crashing(shared_gx_root):
    c = check("non_negative", columns=["quantity"])
    result = run(c, pd.DataFrame({"facility_id": ["F1"]}), shared_gx_root)
    (r,) = result.results
    assert not r.success and r.failed_rows == 0
    assert r.error == "column 'quantity' is not in the batch"
    assert not result.success


def test_a_missing_optional_column_counts_as_empty(shared_gx_root):
    c = check("non_negative", columns=["measured_ncv_gj_per_unit"])
    assert run(c, pd.DataFrame({"quantity": [1.0]}), shared_gx_root).success


def test_severity_and_level_decide_success_blocking_and_quarantine(shared_gx_root):
    plan = parse_plan(
        plan_data(
            check("non_negative", code="DQ-TEST-001", columns=["quantity"]),
            check("in_set", code="DQ-TEST-002", severity="warning", column="use", values=["mobile"]),
        )
    )
    df = pd.DataFrame({"quantity": [1.0, -1.0, 2.0], "use": ["mobile", "mobile", "boat"]})
    result = run(plan, df, shared_gx_root)
    assert not result.success and not result.blocking
    assert result.quarantined_rows == [1]  # row 2 fails a warning only
    assert [(f.row_index, f.severity) for f in result.row_failures] == [(1, "error"), (2, "warning")]

    warning_only = run(plan, df.assign(quantity=1.0), shared_gx_root)
    assert warning_only.success and warning_only.quarantined_rows == []
    assert [r.code for r in warning_only.failed] == ["DQ-TEST-002"]

    dataset_level = parse_plan(
        plan_data(check("unique", level="dataset", columns=["entity_id"]), dataset="erp/entities")
    )
    tree = run(dataset_level, pd.DataFrame({"entity_id": ["E1", "E1"]}), shared_gx_root, "erp/entities")
    assert tree.blocking and tree.quarantined_rows == []
    assert failures(tree) == [(1, "entity_id", "E1", "DQ-TEST-001")]


# ------------------------------------------------------------------------ the repository's plan


# The codes of plan 1.0: never renumbered, never reused (quarantined rows and reports carry them).
CODES_OF_PLAN_1 = {
    "DQ-COMPL-001": (FUEL, "not_null", "error", "row"),
    "DQ-VALID-001": (FUEL, "non_negative", "error", "row"),
    "DQ-VALID-002": (FUEL, "non_negative", "error", "row"),
    "DQ-VALID-003": (FUEL, "in_set", "error", "row"),
    "DQ-VALID-004": (FUEL, "in_set", "error", "row"),
    "DQ-REF-001": (FUEL, "in_reference", "error", "row"),
    "DQ-UNIQ-001": (FUEL, "unique", "error", "row"),
    "DQ-COMPL-002": ("energy/meter_readings", "not_null", "error", "row"),
    "DQ-VALID-005": ("energy/meter_readings", "non_negative", "error", "row"),
    "DQ-VALID-006": ("energy/meter_readings", "in_set", "error", "row"),
    "DQ-REF-002": ("energy/meter_readings", "in_reference", "error", "row"),
    "DQ-UNIQ-002": ("energy/meter_readings", "unique", "error", "row"),
    "DQ-COMPL-003": ("energy/energy_invoices", "not_null", "error", "row"),
    "DQ-VALID-007": ("energy/energy_invoices", "non_negative", "error", "row"),
    "DQ-VALID-008": ("energy/energy_invoices", "in_set", "error", "row"),
    "DQ-VALID-009": ("energy/energy_invoices", "in_set", "error", "row"),
    "DQ-REF-003": ("energy/energy_invoices", "in_reference", "error", "row"),
    "DQ-UNIQ-003": ("energy/energy_invoices", "unique", "error", "row"),
    "DQ-COMPL-004": ("energy/meters", "not_null", "error", "row"),
    "DQ-VALID-010": ("energy/meters", "in_set", "error", "row"),
    "DQ-VALID-011": ("energy/meters", "in_set", "error", "row"),
    "DQ-VALID-012": ("energy/meters", "in_set", "error", "row"),
    "DQ-VALID-013": ("energy/meters", "between", "warning", "row"),
    "DQ-REF-004": ("energy/meters", "in_reference", "error", "row"),
    "DQ-UNIQ-004": ("energy/meters", "unique", "error", "dataset"),
    "DQ-COMPL-005": ("erp/facilities", "not_null", "error", "row"),
    "DQ-REF-005": ("erp/facilities", "in_reference", "error", "row"),
    "DQ-UNIQ-005": ("erp/facilities", "unique", "error", "dataset"),
    "DQ-COMPL-006": ("erp/entities", "not_null", "error", "dataset"),
    "DQ-VALID-014": ("erp/entities", "between", "error", "dataset"),
    "DQ-VALID-015": ("erp/entities", "in_set", "error", "dataset"),
    "DQ-VALID-016": ("erp/entities", "in_set", "error", "dataset"),
    "DQ-REF-006": ("erp/entities", "in_reference", "error", "dataset"),
    "DQ-UNIQ-006": ("erp/entities", "unique", "error", "dataset"),
}


def test_the_codes_of_earlier_revisions_keep_their_meaning():
    plan = load_plan()
    now = {c.code: (c.dataset_key, c.rule, c.severity, c.level) for c in plan.checks}
    assert {code: now.get(code) for code in CODES_OF_PLAN_1} == CODES_OF_PLAN_1
    assert plan.check("DQ-VALID-014").args == {"column": "equity_pct", "min": 0.0, "max": 100.0}
    assert plan.check("DQ-REF-002").reference_key == "energy/meters.meter_id"
    assert {"t", "kg", "10^4 Nm3", "kWh", "MWh", "GJ", "L"} <= set(plan.check("DQ-VALID-003").args["values"])
    # duplicates are now judged across files too; the rule and its code stay
    assert plan.check("DQ-UNIQ-003").is_across_files and plan.check("DQ-UNIQ-002").is_across_files


def test_every_landing_dataset_is_a_stream_of_the_plan_with_how_it_is_kept():
    plan = load_plan()
    assert sorted(plan.dataset_keys) == sorted(DATASETS_BY_KEY)
    for s in plan.streams:
        assert s.name_en and s.name_zh and s.clause and s.retention and s.responsible_role and s.source_system
        assert s.checks, s.id
    # the streams issue 7 names, by id
    assert {"fuel_consumption", "meter_readings", "energy_invoices", "renewable_instruments", "production",
            "financials", "purchases", "shipments", "business_travel", "waste", "carbon_allowances",
            "carbon_credits", "custom_factors", "entities"} <= {s.id for s in plan.streams}  # fmt: skip
    assert plan.version == "2.0" and [r.version for r in plan.revisions] == ["1.0", "2.0"]


def test_the_plan_lists_its_meters_with_their_calibration_interval():
    plan = load_plan()
    meters = {m.meter_id: m for m in plan.meters}
    assert len(meters) == 27
    assert (meters["EM-F05"].facility_id, meters["EM-F05"].calibration_interval_months) == ("F05", 24)
    assert meters["ST-F04"].energy_type == "steam" and meters["PV-F01"].supply == "onsite_renewable"


def test_the_rule_catalogue_covers_every_family_the_issue_asks_for():
    plan = load_plan()
    families = {c.code.split("-")[1] for c in plan.checks}
    assert families == {"COMPL", "VALID", "REF", "UNIQ", "TREE", "TIME", "CALIB", "DEV", "RECON", "EST",
                        "FACTOR", "PLAN"}  # fmt: skip
    by_stage = {stage: {c.rule for c in plan.checks_in(stage)} for stage in quality.STAGES}
    assert by_stage["warehouse"] == {r for r, spec in quality.RULES.items() if spec.stage == "warehouse"}
    assert by_stage["review"] == {r for r, spec in quality.RULES.items() if spec.stage == "review"}
    assert by_stage["raw"] == {"has_rows"}
    blocking_before_dbt = {c.code for c in plan.checks if c.is_blocking and c.stage in ("load", "raw")}
    assert {
        "DQ-TREE-001",
        "DQ-TREE-002",
        "DQ-COMPL-008",
        "DQ-COMPL-009",
        "DQ-VALID-014",
    } <= blocking_before_dbt
    # in plan order: the year-on-year jumps of fuel, process activity, meters and production stop the reports
    assert sorted(c.code for c in plan.checks_in("warehouse") if c.is_blocking) == [
        "DQ-DEV-007", "DQ-DEV-008", "DQ-DEV-009", "DQ-DEV-010", "DQ-UNIQ-009",
    ]  # fmt: skip


def test_a_realistic_fuel_batch_against_the_plan(gx_root):
    plan = load_plan()
    df = pd.DataFrame(
        {
            "record_id": ["D-1", "D-2", "D-3", "D-2", None],
            "facility_id": ["F-001", "F-001", "F-404", "F-002", "F-002"],
            "period": ["2024-01", "2024-01", "2024-01", None, "2024-02"],
            "fuel": ["diesel", "natural_gas", "diesel", "diesel", "diesel"],
            "quantity": [12.5, -3.0, 4.0, 1.0, 2.0],
            "unit": ["t", "10^4 Nm3", "t", "t", "barrel"],
            "use": ["mobile", "stationary", "mobile", "mobile", "mobile"],
        }
    )
    result = validate_batch(
        FUEL,
        df,
        plan=plan,
        reference_values={"erp/facilities.facility_id": {"F-001", "F-002"}},
        context_root=gx_root,
    )
    assert failures(result) == [
        (1, "quantity", "-3.0", "DQ-VALID-001"),
        (2, "facility_id", "F-404", "DQ-REF-001"),
        (3, "period", "", "DQ-COMPL-001"),
        (3, "record_id", "D-2", "DQ-UNIQ-001"),
        (4, "unit", "barrel", "DQ-VALID-003"),
    ]
    assert result.quarantined_rows == [1, 2, 3, 4]
    assert not result.blocking
    assert sorted(r.code for r in result.failed) == [
        "DQ-COMPL-001",
        "DQ-REF-001",
        "DQ-UNIQ-001",
        "DQ-VALID-001",
        "DQ-VALID-003",
    ]


def test_an_entity_tree_with_equity_out_of_range_blocks(gx_root):
    plan = load_plan()
    df = pd.DataFrame(
        {
            "entity_id": ["G", "S1", "S2"],
            "entity_name": ["Group", "Sub 1", "Sub 2"],
            "parent_entity_id": [None, "G", "G"],
            "relationship": ["root", "subsidiary", "joint_venture"],
            "equity_pct": [100.0, 100.0, 150.0],
            "financial_control": ["full", "full", "joint"],
            "operational_control": [True, True, False],
        }
    )
    refs = {"erp/entities.entity_id": {"G", "S1", "S2"}}
    result = validate_batch("erp/entities", df, plan=plan, reference_values=refs, context_root=gx_root)
    assert result.blocking
    assert failures(result) == [(2, "equity_pct", "150.0", "DQ-VALID-014")]


# ------------------------------------------------------------------------ plan errors


def _mutated(mutate) -> dict:
    data = copy.deepcopy(yaml.safe_load(quality.DEFAULT_PLAN.read_text(encoding="utf-8")))
    mutate(data)
    return data


def _entry(data: dict, code: str) -> dict:
    return next(c for s in data["streams"] for c in s["checks"] if c["code"] == code)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: _entry(d, "DQ-VALID-001").update(rule="positive"),
            r"check DQ-VALID-001: rule: 'positive' is not one of",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-001").update(severity="fatal"),
            r"check DQ-VALID-001: severity: 'fatal'",
        ),
        (lambda d: _entry(d, "DQ-VALID-001").update(level="file"), r"check DQ-VALID-001: level: 'file'"),
        (
            lambda d: _entry(d, "DQ-VALID-001").update(columns=["qty"]),
            r"check DQ-VALID-001: 'qty' is not a column of erp/fuel_consumption",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-001").update(column="quantity"),
            r"check DQ-VALID-001 \(non_negative\): unknown key\(s\) column",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-002").update(code="DQ-VALID-001"),
            r"stream 'fuel_consumption', check DQ-VALID-001: code already used",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-001").update(code="VALID-1"),
            r"check VALID-1: code must look like DQ-VALID-001",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-003").update(values_from="currencies"),
            r"check DQ-VALID-003: values_from 'currencies' is not a value list",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-004").update(values=[True, False]),
            r"check DQ-VALID-004: values: must be a list of strings",
        ),
        (
            lambda d: _entry(d, "DQ-VALID-014").update(min=100, max=0),
            r"check DQ-VALID-014: min is greater than max",
        ),
        (
            lambda d: _entry(d, "DQ-REF-001").update(reference={"dataset": "erp/sites", "column": "id"}),
            r"check DQ-REF-001: reference dataset 'erp/sites'",
        ),
        (
            lambda d: _entry(d, "DQ-REF-001").pop("column"),
            r"check DQ-REF-001: rule in_reference needs column",
        ),
        (
            lambda d: d["streams"][0].update(dataset="erp/fuel"),
            r"stream 'fuel_consumption': dataset 'erp/fuel' is not a dataset",
        ),
        (lambda d: d["streams"][0].update(method="guessed"), r"stream 'fuel_consumption': method: 'guessed'"),
        (
            lambda d: d["streams"][0].update(clause=6.3),
            r"stream 'fuel_consumption': clause: text required, got 6.3 \(quote it in YAML\)",
        ),
        (
            lambda d: d["streams"][0]["name"].pop("zh"),
            r"stream 'fuel_consumption': name: needs `en:` and `zh:`",
        ),
        (
            lambda d: d["streams"][1].update(id="fuel_consumption"),
            r"stream 'fuel_consumption': duplicate stream id",
        ),
        (lambda d: d["streams"][0].update(owner="me"), r"stream 'fuel_consumption': unknown key\(s\) owner"),
        (lambda d: d.update(version=2), r"`version: 1` expected"),
    ],
)
def test_plan_errors_name_the_bad_entry(mutate, message):
    with pytest.raises(PlanError, match=message):
        parse_plan(_mutated(mutate), source="plan.yml")


def test_a_plan_that_is_not_yaml_is_reported_with_its_path(tmp_path):
    bad = tmp_path / "plan.yml"
    bad.write_text("streams: [\n", encoding="utf-8")
    with pytest.raises(PlanError, match=r"plan\.yml: not valid YAML"):
        load_plan(bad)


# ------------------------------------------------------------------------ the GX context


def test_validating_every_plan_suite_leaves_great_expectations_yml_unchanged(gx_root):
    """A stream or measure added to the plan adds a GX asset: commit great_expectations.yml with it."""
    import duckdb

    from pipelines.lib.quality.review import review_findings
    from pipelines.lib.quality.warehouse_checks import MEASURES, validate_frame, validate_raw_counts

    before = (gx_root / "great_expectations.yml").read_bytes()
    plan = load_plan()
    refs = {k: set() for key in plan.dataset_keys for k in plan.reference_keys(key)}
    for key in plan.dataset_keys:
        validate_batch(key, pd.DataFrame(), plan=plan, reference_values=refs, context_root=gx_root)
    for name in {m.name for m in MEASURES.values()}:
        checks = [c for c in plan.checks_in("warehouse") if MEASURES[c.rule].name == name]
        validate_frame(pd.DataFrame(), checks, "quality__" + name, context_root=gx_root)
    con = duckdb.connect()
    validate_raw_counts(con, plan, context_root=gx_root)
    review_findings(con, plan, None, context_root=gx_root)
    assert (gx_root / "great_expectations.yml").read_bytes() == before
    assert sorted(p.name for p in gx_root.iterdir()) == [
        ".gitignore",
        "great_expectations.yml",
        "uncommitted",
    ]


def test_checkpoint_runs_update_the_data_docs_and_stay_quiet(gx_root, capfd):
    plan = load_plan()
    df = pd.DataFrame(
        {
            "meter_id": ["M1"],
            "reading_start": ["2024-01-01"],
            "reading_end": ["2024-02-01"],
            "quantity": [-5.0],
            "unit": ["kWh"],
        }
    )
    result = validate_batch(
        "energy/meter_readings",
        df,
        plan=plan,
        reference_values={"energy/meters.meter_id": {"M1"}},
        context_root=gx_root,
    )
    assert failures(result) == [(0, "quantity", "-5.0", "DQ-VALID-005")]
    out, err = capfd.readouterr()
    assert "Calculating Metrics" not in out + err  # GX's tqdm bars are off (great_expectations.yml)

    pages = list((gx_root / "uncommitted" / "data_docs" / "local_site" / "validations").rglob("*.html"))
    assert len(pages) == 1
    assert "DQ-VALID-005" in pages[0].read_text(encoding="utf-8")

    index = quality.build_data_docs(gx_root)
    assert index == gx_root / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert "energy__meter_readings" in index.read_text(encoding="utf-8")


def test_results_stored_without_docs_get_their_pages_from_build_data_docs(gx_root):
    plan = parse_plan(plan_data(check("non_negative", columns=["quantity"])))
    for q in (1.0, -1.0):
        validate_batch(
            FUEL, pd.DataFrame({"quantity": [q]}), plan=plan, context_root=gx_root, update_data_docs=False
        )
    site = gx_root / "uncommitted" / "data_docs" / "local_site"
    assert not site.exists()
    index = quality.build_data_docs(gx_root)
    assert index.is_file()
    assert len(list((site / "validations").rglob("*.html"))) == 2
    assert len(list((site / "expectations").rglob("*.html"))) == 1


def test_results_beyond_the_index_limit_move_to_the_archive_and_each_suite_keeps_its_newest(gx_root):
    """The store keeps the newest `validation_results_limit` results and each suite's newest one; the
    others move, byte for byte, to uncommitted/validations_archive/ (a run's cost must not grow with the
    number of runs before it)."""
    yml = gx_root / "great_expectations.yml"
    text = yml.read_text(encoding="utf-8")
    assert "validation_results_limit: 200" in text
    yml.write_text(
        text.replace("validation_results_limit: 200", "validation_results_limit: 2"), encoding="utf-8"
    )
    readings = "energy/meter_readings"
    validate_batch(readings, pd.DataFrame({"quantity": [1.0]}),
                   plan=parse_plan(plan_data(check("non_negative", columns=["quantity"]), dataset=readings)),
                   context_root=gx_root, update_data_docs=False)  # fmt: skip
    plan = parse_plan(plan_data(check("non_negative", columns=["quantity"])))
    for q in (1.0, -1.0, 2.0, -2.0, 3.0):
        validate_batch(
            FUEL, pd.DataFrame({"quantity": [q]}), plan=plan, context_root=gx_root, update_data_docs=False
        )
    store = gx_root / "uncommitted" / "validations"
    before = {p.relative_to(store): p.read_bytes() for p in store.rglob("*.json")}
    assert len(before) == 6
    index = quality.build_data_docs(gx_root)

    kept = {p.relative_to(store) for p in store.rglob("*.json")}
    archive = gx_root / "uncommitted" / "validations_archive"
    archived = {p.relative_to(archive): p.read_bytes() for p in archive.rglob("*.json")}
    newest_fuel = sorted(
        (k for k in before if k.parts[0] == "erp__fuel_consumption"), key=lambda k: k.parts[-2]
    )
    assert kept == {*newest_fuel[-2:], *(k for k in before if k.parts[0] == "energy__meter_readings")}
    assert archived == {k: v for k, v in before.items() if k in newest_fuel[:-2]}  # moved unchanged
    assert not [d for d in store.rglob("*") if d.is_dir() and not any(d.iterdir())]  # no empty run folders
    pages = list((gx_root / "uncommitted" / "data_docs" / "local_site" / "validations").rglob("*.html"))
    assert len(pages) == 2  # the index's two newest
    assert index.is_file()
    # a second build moves nothing more
    quality.build_data_docs(gx_root)
    assert {p.relative_to(store) for p in store.rglob("*.json")} == kept


def test_a_folder_without_great_expectations_yml_is_not_a_context(tmp_path):
    with pytest.raises(FileNotFoundError, match="no great_expectations.yml"):
        validate_batch(
            FUEL,
            pd.DataFrame({"quantity": [1.0]}),
            plan=parse_plan(plan_data(check("non_negative", columns=["quantity"]))),
            context_root=tmp_path,
        )


def test_gx_starts_without_building_scipy_stats_and_it_still_works_when_used(gx_root):
    """pipelines/lib/quality/gx_context.py: GX's KL-divergence and KS-test modules import scipy.stats on
    import; the context gives them a stand-in, so scipy.stats is built only when an expectation uses it,
    and then it is scipy's own (a fresh process: this one may have imported it already)."""
    import subprocess
    import sys

    code = f"""
import sys
from pathlib import Path
from pipelines.lib.quality.gx_context import GxContext
GxContext(Path({str(gx_root)!r}))
print("scipy.stats built on start:", "scipy.stats" in sys.modules)
from great_expectations.expectations.core import expect_column_kl_divergence_to_be_less_than as kl
print("entropy:", round(float(kl.stats.entropy([0.5, 0.5], [0.9, 0.1])), 6))
import scipy.stats
print("scipy's own:", "scipy.stats" in sys.modules and scipy.stats.entropy is kl.stats.entropy)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    # 0.5 ln(0.5/0.9) + 0.5 ln(0.5/0.1) = 0.5108256...
    assert out.splitlines() == ["scipy.stats built on start: False", "entropy: 0.510826", "scipy's own: True"]
