"""The erp/ datasets of the sample group: master data, fuels, process, refrigerants,
production, financials and carbon assets."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date

from pipelines.generate import group_catalog as gc
from pipelines.generate.landing import Landing
from pipelines.generate.timeline import (
    MONTHS,
    entity_months,
    facility_months,
    period,
)
from pipelines.generate.writers import fmt
from pipelines.lib.contract import DATASETS_BY_KEY

# (facility, fuel, use) -> {(year, month): quantity as written, before any planted defect}
FuelSeries = dict[tuple[str, str, str], dict[tuple[int, int], float]]

# Planted defects in this module (see KNOWN_DEFECTS in sample_group.py).
GAP = ("F04", (2023, 8))  # D1: no fuel records at all for this facility-month
SPIKE = ("F02", "natural_gas", "stationary", (2022, 7), 5.0)  # D4: quantity x5

GB_T_32150 = {  # NCV, CC (tC/GJ), OF — to size allowances and investee footprints consistently
    "natural_gas": (389.31, 0.0153, 0.99),
    "diesel": (42.652, 0.0202, 0.98),
    "gasoline": (43.070, 0.0189, 0.98),
    "lpg": (50.179, 0.0172, 0.98),
    "bituminous_coal": (19.570, 0.0261, 0.93),
}
LIMESTONE_T_CO2_PER_T = 0.43971
# S500's CCER retired for compliance, by compliance year (the credits file writes the same record)
COMPLIANCE_CREDITS_T = {2023: 1200.0}


def fuel_co2_t(fuel: str, quantity: float) -> float:
    if fuel not in GB_T_32150:
        return 0.0  # biomass: biogenic CO2, outside the scopes
    ncv, cc, of = GB_T_32150[fuel]
    return quantity * ncv * cc * of * 44 / 12


def _growth(y: int, rate: float) -> float:
    return (1 + rate) ** (y - 2021)


def _facilities_of(entity_id: str) -> list[gc.Facility]:
    return [f for f in gc.FACILITIES if f.entity_id == entity_id]


def _reporting_entities() -> list[str]:
    """Entities owning facilities, in file order."""
    return sorted({f.entity_id for f in gc.FACILITIES})


# ------------------------------------------------------------------ master data
def write_entities(land: Landing) -> None:
    rows = [
        (
            e.entity_id,
            e.name,
            e.parent,
            e.relationship,
            fmt(e.equity_pct, 0),
            e.financial_control,
            e.operational_control,
            e.valid_from.isoformat() if e.valid_from else None,
            e.valid_to.isoformat() if e.valid_to else None,
        )
        for e in gc.ENTITIES
    ]
    land.csv("erp/entities", "entities.csv", rows)


def write_facilities(land: Landing, extra: list[gc.Facility]) -> None:
    def row(f: gc.Facility):
        return (
            f.facility_id,
            f.entity_id,
            f.name,
            "CN",
            f.province,
            f.opened_on.isoformat() if f.opened_on else None,
            f.closed_on.isoformat() if f.closed_on else None,
            {True: "true", False: "false"}.get(gc.ETS_INSTALLATIONS.get(f.facility_id)),
        )

    land.csv("erp/facilities", "facilities.csv", [row(f) for f in (*gc.FACILITIES, *extra)])


# ------------------------------------------------------------------ fuels
def fuel_series(land: Landing) -> FuelSeries:
    rng = land.rng("erp/fuel_consumption")
    out: FuelSeries = {}
    for f in gc.FACILITIES:
        active = set(facility_months(f))
        for line in gc.FUEL_LINES[f.facility_id]:
            noise = rng.lognormal(0.0, 0.04, size=len(MONTHS))  # drawn for every month: stable streams
            series = {}
            for i, (y, m) in enumerate(MONTHS):
                if (y, m) not in active:
                    continue
                season = 1 + line.heating_amp * math.cos(2 * math.pi * (m - 1) / 12)
                festival = 0.85 if m == 2 else 1.0  # Spring Festival shutdown
                q = line.monthly * season * festival * _growth(y, 0.02) * noise[i]
                series[(y, m)] = round(q, line.decimals)
            out[(f.facility_id, line.fuel, line.use)] = series
    return out


_FUEL_MAPPING_YML = """\
# erp/fuel_consumption/_mapping.yml
# S200 (华源新材料（广东）股份有限公司) exports its fuel ledger from a Chinese ERP:
# GB18030-encoded CSV (S200_<year>.csv) with Chinese headers and values. Every other
# file in this folder already has the canonical headers (they pass through unchanged)
# and is plain ASCII, so decoding the whole folder as GB18030 is safe.
# Units 万立方米 (10^4 Nm3) and 吨 (t) are shipped unit synonyms.
columns:
  单据号: record_id
  设施编码: facility_id
  期间: period
  燃料: fuel
  数量: quantity
  单位: unit
  用途: use
  实测低位发热量: measured_ncv_gj_per_unit
  实测单位热值含碳量: measured_carbon_content_tc_per_gj
values:
  fuel: {天然气: natural_gas, 柴油: diesel, 液化石油气: lpg, 汽油: gasoline}
  use: {固定: stationary, 移动: mobile}
encoding: gb18030
"""


def write_fuel(land: Landing, series: FuelSeries) -> None:
    key = "erp/fuel_consumption"
    cols = DATASETS_BY_KEY[key].column_names
    rng = land.rng("erp/fuel_consumption/measured")
    for entity_id in _reporting_entities():
        chinese = entity_id == gc.GB18030_ENTITY
        for year in (2021, 2022, 2023, 2024):
            rows: list[list[object]] = []
            spike_row = None
            for f in _facilities_of(entity_id):
                for y, m in facility_months(f):
                    if y != year:
                        continue
                    if (f.facility_id, (y, m)) == GAP:
                        continue
                    for line in gc.FUEL_LINES[f.facility_id]:
                        q = series[(f.facility_id, line.fuel, line.use)][(y, m)]
                        if (f.facility_id, line.fuel, line.use, (y, m)) == SPIKE[:4]:
                            q = round(q * SPIKE[4], line.decimals)
                            spike_row = len(rows) + 1
                        ncv = cc = None
                        if f.facility_id == "F06" and line.fuel == "natural_gas" and y == 2024:
                            # Monthly gas-quality certificates from the city-gas supplier.
                            ncv = fmt(389.31 * (1 + rng.normal(0, 0.004)), 2)
                            cc = fmt(0.0153 * (1 + rng.normal(0, 0.004)), 5)
                        if f.facility_id == "F04" and line.fuel == "bituminous_coal" and y == 2024:
                            ncv = fmt(19.570 * (1 + rng.normal(0, 0.02)), 3)  # lab NCV per delivery batch
                        fuel, unit, use = line.fuel, line.unit, line.use
                        if chinese:
                            fuel, unit, use = gc.FUEL_ZH[fuel], gc.UNIT_ZH[unit], gc.USE_ZH[use]
                        rows.append(
                            [
                                None,
                                f.facility_id,
                                period(y, m),
                                fuel,
                                fmt(q, line.decimals),
                                unit,
                                use,
                                ncv,
                                cc,
                            ]
                        )
            if not rows:
                continue
            for i, r in enumerate(rows, start=1):
                r[0] = f"RL{year}{i:05d}" if chinese else f"{entity_id}-FC{year}-{i:05d}"
            name = f"{entity_id}_{year}.csv"
            if chinese:
                land.csv(key, name, rows, header=[gc.FUEL_HEADERS_ZH[c] for c in cols], encoding="gb18030")
            else:
                if not all(str(v).isascii() for r in rows for v in r if v is not None):
                    raise AssertionError(
                        "canonical fuel files must stay ASCII (the folder is read as GB18030)"
                    )
                land.csv(key, name, rows)
            if spike_row is not None:
                land.defects.append({"file": f"{key}/{name}", "row": spike_row})
            if entity_id == "S110" and year == GAP[1][0]:
                land.defects.append({"file": f"{key}/{name}", "row": None})
    land.text(key, "_mapping.yml", _FUEL_MAPPING_YML)


# ------------------------------------------------------------------ process, production
def process_series(land: Landing) -> dict[tuple[str, int, int], float]:
    rng = land.rng("erp/process_activity")
    out = {}
    for fid, (_process, monthly) in gc.PROCESS_LINES.items():
        noise = rng.lognormal(0.0, 0.04, size=len(MONTHS))
        active = set(facility_months(gc.FACILITY_BY_ID[fid]))
        for i, (y, m) in enumerate(MONTHS):
            if (y, m) in active:
                festival = 0.8 if m == 2 else 1.0
                out[(fid, y, m)] = round(monthly * festival * _growth(y, 0.015) * noise[i], 1)
    return out


def write_process(land: Landing, series: dict[tuple[str, int, int], float]) -> None:
    for year in (2021, 2022, 2023, 2024):
        by_entity = defaultdict(list)
        for (fid, y, m), q in sorted(series.items()):
            if y == year:
                f = gc.FACILITY_BY_ID[fid]
                purity = gc.PROCESS_PURITY.get(fid)
                by_entity[f.entity_id].append(
                    (
                        fid,
                        period(y, m),
                        gc.PROCESS_LINES[fid][0],
                        fmt(q, 1),
                        "t",
                        None if purity is None else str(purity),
                    )
                )
        for entity_id, rows in sorted(by_entity.items()):
            land.csv("erp/process_activity", f"{entity_id}_{year}.csv", rows)


def production_series(land: Landing) -> dict[tuple[str, int, int], float]:
    rng = land.rng("erp/production")
    out = {}
    for fid, (_product, unit, monthly) in gc.PRODUCTION.items():
        noise = rng.lognormal(0.0, 0.05, size=len(MONTHS))
        active = set(facility_months(gc.FACILITY_BY_ID[fid]))
        for i, (y, m) in enumerate(MONTHS):
            if (y, m) in active:
                festival = 0.8 if m == 2 else 1.0
                q = monthly * festival * _growth(y, 0.03) * noise[i]
                out[(fid, y, m)] = float(round(q)) if unit != "t" else round(q, 1)
    return out


_PRODUCTION_MAPPING_YML = """\
# erp/production/_mapping.yml
# S300 (华源电机（浙江）有限公司) counts motors in 件 (pieces); the other files use pcs.
units:
  件: pcs
"""


def write_production(land: Landing, series: dict[tuple[str, int, int], float]) -> None:
    for entity_id in _reporting_entities():
        for year in (2021, 2022, 2023, 2024):
            rows = []
            for f in _facilities_of(entity_id):
                if f.facility_id not in gc.PRODUCTION:
                    continue
                product, unit, _ = gc.PRODUCTION[f.facility_id]
                for y, m in facility_months(f):
                    if y == year:
                        q = series[(f.facility_id, y, m)]
                        rows.append(
                            (f.facility_id, period(y, m), product, fmt(q, 0 if unit != "t" else 1), unit)
                        )
            if rows:
                land.csv("erp/production", f"{entity_id}_{year}.csv", rows)
    land.text("erp/production", "_mapping.yml", _PRODUCTION_MAPPING_YML)


# ------------------------------------------------------------------ refrigerants
# facility, gas, (inventory_decrease, purchased, disposed, capacity_increase) ranges; None = not reported.
_REFRIGERANTS = (
    ("F01", "R-410A", (0, 4), (8, 14), None, None),
    ("F06", "HFC-134a", (0, 5), (20, 30), (2, 6), (0, 0)),
    ("F08", "R-410A", (0, 2), (3, 6), None, None),
    ("F10", "R-410A", None, (5, 9), None, None),
    ("F12", "HFC-134a", None, (3, 5), None, None),
    ("F13", "R-410A", (0, 3), (10, 15), None, None),
    ("F15", "R-404A", (0, 1), (2, 4), None, None),
    ("F16", "SF6", None, (0.5, 1.2), (0, 0), None),
)


def write_refrigerants(land: Landing) -> None:
    rng = land.rng("erp/refrigerants")
    for year in (2021, 2022, 2023, 2024):
        rows = []
        for fid, gas, inv, pur, dis, cap in _REFRIGERANTS:
            draws = rng.uniform(0, 1, size=4)  # always drawn: stable streams
            f = gc.FACILITY_BY_ID[fid]
            if year not in {y for y, _ in facility_months(f)}:
                continue
            vals = [
                None if r is None else r[0] + (r[1] - r[0]) * d
                for r, d in zip((inv, pur, dis, cap), draws, strict=True)
            ]
            if fid == "F06" and year == 2023:
                vals[3] = 120.0  # a new chiller's full charge
                vals[1] += 125.0  # bought to fill it
            if fid == "F08" and f.closed_on and year == f.closed_on.year:
                vals = [
                    45.0,
                    0.0,
                    40.0,
                    None,
                ]  # site closed: stock drawn down, 40 kg returned to the supplier
            dec = 2 if gas == "SF6" else 1
            rows.append((fid, period(year), gas, *[None if v is None else fmt(v, dec) for v in vals]))
        land.csv("erp/refrigerants", f"refrigerants_{year}.csv", rows)


# ------------------------------------------------------------------ financials
def write_financials(land: Landing) -> None:
    rng = land.rng("erp/financials")
    for year in (2021, 2022, 2023, 2024):
        rows = []
        for e in gc.ENTITIES:
            noise = rng.lognormal(0.0, 0.05, size=12)
            ratio = rng.uniform(0.95, 1.10, size=12)
            if e.revenue_mcny <= 0:
                continue
            for y, m in entity_months(e.entity_id):
                if y != year:
                    continue
                festival = 0.75 if m == 2 else (1.1 if m == 12 else 1.0)
                revenue = e.revenue_mcny * 1e6 / 12 * festival * _growth(y, 0.05) * noise[m - 1]
                output = None if e.relationship == "root" else round(revenue * ratio[m - 1], 2)
                rows.append((e.entity_id, period(y, m), round(revenue, 2), output, "CNY"))
        land.xlsx("erp/financials", f"financials_{year}.xlsx", "financials", rows)


# ------------------------------------------------------------------ carbon assets
def entity_covered_co2_t(series: FuelSeries, process: dict, entity_id: str, year: int) -> float:
    """What the entity's ETS compliance covers (docs/methods.md M-CP-02): fossil CO2 of stationary combustion and
    processes at its ETS installations (all its facilities when none is flagged); mobile sources never."""
    flagged = [f for f in gc.FACILITIES if f.entity_id == entity_id and f.facility_id in gc.ETS_INSTALLATIONS]

    def covered(fid: str) -> bool:
        return gc.ETS_INSTALLATIONS.get(fid, False) if flagged else True

    total = 0.0
    for (fid, fuel, use), months in series.items():
        if gc.FACILITY_BY_ID[fid].entity_id == entity_id and use == "stationary" and covered(fid):
            total += sum(fuel_co2_t(fuel, q) for (y, _m), q in months.items() if y == year)
    for (fid, y, _m), q in process.items():
        if y == year and gc.FACILITY_BY_ID[fid].entity_id == entity_id and covered(fid):
            total += q * gc.PROCESS_PURITY.get(fid, 1.0) * LIMESTONE_T_CO2_PER_T
    return total


def write_allowances(land: Landing, series: FuelSeries, process: dict) -> None:
    """S500 (lime kiln) is the one entity covered by the ETS."""
    rows = []
    for i, year in enumerate((2021, 2022, 2023, 2024)):
        covered = entity_covered_co2_t(series, process, "S500", year)
        allocated = round(covered * (0.97 - 0.01 * i), -2)
        cancelled = {2023: 500.0, 2024: 800.0}.get(year, 0.0)
        # the CCER retired for compliance for 2023 (1,200 t, erp/carbon_credits) counts up to 5 % of covered
        compliance = min(COMPLIANCE_CREDITS_T.get(year, 0.0), 0.05 * covered)
        surrendered = round(covered - compliance)
        gap = surrendered + cancelled - allocated
        purchased = max(gap, 0.0) + (300.0 if year == 2022 else 0.0)
        sold = max(-gap, 0.0) + (300.0 if year == 2022 else 0.0)
        rows.append(
            (
                "S500",
                "CN-ETS",
                year,
                fmt(allocated, 0),
                fmt(purchased, 0),
                fmt(sold, 0),
                fmt(surrendered, 0),
                fmt(cancelled, 0),
            )
        )
    land.csv("erp/carbon_allowances", "allowances.csv", rows)


_CREDITS = (
    # serial, entity, registry, project_id, type, vintage, t, status, retired_on, for_year, purpose, price, ccy
    (
        "CCER-2021-HB-FOR-0007-000000001-000002000",
        "G001",
        "CCER",
        "CCER-14-0007",
        "removal",
        2021,
        2000,
        "retired",
        date(2022, 5, 20),
        2021,
        "neutrality",
        58.0,
        "CNY",
    ),
    (
        "CCER-2022-GS-WND-0231-000010001-000015000",
        "S500",
        "CCER",
        "CCER-01-0231",
        "avoidance",
        2022,
        5000,
        "held",
        None,
        None,
        None,
        62.5,
        "CNY",
    ),
    (
        "CCER-2022-GS-WND-0231-000015001-000016200",
        "S500",
        "CCER",
        "CCER-01-0231",
        "avoidance",
        2022,
        1200,
        "retired",
        date(2024, 6, 28),
        2023,
        "compliance",
        62.5,
        "CNY",
    ),
    (
        "CCER-2023-JX-FOR-0112-000000001-000003000",
        "G001",
        "CCER",
        "CCER-14-0112",
        "removal",
        2023,
        3000,
        "retired",
        date(2025, 3, 15),
        2024,
        "neutrality",
        85.0,
        "CNY",
    ),
    (
        "CCER-2023-JX-FOR-0112-000003001-000004500",
        "G001",
        "CCER",
        "CCER-14-0112",
        "removal",
        2023,
        1500,
        "held",
        None,
        None,
        None,
        85.0,
        "CNY",
    ),
    (
        "VCS-1529-KE-CKS-2020-000450001-000453000",
        "G001",
        "VCS",
        "VCS-1529",
        "avoidance",
        2020,
        3000,
        "retired",
        date(2024, 4, 2),
        2023,
        "neutrality",
        4.2,
        "USD",
    ),
    (
        "VCS-2250-CN-ARR-2022-000012001-000013500",
        "G001",
        "VCS",
        "VCS-2250",
        "removal",
        2022,
        1500,
        "held",
        None,
        None,
        None,
        14.0,
        "USD",
    ),
    (
        "VCS-2250-CN-ARR-2022-000013501-000014500",
        "S200",
        "VCS",
        "VCS-2250",
        "removal",
        2022,
        1000,
        "retired",
        date(2025, 2, 18),
        2024,
        "neutrality",
        14.0,
        "USD",
    ),
    (
        "VCS-0984-IN-SOL-2021-001200001-001204000",
        "S100",
        "VCS",
        "VCS-0984",
        "avoidance",
        2021,
        4000,
        "retired",
        date(2023, 1, 30),
        2022,
        "other",
        2.8,
        "USD",
    ),
    (
        "VCS-0984-IN-SOL-2021-001204001-001206000",
        "S100",
        "VCS",
        "VCS-0984",
        "avoidance",
        2021,
        2000,
        "held",
        None,
        None,
        None,
        2.8,
        "USD",
    ),
)


def write_credits(land: Landing) -> None:
    rows = [
        (
            serial,
            ent,
            reg,
            pid,
            ptype,
            vin,
            fmt(q, 0),
            status,
            ron.isoformat() if ron else None,
            fy,
            purpose,
            fmt(price, 2),
            ccy,
        )
        for serial, ent, reg, pid, ptype, vin, q, status, ron, fy, purpose, price, ccy in _CREDITS
    ]
    land.csv("erp/carbon_credits", "credits.csv", rows)


def write_removals(land: Landing) -> None:
    project = "皖南碳汇造林项目 (Wannan afforestation, 1,200 ha)"
    rows = [
        ("S500", y, project, fmt(q, 1))
        for y, q in ((2021, 820.0), (2022, 960.5), (2023, 1105.0), (2024, 1248.3))
    ]
    land.csv("erp/removals", "removals.csv", rows)
