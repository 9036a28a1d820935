"""Scope 3 (docs/methods.md "Scope 3") against the GHG Protocol Technical Guidance examples and hand calculations.

A small landing folder goes through the real pipeline once (`carbon run`,
AR5). Each worked example of the *Technical Guidance for Calculating Scope 3
Emissions* (2013) that fits the landing-zone contract is its own file, with the
example's own emission factors supplied as the group's reference/custom_factors
(custom factors win over the shipped registry for the same key); every test
sums the file's rows in marts.fct_emissions and compares with the published
result. The other tests are calculated by hand in their comments, with the
shipped factors (US EPA v1.3, UK DESNZ 2023).
"""

from __future__ import annotations

import pytest
from conftest import header, run_pipeline, write_config, write_csv

pytestmark = pytest.mark.slow

ENTITY_HEADER = header("erp/entities")
FACILITY_HEADER = header("erp/facilities")
FUEL_HEADER = header("erp/fuel_consumption")
METER_HEADER = header("energy/meters")
READING_HEADER = header("energy/meter_readings")
PURCHASE_HEADER = header("procurement/purchases")
MAP_HEADER = header("procurement/category_map")
FOOTPRINT_HEADER = header("procurement/supplier_footprints")
SHIPMENT_HEADER = header("procurement/shipments")
TRAVEL_HEADER = header("procurement/business_travel")
COMMUTING_HEADER = header("procurement/employee_commuting")
WASTE_HEADER = header("procurement/waste")
INVESTMENT_HEADER = header("procurement/investments")
OTHER_HEADER = header("procurement/other_value_chain")
FACTOR_HEADER = header("reference/custom_factors")

TG = "GHG Protocol Scope 3 Technical Guidance"

# US CPI-U annual averages (BLS CUUR0000SA0), as shipped
CPI_2022, CPI_2023 = 292.655, 304.702
# US EPA Supply Chain GHG Emission Factors v1.3, NAICS 331110, with margins, per 2022 USD, by gas under AR5
# (this module's GWP set): 0.738 kg CO2 + 0.0013 kg CH4 x 28 + 2.08e-5 kg N2O x 265 + 14 fluorinated gases
# x their AR5 GWPs (0.00637490147 kg CO2e) + 0.0012 kg CO2e unspecified HFCs/PFCs = 0.78748690147 kg CO2e,
# which EPA publishes rounded as 0.787 (tests/test_factor_editions.py works out the gases and AR6)
EPA_331110 = 0.738 + 0.0013 * 28 + 2.08e-5 * 265 + 0.00637490147 + 0.0012


def build_landing(root):
    write_csv(
        root / "erp/entities/entities.csv",
        ENTITY_HEADER,
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            # consolidated subsidiary: an investment in it is Scope 1 and 2, not category 15
            ["SUB1", "Subsidiary", "G001", "subsidiary", 100, "full", "true", "", ""],
        ],
    )
    write_csv(
        root / "erp/facilities/facilities.csv",
        FACILITY_HEADER,
        [
            ["F1", "G001", "Plant", "CN", "Jiangsu", "", ""],
            ["F2", "G001", "UK office", "GB", "", "", ""],
            ["F3", "SUB1", "Subsidiary plant", "CN", "Zhejiang", "", ""],
        ],
    )
    write_csv(
        root / "reference/fx_rates/fx_rates.csv",
        ["currency", "year", "units_per_usd"],
        [
            ["EUR", 2023, 0.92],
            ["USD", 2023, 1],
            ["CNY", 2023, 7.0467],
        ],
    )

    factors = []
    # --- categories 1 and 2 -------------------------------------------------------------------
    # Example 1.1 (supplier-specific): five construction materials, kg x kg CO2e/kg
    ex11 = [
        ("CEMENT", "C", 200_000, 0.15),
        ("PLASTER", "D", 600_000, 0.10),
        ("PAINT", "E", 200_000, 0.10),
        ("TIMBER", "F", 100_000, 0.25),
        ("CONCRETE", "G", 50_000, 0.20),
    ]
    write_csv(
        root / "procurement/purchases/example_1_1.csv",
        PURCHASE_HEADER,
        [
            [
                f"E11-{i}",
                "G001",
                f"SUP-{s}",
                f"Supplier {s}",
                f"E11-{code}",
                code.lower(),
                "2023-06-30",
                1000,
                "USD",
                kg,
                "kg",
                "false",
            ]
            for i, (code, s, kg, _) in enumerate(ex11, start=1)
        ],
    )
    footprints = [[f"SUP-{s}", f"E11-{code}", ef, "kg", 2023, "true", "ISO 14067"] for code, s, _, ef in ex11]
    category_map = [[f"E11-{code}", 1, "", ""] for code, *_ in ex11]

    # Example 1.4 (average-data for components, spend-based for raw materials)
    components = [
        ("HDD", 400, 20),
        ("IC", 200, 10),
        ("LCD", 500, 40),
        ("SEMI", 100, 70),
        ("BATT", 1500, 3),
        ("KEYB", 300, 3),
    ]
    materials = [
        ("PS", 5000, 0.3),
        ("ABS", 3000, 0.3),
        ("PET", 4000, 0.3),
        ("ALU", 6000, 0.5),
        ("STEEL", 1500, 0.2),
        ("CYCLOHEX", 5000, 0.2),
        ("EPOXY", 5000, 0.3),
        ("CU", 1000, 0.3),
        ("GLASS", 5000, 0.4),
    ]
    rows = []
    for code, kg, ef in components:
        rows.append(
            [
                f"E14-{code}",
                "G001",
                "SUP-E",
                "Supplier E",
                f"E14-{code}",
                code,
                "2023-03-31",
                999,
                "USD",
                kg,
                "kg",
                "false",
            ]
        )
        category_map.append([f"E14-{code}", 1, "", f"ex14:{code.lower()}"])
        factors.append([f"ex14:{code.lower()}", "kg", "CO2e", ef, "", "", "", f"{TG} example 1.4"])
    for code, usd, ef in materials:
        rows.append(
            [
                f"E14-{code}",
                "G001",
                "SUP-E",
                "Supplier E",
                f"E14-{code}",
                code,
                "2023-03-31",
                usd,
                "USD",
                "",
                "",
                "false",
            ]
        )
        category_map.append([f"E14-{code}", 1, f"ex14:{code.lower()}", ""])
        # a spend factor's price year is its year_from: 2023, the invoice year, so no re-pricing
        factors.append([f"ex14:{code.lower()}", "USD", "CO2e", ef, "", 2023, 2023, f"{TG} example 1.4"])
    write_csv(root / "procurement/purchases/example_1_4.csv", PURCHASE_HEADER, rows)

    # Hand calculations with the shipped registry
    write_csv(
        root / "procurement/purchases/spend.csv",
        PURCHASE_HEADER,
        [
            # EUR 1,000 in 2023 -> EPA 331110 (2022 USD)
            [
                "SP-EUR",
                "G001",
                "SUP-X",
                "Steel mill",
                "STEEL",
                "steel",
                "2023-05-10",
                1000,
                "EUR",
                "",
                "",
                "false",
            ],
            # no 2023 GBP rate: unestimated, no_fx_rate
            [
                "SP-GBP",
                "G001",
                "SUP-X",
                "Steel mill",
                "STEEL",
                "steel",
                "2023-05-10",
                1000,
                "GBP",
                "",
                "",
                "false",
            ],
            # a code the category map does not know: unestimated, no_mapping
            [
                "SP-UNMAPPED",
                "G001",
                "SUP-Y",
                "Unknown",
                "NOPE",
                "?",
                "2023-05-10",
                1000,
                "USD",
                "",
                "",
                "false",
            ],
            # capital goods -> category 2; CNY at the 2023 rate
            [
                "SP-CAPEX",
                "G001",
                "SUP-Z",
                "Machine maker",
                "STEEL",
                "press",
                "2023-05-10",
                70467,
                "CNY",
                "",
                "",
                "true",
            ],
            # an unverified supplier footprint: supplier-specific, data-quality score 2
            [
                "SP-UNVERIFIED",
                "G001",
                "SUP-U",
                "Supplier U",
                "STEEL",
                "steel",
                "2023-05-10",
                1000,
                "USD",
                2,
                "t",
                "false",
            ],
        ],
    )
    category_map.append(["STEEL", 1, "naics:331110", ""])
    footprints.append(["SUP-U", "STEEL", 1500, "t", 2023, "false", ""])
    write_csv(root / "procurement/category_map/category_map.csv", MAP_HEADER, category_map)
    write_csv(root / "procurement/supplier_footprints/footprints.csv", FOOTPRINT_HEADER, footprints)

    # --- categories 4 and 9 -------------------------------------------------------------------
    # Example 4.2 (distance-based): t x km x kg CO2e/t.km
    write_csv(
        root / "procurement/shipments/example_4_2.csv",
        SHIPMENT_HEADER,
        [
            ["E42-B", "G001", "2023-02-01", "inbound", "false", "road", 2, 2000],
            ["E42-C", "G001", "2023-02-01", "inbound", "false", "air", 1, 3000],
            ["E42-D", "G001", "2023-02-01", "inbound", "false", "sea", 6, 4000],
        ],
    )
    factors += [
        ["freight:road", "t.km", "CO2e", 0.2, "", "", "", f"{TG} example 4.2"],
        ["freight:air", "t.km", "CO2e", 1.0, "", "", "", f"{TG} example 4.2"],
        ["freight:sea", "t.km", "CO2e", 0.05, "", "", "", f"{TG} example 4.2"],
    ]
    write_csv(
        root / "procurement/shipments/outbound.csv",
        SHIPMENT_HEADER,
        [
            # outbound, customer pays: category 9; shipped DESNZ freight train factor, per gas
            ["OUT-1", "G001", "2023-02-01", "outbound", "false", "rail", 100, 100],
        ],
    )

    # --- category 5 -----------------------------------------------------------------------------
    # Example 5.1 (waste-type-specific)
    write_csv(
        root / "procurement/waste/example_5_1.csv",
        WASTE_HEADER,
        [
            ["F1", "2023", "plastic", "landfill", 2000, "t"],
            ["F1", "2023", "plastic", "incineration_energy_recovery", 5000, "t"],
            ["F1", "2023", "plastic", "recycling", 4000, "t"],
            ["F1", "2023", "water_disposal", "wastewater", 5000, "m3"],
        ],
    )
    factors += [
        ["waste:plastic:landfill", "t", "CO2e", 40, "", "", "", f"{TG} example 5.1"],
        ["waste:plastic:incineration_energy_recovery", "t", "CO2e", 2, "", "", "", f"{TG} example 5.1"],
        ["waste:plastic:recycling", "t", "CO2e", 10, "", "", "", f"{TG} example 5.1"],
        ["waste:water_disposal:wastewater", "m3", "CO2e", 0.5, "", "", "", f"{TG} example 5.1"],
    ]
    write_csv(
        root / "procurement/waste/other.csv",
        WASTE_HEADER,
        [
            # DESNZ has no factor for incineration without energy recovery: unestimated, no_factor
            ["F3", "2023", "hazardous_waste", "incineration", 10, "t"],
        ],
    )

    # --- category 6 -----------------------------------------------------------------------------
    # Example 6.1 (distance-based). The contract has no vehicle type or haul,
    # so each group travels in its own year and the example's factor for the
    # group is a custom factor valid in that year.
    write_csv(
        root / "procurement/business_travel/example_6_1.csv",
        TRAVEL_HEADER,
        [
            ["E61-CAR1", "G001", "2021-05-01", "car", 50, 10, 2, ""],
            ["E61-CAR2", "G001", "2022-05-01", "car", 200, 20, 2, ""],
            ["E61-CAR3", "G001", "2023-05-01", "car", 100, 100, 3, ""],
            ["E61-AIR1", "G001", "2021-05-01", "air", 10_000, 10, "", ""],
            ["E61-AIR2", "G001", "2022-05-01", "air", 15_000, 20, "", ""],
            ["E61-AIR3", "G001", "2023-05-01", "air", 12_000, 100, "", ""],
        ],
    )
    for year, car, air in ((2021, 1, 5), (2022, 2, 6), (2023, 4, 5)):
        factors += [
            ["travel:car", "vehicle.km", "CO2e", car, "", year, year, f"{TG} example 6.1"],
            ["travel:air", "passenger.km", "CO2e", air, "", year, year, f"{TG} example 6.1"],
        ]

    # --- category 7 -----------------------------------------------------------------------------
    # Example 7.2 (average-data): 10,000 employees, 235 days, a return trip = 2 one-way trips a day
    write_csv(
        root / "procurement/employee_commuting/example_7_2.csv",
        COMMUTING_HEADER,
        [
            ["G001", 2023, 10_000, 235, 2, "rail", 50, 10],
            ["G001", 2023, 10_000, 235, 2, "car", 30, 15],
            ["G001", 2023, 10_000, 235, 2, "foot", 15, 1],
            ["G001", 2023, 10_000, 235, 2, "bus", 5, 5],
        ],
    )
    factors += [
        ["commute:rail", "passenger.km", "CO2e", 0.1, "", "", "", f"{TG} example 7.2"],
        ["commute:car", "vehicle.km", "CO2e", 0.2, "", "", "", f"{TG} example 7.2"],
        ["commute:foot", "passenger.km", "CO2e", 0.0, "", "", "", f"{TG} example 7.2"],
        ["commute:bus", "passenger.km", "CO2e", 0.1, "", "", "", f"{TG} example 7.2"],
    ]

    # --- category 15 ----------------------------------------------------------------------------
    # Example 15.1 (investment-specific): investees outside the entity tree
    write_csv(
        root / "procurement/investments/example_15_1.csv",
        INVESTMENT_HEADER,
        [
            ["INV1", "G001", 2023, 40, 100_000, 20_000],
            ["INV2", "G001", 2023, 15, 150_000, 50_000],
            ["INV3", "G001", 2023, 25, 1_200_000, 400_000],
            ["INV4", "G001", 2023, 25, 45_000, 15_000],
            # a consolidated subsidiary is in Scope 1 and 2 already: not category 15
            ["SUB1", "G001", 2023, 100, 1_000, 1_000],
        ],
    )

    # --- category 3 and other value chain ------------------------------------------------------
    write_csv(
        root / "erp/fuel_consumption/fuel.csv",
        FUEL_HEADER,
        [
            ["D1", "F1", "2023-03", "diesel", 100, "t", "stationary", "", ""],
        ],
    )
    write_csv(
        root / "energy/meters/meters.csv",
        METER_HEADER,
        [
            ["M-CN", "F1", "electricity", "grid", "kWh", "0.5S", "2023-01-10", 12],
            ["M-GB", "F2", "electricity", "grid", "kWh", "0.5S", "2023-01-10", 12],
        ],
    )
    write_csv(
        root / "energy/meter_readings/readings.csv",
        READING_HEADER,
        [
            ["M-CN", "2023-03-01T00:00:00", "2023-04-01T00:00:00", 1000, "kWh", "false"],
            ["M-GB", "2023-03-01T00:00:00", "2023-04-01T00:00:00", 1000, "kWh", "false"],
        ],
    )
    write_csv(
        root / "procurement/other_value_chain/other.csv",
        OTHER_HEADER,
        [
            ["OVC-1", "G001", 2023, 12, "eol_steel", 100, "t", "end-of-life of steel sold"],
        ],
    )
    factors.append(["eol_steel", "t", "CO2e", 35, "", "", "", "test factor"])

    write_csv(root / "reference/custom_factors/factors.csv", FACTOR_HEADER, factors)


@pytest.fixture(scope="module")
def scope3_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("scope3")
    build_landing(root / "landing")
    # the examples span 2021-2023 and the landing has no metered year to derive complete years from
    config = write_config(root / "carbon.yml", gwp_set="AR5", reporting_years=[2021, 2022, 2023])
    result = run_pipeline(root / "landing", root / "wh.duckdb", config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def kg_co2e(run, raw_table: str, file: str, row: int | None = None) -> float:
    key = f"{raw_table}:{file}#{row if row is not None else '%'}"
    return run.scalar(
        "select sum(co2e_t) * 1000 from marts.fct_emissions where scope = '3' and source_record_key like ?",
        [key],
    )


def emission(run, raw_table: str, file: str, row: int) -> dict:
    """The Scope 3 emission of one raw row, its gases summed (factor ids joined by ', ')."""
    cols = [
        "scope3_category",
        "iso_category",
        "method",
        "data_quality_score",
        "activity_quantity",
        "activity_unit",
        "factor_id",
        "co2e_t",
    ]
    rows = run.query(
        f"select {', '.join(cols[:-2])}, string_agg(distinct factor_id, ', ' order by factor_id), sum(co2e_t) "
        "from marts.fct_emissions where scope = '3' and source_record_key = ? group by all",
        [f"{raw_table}:{file}#{row}"],
    )
    assert len(rows) == 1, rows
    return dict(zip(cols, rows[0], strict=True))


def unestimated(run, raw_table: str, file: str, row: int) -> tuple:
    return run.query(
        "select scope3_category, reason_code from marts.fct_scope3_unestimated where source_record_key = ?",
        [f"{raw_table}:{file}#{row}"],
    )


# --------------------------------------------------------------------- worked examples
def test_example_1_1_supplier_specific_method(scope3_run):
    # (200,000 x 0.15) + (600,000 x 0.1) + (200,000 x 0.1) + (100,000 x 0.25) + (50,000 x 0.2) = 145,000 kg
    assert kg_co2e(
        scope3_run, "procurement__purchases", "procurement/purchases/example_1_1.csv"
    ) == pytest.approx(145_000, rel=1e-12)
    line = emission(scope3_run, "procurement__purchases", "procurement/purchases/example_1_1.csv", 1)
    assert (line["method"], line["data_quality_score"], line["scope3_category"]) == (
        "supplier_specific",
        1,
        1,
    )
    assert line["factor_id"] == "supplier_footprint:SUP-C:E11-CEMENT:2023:kg"


def test_example_1_4_average_data_and_spend_based_methods(scope3_run):
    # components 8,000 + 2,000 + 20,000 + 7,000 + 4,500 + 900 = 42,400; raw materials
    # 1,500 + 900 + 1,200 + 3,000 + 300 + 1,000 + 1,500 + 300 + 2,000 = 11,700; total 54,100 kg
    assert kg_co2e(
        scope3_run, "procurement__purchases", "procurement/purchases/example_1_4.csv"
    ) == pytest.approx(54_100, rel=1e-12)
    hdd = emission(scope3_run, "procurement__purchases", "procurement/purchases/example_1_4.csv", 1)
    assert (hdd["method"], hdd["data_quality_score"]) == ("average_data", 3)
    ps = emission(scope3_run, "procurement__purchases", "procurement/purchases/example_1_4.csv", 7)
    assert (ps["method"], ps["data_quality_score"], ps["activity_quantity"]) == ("spend_based", 4, 5000)


def test_example_4_2_upstream_transport_distance_based(scope3_run):
    # 2 x 2,000 x 0.2 + 1 x 3,000 x 1.0 + 6 x 4,000 x 0.05 = 800 + 3,000 + 1,200 = 5,000 kg
    assert kg_co2e(
        scope3_run, "procurement__shipments", "procurement/shipments/example_4_2.csv"
    ) == pytest.approx(5_000, rel=1e-12)
    road = emission(scope3_run, "procurement__shipments", "procurement/shipments/example_4_2.csv", 1)
    assert (road["scope3_category"], road["iso_category"], road["method"]) == (4, 3, "distance_based")
    assert (road["activity_quantity"], road["activity_unit"]) == (4000, "t.km")


def test_example_5_1_waste_type_specific_method(scope3_run):
    # 2,000 x 40 + 5,000 x 2 + 4,000 x 10 + 5,000 m3 x 0.5 = 132,500 kg
    assert kg_co2e(scope3_run, "procurement__waste", "procurement/waste/example_5_1.csv") == pytest.approx(
        132_500, rel=1e-12
    )
    landfill = emission(scope3_run, "procurement__waste", "procurement/waste/example_5_1.csv", 1)
    assert (landfill["scope3_category"], landfill["iso_category"], landfill["method"]) == (
        5,
        4,
        "waste_type_specific",
    )


def test_example_6_1_business_travel_distance_based(scope3_run):
    # road: 10/2 x 50 x 1 + 20/2 x 200 x 2 + 100/3 x 100 x 4 = 17,583.33 kg (vehicle.km)
    # air:  10 x 10,000 x 5 + 20 x 15,000 x 6 + 100 x 12,000 x 5 = 8,300,000 kg (passenger.km)
    assert kg_co2e(
        scope3_run, "procurement__business_travel", "procurement/business_travel/example_6_1.csv"
    ) == pytest.approx(8_317_583.33, abs=0.005)
    car = emission(
        scope3_run, "procurement__business_travel", "procurement/business_travel/example_6_1.csv", 3
    )
    assert (car["activity_quantity"], car["activity_unit"]) == (pytest.approx(100 / 3 * 100), "vehicle.km")


def test_example_7_2_employee_commuting_average_data(scope3_run):
    # 10,000 x 235 x 2 x (50 % x 10 x 0.1 + 30 % x 15 x 0.2 + 15 % x 1 x 0 + 5 % x 5 x 0.1) = 6,697,500 kg;
    # trips_per_day = 2 one-way trips is the guidance's "x 2 for the return journey"
    assert kg_co2e(
        scope3_run, "procurement__employee_commuting", "procurement/employee_commuting/example_7_2.csv"
    ) == pytest.approx(6_697_500, rel=1e-12)
    rail = emission(
        scope3_run, "procurement__employee_commuting", "procurement/employee_commuting/example_7_2.csv", 1
    )
    assert (rail["scope3_category"], rail["method"], rail["activity_quantity"], rail["activity_unit"]) == (
        7,
        "average_data",
        pytest.approx(23_500_000),
        "passenger.km",
    )


def test_example_15_1_investments_outside_the_boundary(scope3_run):
    # 120,000 x 40 % + 200,000 x 15 % + 1,600,000 x 25 % + 60,000 x 25 % = 493,000 t;
    # the consolidated subsidiary SUB1 is not category 15
    total_t = scope3_run.scalar("select sum(co2e_t) from marts.fct_emissions where scope3_category = 15")
    assert total_t == pytest.approx(493_000, rel=1e-12)
    group_t = scope3_run.scalar(
        "select co2e_t from marts.rpt_group_inventory where scope = '3' and scope3_category = 15 "
        "and reporting_year = 2023 and consolidation_approach = 'operational_control'"
    )
    assert group_t == pytest.approx(493_000, rel=1e-12)
    assert (
        scope3_run.scalar(
            "select count(*) from marts.fct_emissions where scope3_category = 15 and activity_code = 'SUB1'"
        )
        == 0
    )
    # investments are ISO 14064-1 category 5 (Annex B.5.4, use of the organisation's products), not 6
    assert (
        scope3_run.scalar("select distinct iso_category from marts.fct_emissions where scope3_category = 15")
        == 5
    )


# --------------------------------------------------------------------- hand calculations
def test_spend_in_another_currency_and_price_year(scope3_run):
    # EUR 1,000 in 2023 / 0.92 EUR per USD = USD 1,086.96 (2023 prices)
    # x CPI-U 2022 / 2023 = 292.655 / 304.702 -> USD 1,043.98 in 2022 prices
    # x 0.78749 kg CO2e per 2022 USD (EPA v1.3, NAICS 331110, with margins, by gas, AR5) = 822.12 kg
    usd_2022 = 1000 / 0.92 * CPI_2022 / CPI_2023
    line = emission(scope3_run, "procurement__purchases", "procurement/purchases/spend.csv", 1)
    assert line["co2e_t"] * 1000 == pytest.approx(usd_2022 * EPA_331110, rel=1e-12)
    assert line["co2e_t"] * 1000 == pytest.approx(822.12, abs=0.005)
    assert (line["method"], line["data_quality_score"], line["activity_unit"]) == ("spend_based", 4, "USD")
    assert line["activity_quantity"] == pytest.approx(usd_2022, rel=1e-12)
    # one emission row per gas kept in the registry
    assert line["factor_id"] == ", ".join(
        f"epa_supply_chain_v1.3:naics:331110:{g}"
        for g in ("CH4", "CO2", "N2O", "fluorinated_gases", "hfcs_pfcs_unspecified")
    )


def test_capital_goods_are_category_2_and_cny_converts_at_the_group_rate(scope3_run):
    # CNY 70,467 / 7.0467 = USD 10,000 (2023) x 292.655 / 304.702 x 0.78749 kg = 7,563.52 kg
    line = emission(scope3_run, "procurement__purchases", "procurement/purchases/spend.csv", 4)
    assert (line["scope3_category"], line["iso_category"]) == (2, 4)
    assert line["co2e_t"] * 1000 == pytest.approx(10_000 * CPI_2022 / CPI_2023 * EPA_331110, rel=1e-12)


def test_unverified_supplier_footprint_scores_2(scope3_run):
    # 2 t x 1,500 kg CO2e/t = 3,000 kg; supplier data not verified -> score 2
    line = emission(scope3_run, "procurement__purchases", "procurement/purchases/spend.csv", 5)
    assert (line["method"], line["data_quality_score"]) == ("supplier_specific", 2)
    assert line["co2e_t"] == pytest.approx(3.0, rel=1e-12)


def test_lines_no_method_can_estimate_are_listed_with_the_reason(scope3_run):
    assert unestimated(scope3_run, "procurement__purchases", "procurement/purchases/spend.csv", 2) == [
        (1, "no_fx_rate")
    ]
    assert unestimated(scope3_run, "procurement__purchases", "procurement/purchases/spend.csv", 3) == [
        (1, "no_mapping")
    ]
    assert unestimated(scope3_run, "procurement__waste", "procurement/waste/other.csv", 1) == [
        (5, "no_factor")
    ]
    # ... and counted with the other unestimated activity of the run summary
    assert scope3_run.scalar(
        "select count(*) from marts.fct_unestimated_activity where reason_code like 'scope3_%'"
    ) == scope3_run.scalar("select count(*) from marts.fct_scope3_unestimated")
    assert (
        scope3_run.scalar(
            "select count(*) from marts.fct_emissions where source_record_key like '%spend.csv#2'"
        )
        == 0
    )


def test_outbound_not_paid_is_category_9_with_desnz_per_gas_factors(scope3_run):
    # 100 t x 100 km = 10,000 t.km x DESNZ 2023 freight train (ID 27_315_3151_14_*):
    # CO2 0.02749 + CH4 0.0000224 / 28 x 28 + N2O 0.000275671 / 265 x 265 (AR5) = 0.0277881 kg/t.km
    line = emission(scope3_run, "procurement__shipments", "procurement/shipments/outbound.csv", 1)
    assert (line["scope3_category"], line["method"]) == (9, "distance_based")
    assert line["co2e_t"] * 1000 == pytest.approx(10_000 * 0.027788071140939598, rel=1e-9)
    gases = dict(
        scope3_run.query(
            "select gas, gas_mass_t from marts.fct_emissions where source_record_key like '%outbound.csv#1'"
        )
    )
    assert gases["CO2"] == pytest.approx(10_000 * 0.02749 / 1000, rel=1e-12)
    assert gases["CH4"] == pytest.approx(10_000 * 0.0000224 / 28 / 1000, rel=1e-9)


def test_well_to_tank_of_scope1_fuel_is_category_3(scope3_run):
    # 100 t diesel x 42.652 GJ/t = 4,265.2 GJ = 1,184,777.8 kWh x 0.06291 kg CO2e/kWh (DESNZ WTT diesel,
    # 100 % mineral, net CV) = 74,534.4 kg
    line = emission(scope3_run, "erp__fuel_consumption", "erp/fuel_consumption/fuel.csv", 1)
    assert (line["scope3_category"], line["iso_category"], line["method"]) == (3, 4, "average_data")
    assert line["factor_id"] == "desnz_2023:wtt:diesel:kWh:CO2e"
    assert line["co2e_t"] * 1000 == pytest.approx(4265.2 / 0.0036 * 0.06291, rel=1e-9)


def test_uk_electricity_td_and_upstream_apply_to_gb_only(scope3_run):
    # GB meter, 1,000 kWh: T&D 0.017915111 kg CO2e/kWh (AR5) + WTT 0.0459 + 0.00397 kg/kWh = 67.785 kg
    gb = scope3_run.scalar(
        "select sum(co2e_t) * 1000 from marts.fct_emissions where scope = '3' and facility_id = 'F2'"
    )
    assert gb == pytest.approx(1000 * (0.017915111409395973 + 0.0459 + 0.00397), rel=1e-9)
    # the Chinese meter has no UK factor: listed, not zero
    cn = scope3_run.query(
        "select component, reason_code from marts.fct_scope3_unestimated where facility_id = 'F1' "
        "and dataset_key = 'energy/meter_readings' order by 1"
    )
    assert cn == [("electricity_td", "no_factor_for_region"), ("electricity_wtt", "no_factor_for_region")]


def test_other_value_chain_takes_its_own_category(scope3_run):
    # 100 t x 35 kg/t = 3,500 kg, category 12 (ISO 14064-1 category 5, use of the organisation's products)
    line = emission(
        scope3_run, "procurement__other_value_chain", "procurement/other_value_chain/other.csv", 1
    )
    assert (line["scope3_category"], line["iso_category"]) == (12, 5)
    assert line["co2e_t"] == pytest.approx(3.5, rel=1e-12)


def test_method_mix_shows_each_methods_share_of_category_1(scope3_run):
    rows = dict(
        scope3_run.query(
            "select method, share_of_category from marts.fct_scope3_method_mix where reporting_year = 2023 "
            "and consolidation_approach = 'operational_control' and scope3_category = 1 and method <> 'unestimated'"
        )
    )
    assert set(rows) == {"supplier_specific", "average_data", "spend_based"}
    assert sum(rows.values()) == pytest.approx(1.0, rel=1e-12)
    # supplier-specific: 145,000 + 3,000 kg of 145,000 + 3,000 + 42,400 + 11,700 + 822.1 kg
    total = 148_000 + 42_400 + 11_700 + 1000 / 0.92 * CPI_2022 / CPI_2023 * EPA_331110
    assert rows["supplier_specific"] == pytest.approx(148_000 / total, rel=1e-9)
    unest = scope3_run.scalar(
        "select activity_records from marts.fct_scope3_method_mix where reporting_year = 2023 "
        "and consolidation_approach = 'operational_control' and scope3_category = 1 and method = 'unestimated'"
    )
    assert unest == 2  # the GBP and the unmapped line
