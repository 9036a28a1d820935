"""Factors by edition and gas (docs/methods.md M-FAC-03, M-FAC-04; issue 13 item 6), by hand from the published values.

A small landing folder goes through the real pipeline once (`carbon run`, AR6):
business trips by car in 2021, 2023 and 2024 (DESNZ editions 2023 and 2024),
waste in 2023 and 2024, one spend line on the US EPA supply-chain factors (kept
per gas), and a commuting survey with the group's own `commute:car` factor per
passenger.km. Every expected figure is worked out in the test from the values
as published (DESNZ IDs and EPA rows named in the comments) and the IPCC GWP100
values of seeds/ipcc_gwp100.csv and other_reference_values.csv.
"""

from __future__ import annotations

import pytest
from conftest import header, run_pipeline, write_config, write_csv

pytestmark = pytest.mark.slow

# GWP100 (t CO2e per t): AR6 CH4 fossil 29.8 (DESNZ transport CH4), generic CH4 27.9 (EPA, mixed origin)
AR6 = {"CH4_FOSSIL": 29.8, "CH4": 27.9, "N2O": 273.0}
AR5 = {"CH4_FOSSIL": 28.0, "CH4": 28.0, "N2O": 265.0}

# DESNZ business travel, average car, unknown fuel, per vehicle.km (IDs 25_301_3074_4_2/3/4):
# kg CO2e of CO2, of CH4 and of N2O, with DESNZ's AR5 GWPs (CH4 28, N2O 265)
DESNZ_CAR = {
    2023: (0.16547, 0.0001904, 0.0009781879194630872),
    2024: (0.16574, 0.00019, 0.00098),
}
# DESNZ waste disposal, refuse, commercial and industrial waste, combustion (ID 20_507_5311_15_1), kg CO2e/t
DESNZ_CI_WASTE_COMBUSTION = {2023: 21.28080723687633, 2024: 6.41061}
# DESNZ 2023 regular taxi per vehicle.km (IDs 25_313_3141_4_2/3/4), as for commuting by taxi
DESNZ_2023_TAXI = (0.20638, 4.6368e-06, 0.0016718120805369126)

# US EPA Supply Chain GHG Emission Factors v1.3, NAICS 331110 (iron and steel mills), with margins,
# kg of the gas per 2022 USD, and the GWP100 of each gas in AR5 and AR6 (seeds/ipcc_gwp100.csv)
EPA_331110_FLUORINATED = {
    # gas: (kg/USD, AR5, AR6)
    "HFC-23": (6.33e-08, 12400, 14600),
    "HFC-32": (1.03e-07, 677, 771),
    "HFC-125": (1.53e-07, 3170, 3740),
    "HFC-134a": (2.50e-07, 1300, 1530),
    "HFC-143a": (4.21e-08, 4800, 5810),
    "HFC-236fa": (4.96e-10, 8060, 8690),
    "CF4": (8.51e-08, 6630, 7380),
    "C2F6": (1.04e-08, 11100, 12400),
    "C3F8": (4.23e-10, 8900, 9290),
    "C4F10": (6.87e-10, 9200, 10000),
    "c-C4F8": (2.21e-09, 9540, 10200),
    "C6F14": (5.31e-10, 7910, 8620),
    "SF6": (1.60e-07, 23500, 25200),
    "NF3": (1.81e-09, 16100, 17400),
}
EPA_331110_CO2, EPA_331110_CH4, EPA_331110_N2O = 0.738, 1.30e-03, 2.08e-05
EPA_331110_UNSPECIFIED_CO2E_AR5 = 1.20e-03  # "HFCs and PFCs, unspecified", published in kg CO2e (AR5)


def desnz_kg_co2e(values: tuple[float, float, float], gwp: dict[str, float]) -> float:
    """kg CO2e per unit of a DESNZ per-gas factor under another GWP set: gas mass = value / DESNZ's AR5 GWP."""
    co2, ch4, n2o = values
    return co2 + ch4 / 28 * gwp["CH4_FOSSIL"] + n2o / 265 * gwp["N2O"]


def epa_331110_kg_co2e(ar: int) -> float:
    gwp = AR5 if ar == 5 else AR6
    fluorinated = sum(kg * (gwp5 if ar == 5 else gwp6) for kg, gwp5, gwp6 in EPA_331110_FLUORINATED.values())
    return (
        EPA_331110_CO2
        + EPA_331110_CH4 * gwp["CH4"]
        + EPA_331110_N2O * gwp["N2O"]
        + fluorinated
        + EPA_331110_UNSPECIFIED_CO2E_AR5
    )


def build_landing(root):
    write_csv(
        root / "erp/entities/entities.csv",
        header("erp/entities"),
        [["G001", "Group", "", "root", 100, "full", "true", "", ""]],
    )
    write_csv(
        root / "erp/facilities/facilities.csv",
        header("erp/facilities"),
        [["F1", "G001", "Plant", "CN", "Jiangsu", "", ""]],
    )
    write_csv(
        root / "procurement/business_travel/trips.csv",
        header("procurement/business_travel"),
        [
            # 2 travellers in one car (occupancy 2): 100 vehicle.km each
            ["T2024", "G001", "2024-05-10", "car", 100, 2, 2, ""],
            ["T2023", "G001", "2023-05-10", "car", 100, 2, 2, ""],
            ["T2021", "G001", "2021-05-10", "car", 100, 2, 2, ""],
        ],
    )
    write_csv(
        root / "procurement/waste/waste.csv",
        header("procurement/waste"),
        [
            ["F1", "2024", "general_waste", "incineration_energy_recovery", 10, "t"],
            ["F1", "2023", "general_waste", "incineration_energy_recovery", 10, "t"],
        ],
    )
    write_csv(
        root / "procurement/purchases/purchases.csv",
        header("procurement/purchases"),
        # USD 1,000 invoiced in 2022, the EPA factors' price year: no re-pricing
        [["P1", "G001", "SUP-S", "Steel mill", "STEEL", "coil", "2022-06-01", 1000, "USD", "", "", "false"]],
    )
    write_csv(
        root / "procurement/category_map/category_map.csv",
        header("procurement/category_map"),
        [["STEEL", 1, "naics:331110", ""]],
    )
    write_csv(
        root / "procurement/employee_commuting/survey.csv",
        header("procurement/employee_commuting"),
        [
            # 100 x 200 x 2 x 50 % x 10 km = 200,000 employee-km by car
            ["G001", 2023, 100, 200, 2, "car", 50, 10],
            # 100 x 200 x 2 x 10 % x 5 km = 20,000 km by taxi (no custom factor)
            ["G001", 2023, 100, 200, 2, "taxi", 10, 5],
        ],
    )
    write_csv(
        root / "reference/custom_factors/factors.csv",
        header("reference/custom_factors"),
        [["commute:car", "passenger.km", "CO2e", 0.1, "", "", "", "group commuting study (test value)"]],
    )


@pytest.fixture(scope="module")
def editions_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("editions")
    build_landing(root / "landing")
    # the landing has no metered energy to derive complete years from: the reporting years are stated
    config = write_config(root / "carbon.yml", gwp_set="AR6", reporting_years=[2021, 2022, 2023, 2024])
    result = run_pipeline(root / "landing", root / "wh.duckdb", config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def line(run, raw_table: str, file: str, row: int) -> dict:
    """One raw row's Scope 3 emission, its gases summed."""
    cols = [
        "co2e_t",
        "factor_ids",
        "is_factor_year_fallback",
        "data_quality_score",
        "reason",
        "quantity",
        "unit",
    ]
    rows = run.query(
        "select sum(co2e_t), string_agg(distinct factor_id, ', ' order by factor_id), bool_or(is_factor_year_fallback), "
        "max(data_quality_score), any_value(factor_selection_reason), any_value(activity_quantity), "
        "any_value(activity_unit) from marts.fct_emissions where scope = '3' and source_record_key = ?",
        [f"{raw_table}:{file}#{row}"],
    )
    assert len(rows) == 1 and rows[0][0] is not None, rows
    return dict(zip(cols, rows[0], strict=True))


def trip(run, row: int) -> dict:
    return line(run, "procurement__business_travel", "procurement/business_travel/trips.csv", row)


# ------------------------------------------------------------------ a. DESNZ editions by year
def test_2024_business_travel_uses_the_desnz_2024_edition(editions_run):
    # 100 vehicle.km x (0.16574 + 0.00019 / 28 x 29.8 + 0.00098 / 265 x 273) kg = 16.69518 kg
    t = trip(editions_run, 1)
    assert t["co2e_t"] * 1000 == pytest.approx(100 * desnz_kg_co2e(DESNZ_CAR[2024], AR6), rel=1e-12)
    assert t["co2e_t"] * 1000 == pytest.approx(16.69518, abs=1e-5)
    assert t["factor_ids"] == (
        "desnz_2024:travel:car:vehicle.km:CH4, desnz_2024:travel:car:vehicle.km:CO2, "
        "desnz_2024:travel:car:vehicle.km:N2O"
    )
    assert (t["is_factor_year_fallback"], t["data_quality_score"]) == (False, 3)
    assert "valid for 2024" in t["reason"]


def test_2023_business_travel_uses_the_desnz_2023_edition(editions_run):
    # 100 vehicle.km x (0.16547 + 0.0001904 / 28 x 29.8 + 0.000978188 / 265 x 273) kg = 16.66804 kg
    t = trip(editions_run, 2)
    assert t["co2e_t"] * 1000 == pytest.approx(100 * desnz_kg_co2e(DESNZ_CAR[2023], AR6), rel=1e-12)
    assert t["co2e_t"] * 1000 == pytest.approx(16.66804, abs=1e-5)
    assert t["factor_ids"].startswith("desnz_2023:travel:car:vehicle.km:")
    assert (t["is_factor_year_fallback"], t["data_quality_score"]) == (False, 3)
    # the same trip, one year apart, differs by the editions' values
    assert trip(editions_run, 1)["co2e_t"] != pytest.approx(t["co2e_t"], rel=1e-6)


def test_year_before_the_first_edition_uses_it_flagged_with_the_reason(editions_run):
    # 2021: no edition of 2021 or earlier is shipped -> the first edition (2023), flagged, score 3 + 1
    t = trip(editions_run, 3)
    assert t["co2e_t"] * 1000 == pytest.approx(100 * desnz_kg_co2e(DESNZ_CAR[2023], AR6), rel=1e-12)
    assert t["factor_ids"].startswith("desnz_2023:travel:car:vehicle.km:")
    assert (t["is_factor_year_fallback"], t["data_quality_score"]) == (True, 4)
    assert "first edition (2023) for 2021, no earlier edition shipped" in t["reason"]


def test_waste_follows_the_edition_of_its_year(editions_run):
    # 10 t x 6.41061 kg (DESNZ 2024) = 64.1061 kg; 10 t x 21.2808 kg (DESNZ 2023) = 212.808 kg; CO2e as published
    w24 = line(editions_run, "procurement__waste", "procurement/waste/waste.csv", 1)
    w23 = line(editions_run, "procurement__waste", "procurement/waste/waste.csv", 2)
    assert w24["co2e_t"] * 1000 == pytest.approx(10 * DESNZ_CI_WASTE_COMBUSTION[2024], rel=1e-12)
    assert w23["co2e_t"] * 1000 == pytest.approx(10 * DESNZ_CI_WASTE_COMBUSTION[2023], rel=1e-12)
    assert w24["factor_ids"] == "desnz_2024:waste:general_waste:incineration_energy_recovery:t:CO2e"
    # a factor DESNZ publishes in CO2e only states the GWP set it was built on
    assert (
        editions_run.scalar(
            "select gwp_set_of_source from marts.dim_emission_factors where factor_id = ?",
            [w24["factor_ids"]],
        )
        == "AR5"
    )


# ------------------------------------------------------------------ b. EPA factors per gas
def test_epa_spend_line_is_weighed_per_gas_with_the_configured_gwp_set(editions_run):
    # USD 1,000 (2022) x [0.738 CO2 + 0.0013 CH4 x 27.9 + 2.08e-5 N2O x 273 + sum(F-gas kg x AR6 GWP)
    #   + 0.0012 kg CO2e unspecified HFCs/PFCs (AR5 as published)] = 788.2140 kg under AR6;
    # under AR5 the same gases give 787.4869 kg (EPA publishes 0.787 kg CO2e/USD, AR5)
    p = line(editions_run, "procurement__purchases", "procurement/purchases/purchases.csv", 1)
    ar6, ar5 = 1000 * epa_331110_kg_co2e(6), 1000 * epa_331110_kg_co2e(5)
    assert p["co2e_t"] * 1000 == pytest.approx(ar6, rel=1e-12)
    assert ar6 == pytest.approx(788.2140, abs=1e-4) and ar5 == pytest.approx(787.4869, abs=1e-4)
    assert p["co2e_t"] * 1000 != pytest.approx(ar5, abs=0.1)
    assert (p["quantity"], p["unit"], p["data_quality_score"]) == (1000, "USD", 4)
    gases = dict(
        editions_run.query(
            "select gas, gas_mass_t from marts.fct_emissions where source_record_key like '%purchases.csv#1' "
            "and gas <> 'CO2e'"
        )
    )
    assert gases == {
        "CO2": pytest.approx(1000 * EPA_331110_CO2 / 1000, rel=1e-12),
        "CH4": pytest.approx(1000 * EPA_331110_CH4 / 1000, rel=1e-12),
        "N2O": pytest.approx(1000 * EPA_331110_N2O / 1000, rel=1e-12),
    }
    # the registry: three gas masses, the fluorinated gases in the configured set, the unspecified part in AR5
    registry = dict(
        editions_run.query(
            "select split_part(factor_id, ':', 4), coalesce(gwp_set_of_source, '-') from marts.dim_emission_factors "
            "where factor_key = 'naics:331110' and not is_custom"
        )
    )
    assert registry == {
        "CO2": "-",
        "CH4": "-",
        "N2O": "-",
        "fluorinated_gases": "AR6",
        "hfcs_pfcs_unspecified": "AR5",
    }


# ------------------------------------------------------------------ c. custom factor in a reachable unit
def test_custom_factor_per_passenger_km_wins_over_the_shipped_vehicle_km_factor(editions_run):
    # 200,000 employee-km x 0.1 kg CO2e/passenger.km (the group's factor) = 20,000 kg = 20 t;
    # the shipped DESNZ 2023 car factor per vehicle.km (200,000 x 0.16668 kg = 33.34 t under AR6) is not used
    car = line(
        editions_run, "procurement__employee_commuting", "procurement/employee_commuting/survey.csv", 1
    )
    assert car["co2e_t"] == pytest.approx(200_000 * 0.1 / 1000, rel=1e-12)
    assert car["factor_ids"] == "custom:commute:car:*:-:CO2e"
    assert (car["quantity"], car["unit"]) == (200_000, "passenger.km")
    assert "group custom factor" in car["reason"]
    # without a custom factor the documented unit and the shipped factor apply:
    # 20,000 vehicle.km x (0.20638 + 4.6368e-6 / 28 x 29.8 + 0.00167181 / 265 x 273) kg (DESNZ 2023 taxi)
    taxi = line(
        editions_run, "procurement__employee_commuting", "procurement/employee_commuting/survey.csv", 2
    )
    assert taxi["co2e_t"] * 1000 == pytest.approx(20_000 * desnz_kg_co2e(DESNZ_2023_TAXI, AR6), rel=1e-12)
    assert (taxi["quantity"], taxi["unit"]) == (20_000, "vehicle.km")
    assert taxi["factor_ids"].startswith("desnz_2023:commute:taxi:vehicle.km:")
