"""Scope 2 market-based (docs/methods.md M-S2-02, M-S2-03) against hand calculations.

A small landing folder goes through the real pipeline once; each test compares
int_scope2_market / fct_scope2_instruments with the figures worked out by hand
in its comment. Residual mix: MEE/NBS national factor excluding market-traded
non-fossil electricity, 2022 0.5856 and 2023 0.6096 tCO2/MWh (none for 2021
or 2024).
"""

from __future__ import annotations

import pytest
from conftest import header, run_pipeline, write_config, write_csv

pytestmark = pytest.mark.slow

ENTITY_HEADER = header("erp/entities")
FACILITY_HEADER = header("erp/facilities")
METER_HEADER = header("energy/meters")
READING_HEADER = header("energy/meter_readings")
INSTRUMENT_HEADER = header("energy/renewable_instruments")


def month(year: int, m: int) -> tuple[str, str]:
    start = f"{year}-{m:02d}-01T00:00:00"
    end = f"{year + (m == 12)}-{m % 12 + 1:02d}-01T00:00:00"
    return start, end


def build_landing(root):
    write_csv(
        root / "erp/entities/entities.csv",
        ENTITY_HEADER,
        [
            ["G001", "Group", "", "root", 100, "full", "true", "", ""],
            ["E1", "Subsidiary with pooled certificates", "G001", "subsidiary", 100, "full", "true", "", ""],
        ],
    )
    write_csv(
        root / "erp/facilities/facilities.csv",
        FACILITY_HEADER,
        [
            ["F1", "G001", "Mixed portfolio plant", "CN", "Jiangsu", "", ""],
            ["F2", "E1", "Pool plant two", "CN", "Jiangsu", "", ""],
            ["F3", "E1", "Pool plant three", "CN", "Jiangsu", "", ""],
            ["F4", "G001", "Over-certified plant", "CN", "Zhejiang", "", ""],
            ["F5", "G001", "Uncovered plant", "CN", "Zhejiang", "", ""],
        ],
    )
    write_csv(
        root / "energy/meters/meters.csv",
        METER_HEADER,
        [
            ["M1", "F1", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
            ["PV1", "F1", "electricity", "onsite_renewable", "MWh", "0.5S", "2022-01-10", 12],
            ["ST1", "F1", "steam", "third_party", "GJ", "1", "2022-01-10", 12],
            ["M2", "F2", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
            ["M3", "F3", "electricity", "third_party", "MWh", "0.5S", "2022-01-10", 12],
            ["M4", "F4", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
            ["M5", "F5", "electricity", "grid", "MWh", "0.5S", "2022-01-10", 12],
        ],
    )
    write_csv(
        root / "energy/meter_readings/readings.csv",
        READING_HEADER,
        [
            [*("M1", *month(2022, 3)), 1000, "MWh", "false"],
            [*("PV1", *month(2022, 3)), 100, "MWh", "false"],
            [*("ST1", *month(2022, 3)), 1000, "GJ", "false"],
            [*("M2", *month(2022, 1)), 600, "MWh", "false"],
            [*("M2", *month(2022, 2)), 400, "MWh", "false"],
            [*("M3", *month(2022, 3)), 500, "MWh", "false"],
            [*("M4", *month(2024, 5)), 100, "MWh", "false"],
            [*("M5", *month(2024, 5)), 100, "MWh", "false"],
            [*("M5", *month(2021, 5)), 100, "MWh", "false"],
        ],
    )
    write_csv(
        root / "energy/renewable_instruments/instruments.csv",
        INSTRUMENT_HEADER,
        [
            # F1, 2022: a mixed portfolio on 1,000 MWh purchased
            ["GPT-F1", "green_power_trade", "F1", "G001", "2022", 300, 0, "true"],
            ["SSC-F1", "supplier_specific", "F1", "G001", "2022", 200, 0.352, "true"],
            ["GEC-F1", "gec", "F1", "G001", "2022", 100, 0, "true"],
            ["GEC-F1-HELD", "gec", "F1", "G001", "2022", 400, 0, "false"],
            ["GEC-F1-2023", "gec", "F1", "G001", "2023", 500, 0, "true"],
            ["GEC-F1-2019", "gec", "F1", "G001", "2019", 500, 0, "true"],
            # E1, 2022: own instruments first, then the pool pro rata to what is left
            ["GEC-F2", "gec", "F2", "E1", "2022", 200, 0, "true"],
            ["GPT-F3-NOV", "green_power_trade", "F3", "E1", "2022-11", 100, 0, "true"],
            ["POOL-E1", "gec", "", "E1", "2022", 600, 0, "true"],
            # F4, 2024: more certificates than consumption
            ["GEC-F4", "gec", "F4", "G001", "2024", 150, 0, "true"],
            # F4 has no purchased electricity in 2022 (the group has)
            ["GEC-F4-2022", "gec", "F4", "G001", "2022", 50, 0, "true"],
        ],
    )


@pytest.fixture(scope="module")
def market_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("scope2_market")
    build_landing(root / "landing")
    result = run_pipeline(root / "landing", root / "wh.duckdb", write_config(root / "carbon.yml"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def market_by_method(run, facility_id: str, year: int) -> dict[str, tuple[float, float]]:
    rows = run.query(
        "select method, sum(energy_mwh), sum(co2_t) from intermediate.int_scope2_market "
        "where facility_id = ? and reporting_year = ? group by method",
        [facility_id, year],
    )
    return {method: (mwh, co2) for method, mwh, co2 in rows}


def allocated(run, instrument_id: str) -> dict[str, float]:
    return dict(
        run.query(
            "select facility_id, allocated_mwh from intermediate.int_scope2_instrument_allocation "
            "where instrument_id = ?",
            [instrument_id],
        )
    )


def instrument(run, instrument_id: str) -> tuple:
    return run.query(
        "select is_counted, not_counted_reason, allocated_mwh, unused_mwh from marts.fct_scope2_instruments "
        "where instrument_id = ?",
        [instrument_id],
    )[0]


def test_mixed_portfolio_at_one_facility(market_run):
    # F1 2022, 1,000 MWh purchased: green power 300 x 0 + supplier 200 x 0.352
    # = 70.4 t + GEC 100 x 0; residual 400 x 0.5856 = 234.24 t; total 304.64 t.
    # The unretired GEC (400 MWh) and the 2023 / 2019 GECs do not count.
    rows = market_by_method(market_run, "F1", 2022)
    assert rows["market_instrument_green_power_trade"] == pytest.approx((300, 0), abs=1e-9)
    assert rows["market_instrument_supplier_specific"] == pytest.approx((200, 70.4), abs=1e-9)
    assert rows["market_instrument_gec"] == pytest.approx((100, 0), abs=1e-9)
    assert rows["market_residual_mix"] == pytest.approx((400, 234.24), abs=1e-9)
    electricity = sum(co2 for method, (_, co2) in rows.items() if method != "market_purchased_heat_default")
    assert electricity == pytest.approx(304.64, abs=1e-9)


def test_onsite_solar_takes_no_instrument_and_is_zero(market_run):
    rows = market_run.query(
        "select method, energy_mwh, co2_t, instrument_id from intermediate.int_scope2_market "
        "where meter_id = 'PV1'"
    )
    assert rows == [("onsite_renewable", 100.0, 0.0, None)]


def test_purchased_steam_uses_heat_default(market_run):
    # 1,000 GJ x 0.11 tCO2/GJ = 110 t, as location-based
    rows = market_by_method(market_run, "F1", 2022)
    assert rows["market_purchased_heat_default"][1] == pytest.approx(110.0, abs=1e-9)


def test_pooled_certificates_go_pro_rata_to_uncovered_mwh(market_run):
    # F2 1,000 MWh - own GEC 200 = 800 uncovered; F3 500 MWh - a green power
    # trade for 2022-11 (covers the year: annual matching) 100 = 400.
    # Pool 600 of E1: F2 600 x 800 / 1,200 = 400, F3 600 x 400 / 1,200 = 200.
    assert allocated(market_run, "POOL-E1") == pytest.approx({"F2": 400.0, "F3": 200.0}, abs=1e-9)
    assert allocated(market_run, "GPT-F3-NOV") == pytest.approx({"F3": 100.0}, abs=1e-9)
    # residual: F2 400 x 0.5856 = 234.24 t; F3 200 x 0.5856 = 117.12 t
    assert market_by_method(market_run, "F2", 2022)["market_residual_mix"] == pytest.approx(
        (400, 234.24), abs=1e-9
    )
    assert market_by_method(market_run, "F3", 2022)["market_residual_mix"] == pytest.approx(
        (200, 117.12), abs=1e-9
    )


def test_covered_mwh_spread_over_pieces_pro_rata(market_run):
    # F2: January 600 MWh and February 400 MWh of its 1,000; the pool's 400 MWh
    # split 240 / 160, the residual's 400 MWh too (240 x 0.5856 = 140.544 t).
    rows = market_run.query(
        "select period, method, instrument_id, energy_mwh, co2_t from intermediate.int_scope2_market "
        "where facility_id = 'F2' order by period, method, instrument_id"
    )
    by_key = {(p, m, i): (mwh, co2) for p, m, i, mwh, co2 in rows}
    assert by_key[("2022-01", "market_instrument_gec", "POOL-E1")] == pytest.approx((240, 0), abs=1e-9)
    assert by_key[("2022-02", "market_instrument_gec", "POOL-E1")] == pytest.approx((160, 0), abs=1e-9)
    assert by_key[("2022-01", "market_instrument_gec", "GEC-F2")] == pytest.approx((120, 0), abs=1e-9)
    assert by_key[("2022-01", "market_residual_mix", None)] == pytest.approx((240, 140.544), abs=1e-9)
    assert by_key[("2022-02", "market_residual_mix", None)] == pytest.approx((160, 93.696), abs=1e-9)


def test_residual_2024_falls_back_to_2023_flagged(market_run):
    # F5 May 2024, 100 MWh, no instrument, no 2024 residual mix: 100 x 0.6096 = 60.96 t
    rows = market_run.query(
        "select method, co2_t, factor_id, is_factor_year_fallback from intermediate.int_scope2_market "
        "where facility_id = 'F5' and reporting_year = 2024"
    )
    assert len(rows) == 1
    method, co2, factor_id, fallback = rows[0]
    assert method == "market_residual_mix"
    assert co2 == pytest.approx(60.96, abs=1e-9)
    assert factor_id == "cn_grid:average_excl_market_traded_nonfossil:national:CN:2023"
    assert fallback is True


def test_year_without_any_residual_mix_uses_location_factor_flagged(market_run):
    # F5 May 2021, 100 MWh: no residual mix up to 2021, national location 0.5568 = 55.68 t
    rows = market_run.query(
        "select method, co2_t, factor_id, is_factor_year_fallback, is_location_factor_fallback "
        "from intermediate.int_scope2_market where facility_id = 'F5' and reporting_year = 2021"
    )
    assert rows == [
        (
            "market_location_fallback",
            pytest.approx(55.68, abs=1e-9),
            "cn_grid:average:national:CN:2021",
            True,
            True,
        )
    ]


def test_excess_certificates_are_unused_never_negative(market_run):
    # F4 2024: 100 MWh, GEC 150 -> 100 allocated, 50 unused, 0 t (not -30.48 t)
    assert instrument(market_run, "GEC-F4") == (True, None, pytest.approx(100.0), pytest.approx(50.0))
    rows = market_by_method(market_run, "F4", 2024)
    assert rows["market_instrument_gec"] == pytest.approx((100, 0), abs=1e-9)
    assert rows["market_residual_mix"] == (0.0, 0.0)
    negative = market_run.scalar(
        "select count(*) from (select facility_id, reporting_year, sum(co2_t) as t "
        "from intermediate.int_scope2_market group by all) where t < 0"
    )
    assert negative == 0
    assert market_run.scalar("select min(co2_t) from intermediate.int_scope2_market") >= 0


def test_instrument_status_and_reasons(market_run):
    assert instrument(market_run, "GPT-F1") == (True, None, 300.0, 0.0)
    assert instrument(market_run, "GEC-F1-HELD") == (False, "not_retired", 0.0, None)
    # 2019: the group has no purchased electricity that year
    assert instrument(market_run, "GEC-F1-2019") == (False, "period_outside_consumption_years", 0.0, None)
    # 2023: the group has none either (consumption in 2021, 2022 and 2024 only)
    assert instrument(market_run, "GEC-F1-2023") == (False, "period_outside_consumption_years", 0.0, None)
    assert instrument(market_run, "GEC-F4-2022") == (False, "no_consumption", 0.0, None)
    assert instrument(market_run, "POOL-E1") == (True, None, pytest.approx(600.0), pytest.approx(0.0))


def test_market_totals_per_year(market_run):
    # 2021: 55.68; 2022: F1 304.64 + steam 110 + F2 234.24 + F3 117.12 = 766.0;
    # 2024: F4 0 + F5 60.96 = 60.96
    totals = dict(
        market_run.query("select reporting_year, sum(co2_t) from intermediate.int_scope2_market group by 1")
    )
    assert totals == {
        2021: pytest.approx(55.68, abs=1e-9),
        2022: pytest.approx(766.0, abs=1e-9),
        2024: pytest.approx(60.96, abs=1e-9),
    }
    # market and location account for the same MWh
    market_mwh, location_mwh = market_run.query(
        "select (select sum(energy_mwh) from intermediate.int_scope2_market), "
        "(select sum(energy_mwh) from intermediate.int_scope2_location)"
    )[0]
    assert market_mwh == pytest.approx(location_mwh, rel=1e-12)
