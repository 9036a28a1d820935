"""Base year and recalculation (docs/methods.md "Base year and recalculation"; T/CAS 612 6.5) against hand calculations.

One small landing goes through `carbon run`; the same warehouse is then rebuilt
with other carbon.yml settings (threshold, multi-year base) — the files are
unchanged, so only dbt runs again. Emissions are process CO2 with a group
factor of 1 tCO2 per tonne, so every figure below is worked out in whole tonnes.

The tree (every facility reports a process quantity in tonnes = tCO2):
  S1  subsidiary 100 %, always in:  F1 2020: 40  2021: 50  2023: 55
                                    F1B opened 2022 (organic growth): 2023: 7
  S2  acquired 2023-01-01:          F2 2020: 13  2021: 15  2023: 16
  S3  JV 50 %, joint control, no operational control, divested 2022-06-30:
                                    F3 2020: 8   2021: 10
  S4  acquired 2023-03-01, its plant existed in 2021 but no 2021 data:
                                    F4 2023: 3  -> a finding, not a guess
  S5  acquired 2023-01-01, plant opened 2022-05-01 (nothing to recalculate):
                                    F5 2023: 4
  F1 also bought 1 kg HFC-134a in 2020 (fugitive): 1.53 t CO2e under AR6 (GWP 1,530), 1.3 t under AR5 (1,300),
  so a change of GWP set moves the 2020 figures - the base year of the lock tests below.
"""

from __future__ import annotations

import csv
import json

import pytest
from conftest import SAMPLE_LANDING, header, run_carbon, run_pipeline, write_config, write_csv

ENTITY_HEADER = header("erp/entities")
FACILITY_HEADER = header("erp/facilities")
PROCESS_HEADER = header("erp/process_activity")
FACTOR_HEADER = header("reference/custom_factors")


def build_landing(root):
    write_csv(
        root / "erp/entities/entities.csv",
        ENTITY_HEADER,
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            ["S1", "Always in", "G001", "subsidiary", 100, "full", "true", "", ""],
            ["S2", "Acquired 2023", "G001", "subsidiary", 100, "full", "true", "2023-01-01", ""],
            ["S3", "Divested JV", "G001", "joint_venture", 50, "joint", "false", "", "2022-06-30"],
            [
                "S4",
                "Acquired without base-year data",
                "G001",
                "subsidiary",
                100,
                "full",
                "true",
                "2023-03-01",
                "",
            ],
            ["S5", "Acquired, plant built 2022", "G001", "subsidiary", 100, "full", "true", "2023-01-01", ""],
        ],
    )
    write_csv(
        root / "erp/facilities/facilities.csv",
        FACILITY_HEADER,
        [
            ["F1", "S1", "Plant 1", "CN", "Jiangsu", "", ""],
            ["F1B", "S1", "Plant 1B (new line)", "CN", "Jiangsu", "2022-01-01", ""],
            ["F2", "S2", "Plant 2", "CN", "Zhejiang", "", ""],
            ["F3", "S3", "JV plant", "CN", "Anhui", "", ""],
            ["F4", "S4", "Plant 4", "CN", "Hubei", "2015-01-01", ""],
            ["F5", "S5", "Plant 5", "CN", "Hubei", "2022-05-01", ""],
        ],
    )
    rows = []
    for facility, year, tonnes in [
        ("F1", 2020, 40),
        ("F1", 2021, 50),
        ("F1", 2023, 55),
        ("F1B", 2023, 7),
        ("F2", 2020, 13),
        ("F2", 2021, 15),
        ("F2", 2023, 16),
        ("F3", 2020, 8),
        ("F3", 2021, 10),
        ("F4", 2023, 3),
        ("F5", 2023, 4),
    ]:
        rows.append([facility, str(year), "test_kiln", tonnes, "t"])
    write_csv(root / "erp/process_activity/process.csv", PROCESS_HEADER, rows)
    write_csv(
        root / "reference/custom_factors/factors.csv",
        FACTOR_HEADER,
        [
            ["test_kiln", "t", "CO2", 1000, "", "", "", "test factor: 1 tCO2 per tonne"],
        ],
    )
    write_csv(
        root / "erp/refrigerants/refrigerants.csv",
        [
            "facility_id",
            "period",
            "gas",
            "inventory_decrease_kg",
            "purchased_kg",
            "disposed_kg",
            "capacity_increase_kg",
        ],
        [["F1", "2020", "HFC-134a", "", 1, "", ""]],
    )


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("baseline")
    build_landing(root / "landing")
    result = run_pipeline(
        root / "landing", root / "wh.duckdb", write_config(root / "carbon.yml", base_year=2021)
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    result.root = root
    return result


def base(run, approach: str, scope: str = "1") -> dict:
    cols = [
        "original_base_t",
        "recalculated_base_t",
        "applied_base_t",
        "change_pct",
        "is_recalculated",
        "base_year",
        "base_years",
    ]
    row = run.query(
        f"select {', '.join(cols)} from marts.fct_baseline where consolidation_approach = ? and scope = ?",
        [approach, scope],
    )
    assert len(row) == 1, row
    return dict(zip(cols, row[0], strict=True))


def log(run, approach: str) -> list[tuple]:
    return run.query(
        "select trigger_id, trigger_type, scope, trigger_status, effect_t, cumulative_effect_t, is_finding "
        "from marts.fct_baseline_recalculation_log where consolidation_approach = ? "
        "order by event_date, trigger_id",
        [approach],
    )


def test_acquisition_recalculates_the_base_year(baseline_run):
    # docs/methods.md M-BASE-02 check: base year 50 t; an entity that emitted 15 t in the
    # base year is acquired -> recalculated base 65 t (+30 % >= 5 %: applied).
    # Under operational control the divested JV (no operational control) weighs 0.
    b = base(baseline_run, "operational_control")
    assert b["original_base_t"] == pytest.approx(50, abs=1e-9)
    assert b["recalculated_base_t"] == pytest.approx(65, abs=1e-9)
    assert b["change_pct"] == pytest.approx(30, abs=1e-9)
    assert b["is_recalculated"] is True
    assert b["applied_base_t"] == pytest.approx(65, abs=1e-9)
    assert (b["base_year"], b["base_years"]) == (2021, "2021")


def test_divestment_and_acquisition_are_logged_with_cumulative_effect(baseline_run):
    # Equity share: original = 50 + 50 % x 10 (the JV, in the group all of 2021) = 55.
    # Divestment of S3 (2022-07-01): -5; acquisition of S2 (2023-01-01): +15;
    # cumulative -5 then +10; recalculated 65 = 55 + 10, change 10/55 = 18.18 %.
    b = base(baseline_run, "equity_share")
    assert b["original_base_t"] == pytest.approx(55, abs=1e-9)
    assert b["recalculated_base_t"] == pytest.approx(65, abs=1e-9)
    assert b["change_pct"] == pytest.approx(10 / 55 * 100, abs=1e-9)
    # (Scope 3 rows of the log carry no effect here: the JV's category 15 weighs equity - equity = 0)
    effects = [
        (t, s, e, c)
        for t, _, s, status, e, c, _ in log(baseline_run, "equity_share")
        if status == "recalculated" and s == "1"
    ]
    assert effects == [
        ("divestment:S3", "1", pytest.approx(-5, abs=1e-9), pytest.approx(-5, abs=1e-9)),
        ("acquisition:S2", "1", pytest.approx(15, abs=1e-9), pytest.approx(10, abs=1e-9)),
    ]


def test_missing_base_year_data_is_a_finding_not_a_guess(baseline_run):
    rows = {r[0]: r for r in log(baseline_run, "operational_control")}
    s4 = rows["acquisition:S4"]
    assert s4[3] == "missing_base_year_data" and s4[6] is True and s4[4] is None
    # S5's only plant opened after the base year: listed, nothing to recalculate, no finding.
    s5 = rows["acquisition:S5"]
    assert s5[3] == "no_base_year_operations" and s5[6] is False and s5[4] is None
    finding_count = baseline_run.scalar(
        "select finding_count from marts.fct_baseline where consolidation_approach = 'operational_control' "
        "and scope = '1'"
    )
    assert finding_count == 1


def test_organic_growth_and_new_facilities_never_trigger(baseline_run):
    # F1B opened in 2022 inside S1 and S1 grew from 50 t to 55 t: no trigger names S1.
    triggers = baseline_run.query("select distinct entity_id from marts.fct_baseline_recalculation_log")
    assert {t[0] for t in triggers} == {"S2", "S3", "S4", "S5"}


def test_change_below_threshold_keeps_the_original(baseline_run, tmp_path):
    # Threshold 50 %: operational control changes by 30 % -> not recalculated,
    # the applied base stays 50 t; the log still records the +15 t trigger.
    config = write_config(tmp_path / "carbon.yml", base_year=2021, recalculation_threshold_pct=50)
    rerun = run_pipeline(baseline_run.root / "landing", baseline_run.warehouse, config)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    b = base(rerun, "operational_control")
    assert b["recalculated_base_t"] == pytest.approx(65, abs=1e-9)
    assert b["is_recalculated"] is False
    assert b["applied_base_t"] == pytest.approx(50, abs=1e-9)


def test_multi_year_average_base(baseline_run, tmp_path):
    # base_year [2020, 2021], operational control (2020 has F1's 1.53 t of HFC-134a under AR6):
    # original     = ((40 + 1.53) + 50) / 2 = 45.765
    # recalculated = ((40 + 1.53 + 13) + (50 + 15)) / 2 = 59.765; S2's effect (13 + 15) / 2 = 14
    config = write_config(tmp_path / "carbon.yml", base_year=[2020, 2021])
    rerun = run_pipeline(baseline_run.root / "landing", baseline_run.warehouse, config)
    assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr[-3000:]
    b = base(rerun, "operational_control")
    assert (b["base_year"], b["base_years"]) == (2020, "2020,2021")
    assert b["original_base_t"] == pytest.approx(45.765, abs=1e-9)
    assert b["recalculated_base_t"] == pytest.approx(59.765, abs=1e-9)
    s2 = [r for r in log(rerun, "operational_control") if r[0] == "acquisition:S2"]
    assert s2[0][4] == pytest.approx(14, abs=1e-9)


def _lock(run, year: int) -> None:
    proc = run_carbon("lock", "--year", str(year), "--warehouse", str(run.warehouse))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _same_cause_in_both_places(run, lock_id: str) -> tuple[str, str]:
    """The restatements of a lock's figures (recorded by `carbon run` after dbt) and the base-year trigger of
    that lock (built by dbt) name one cause type and one cause sentence; returns them."""
    restated = run.query(
        "select distinct cause_type, cause from marts.fct_restatements where lock_id = ?", [lock_id]
    )
    triggers = run.query(
        "select distinct trigger_type, cause_detail from marts.fct_baseline_recalculation_log "
        "where trigger_id like ? || ':' || ?",
        ["%", lock_id],
    )
    assert len(restated) == 1, restated
    assert restated == triggers
    return restated[0]


def test_method_change_and_error_correction_since_a_locked_base_year(baseline_run, tmp_path):
    # Base year 2020, locked under AR6: operational control Scope 1 = 40 + 1.53 (HFC-134a) = 41.53 t.
    config = write_config(tmp_path / "ar6.yml", base_year=2020)
    run = run_pipeline(baseline_run.root / "landing", baseline_run.warehouse, config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    _lock(run, 2020)
    # 1) GWP set AR6 -> AR5: the 2020 HFC-134a weighs 1.3 t, so the base year as computed now is 41.3 t.
    #    method_change effect 41.3 - 41.53 = -0.23; S2's acquisition +13;
    #    original (the locked figure) 41.53, recalculated 41.3 + 13 = 54.3.
    ar5 = write_config(tmp_path / "ar5.yml", base_year=2020, gwp_set="AR5")
    run = run_pipeline(baseline_run.root / "landing", baseline_run.warehouse, ar5)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    b = base(run, "operational_control")
    assert b["original_base_t"] == pytest.approx(41.53, abs=1e-9)
    assert b["recalculated_base_t"] == pytest.approx(54.3, abs=1e-9)
    rows = run.query(
        "select trigger_id, trigger_type, effect_t, cause_detail from marts.fct_baseline_recalculation_log "
        "where consolidation_approach = 'operational_control' and trigger_type = 'method_change'"
    )
    assert len(rows) == 1
    assert rows[0][:2] == ("method_change:2020-v1", "method_change")
    assert rows[0][2] == pytest.approx(-0.23, abs=1e-9)
    assert rows[0][3] == "GWP set AR6 → AR5"
    # the restatements of the locked 2020 figures name the same cause
    assert _same_cause_in_both_places(run, "2020-v1") == ("method_change", "GWP set AR6 → AR5")
    # 2) Lock again under AR5 (2020-v2: 41.3 t), then correct F1's 2020 quantity 40 -> 42 t:
    #    error_correction +2; original 41.3 (the newest lock), recalculated 43.3 + 13 = 56.3.
    _lock(run, 2020)
    process = baseline_run.root / "landing/erp/process_activity/process.csv"
    process.write_text(
        process.read_text(encoding="utf-8").replace("F1,2020,test_kiln,40,t", "F1,2020,test_kiln,42,t"),
        encoding="utf-8",
    )
    run = run_pipeline(baseline_run.root / "landing", baseline_run.warehouse, ar5)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    b = base(run, "operational_control")
    assert b["original_base_t"] == pytest.approx(41.3, abs=1e-9)
    assert b["recalculated_base_t"] == pytest.approx(56.3, abs=1e-9)
    rows = run.query(
        "select trigger_id, effect_t from marts.fct_baseline_recalculation_log "
        "where consolidation_approach = 'operational_control' and trigger_type = 'error_correction'"
    )
    assert rows == [("error_correction:2020-v2", pytest.approx(2, abs=1e-9))]
    # the restatement of the locked 2020 figure names the corrected file
    causes = run.query(
        "select distinct cause from marts.fct_restatements where reporting_year = 2020 "
        "and lock_id = '2020-v2'"
    )
    assert causes and all("erp/process_activity/process.csv" in c[0] for c in causes)
    assert _same_cause_in_both_places(run, "2020-v2") == (
        "error_correction",
        "Input file changed: erp/process_activity/process.csv",
    )


def test_a_changed_custom_factor_file_is_one_factor_change_for_the_trigger_and_the_restatements(tmp_path):
    # Base year 2020 locked, then the group's kiln factor goes from 1,000 to 1,100 kg CO2 per tonne: F1's 40 t
    # of 2020 weigh 44 t. Operational control Scope 1 of 2020: locked 40 + 1.53 (HFC-134a) = 41.53 t, now
    # 45.53 t; the trigger's effect on the base year (S1 only in 2020) is +4 t, and both the trigger and the
    # restatements name the custom factor file as the cause, of type factor_change.
    landing = tmp_path / "landing"
    build_landing(landing)
    config = write_config(tmp_path / "carbon.yml", base_year=2020)
    run = run_pipeline(landing, tmp_path / "wh.duckdb", config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    _lock(run, 2020)
    factors = landing / "reference/custom_factors/factors.csv"
    factors.write_text(factors.read_text(encoding="utf-8").replace(",1000,", ",1100,"), encoding="utf-8")
    run = run_pipeline(landing, tmp_path / "wh.duckdb", config)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert _same_cause_in_both_places(run, "2020-v1") == (
        "factor_change",
        "Input file changed: reference/custom_factors/factors.csv",
    )
    effect = run.query(
        "select effect_t from marts.fct_baseline_recalculation_log "
        "where trigger_id = 'factor_change:2020-v1' and consolidation_approach = 'operational_control' "
        "and scope = '1'"
    )
    assert effect == [(pytest.approx(4, abs=1e-9),)]
    restated = run.query(
        "select old_co2e_t, new_co2e_t, cause_json from marts.fct_restatements where reporting_year = 2020 "
        "and consolidation_approach = 'operational_control' and scope = '1'"
    )
    assert [r[:2] for r in restated] == [(pytest.approx(41.53, abs=1e-9), pytest.approx(45.53, abs=1e-9))]
    assert json.loads(restated[0][2]) == {"files_changed": ["reference/custom_factors/factors.csv"]}


def test_sample_group_acquisition_and_divestment_recalculate_its_base_year(sample_run):
    # Huayuan: S300 acquired 2023-07-01 (its 2021 data is in the landing zone),
    # S400 divested 2022-09-30; base year 2021, threshold 5 %.
    # and methods changed since 2021 (docs/methods.md M-BASE-03): the residual mix first published for 2022 replaces
    # the location fallback, suppliers V010001 (2023) and V030001 (2024) send product footprints, the
    # DESNZ 2024 edition replaces 2023 in categories 3-9 (one 2021 commuting record in passenger.km has
    # no 2024 counterpart: a finding, kept as reported)
    triggers = sample_run.query(
        "select distinct trigger_id, trigger_status from marts.fct_baseline_recalculation_log"
    )
    editions = {
        (f"factor_edition:scope3:cat{n}:{source}:desnz_2023>desnz_2024", "recalculated")
        for n, source in (
            (3, "fuel_wtt"),
            (4, "upstream_transport"),
            (5, "waste"),
            (6, "business_travel"),
            (9, "downstream_transport"),
        )
    }
    assert (
        set(triggers)
        == {
            ("acquisition:S300", "recalculated"),
            ("divestment:S400", "recalculated"),
            ("factor_published:scope2:market:purchased_electricity:cn_grid>cn_grid", "recalculated"),
            ("supplier_specific_data:V010001", "recalculated"),
            ("supplier_specific_data:V030001", "recalculated"),
            ("factor_edition:scope3:cat7:employee_commuting:desnz_2023>desnz_2024", "partly_recalculated"),
        }
        | editions
    )
    # by hand from the landing files: V010001's 2021 hot-rolled coil (t) priced at its 2023 footprint,
    # 1,980 kg/t (supplier_footprints.csv), instead of the group's 2021 average factor, 2,150 kg/t
    # (custom_factors.csv); every buying entity is 100 % controlled today
    with (SAMPLE_LANDING / "procurement" / "purchases" / "purchases_2021.csv").open(encoding="utf-8") as f:
        coil_t = sum(
            float(r["quantity"])
            for r in csv.DictReader(f)
            if r["supplier_id"] == "V010001" and r["category_code"] == "RM-STL-HRC"
        )
    supplier_effect = sample_run.scalar(
        "select effect_t from marts.fct_baseline_recalculation_log where trigger_id = "
        "'supplier_specific_data:V010001' and consolidation_approach = 'operational_control'"
    )
    assert supplier_effect == pytest.approx(coil_t * (1.980 - 2.150), rel=1e-9)
    assert supplier_effect == pytest.approx(-13_570.564, abs=1e-3)
    rows = sample_run.query(
        "select scope, scope2_method, original_base_t, recalculated_base_t, applied_base_t, is_recalculated "
        "from marts.fct_baseline where consolidation_approach = 'operational_control'"
    )
    assert {(r[0], r[1]) for r in rows} == {("1", None), ("2", "location"), ("2", "market"), ("3", None)}
    for scope, method, original, recalculated, applied, is_recalculated in rows:
        # the recalculated base is the original plus the logged effects, exactly
        effects = sample_run.scalar(
            "select sum(effect_t) from marts.fct_baseline_recalculation_log where consolidation_approach = "
            "'operational_control' and scope = ? and scope2_method is not distinct from ?",
            [scope, method],
        )
        assert original + effects == pytest.approx(recalculated, rel=1e-12)
        assert applied == (recalculated if is_recalculated else original)
    # Scope 1: the acquired S300's own 2021 Scope 1 joins the base year
    s300 = sample_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where entity_id = 'S300' and reporting_year = 2021 "
        "and scope = '1'"
    )
    effect = sample_run.scalar(
        "select effect_t from marts.fct_baseline_recalculation_log where trigger_id = 'acquisition:S300' "
        "and consolidation_approach = 'operational_control' and scope = '1'"
    )
    assert effect == pytest.approx(s300, rel=1e-12) and s300 > 0
    # `carbon run` (make run) prints the base year, target progress and the net position
    for title in (
        "基准年 Base year 2021",
        "目标进展 Target progress",
        "碳资产与净排放 Carbon position",
        "Acquisition of S300",
        "Divestment of S400",
    ):
        assert title in sample_run.stdout, title
