"""Every calculation rule of the inventory engine is pinned by a dbt unit test.

The dbt unit tests (``unit_tests:`` blocks next to the models) feed hand-made
rows to one model and compare its output with a hand calculation from the
standard. Here we check that a unit test exists for each rule of docs/methods.md
"Gases, GWP and CO2e", "Scope 1", "Scope 2", "Factor registry and selection" and "Boundary and consolidation", in the YAML of its folder, still pins the hand-calculated
number, uses the shipped seed values where it claims to, and that all unit
tests pass when dbt runs them against a warehouse built by the pipeline.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, SAMPLE_CONFIG

from pipelines.lib.settings import load_settings

DBT_PROJECT = REPO / "dbt_project"
SEEDS = REPO / "seeds"
DBT = str(Path(sys.executable).parent / "dbt")

BOUNDARY = "models/intermediate/boundary/_boundary__models.yml"
FACTORS = "models/intermediate/factors/_factors__models.yml"
SCOPE1 = "models/intermediate/scope1/_scope1__models.yml"
SCOPE2 = "models/intermediate/scope2/_scope2__models.yml"
EMISSIONS = "models/intermediate/emissions/_emissions__models.yml"
SCOPE3 = "models/intermediate/scope3/_scope3__models.yml"

# rule -> (YAML of the model's folder, model, unit test)
RULES: dict[str, tuple[str, str, str]] = {
    "equity share / financial / operational control: Holland Industries 0.415 / 0.5 / 0": (
        BOUNDARY,
        "int_entity_weights",
        "holland_industries_weights",
    ),
    "fixed_asset_investment weighs 0 equity share, and so does its chain": (
        BOUNDARY,
        "int_entity_weights",
        "entity_weights_link_factors_multiply_down_the_chain",
    ),
    "window in the group = intersection of the chain's valid_from / valid_to": (
        BOUNDARY,
        "int_entity_weights",
        "entity_window_is_the_intersection_of_the_chain_windows",
    ),
    "membership_fraction, annual data by days (acquired 2023-07-01: 184/365)": (
        EMISSIONS,
        "int_emission_lines_weighted__others",
        "annual_data_prorated_by_days_in_the_group",
    ),
    "membership_fraction, monthly data in whole months": (
        EMISSIONS,
        "int_emission_lines_weighted__others",
        "monthly_data_counts_whole_months_in_the_group",
    ),
    "Scope 2 calendarisation: 300 MWh 26 Dec - 25 Jan = 60 Dec / 240 Jan": (
        SCOPE2,
        "int_energy_reading_pieces",
        "reading_across_new_year_split_by_days",
    ),
    "Scope 2 calendarisation: exclusive end, split by elapsed time": (
        SCOPE2,
        "int_energy_reading_pieces",
        "reading_split_at_month_ends_by_elapsed_time",
    ),
    "interval readings summed exactly per meter x month, estimated apart": (
        SCOPE2,
        "int_energy_consumption_monthly",
        "meter_month_sums_its_readings_exactly",
    ),
    "fugitive mass balance per gas": (SCOPE1, "int_fugitive_emissions", "fugitive_mass_balance_per_gas"),
    "blend GWP = sum of mass fraction x component GWP (R-410A 1923.5 / 2255.5)": (
        FACTORS,
        "int_gwp_values",
        "refrigerant_blend_gwp_is_the_mass_weighted_sum_of_its_components",
    ),
    "fossil / non-fossil CH4 GWP": (FACTORS, "int_gwp_values", "methane_gwp_fossil_and_non_fossil"),
    "CO2e = mass x GWP of the configured set, AR5": (
        EMISSIONS,
        "int_emission_lines_weighted__others",
        "r410a_co2e_under_ar5",
    ),
    "CO2e = mass x GWP of the configured set, AR6": (
        EMISSIONS,
        "int_emission_lines_weighted__others",
        "r410a_co2e_under_ar6",
    ),
    "combustion, GB/T 32150 defaults (100 x 10^4 Nm3 natural gas = 2162.1888 tCO2)": (
        SCOPE1,
        "int_fuel_combustion",
        "natural_gas_and_diesel_combustion_match_gbt32150_defaults",
    ),
    "combustion CH4 / N2O from IPCC 2006 defaults": (
        SCOPE1,
        "int_fuel_combustion",
        "natural_gas_combustion_non_co2_from_ipcc_defaults",
    ),
    "combustion, measured NCV / CC override the defaults": (
        SCOPE1,
        "int_fuel_combustion",
        "measured_ncv_and_carbon_content_override_the_defaults",
    ),
    "factor selection: custom > province > country > global, year fallback flagged": (
        SCOPE1,
        "int_process_activity_factored",
        "factor_selection_custom_then_province_then_country_then_global",
    ),
    "market-based: pooled GEC split pro rata to uncovered MWh": (
        SCOPE2,
        "int_scope2_instrument_allocation",
        "test_pooled_certificates_split_pro_rata_to_uncovered_mwh",
    ),
    "factor editions: the activity year's edition; later years the latest, earlier years the first, flagged": (
        SCOPE3,
        "int_scope3_candidates_factored__activities",
        "scope3_factor_edition_matches_the_activity_year",
    ),
    "a custom factor in a unit the source row reaches wins over a shipped one": (
        SCOPE3,
        "int_scope3_candidates_factored__activities",
        "scope3_custom_factor_per_passenger_km_wins_over_shipped_per_vehicle_km",
    ),
    "market-based: residual factor for uncovered MWh": (
        SCOPE2,
        "int_scope2_market",
        "test_market_rows_split_pieces_and_apply_residual_mix",
    ),
    "market-based: unused MWh never negative": (
        SCOPE2,
        "int_scope2_instrument_allocation",
        "test_unused_mwh_is_never_negative",
    ),
}


def unit_tests_in(relative_path: str) -> dict[str, dict]:
    data = yaml.safe_load((DBT_PROJECT / relative_path).read_text(encoding="utf-8")) or {}
    return {t["name"]: t for t in data.get("unit_tests") or []}


def unit_test(relative_path: str, name: str) -> dict:
    return unit_tests_in(relative_path)[name]


def expected_row(test: dict, **match) -> dict:
    rows = [r for r in test["expect"]["rows"] if all(r.get(k) == v for k, v in match.items())]
    assert len(rows) == 1, f"{test['name']}: expected exactly one row matching {match}, found {rows}"
    return rows[0]


def given_rows(test: dict, relation: str) -> list[dict]:
    for given in test["given"]:
        if given["input"] == f"ref('{relation}')":
            return given["rows"]
    raise AssertionError(f"{test['name']} has no input ref('{relation}')")


def seed_rows(name: str) -> list[dict]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("rule", list(RULES))
def test_each_rule_has_a_unit_test_in_its_folder_yaml(rule):
    path, model, name = RULES[rule]
    tests = unit_tests_in(path)
    assert name in tests, f"{rule}: no unit test {name!r} in {path}"
    assert tests[name]["model"] == model
    assert tests[name]["expect"]["rows"], f"{rule}: the unit test expects no rows"
    assert tests[name].get("description"), f"{rule}: say the hand calculation in the description"


def test_unit_tests_pin_the_hand_calculations():
    holland = unit_test(BOUNDARY, "holland_industries_weights")
    jv = expected_row(holland, entity_id="J")
    assert (jv["weight_equity_share"], jv["weight_financial_control"], jv["weight_operational_control"]) == (
        0.83 * 0.50,
        0.5,
        0.0,
    )
    assert jv["weight_equity_share"] == 0.415
    chain = unit_test(BOUNDARY, "entity_weights_link_factors_multiply_down_the_chain")
    assert expected_row(chain, entity_id="X")["weight_equity_share"] == 0.0  # 20 % fixed asset investment
    windows = unit_test(BOUNDARY, "entity_window_is_the_intersection_of_the_chain_windows")
    jv_window = expected_row(windows, entity_id="J")
    assert (str(jv_window["in_group_from_date"]), str(jv_window["in_group_to_date"])) == (
        "2021-03-15",
        "2023-09-30",
    )

    annual = unit_test(EMISSIONS, "annual_data_prorated_by_days_in_the_group")
    assert expected_row(annual, source_record_key="acquired")["in_group_fraction"] == 184 / 365
    assert expected_row(annual, source_record_key="sold")["in_group_fraction"] == 90 / 365
    monthly = unit_test(EMISSIONS, "monthly_data_counts_whole_months_in_the_group")
    assert [
        expected_row(monthly, source_record_key=m)["in_group_fraction"] for m in ("jun", "jul", "oct", "nov")
    ] == [0.0, 1.0, 1.0, 0.0]

    calendar = unit_test(SCOPE2, "reading_across_new_year_split_by_days")
    assert expected_row(calendar, period_start="2022-12-01")["piece_quantity"] == 300 * 6 / 30 == 60
    assert expected_row(calendar, period_start="2023-01-01")["piece_quantity"] == 300 * 24 / 30 == 240
    monthly = unit_test(SCOPE2, "meter_month_sums_its_readings_exactly")
    assert expected_row(monthly, period="2023-01")["energy_mwh"] == 24 + 0.25
    assert expected_row(monthly, period="2023-01")["covered_seconds"] == 86_400 + 900

    fugitive = unit_test(SCOPE1, "fugitive_mass_balance_per_gas")
    assert expected_row(fugitive, source_record_key="balance")["emitted_kg"] == 2 + 10 - 1 - 3
    assert expected_row(fugitive, source_record_key="one_kg")["gas_mass_t"] == 0.001
    assert expected_row(fugitive, source_record_key="negative")["calc_status"] == "negative_mass_balance"

    blend = unit_test(FACTORS, "refrigerant_blend_gwp_is_the_mass_weighted_sum_of_its_components")
    assert expected_row(blend, gas_key="R410A", gwp_set="AR5")["gwp_100"] == 0.5 * 677 + 0.5 * 3170 == 1923.5
    assert expected_row(blend, gas_key="R410A", gwp_set="AR6")["gwp_100"] == 0.5 * 771 + 0.5 * 3740 == 2255.5
    for gwp_set, gwp in (("AR5", 1923.5), ("AR6", 2255.5)):
        test = unit_test(EMISSIONS, f"r410a_co2e_under_{gwp_set.lower()}")
        assert test["overrides"]["vars"]["gwp_set"] == gwp_set
        # 1 kg R-410A = gwp kg CO2e
        assert expected_row(test, source_record_key="leak")["co2e_t"] * 1000 == pytest.approx(gwp, abs=1e-9)

    combustion = unit_test(SCOPE1, "natural_gas_and_diesel_combustion_match_gbt32150_defaults")
    assert round(expected_row(combustion, source_record_key="gas_1")["co2_t"], 4) == 2162.1888
    assert round(expected_row(combustion, source_record_key="diesel_1")["co2_t"], 4) == 309.5910
    measured = unit_test(SCOPE1, "measured_ncv_and_carbon_content_override_the_defaults")
    ncv = expected_row(measured, source_record_key="ncv")
    assert ncv["parameter_basis"] == "measured_ncv"
    assert ncv["co2_t"] == pytest.approx(100 * 380 * 0.0153 * 0.99 * 44 / 12, rel=1e-12)

    selection = unit_test(SCOPE1, "factor_selection_custom_then_province_then_country_then_global")
    chosen = {r["source_record_key"]: r["factor_id"] for r in selection["expect"]["rows"]}
    assert chosen["p_custom"] == "c_all"  # custom before shipped province / country / global
    assert chosen["p_province"] == "p_shipped"
    assert chosen["p_country"] == "n_country"
    assert chosen["p_global"] == "g_global"
    assert expected_row(selection, source_record_key="p_fallback")["is_factor_year_fallback"] is True
    assert expected_row(selection, source_record_key="p_newest")["is_factor_year_fallback"] is False

    pool = unit_test(SCOPE2, "test_pooled_certificates_split_pro_rata_to_uncovered_mwh")
    assert expected_row(pool, facility_id="A")["allocated_mwh"] == 300 * 400 / 600
    assert expected_row(pool, facility_id="B")["allocated_mwh"] == 300 * 200 / 600
    market = unit_test(SCOPE2, "test_market_rows_split_pieces_and_apply_residual_mix")
    residual = expected_row(market, source_record_key="r3")
    assert residual["method"] == "market_residual_mix"
    assert residual["co2_t"] == pytest.approx(200 * 0.5856)
    for test in unit_tests_in(SCOPE2).values():
        if test["model"] == "int_scope2_instrument_allocation":
            for row in test["expect"]["rows"]:
                assert row.get("instrument_unused_mwh", 0) >= 0, (test["name"], row)


def test_factor_edition_and_unit_reach_unit_tests_pin_the_hand_calculations():
    editions = unit_test(SCOPE3, "scope3_factor_edition_matches_the_activity_year")
    chosen = {r["candidate_id"]: r for r in editions["expect"]["rows"]}
    # the edition valid for the year (2023, 2024); 2021 the first edition, 2025 the latest earlier one
    assert [chosen[c]["factor_year_from"] for c in ("f2021c", "f2023c", "f2024c", "f2025c")] == [
        2023,
        2023,
        2024,
        2024,
    ]
    assert [chosen[c]["is_factor_year_fallback"] for c in ("f2021c", "f2023c", "f2024c", "f2025c")] == [
        True,
        False,
        False,
        True,
    ]
    assert (
        chosen["latec"]["factor_year_from"] is None
    )  # validity after the year, not a first edition: never used

    reach = unit_test(SCOPE3, "scope3_custom_factor_per_passenger_km_wins_over_shipped_per_vehicle_km")
    custom = expected_row(reach, candidate_id="c_custom_p")
    assert (custom["is_chosen"], custom["factor_is_custom"], custom["factor_unit"]) == (
        True,
        True,
        "passenger.km",
    )
    assert expected_row(reach, candidate_id="c_custom_v")["is_chosen"] is False
    assert expected_row(reach, candidate_id="c_shipped_v")["is_chosen"] is True

    # the chosen version's gases, in tonnes: the custom passenger.km factor, and EPA per gas re-priced
    gases = unit_test(SCOPE3, "scope3_chosen_version_expands_to_its_gases")
    commute = expected_row(gases, source_record_key="c1")
    assert (commute["factor_id"], commute["gas_mass_t"]) == (
        "custom_car",
        pytest.approx(21_150_000 * 0.1 / 1000),
    )
    spend = {r["gas"]: r["gas_mass_t"] for r in gases["expect"]["rows"] if r["source_record_key"] == "p2"}
    usd_2022 = 1086.9565217391305 * 292.655 / 304.702
    assert spend == {
        "CO2": pytest.approx(usd_2022 * 0.4 / 1000, rel=1e-12),
        "CH4": pytest.approx(usd_2022 * 0.002 / 1000, rel=1e-12),
        "N2O": pytest.approx(usd_2022 * 0.0001 / 1000, rel=1e-12),
    }

    desnz = unit_test(FACTORS, "scope3_desnz_per_gas_values_become_gas_masses")
    shipped_2024 = {(r["factor_key"], r["gas"]): r for r in seed_rows("desnz_conversion_factors_2024_scope3")}
    for row in given_rows(desnz, "desnz_conversion_factors_2024_scope3"):
        assert row["kg_co2e_per_unit"] == float(
            shipped_2024[(row["factor_key"], row["gas"])]["kg_co2e_per_unit"]
        )


def test_combustion_unit_tests_use_the_shipped_seed_values():
    """The parameters given to the combustion unit tests are those of the seeds, not look-alikes."""
    defaults = {r["fuel"]: r for r in seed_rows("cn_fuel_defaults")}
    properties = {r["fuel"]: r for r in seed_rows("fuel_properties")}
    units = {r["unit"]: r for r in seed_rows("units")}
    for test in unit_tests_in(SCOPE1).values():
        if test["model"] != "int_fuel_combustion":
            continue
        for row in given_rows(test, "int_fuel_parameters"):
            seed = defaults[row["fuel"]]
            assert row["ncv_gj_per_unit"] == float(seed["ncv"]), (test["name"], row["fuel"])
            assert row["carbon_content_tc_per_gj"] == float(seed["carbon_content_tc_per_gj"])
            assert row["oxidation_fraction"] == float(seed["oxidation_fraction"])
            assert row["canonical_unit"] == properties[row["fuel"]]["canonical_unit"]
        for row in given_rows(test, "units"):
            seed = units[row["unit"]]
            assert (row["dimension"], row["canonical_unit"], float(row["factor_to_canonical"])) == (
                seed["dimension"],
                seed["canonical_unit"],
                float(seed["factor_to_canonical"]),
            )
    blend = unit_test(FACTORS, "refrigerant_blend_gwp_is_the_mass_weighted_sum_of_its_components")
    ipcc = {r["Species"]: r for r in seed_rows("ipcc_gwp100")}
    for row in given_rows(blend, "ipcc_gwp100"):
        for column in ("AR4GWP100", "AR5GWP100", "AR6GWP100"):
            assert row[column] == float(ipcc[row["Species"]][column]), (row["Species"], column)
    shipped_r410a = {
        r["component"]: float(r["mass_fraction"])
        for r in seed_rows("refrigerant_blends")
        if r["blend"] == "R-410A"
    }
    given_r410a = {
        r["component"]: r["mass_fraction"]
        for r in given_rows(blend, "refrigerant_blends")
        if r["blend"] == "R-410A"
    }
    assert given_r410a == shipped_r410a == {"HFC32": 0.5, "HFC125": 0.5}


@pytest.mark.slow
def test_dbt_unit_tests_pass(sample_run, tmp_path):
    """`dbt test --select test_type:unit` against a copy of the sample warehouse, with the pipeline's vars."""
    warehouse = tmp_path / "carbon.duckdb"
    # a copy: other tests read the session's warehouse while this runs
    shutil.copyfile(sample_run.warehouse, warehouse)
    wal = sample_run.warehouse.with_name(sample_run.warehouse.name + ".wal")
    if wal.exists():
        shutil.copyfile(wal, warehouse.with_name(warehouse.name + ".wal"))
    target = tmp_path / "target"
    env = dict(os.environ, CARBON_WAREHOUSE=str(warehouse), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    proc = subprocess.run(
        [
            DBT,
            "test",
            "--select",
            "test_type:unit",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(target),
            "--log-path",
            str(tmp_path / "logs"),
            "--vars",
            load_settings(SAMPLE_CONFIG).dbt_vars_json(),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=900,
    )
    results_path = target / "run_results.json"
    assert results_path.exists(), proc.stdout[-4000:] + proc.stderr[-4000:]
    results = json.loads(results_path.read_text(encoding="utf-8"))["results"]
    status = {
        r["unique_id"].rsplit(".", 1)[-1]: r["status"]
        for r in results
        if r["unique_id"].startswith("unit_test.")
    }
    for rule, (_, _, name) in RULES.items():
        assert status.get(name) == "pass", f"{rule}: unit test {name} is {status.get(name)}"
    failed = {name: s for name, s in status.items() if s != "pass"}
    assert not failed, f"failing unit tests {failed}\n{proc.stdout[-6000:]}"
    assert proc.returncode == 0, proc.stdout[-4000:]


@pytest.mark.slow
def test_row_rules_name_each_broken_rule_and_its_failing_rows(sample_run, tmp_path):
    """The model-level column rules (tests/generic/row_rules.sql) fail on every kind of break and say
    which: in a copy of the sample's fct_emissions, two nulls in co2e_t and one in factor_id, one row's
    scope outside its accepted values and one emission_id given to a second row."""
    import duckdb

    warehouse = tmp_path / "carbon.duckdb"
    shutil.copyfile(sample_run.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    ids = [
        r[0] for r in con.execute("select emission_id from marts.fct_emissions order by 1 limit 3").fetchall()
    ]
    # fct_emissions is a view: the rows live in the two intermediate tables it selects
    for table in ("int_emission_lines_weighted__others", "int_emission_lines_weighted__purchases"):
        con.execute(f"update intermediate.{table} set co2e_t = null where emission_id in (?, ?)", ids[:2])
        con.execute(f"update intermediate.{table} set factor_id = null where emission_id = ?", [ids[0]])
        con.execute(f"update intermediate.{table} set scope = 'X' where emission_id = ?", [ids[1]])
        con.execute(
            f"update intermediate.{table} set emission_id = ? where emission_id = ?", [ids[0], ids[2]]
        )
    con.close()
    target = tmp_path / "target"
    proc = subprocess.run(
        [DBT, "test", "--select", "fct_emissions,test_name:row_rules", "--store-failures",
         "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT), "--target-path", str(target),
         "--log-path", str(tmp_path / "logs"), "--vars", load_settings(SAMPLE_CONFIG).dbt_vars_json()],
        capture_output=True, text=True, cwd=REPO, timeout=900,
        env=dict(os.environ, CARBON_WAREHOUSE=str(warehouse)),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    # the one test (the project's on-run-start hook, macros/build_state.sql, is an operation beside it)
    [result] = [r for r in results if r["unique_id"].startswith("test.")]
    assert result["unique_id"].startswith("test.carbon_ledger.row_rules_fct_emissions.")
    assert result["status"] == "fail" and result["failures"] == 4  # four rules broken
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        [(schema, table)] = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_name = 'row_rules_fct_emissions'").fetchall()  # fmt: skip
        rows = con.execute(f'select rule, about, failing from "{schema}"."{table}" order by 1, 2').fetchall()
    finally:
        con.close()
    assert rows == [
        ("accepted_values", "scope in (1, 2, 3, biogenic)", 1),
        ("not_null", "co2e_t", 2),
        ("not_null", "factor_id", 1),
        ("unique", "emission_id", 1),  # one id held by two rows
    ]
