"""The inventory against hand calculations from the published formulas.

A small landing folder written here goes through the real pipeline once; each
test compares a mart figure with the number worked out by hand in its comment.
"""

from __future__ import annotations

import pytest
from conftest import run_pipeline, write_config, write_csv

ENTITY_HEADER = ["entity_id", "entity_name", "parent_entity_id", "relationship", "equity_pct",
                 "financial_control", "operational_control", "valid_from", "valid_to"]
FACILITY_HEADER = ["facility_id", "entity_id", "facility_name", "country", "province", "opened_on", "closed_on"]
FUEL_HEADER = ["record_id", "facility_id", "period", "fuel", "quantity", "unit", "use",
               "measured_ncv_gj_per_unit", "measured_carbon_content_tc_per_gj"]
METER_HEADER = ["meter_id", "facility_id", "energy_type", "supply", "unit", "accuracy_class",
                "last_calibrated_on", "calibration_interval_months"]
READING_HEADER = ["meter_id", "reading_start", "reading_end", "quantity", "unit", "is_estimated"]


def build_landing(root):
    # Holland Industries (GHG Protocol Corporate Standard, Table 2): the root
    # holds 83 % of Holland (full financial control, operational control),
    # which holds 50 % of a joint venture with joint control.
    write_csv(root / "erp/entities/entities.csv", ENTITY_HEADER, [
        ["G001", "Group", "", "root", 100, "full", "true", "", ""],
        ["HOL", "Holland Industries", "G001", "subsidiary", 83, "full", "true", "", ""],
        ["JV1", "Joint venture", "HOL", "joint_venture", 50, "joint", "false", "", ""],
        ["ACQ", "Acquired mid-2023", "G001", "subsidiary", 100, "full", "true", "2023-07-01", ""],
        ["FAI", "Fixed asset investment", "G001", "fixed_asset_investment", 5, "none", "false", "", ""],
    ])
    write_csv(root / "erp/facilities/facilities.csv", FACILITY_HEADER, [
        ["F1", "G001", "Gas boiler house", "CN", "Guangdong", "", ""],
        ["F2", "G001", "Diesel fleet depot", "CN", "广东", "", ""],
        ["F3", "JV1", "JV plant", "CN", "Jiangsu", "", ""],
        ["F4", "ACQ", "Acquired plant", "CN", "Zhejiang", "", ""],
        ["F5", "FAI", "Investee plant", "CN", "Zhejiang", "", ""],
    ])
    write_csv(root / "erp/fuel_consumption/fuel.csv", FUEL_HEADER, [
        ["R1", "F1", "2022-03", "natural_gas", 100, "10^4 Nm3", "stationary", "", ""],
        ["R2", "F2", "2022-03", "diesel", 100, "t", "stationary", "", ""],
        ["R3", "F3", "2022-03", "diesel", 10, "t", "stationary", "", ""],
        # ACQ joins on 2023-07-01: its June fuel is outside the boundary, July inside.
        ["R4", "F4", "2023-06", "diesel", 1, "t", "stationary", "", ""],
        ["R5", "F4", "2023-07", "diesel", 1, "t", "stationary", "", ""],
        # Annual record of the acquired entity: 184 of 365 days in the group.
        ["R6", "F4", "2023", "diesel", 1, "t", "stationary", "", ""],
        # measured parameters override the defaults
        ["R7", "F1", "2022-04", "natural_gas", 10, "10^4 Nm3", "stationary", 400, 0.015],
        # kilograms convert to tonnes
        ["R8", "F2", "2022-04", "diesel", 50000, "kg", "mobile", "", ""],
        # an unknown fuel is listed as unestimated, never a silent zero
        ["R9", "F2", "2022-04", "unobtainium", 5, "t", "stationary", "", ""],
    ])
    write_csv(root / "energy/meters/meters.csv", METER_HEADER, [
        ["M1", "F1", "electricity", "grid", "kWh", "0.5S", "2022-01-10", 12],
        ["M2", "F2", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
        ["M3", "F1", "electricity", "onsite_renewable", "kWh", "1", "2022-01-10", 12],
        ["M4", "F1", "steam", "third_party", "GJ", "1", "2022-01-10", 12],
    ])
    write_csv(root / "energy/meter_readings/readings.csv", READING_HEADER, [
        ["M1", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 1000000, "kWh", "false"],
        # Dec 26 2022 - Jan 25 2023: 30 days; 6 days in 2022, 24 in 2023.
        ["M2", "2022-12-26T00:00:00", "2023-01-25T00:00:00", 300, "MWh", "false"],
        ["M3", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 50000, "kWh", "false"],
        ["M4", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 1000, "GJ", "false"],
        # 2024 has no published factor: the 2023 factor applies, flagged.
        ["M1", "2024-01-01T00:00:00", "2024-02-01T00:00:00", 100000, "kWh", "false"],
    ])


@pytest.fixture(scope="module")
def hand_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand")
    build_landing(root / "landing")
    result = run_pipeline(root / "landing", root / "wh.duckdb", write_config(root / "carbon.yml", gwp_set="AR5"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def co2(run, record_id: str) -> float:
    return run.scalar(
        "select sum(gas_mass_t) from marts.fct_emissions where gas = 'CO2' and source_record_key like ?",
        [f"erp__fuel_consumption:erp/fuel_consumption/fuel.csv#{record_id}"],
    )


def test_natural_gas_combustion_matches_gbt32150(hand_run):
    # 100 (10^4 Nm3) x 389.31 GJ/10^4 Nm3 x 0.0153 tC/GJ x 0.99 x 44/12 = 2,162.1888 tCO2
    assert co2(hand_run, "1") == pytest.approx(2162.1888, abs=1e-4)


def test_diesel_combustion_matches_gbt32150(hand_run):
    # 100 t x 42.652 GJ/t x 0.0202 tC/GJ x 0.98 x 44/12 = 309.5910 tCO2
    assert co2(hand_run, "2") == pytest.approx(309.5910, abs=1e-4)


def test_measured_ncv_and_carbon_content_override_defaults(hand_run):
    # 10 x 400 GJ x 0.015 tC/GJ x 0.99 x 44/12 = 217.8 tCO2
    assert co2(hand_run, "7") == pytest.approx(217.8, abs=1e-9)
    method = hand_run.scalar(
        "select any_value(method) from marts.fct_emissions where source_record_key like '%fuel.csv#7'")
    assert method == "gbt32150_combustion_measured_ncv_and_cc"


def test_kilograms_convert_to_tonnes(hand_run):
    # 50,000 kg = 50 t diesel: 50 x 42.652 x 0.0202 x 0.98 x 44/12 = 154.79548 tCO2
    assert co2(hand_run, "8") == pytest.approx(50 * 42.652 * 0.0202 * 0.98 * 44 / 12, rel=1e-12)


def test_ch4_and_n2o_use_ipcc_defaults_and_gwp_set(hand_run):
    # diesel stationary: 100 t x 42.652 GJ/t = 4.2652 TJ; CH4 3 kg/TJ, N2O 0.6 kg/TJ
    rows = dict(hand_run.query(
        "select gas, gas_mass_t from marts.fct_emissions where source_record_key like '%fuel.csv#2'"))
    assert rows["CH4"] == pytest.approx(4.2652 * 3 / 1000, rel=1e-12)
    assert rows["N2O"] == pytest.approx(4.2652 * 0.6 / 1000, rel=1e-12)
    co2e = dict(hand_run.query(
        "select gas, co2e_t from marts.fct_emissions where source_record_key like '%fuel.csv#2'"))
    # AR5: CH4 28, N2O 265
    assert co2e["CH4"] == pytest.approx(4.2652 * 3 / 1000 * 28, rel=1e-12)
    assert co2e["N2O"] == pytest.approx(4.2652 * 0.6 / 1000 * 265, rel=1e-12)


def test_unknown_fuel_is_listed_not_zero(hand_run):
    rows = hand_run.query("select reason_code from marts.fct_unestimated_activity where source_record_key like '%#9'")
    assert rows == [("unknown_fuel",)]
    assert hand_run.scalar("select count(*) from marts.fct_emissions where source_record_key like '%fuel.csv#9'") == 0


def test_scope2_location_is_mwh_times_national_factor(hand_run):
    # 1,000,000 kWh = 1,000 MWh in March 2022 x 0.5366 tCO2/MWh (national 2022) = 536.6 t
    value = hand_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where scope = '2' and scope2_method = 'location' "
        "and facility_id = 'F1' and activity_code = 'electricity' and reporting_year = 2022")
    assert value == pytest.approx(536.6, abs=1e-9)


def test_reading_across_new_year_is_split_by_days(hand_run):
    # 300 MWh over 30 days: 60 MWh in 2022 (x 0.5366), 240 MWh in 2023 (x 0.5306)
    rows = dict(hand_run.query(
        "select reporting_year, sum(activity_quantity) from marts.fct_emissions "
        "where facility_id = 'F2' and scope = '2' group by 1"))
    assert rows[2022] == pytest.approx(60.0, abs=1e-9)
    assert rows[2023] == pytest.approx(240.0, abs=1e-9)
    co2e = dict(hand_run.query(
        "select reporting_year, sum(co2e_t) from marts.fct_emissions "
        "where facility_id = 'F2' and scope = '2' group by 1"))
    assert co2e[2022] == pytest.approx(60 * 0.5366, abs=1e-9)
    assert co2e[2023] == pytest.approx(240 * 0.5306, abs=1e-9)


def test_year_without_published_factor_uses_latest_earlier_year_flagged(hand_run):
    rows = hand_run.query(
        "select co2e_t, is_factor_year_fallback, factor_id from marts.fct_emissions "
        "where facility_id = 'F1' and scope = '2' and reporting_year = 2024")
    assert len(rows) == 1
    assert rows[0][0] == pytest.approx(100 * 0.5306, abs=1e-9)
    assert rows[0][1] is True
    assert "2023" in rows[0][2]


def test_onsite_renewable_is_zero_and_shown(hand_run):
    rows = hand_run.query(
        "select co2e_t, method from marts.fct_emissions where source_record_key like '%readings.csv#3'")
    assert rows == [(0.0, "onsite_renewable")]


def test_purchased_steam_uses_heat_default(hand_run):
    # 1,000 GJ x 0.11 tCO2/GJ = 110 t
    value = hand_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where source_record_key like '%readings.csv#4'")
    assert value == pytest.approx(110.0, abs=1e-9)


def test_holland_industries_weights(hand_run):
    rows = hand_run.query(
        "select weight_equity_share, weight_financial_control, weight_operational_control "
        "from marts.dim_entities where entity_id = 'JV1'")
    assert rows[0][0] == pytest.approx(0.415, abs=1e-12)
    assert rows[0][1] == pytest.approx(0.5, abs=1e-12)
    assert rows[0][2] == 0
    fai = hand_run.query("select weight_equity_share from marts.dim_entities where entity_id = 'FAI'")
    assert fai == [(0.0,)]


def test_group_inventory_consolidates_with_weights(hand_run):
    # JV diesel 10 t -> 30.95910 tCO2 counts 0.415 under equity share, 0.5 under
    # financial control, 0 under operational control.
    jv = 30.9591
    rows = dict(hand_run.query(
        "select consolidation_approach, sum(co2e_t) from marts.fct_inventory "
        "where facility_id = 'F3' and gas = 'CO2' and reporting_year = 2022 group by 1"))
    assert rows["equity_share"] == pytest.approx(jv * 0.415, abs=1e-4)
    assert rows["financial_control"] == pytest.approx(jv * 0.5, abs=1e-4)
    assert rows["operational_control"] == pytest.approx(0.0, abs=1e-12)
    total = hand_run.scalar(
        "select sum(co2e_t) from marts.rpt_group_inventory where reporting_year = 2022 and scope = '1' "
        "and consolidation_approach = 'financial_control'")
    by_row = hand_run.scalar(
        "select sum(co2e_t * weight_financial_control) from marts.fct_emissions "
        "where reporting_year = 2022 and scope = '1'")
    assert total == pytest.approx(by_row, rel=1e-12)


def test_acquired_entity_counts_from_the_month_it_joins(hand_run):
    weights = dict(hand_run.query(
        "select source_record_key, weight_operational_control from marts.fct_emissions "
        "where facility_id = 'F4' and gas = 'CO2'"))
    by_record = {k.rsplit("#", 1)[1]: v for k, v in weights.items()}
    assert by_record["4"] == 0.0  # June 2023: before the acquisition
    assert by_record["5"] == 1.0  # July 2023
    # annual 2023 record: 1 Jul - 31 Dec = 184 of 365 days
    assert by_record["6"] == pytest.approx(184 / 365, abs=1e-12)


def test_every_emission_row_points_at_a_raw_row(hand_run):
    missing = hand_run.scalar(
        """
        select count(*) from marts.fct_emissions e
        where not exists (
            select 1 from raw.erp__fuel_consumption r
            where 'erp__fuel_consumption:' || r._file_path || '#' || r._row_number = e.source_record_key
            union all
            select 1 from raw.energy__meter_readings r
            where 'energy__meter_readings:' || r._file_path || '#' || r._row_number = e.source_record_key)
        """)
    assert missing == 0
