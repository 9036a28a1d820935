"""The inventory against hand calculations from the published formulas.

A small landing folder written here goes through the real pipeline once; each
test compares a mart figure with the number worked out by hand in its comment.
"""

from __future__ import annotations

import pytest
from conftest import header, run_pipeline, write_config, write_csv

ENTITY_HEADER = header("erp/entities")
FACILITY_HEADER = header("erp/facilities")
FUEL_HEADER = header("erp/fuel_consumption")
METER_HEADER = header("energy/meters")
READING_HEADER = header("energy/meter_readings")


def build_landing(root):
    # Holland Industries (GHG Protocol Corporate Standard, Table 2): the root
    # holds 83 % of Holland (full financial control, operational control),
    # which holds 50 % of a joint venture with joint control.
    write_csv(
        root / "erp/entities/entities.csv",
        ENTITY_HEADER,
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            ["HOL", "Holland Industries", "G001", "subsidiary", 83, "full", "true", "", ""],
            ["JV1", "Joint venture", "HOL", "joint_venture", 50, "joint", "false", "", ""],
            ["ACQ", "Acquired mid-2023", "G001", "subsidiary", 100, "full", "true", "2023-07-01", ""],
            ["FAI", "Fixed asset investment", "G001", "fixed_asset_investment", 5, "none", "false", "", ""],
        ],
    )
    write_csv(
        root / "erp/facilities/facilities.csv",
        FACILITY_HEADER,
        [
            ["F1", "G001", "Gas boiler house", "CN", "Guangdong", "", ""],
            ["F2", "G001", "Diesel fleet depot", "CN", "广东", "", ""],
            ["F3", "JV1", "JV plant", "CN", "Jiangsu", "", ""],
            ["F4", "ACQ", "Acquired plant", "CN", "Zhejiang", "", ""],
            ["F5", "FAI", "Investee plant", "CN", "Zhejiang", "", ""],
            ["F6", "G001", "Kiln", "CN", "江苏省", "", ""],
        ],
    )
    write_csv(
        root / "erp/fuel_consumption/fuel.csv",
        FUEL_HEADER,
        [
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
        ],
    )
    write_csv(
        root / "energy/meters/meters.csv",
        METER_HEADER,
        [
            ["M1", "F1", "electricity", "grid", "kWh", "0.5S", "2022-01-10", 12],
            ["M2", "F2", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
            ["M3", "F1", "electricity", "onsite_renewable", "kWh", "1", "2022-01-10", 12],
            ["M4", "F1", "steam", "third_party", "GJ", "1", "2022-01-10", 12],
        ],
    )
    write_csv(
        root / "energy/meter_readings/readings.csv",
        READING_HEADER,
        [
            ["M1", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 1000000, "kWh", "false"],
            # Dec 26 2022 - Jan 25 2023: 30 days; 6 days in 2022, 24 in 2023.
            ["M2", "2022-12-26T00:00:00", "2023-01-25T00:00:00", 300, "MWh", "false"],
            ["M3", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 50000, "kWh", "false"],
            ["M4", "2022-03-01T00:00:00", "2022-04-01T00:00:00", 1000, "GJ", "false"],
            # 2024 has no published factor: the 2023 factor applies, flagged.
            ["M1", "2024-01-01T00:00:00", "2024-02-01T00:00:00", 100000, "kWh", "false"],
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
        [
            # 2 + 10 - 1 - 1 = 10 kg R-410A
            ["F1", "2022", "R-410A", 2, 10, 1, 1],
            # 5 kg SF6, missing terms count as 0
            ["F2", "2022", "SF6", "", 5, "", ""],
            # 1 - 3 = -2 kg: not an emission, a finding
            ["F2", "2022", "HFC-134a", "", 1, 3, ""],
        ],
    )
    write_csv(
        root / "erp/process_activity/process.csv",
        ["facility_id", "period", "process", "quantity", "unit"],
        [
            ["F1", "2022-05", "limestone_calcination", 100, "t"],
            ["F1", "2022-05", "cement_clinker", 10, "t"],
            ["F6", "2022-05", "cement_clinker", 2000, "kg"],
            ["F1", "2022-05", "glass_melting", 10, "t"],
        ],
    )
    write_csv(
        root / "reference/custom_factors/factors.csv",
        ["factor_key", "unit", "gas", "kg_per_unit", "region", "year_from", "year_to", "source"],
        [
            ["limestone_calcination", "t", "CO2", 439.71, "", "", "", "IPCC 2006 Vol.3 Table 2.1"],
            ["cement_clinker", "t", "CO2", 520, "", "", "", "global test factor"],
            ["cement_clinker", "t", "CO2", 500, "Guangdong", 2021, 2021, "Guangdong test factor, 2021 only"],
            ["cement_clinker", "t", "CO2", 510, "Jiangsu", 2020, "", "Jiangsu test factor"],
        ],
    )


# The records span 2022-2024 to test calendarisation and factor years; none of 2022 and 2024 has twelve
# months of activity, so the years are configured (docs/methods.md M-PER-01: reporting_years in carbon.yml).
HAND_YEARS = {"from": 2022, "to": 2024}


@pytest.fixture(scope="module")
def hand_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand")
    build_landing(root / "landing")
    result = run_pipeline(
        root / "landing",
        root / "wh.duckdb",
        write_config(root / "carbon.yml", gwp_set="AR5", reporting_years=HAND_YEARS),
    )
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
        "select any_value(method) from marts.fct_emissions where scope = '1' and source_record_key like '%fuel.csv#7'"
    )
    assert method == "gbt32150_combustion_measured_ncv_and_cc"


def test_kilograms_convert_to_tonnes(hand_run):
    # 50,000 kg = 50 t diesel: 50 x 42.652 x 0.0202 x 0.98 x 44/12 = 154.79548 tCO2
    assert co2(hand_run, "8") == pytest.approx(50 * 42.652 * 0.0202 * 0.98 * 44 / 12, rel=1e-12)


def test_ch4_and_n2o_use_ipcc_defaults_and_gwp_set(hand_run):
    # diesel stationary: 100 t x 42.652 GJ/t = 4.2652 TJ; CH4 3 kg/TJ, N2O 0.6 kg/TJ
    rows = dict(
        hand_run.query(
            "select gas, gas_mass_t from marts.fct_emissions where source_record_key like '%fuel.csv#2'"
        )
    )
    assert rows["CH4"] == pytest.approx(4.2652 * 3 / 1000, rel=1e-12)
    assert rows["N2O"] == pytest.approx(4.2652 * 0.6 / 1000, rel=1e-12)
    co2e = dict(
        hand_run.query(
            "select gas, co2e_t from marts.fct_emissions where source_record_key like '%fuel.csv#2'"
        )
    )
    # AR5: CH4 28, N2O 265
    assert co2e["CH4"] == pytest.approx(4.2652 * 3 / 1000 * 28, rel=1e-12)
    assert co2e["N2O"] == pytest.approx(4.2652 * 0.6 / 1000 * 265, rel=1e-12)


def test_unknown_fuel_is_listed_not_zero(hand_run):
    rows = hand_run.query(
        "select reason_code from marts.fct_unestimated_activity where source_record_key like '%#9'"
    )
    assert rows == [("unknown_fuel",)]
    assert (
        hand_run.scalar("select count(*) from marts.fct_emissions where source_record_key like '%fuel.csv#9'")
        == 0
    )


def test_scope2_location_is_mwh_times_national_factor(hand_run):
    # 1,000,000 kWh = 1,000 MWh in March 2022 x 0.5366 tCO2/MWh (national 2022) = 536.6 t
    value = hand_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where scope = '2' and scope2_method = 'location' "
        "and facility_id = 'F1' and activity_code = 'electricity' and reporting_year = 2022"
    )
    assert value == pytest.approx(536.6, abs=1e-9)


def test_reading_across_new_year_is_split_by_days(hand_run):
    # 300 MWh over 30 days: 60 MWh in 2022 (x 0.5366), 240 MWh in 2023 (x 0.5306)
    rows = dict(
        hand_run.query(
            "select reporting_year, sum(activity_quantity) from marts.fct_emissions "
            "where facility_id = 'F2' and scope = '2' and scope2_method = 'location' group by 1"
        )
    )
    assert rows[2022] == pytest.approx(60.0, abs=1e-9)
    assert rows[2023] == pytest.approx(240.0, abs=1e-9)
    co2e = dict(
        hand_run.query(
            "select reporting_year, sum(co2e_t) from marts.fct_emissions "
            "where facility_id = 'F2' and scope = '2' and scope2_method = 'location' group by 1"
        )
    )
    assert co2e[2022] == pytest.approx(60 * 0.5366, abs=1e-9)
    assert co2e[2023] == pytest.approx(240 * 0.5306, abs=1e-9)


def test_year_without_published_factor_uses_latest_earlier_year_flagged(hand_run):
    rows = hand_run.query(
        "select co2e_t, is_factor_year_fallback, factor_id from marts.fct_emissions "
        "where facility_id = 'F1' and scope = '2' and scope2_method = 'location' and reporting_year = 2024"
    )
    assert len(rows) == 1
    assert rows[0][0] == pytest.approx(100 * 0.5306, abs=1e-9)
    assert rows[0][1] is True
    assert "2023" in rows[0][2]


def reading_row(file_name: str, row: int) -> str:
    """SQL: the fct_emissions row sums this meter reading (readings are summed per meter x month; the
    row's key resolves to its readings through fct_source_row_ranges)."""
    return (
        "source_record_key in (select source_record_key from marts.fct_source_row_ranges "
        f"where file_path like '%/{file_name}' and {row} between first_row_number and last_row_number)"
    )


def test_onsite_renewable_is_zero_and_shown(hand_run):
    rows = hand_run.query(
        "select scope2_method, co2e_t, method from marts.fct_emissions where "
        + reading_row("readings.csv", 3)
        + " "
        "order by 1"
    )
    assert rows == [("location", 0.0, "onsite_renewable"), ("market", 0.0, "onsite_renewable")]


def test_purchased_steam_uses_heat_default(hand_run):
    # 1,000 GJ x 0.11 tCO2/GJ = 110 t
    value = hand_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where " + reading_row("readings.csv", 4) + " "
        "and scope2_method = 'location'"
    )
    assert value == pytest.approx(110.0, abs=1e-9)
    market = hand_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where " + reading_row("readings.csv", 4) + " "
        "and scope2_method = 'market'"
    )
    assert market == pytest.approx(110.0, abs=1e-9)


def test_holland_industries_weights(hand_run):
    rows = hand_run.query(
        "select weight_equity_share, weight_financial_control, weight_operational_control "
        "from marts.dim_entities where entity_id = 'JV1'"
    )
    assert rows[0][0] == pytest.approx(0.415, abs=1e-12)
    assert rows[0][1] == pytest.approx(0.5, abs=1e-12)
    assert rows[0][2] == 0
    fai = hand_run.query("select weight_equity_share from marts.dim_entities where entity_id = 'FAI'")
    assert fai == [(0.0,)]


def test_group_inventory_consolidates_with_weights(hand_run):
    # JV diesel 10 t -> 30.95910 tCO2 counts 0.415 under equity share, 0.5 under
    # financial control, 0 under operational control in Scope 1.
    jv = 30.9591
    rows = dict(
        hand_run.query(
            "select consolidation_approach, sum(co2e_t) from marts.fct_inventory "
            "where facility_id = 'F3' and gas = 'CO2' and reporting_year = 2022 and scope = '1' group by 1"
        )
    )
    assert rows["equity_share"] == pytest.approx(jv * 0.415, abs=1e-4)
    assert rows["financial_control"] == pytest.approx(jv * 0.5, abs=1e-4)
    assert rows["operational_control"] == pytest.approx(0.0, abs=1e-12)
    # docs/methods.md M-S3-04: the same CO2 is Scope 3 category 15 (ISO category 5) weighing equity - approach weight
    # when positive: 0.415 - 0 under operational control, 0.415 - 0.415 = 0 under equity share,
    # max(0, 0.415 - 0.5) = 0 under financial control.
    cat15 = dict(
        hand_run.query(
            "select consolidation_approach, sum(co2e_t) from marts.fct_inventory "
            "where facility_id = 'F3' and gas = 'CO2' and reporting_year = 2022 and scope = '3' "
            "and scope3_category = 15 and iso_category = 5 group by 1"
        )
    )
    assert cat15["operational_control"] == pytest.approx(jv * 0.415, abs=1e-4)
    assert cat15["equity_share"] == pytest.approx(0.0, abs=1e-12)
    assert cat15["financial_control"] == pytest.approx(0.0, abs=1e-12)
    total = hand_run.scalar(
        "select sum(co2e_t) from marts.rpt_group_inventory where reporting_year = 2022 and scope = '1' "
        "and consolidation_approach = 'financial_control'"
    )
    by_row = hand_run.scalar(
        "select sum(co2e_t * weight_financial_control) from marts.fct_emissions "
        "where reporting_year = 2022 and scope = '1'"
    )
    assert total == pytest.approx(by_row, rel=1e-12)


def test_acquired_entity_counts_from_the_month_it_joins(hand_run):
    weights = dict(
        hand_run.query(
            "select source_record_key, weight_operational_control from marts.fct_emissions "
            "where facility_id = 'F4' and gas = 'CO2'"
        )
    )
    by_record = {k.rsplit("#", 1)[1]: v for k, v in weights.items()}
    assert by_record["4"] == 0.0  # June 2023: before the acquisition
    assert by_record["5"] == 1.0  # July 2023
    # annual 2023 record: 1 Jul - 31 Dec = 184 of 365 days
    assert by_record["6"] == pytest.approx(184 / 365, abs=1e-12)


def raw_key_union() -> str:
    from pipelines.lib.contract import DATASETS

    one_row = " union all ".join(
        f"select '{d.raw_table}:' || _file_path || '#' || _row_number as k from raw.{d.raw_table}"
        for d in DATASETS
    )
    # meter x month rows: every run of rows they list holds that many raw readings of that meter
    summed = """
        select k from (
            select g.source_record_key as k, g.file_path, g.first_row_number, g.reading_count,
                   count(r._row_number) as found
            from marts.fct_source_row_ranges as g
            left join raw.energy__meter_readings as r
                on r._file_path = g.file_path
                and r._row_number between g.first_row_number and g.last_row_number
                and r.meter_id = split_part(split_part(g.source_record_key, ':', 2), ' ', 1)
            group by all
        ) group by k having bool_and(found = reading_count)"""
    return f"{one_row} union all {summed}"


def test_every_emission_row_points_at_a_raw_row(hand_run):
    missing = hand_run.scalar(
        f"select count(*) from marts.fct_emissions where source_record_key not in ({raw_key_union()})"
    )
    assert missing == 0
    assert (
        hand_run.scalar(
            "select count(distinct split_part(source_record_key, ':', 1)) from marts.fct_emissions"
        )
        >= 4
    )


# ---------------------------------------------------------------- inventory engine (issue 3)


def rerun(run, tmp_path, *, years_from_coverage: bool = False, **config):
    """The same landing and a copy of the loaded warehouse under another configuration:
    nothing is re-extracted, dbt recomputes."""
    import shutil

    wh = tmp_path / "wh.duckdb"
    shutil.copy(run.warehouse, wh)
    landing = run.warehouse.parent / "landing"
    if not years_from_coverage:
        config = {"reporting_years": HAND_YEARS, **config}
    result = run_pipeline(landing, wh, write_config(tmp_path / "carbon.yml", **config))
    assert result.returncode == 0, result.stderr[-3000:]
    assert " new/changed)" in result.stderr and "(1 new/changed)" not in result.stderr
    return result


def fugitive(run, file_row: int) -> tuple[float, float]:
    return run.query(
        "select gas_mass_t, co2e_t from marts.fct_emissions where source_record_key = ?",
        [f"erp__refrigerants:erp/refrigerants/refrigerants.csv#{file_row}"],
    )[0]


def test_r410a_blend_gwp_from_components(hand_run):
    gwp = dict(
        hand_run.query("select gwp_set, gwp_100 from intermediate.int_gwp_values where gas_key = 'R410A'")
    )
    # 50 % HFC-32 + 50 % HFC-125: AR5 0.5 x 677 + 0.5 x 3170; AR6 0.5 x 771 + 0.5 x 3740
    assert gwp["AR5"] == pytest.approx(1923.5, abs=1e-9)
    assert gwp["AR6"] == pytest.approx(2255.5, abs=1e-9)


def test_fugitive_mass_balance_under_ar5(hand_run):
    # 2 + 10 - 1 - 1 = 10 kg = 0.01 t R-410A x 1923.5 = 19.235 tCO2e
    mass, co2e = fugitive(hand_run, 1)
    assert mass == pytest.approx(0.01, abs=1e-15)
    assert co2e == pytest.approx(19.235, abs=1e-9)
    # SF6 AR5 23,500: 5 kg -> 117.5 tCO2e
    assert fugitive(hand_run, 2)[1] == pytest.approx(117.5, abs=1e-9)


def test_negative_mass_balance_is_a_finding(hand_run):
    rows = hand_run.query(
        "select reason_code, quantity from marts.fct_unestimated_activity where source_record_key like '%refrigerants.csv#3'"
    )
    assert rows == [("negative_mass_balance", -2.0)]


def test_process_emissions_use_the_custom_factor(hand_run):
    # 100 t limestone x 439.71 kg CO2/t = 43.971 t
    value = hand_run.scalar(
        "select gas_mass_t from marts.fct_emissions where source_record_key like '%process.csv#1'"
    )
    assert value == pytest.approx(43.971, abs=1e-9)


def test_factor_selection_prefers_region_then_flags_an_earlier_year(hand_run):
    # F1 is in Guangdong: the Guangdong factor (valid 2021 only) beats the global one
    # for a 2022 activity, flagged as a fallback to an earlier year.
    row = hand_run.query(
        "select gas_mass_t, is_factor_year_fallback, factor_id, factor_selection_reason "
        "from marts.fct_emissions where source_record_key like '%process.csv#2'"
    )[0]
    assert row[0] == pytest.approx(10 * 0.5, abs=1e-12)
    assert row[1] is True
    assert row[2] == "custom:cement_clinker:Guangdong:2021-2021:CO2"
    assert "province-specific" in row[3] and "latest earlier validity" in row[3]
    # F6 is in Jiangsu (given as 江苏省); 2000 kg = 2 t x 510 kg/t, valid from 2020 on
    row = hand_run.query(
        "select gas_mass_t, is_factor_year_fallback from marts.fct_emissions "
        "where source_record_key like '%process.csv#3'"
    )[0]
    assert row[0] == pytest.approx(2 * 0.51, abs=1e-12)
    assert row[1] is False


def test_missing_factor_is_listed(hand_run):
    rows = hand_run.query(
        "select reason_code from marts.fct_unestimated_activity where source_record_key like '%process.csv#4'"
    )
    assert rows == [("no_factor",)]


def test_factor_registry_carries_provenance(hand_run):
    rows = hand_run.query(
        "select factor_id, publisher, licence, verification_status, factor_set_version from marts.dim_emission_factors "
        "where factor_id in ('cn_fuel_defaults:diesel', 'custom:limestone_calcination:*:-:CO2')"
    )
    by_id = {r[0]: r[1:] for r in rows}
    assert by_id["cn_fuel_defaults:diesel"][0].startswith("SAMR/SAC (GB/T 32150-2015)")
    assert by_id["cn_fuel_defaults:diesel"][2] == "corroborated"
    assert by_id["custom:limestone_calcination:*:-:CO2"][2] == "group-supplied"
    missing = hand_run.scalar(
        "select count(*) from marts.fct_emissions e "
        "where not exists (select 1 from marts.dim_emission_factors f where f.factor_id = e.factor_id)"
    )
    assert missing == 0


def test_changing_the_gwp_set_and_factor_level_needs_no_reload(hand_run, tmp_path):
    ar6 = rerun(hand_run, tmp_path, gwp_set="AR6", location_factor="provincial")
    # R-410A 0.01 t x 2255.5 = 22.555 tCO2e under AR6; the mass is unchanged
    mass, co2e = fugitive(ar6, 1)
    assert mass == pytest.approx(0.01, abs=1e-15)
    assert co2e == pytest.approx(22.555, abs=1e-9)
    # diesel CH4 is fossil: AR6 29.8
    ch4 = ar6.scalar(
        "select co2e_t from marts.fct_emissions where source_record_key like '%fuel.csv#2' and gas = 'CH4'"
    )
    assert ch4 == pytest.approx(4.2652 * 3 / 1000 * 29.8, rel=1e-12)
    # provincial: F1 is in Guangdong, 2022 provincial factor from the MEE/NBS table
    gd_2022 = ar6.scalar(
        "select value from reference.cn_electricity_co2_factors_mee_nbs "
        "where data_year = 2022 and level = 'province' and region_en = 'Guangdong'"
    )
    value = ar6.scalar(
        "select sum(co2e_t) from marts.fct_emissions where facility_id = 'F1' and scope = '2' and scope2_method = 'location' "
        "and activity_code = 'electricity' and reporting_year = 2022"
    )
    assert value == pytest.approx(1000 * gd_2022, abs=1e-9)


def test_regional_factor_falls_back_to_national_where_unpublished(hand_run, tmp_path):
    regional = rerun(hand_run, tmp_path, location_factor="regional")
    south_2022 = regional.scalar(
        "select value from reference.cn_electricity_co2_factors_mee_nbs "
        "where data_year = 2022 and region_code = 'GRID_SOUTH'"
    )
    # F1 (Guangdong, Southern grid) 2022: 1,000 MWh x the Southern grid factor
    value = regional.scalar(
        "select sum(co2e_t) from marts.fct_emissions where facility_id = 'F1' and scope = '2' and scope2_method = 'location' "
        "and activity_code = 'electricity' and reporting_year = 2022"
    )
    assert value == pytest.approx(1000 * south_2022, abs=1e-9)
    # F2 (Guangdong) January 2023: the Southern grid has a 2023 factor (0.4042)
    jan = regional.query(
        "select sum(co2e_t), bool_or(is_factor_year_fallback) from marts.fct_emissions "
        "where facility_id = 'F2' and scope = '2' and scope2_method = 'location' and reporting_year = 2023"
    )[0]
    assert jan[0] == pytest.approx(240 * 0.4042, abs=1e-9)
    assert jan[1] is False


def test_ets_factor_family_is_selectable(hand_run, tmp_path):
    import yaml

    cfg = tmp_path / "ets.yml"
    write_config(cfg, reporting_years=HAND_YEARS)
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    data["scope2"]["location_family"] = "ets"
    cfg.write_text(yaml.safe_dump(data), encoding="utf-8")
    import shutil

    wh = tmp_path / "wh.duckdb"
    shutil.copy(hand_run.warehouse, wh)
    result = run_pipeline(hand_run.warehouse.parent / "landing", wh, cfg)
    assert result.returncode == 0, result.stderr[-2000:]
    value = result.scalar(
        "select sum(co2e_t) from marts.fct_emissions where facility_id = 'F1' and scope = '2' and scope2_method = 'location' "
        "and activity_code = 'electricity' and reporting_year = 2022"
    )
    assert value == pytest.approx(1000 * 0.5703, abs=1e-9)


def test_reporting_years_from_coverage_hold_the_partial_years(hand_run, tmp_path):
    """docs/methods.md M-PER-01, M-PER-02, without reporting_years in carbon.yml: the only year whose twelve months all have
    activity is 2023 (2022 has the M2 reading's last six days of December, 2024 one January record), so
    2023 is the one reporting year. The Dec 26 2022 - Jan 25 2023 reading's 2022 part (300 MWh x 6/30 =
    60 MWh) is held with reason outside_reporting_period, computed but in no annual output; its 2023 part
    (240 MWh) is in the inventory."""
    run = rerun(hand_run, tmp_path, years_from_coverage=True, gwp_set="AR5")
    assert run.query("select reporting_year, is_complete from marts.dim_reporting_years") == [(2023, True)]
    assert run.query("select distinct reporting_year from marts.rpt_group_inventory") == [(2023,)]
    assert run.query("select distinct reporting_year from marts.fct_emissions") == [(2023,)]
    held = run.query(
        "select reporting_year, quantity, unit from marts.fct_unestimated_activity "
        "where reason_code = 'outside_reporting_period' "
        "and source_record_key like 'energy__meter_readings:M2 2022-12%'"
    )
    assert held == [(2022, pytest.approx(60.0, abs=1e-9), "MWh")]
    in_2023 = run.scalar(
        "select max(activity_quantity) from marts.fct_emissions where scope = '2' and scope2_method = 'location' "
        "and source_record_key like 'energy__meter_readings:M2 2023-01%'"
    )
    assert in_2023 == pytest.approx(240.0, abs=1e-9)
    years = run.query(
        "select distinct reporting_year from marts.fct_unestimated_activity "
        "where reason_code = 'outside_reporting_period' order by 1"
    )
    assert years == [(2022,), (2024,)]
