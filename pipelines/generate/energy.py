"""The energy/ datasets of the sample group: meters, readings (monthly CSV and
15-minute Parquet), invoices and renewable instruments.

Every meter's consumption is first drawn as a daily series; monthly readings
(calendar months or billing cycles from the 26th to the 25th) and invoices
(calendar months) are sums over that series, so readings and invoices agree
to within the invoice noise (about 1 %) once readings are pro-rated by time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa

from pipelines.generate import group_catalog as gc
from pipelines.generate.erp import FuelSeries
from pipelines.generate.landing import Landing
from pipelines.generate.timeline import (
    DAY0,
    DAYS,
    MONTHS,
    N_DAYS,
    day_index,
    day_of_year,
    facility_months,
    facility_window,
    iso,
    month_key,
    month_start,
    next_month,
    period,
    weekday,
)
from pipelines.generate.writers import fmt

# Planted defects in this module (see KNOWN_DEFECTS in sample_group.py).
NEGATIVE_READING = ("EM-F11", (2023, 4))  # D5: the sign of one monthly reading flipped
DUPLICATE_INVOICE = ("F02", (2022, 12))  # D3: re-exported verbatim at the top of the 2023 file

ESTIMATED = {
    ("EM-F12", (2022, 2)),
    ("EM-F17", (2023, 11)),
    ("EM-F20", (2021, 6)),
    ("EM-F07", (2022, 8)),
    ("ST-F07", (2024, 2)),
}
_DECIMALS = {"kWh": 1, "MWh": 4, "GJ": 2, "m3": 1}
_T2021 = np.datetime64("2021-01-01")
SLOTS_2024 = 366 * 96
_DAY_2024 = day_index(date(2024, 1, 1))


@dataclass(frozen=True)
class Site:
    """A facility with a grid meter whose load this module simulates."""

    facility: gc.Facility
    meter: gc.Meter


def extra_sites(land: Landing, n: int) -> list[Site]:
    """Scale M/L: small new sites opened on 2024-01-01, each with a 15-minute grid meter for 2024."""
    if n == 0:
        return []
    rng = land.rng("energy/extra_sites")
    owners = ("S100", "S110", "S200", "S300", "S500")
    provinces = {
        "S100": "Jiangsu",
        "S110": "Jiangsu",
        "S200": "Guangdong",
        "S300": "Zhejiang",
        "S500": "Anhui",
    }
    kwh = rng.uniform(
        3_000, 20_000, size=n
    )  # small sites (depots, outlets): the group's total stays plausible
    cal_day = rng.integers(10, 300, size=n)
    sites = []
    for i in range(n):
        owner = owners[i % len(owners)]
        fid = f"FX{i + 1:04d}"
        prov = provinces[owner]
        f = gc.Facility(
            fid,
            owner,
            f"{owner}新增站点{i + 1:04d}",
            prov,
            opened_on=date(2024, 1, 1),
            elec_kwh_month=float(round(kwh[i], -3)),
            price_cny_kwh=0.66,
            grid_supplier=gc._SGCC[prov],
        )
        m = gc.Meter(
            f"EM-{fid}",
            fid,
            "electricity",
            "grid",
            "kWh",
            "0.5S",
            date(2024, 1, 1) + timedelta(days=int(cal_day[i])),
            12,
            interval_2024=True,
        )
        sites.append(Site(f, m))
    return sites


# ------------------------------------------------------------------ daily series
def _month_noise(rng: np.random.Generator, sigma: float) -> np.ndarray:
    mk = month_key(DAYS)
    noise = rng.lognormal(0.0, sigma, size=int(mk.max() - mk.min()) + 1)
    return noise[mk - mk.min()]


def grid_daily_kwh(land: Landing, f: gc.Facility) -> np.ndarray:
    rng = land.rng(f"energy/daily/{f.facility_id}")
    doy = day_of_year(DAYS)
    wd = weekday(DAYS)
    t = (DAYS - _T2021).astype(np.int64) / 365.25
    week = np.where(wd == 6, 0.80, np.where(wd == 5, 0.90, 1.0))
    season = 1 + 0.10 * np.cos(2 * np.pi * (doy - 200) / 365.25)  # cooling load, peak mid-July
    festival = 1 - 0.08 * np.exp(
        -(((doy - 40) / 12.0) ** 2)
    )  # Spring Festival dip, smooth so pro-rata stays fair
    base_day = f.elec_kwh_month * 12 / 365.25 / 0.957
    return base_day * season * week * festival * 1.03**t * _month_noise(rng, 0.03)


def solar_daily_kwh(land: Landing, meter_id: str) -> np.ndarray:
    rng = land.rng(f"energy/daily/{meter_id}")
    doy = day_of_year(DAYS)
    t = (DAYS - _T2021).astype(np.int64) / 365.25
    weather = rng.lognormal(-0.045, 0.30, size=N_DAYS)
    return (
        gc.SOLAR_KWP[meter_id]
        * 3.3
        * (1 + 0.30 * np.cos(2 * np.pi * (doy - 172) / 365.25))
        * weather
        * 0.995**t
    )


def steam_daily_gj(land: Landing, meter_id: str) -> np.ndarray:
    rng = land.rng(f"energy/daily/{meter_id}")
    doy = day_of_year(DAYS)
    wd = weekday(DAYS)
    week = np.where(wd == 6, 0.75, 1.0)
    return (
        gc.STEAM_GJ_DAY[meter_id]
        * (1 + 0.15 * np.cos(2 * np.pi * (doy - 15) / 365.25))
        * week
        * _month_noise(rng, 0.03)
    )


def _sum(daily: np.ndarray, start: date, end: date) -> float:
    return float(daily[day_index(start) : day_index(end)].sum())


# ------------------------------------------------------------------ 15-minute data
def interval_2024(land: Landing, meter_id: str, daily: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """35,136 quarter-hour readings for 2024 and the metered kWh per calendar month."""
    rng = land.rng(f"energy/interval/{meter_id}")
    hour = np.arange(96) / 4
    shape = 0.55 + 0.45 * ((hour >= 8) & (hour < 20)) + 0.10 * ((hour >= 19) & (hour < 22))
    shape = shape / shape.sum()
    day_kwh = daily[_DAY_2024 : _DAY_2024 + 366]
    q = day_kwh[:, None] * shape[None, :] * rng.lognormal(-0.0018, 0.06, size=(366, 96))
    # One 4-hour block on one day was gap-filled by the meter data system.
    est_day = int(rng.integers(0, 366))
    est_slot = int(rng.integers(0, 80))
    estimated = np.zeros((366, 96), dtype=bool)
    estimated[est_day, est_slot : est_slot + 16] = True
    q[est_day, est_slot : est_slot + 16] = day_kwh[est_day] * shape[est_slot : est_slot + 16]
    q = np.round(q, 3)
    month_of_day = DAYS[_DAY_2024 : _DAY_2024 + 366].astype("datetime64[M]").astype(np.int64) % 12
    monthly = np.zeros(12)
    np.add.at(monthly, month_of_day, q.sum(axis=1))
    start = np.datetime64("2024-01-01T00:00:00", "us") + np.arange(
        SLOTS_2024, dtype=np.int64
    ) * np.timedelta64(15, "m")
    table = pa.table(
        {
            "meter_id": pa.array(np.full(SLOTS_2024, meter_id, dtype=object), pa.string()),
            "reading_start": pa.array(start, pa.timestamp("us")),
            "reading_end": pa.array(start + np.timedelta64(15, "m"), pa.timestamp("us")),
            "quantity": pa.array(q.reshape(-1), pa.float64()),
            "unit": pa.array(np.full(SLOTS_2024, "kWh", dtype=object), pa.string()),
            "is_estimated": pa.array(estimated.reshape(-1), pa.bool_()),
        }
    )
    return table, monthly


# ------------------------------------------------------------------ monthly readings
def _reading_windows(meter: gc.Meter, f: gc.Facility) -> list[tuple[date, date]]:
    start, end = facility_window(f)
    if meter.cycle == "calendar":
        wins = []
        for y, m in facility_months(f):
            if meter.interval_2024 and y == 2024:
                continue
            ny, nm = next_month(y, m)
            wins.append((month_start(y, m), min(month_start(ny, nm), end)))
        return wins
    # Billing cycles 26th -> 25th, labelled by the month they end in; the first starts
    # 2020-12-26 and the last (2024-12-26 -> 2025-01-26) crosses the year end.
    lo = DAY0 if f.opened_on is None else start
    hi = date(2025, 1, 26) if end >= date(2025, 1, 1) else end
    wins = []
    for y, m in (*MONTHS, (2025, 1)):
        py, pm = (y - 1, 12) if m == 1 else (y, m - 1)
        s, e = max(date(py, pm, 26), lo), min(date(y, m, 26), hi)
        if s < e:
            wins.append((s, e))
    return wins


def _label(end: date) -> tuple[int, int]:
    last = end - timedelta(days=1)
    return last.year, last.month


@dataclass
class EnergyData:
    grid_daily: dict[str, np.ndarray]  # facility -> kWh per day
    interval_monthly: dict[str, np.ndarray]  # facility -> metered kWh per month of 2024 (15-minute meters)
    steam_daily: dict[str, np.ndarray]  # facility -> GJ per day

    def metered_kwh(self, fid: str, y: int, m: int) -> float:
        if fid in self.interval_monthly and y == 2024:
            return float(self.interval_monthly[fid][m - 1])
        ny, nm = next_month(y, m)
        return _sum(self.grid_daily[fid], month_start(y, m), month_start(ny, nm))


def write_meters(land: Landing, sites: list[Site]) -> None:
    rows = [
        (
            mt.meter_id,
            mt.facility_id,
            mt.energy_type,
            mt.supply,
            mt.unit,
            mt.accuracy_class,
            mt.last_calibrated_on.isoformat(),
            mt.calibration_interval_months,
        )
        for mt in (*gc.METERS, *(s.meter for s in sites))
    ]
    land.csv("energy/meters", "meters.csv", rows)
    overdue = [i for i, mt in enumerate(gc.METERS, start=1) if mt.meter_id == "EM-F05"]
    land.defects.append({"file": "energy/meters/meters.csv", "row": overdue[0]})


def write_readings(land: Landing, fuel: FuelSeries, sites: list[Site]) -> EnergyData:
    key = "energy/meter_readings"
    data = EnergyData({}, {}, {})
    by_year: dict[int, list[tuple]] = defaultdict(list)
    gas_rng = land.rng("energy/meter_readings/gas")
    for mt in sorted(gc.METERS, key=lambda x: x.meter_id):
        f = gc.FACILITY_BY_ID[mt.facility_id]
        dec = _DECIMALS[mt.unit]
        if mt.energy_type == "natural_gas":
            # The city-gas meter: the same gas as the ERP fuel ledger, in m3 (reconciliation only).
            series = fuel[(f.facility_id, "natural_gas", "stationary")]
            noise = gas_rng.normal(0, 0.004, size=len(MONTHS))
            for i, (y, m) in enumerate(MONTHS):
                if (y, m) in series:
                    ny, nm = next_month(y, m)
                    q = series[(y, m)] * 1e4 * (1 + noise[i])
                    by_year[y].append(
                        (
                            mt.meter_id,
                            month_start(y, m),
                            month_start(ny, nm),
                            fmt(q, dec),
                            mt.unit,
                            (mt.meter_id, (y, m)) in ESTIMATED,
                        )
                    )
            continue
        if mt.supply == "onsite_renewable":
            daily = solar_daily_kwh(land, mt.meter_id)
        elif mt.energy_type == "steam":
            daily = data.steam_daily[f.facility_id] = steam_daily_gj(land, mt.meter_id)
        else:
            daily = data.grid_daily[f.facility_id] = grid_daily_kwh(land, f)
        scale = 1e-3 if mt.unit == "MWh" else 1.0
        for s, e in _reading_windows(mt, f):
            label = _label(e)
            q = _sum(daily, s, e) * scale
            if (mt.meter_id, label) == NEGATIVE_READING:
                q = -q
            by_year[min(max(label[0], 2021), 2024)].append(
                (mt.meter_id, s, e, fmt(q, dec), mt.unit, (mt.meter_id, label) in ESTIMATED)
            )
    for year in sorted(by_year):
        rows = [(mid, iso(s), iso(e), q, unit, est) for mid, s, e, q, unit, est in by_year[year]]
        land.csv(key, f"monthly_{year}.csv", rows)
        for i, (mid, _s, e, *_rest) in enumerate(by_year[year], start=1):
            if (mid, _label(e)) == NEGATIVE_READING:
                land.defects.append({"file": f"{key}/monthly_{year}.csv", "row": i})

    interval_meters = [mt for mt in gc.METERS if mt.interval_2024] + [s.meter for s in sites]
    for n, mt in enumerate(interval_meters, start=1):
        if mt.facility_id not in data.grid_daily:
            site = next(s for s in sites if s.meter is mt)
            data.grid_daily[mt.facility_id] = grid_daily_kwh(land, site.facility)
        table, monthly = interval_2024(land, mt.meter_id, data.grid_daily[mt.facility_id])
        data.interval_monthly[mt.facility_id] = monthly
        land.parquet(key, f"interval_{mt.meter_id}_2024.parquet", table)
        if n % 50 == 0:
            land.say(f"  {key}: {n}/{len(interval_meters)} interval meters written")
    return data


# ------------------------------------------------------------------ invoices
def _invoice_row(rng: np.random.Generator, f: gc.Facility, y: int, m: int, kwh: float) -> tuple:
    qty = round(kwh * (1 + rng.normal(0, 0.006)))
    price = f.price_cny_kwh * (1 + rng.normal(0, 0.015))
    return (
        f.facility_id,
        "electricity",
        period(y, m),
        str(qty),
        "kWh",
        fmt(qty * price, 2),
        "CNY",
        f.grid_supplier,
    )


def write_invoices(land: Landing, data: EnergyData, sites: list[Site]) -> None:
    key = "energy/energy_invoices"
    rng = land.rng(key)
    by_year: dict[int, list[tuple]] = defaultdict(list)
    for f in gc.FACILITIES:
        for y, m in facility_months(f):
            by_year[y].append(_invoice_row(rng, f, y, m, data.metered_kwh(f.facility_id, y, m)))
    dup = next(
        r
        for r in by_year[DUPLICATE_INVOICE[1][0]]
        if r[0] == DUPLICATE_INVOICE[0] and r[2] == period(*DUPLICATE_INVOICE[1])
    )
    for year in sorted(by_year):
        rows = by_year[year]
        if year == DUPLICATE_INVOICE[1][0] + 1:
            rows = [dup, *rows]  # a late-posted December invoice, exported again with January's batch
            land.defects.append({"file": f"{key}/electricity_{year}.csv", "row": 1})
        land.csv(key, f"electricity_{year}.csv", rows)
    if sites:
        rows = [
            _invoice_row(rng, s.facility, 2024, m, data.metered_kwh(s.facility.facility_id, 2024, m))
            for s in sites
            for m in range(1, 13)
        ]
        land.csv(key, "electricity_2024_new_sites.csv", rows)

    steam_rng = land.rng(f"{key}/steam")
    for year in (2021, 2022, 2023, 2024):
        rows = []
        for fid, daily in sorted(data.steam_daily.items()):
            f = gc.FACILITY_BY_ID[fid]
            for y, m in facility_months(f):
                if y != year:
                    continue
                ny, nm = next_month(y, m)
                gj = round(
                    _sum(daily, month_start(y, m), month_start(ny, nm)) * (1 + steam_rng.normal(0, 0.006)), 1
                )
                price = gc.STEAM_PRICE_CNY_GJ[fid] * (1 + steam_rng.normal(0, 0.01))
                rows.append(
                    (
                        fid,
                        "steam",
                        period(y, m),
                        fmt(gj, 1),
                        "GJ",
                        fmt(gj * price, 2),
                        "CNY",
                        gc.STEAM_SUPPLIER[fid],
                    )
                )
        land.csv(key, f"steam_{year}.csv", rows)


# ------------------------------------------------------------------ renewable instruments
_INSTRUMENTS = (
    # id, type, facility, entity, period, MWh, tCO2/MWh, retired
    ("GEC-2022-F10-0001", "gec", "F10", "S300", "2022", 1500, 0, True),
    ("GPT-GD-2023-000417", "green_power_trade", "F06", "S200", "2023", 8000, 0, True),
    ("GEC-2023-F01-0001", "gec", "F01", "S100", "2023", 3000, 0, True),
    ("GEC-2023-F16-0001", "gec", "F16", "S500", "2023", 1000, 0, False),
    ("GPT-GD-2024-000102", "green_power_trade", "F06", "S200", "2024-03", 1500, 0, True),
    ("GPT-GD-2024-000388", "green_power_trade", "F06", "S200", "2024", 9000, 0, True),
    ("GEC-2024-F01-0001", "gec", "F01", "S100", "2024", 4000, 0, True),
    ("GEC-2024-S100-POOL-01", "gec", None, "S100", "2024", 5000, 0, True),
    ("GEC-2024-S100-POOL-02", "gec", None, "S100", "2024", 2000, 0, False),
    ("GEC-2024-F16-0002", "gec", "F16", "S500", "2024-06", 500, 0, False),
    ("SSC-ZJ-2024-0007", "supplier_specific", "F10", "S300", "2024", 6000, 0.352, True),
)


def write_instruments(land: Landing) -> None:
    rows = [
        (iid, typ, fid, eid, per, fmt(mwh, 1), fmt(ef, 3), ret)
        for iid, typ, fid, eid, per, mwh, ef, ret in _INSTRUMENTS
    ]
    land.csv("energy/renewable_instruments", "instruments.csv", rows)


def annual_grid_mwh(data: EnergyData, fid: str, year: int) -> float:
    f = gc.FACILITY_BY_ID[fid]
    return sum(data.metered_kwh(fid, y, m) for y, m in facility_months(f) if y == year) / 1000


__all__ = [
    "EnergyData",
    "Site",
    "annual_grid_mwh",
    "extra_sites",
    "write_instruments",
    "write_invoices",
    "write_meters",
    "write_readings",
]
