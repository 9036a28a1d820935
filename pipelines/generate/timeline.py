"""Calendar helpers: months, the daily axis, and when each facility is active."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from pipelines.generate.group_catalog import ENTITY_BY_ID, YEARS, Facility

PERIOD_START = date(2021, 1, 1)
PERIOD_END = date(2025, 1, 1)  # exclusive
# The daily axis covers the first billing cycle (from 2020-12-26) to the last (to 2025-01-26).
DAY0 = date(2020, 12, 26)
DAY_END = date(2025, 2, 1)
DAYS = np.arange(np.datetime64(DAY0.isoformat()), np.datetime64(DAY_END.isoformat()), dtype="datetime64[D]")
N_DAYS = len(DAYS)

MONTHS: tuple[tuple[int, int], ...] = tuple((y, m) for y in YEARS for m in range(1, 13))


def period(y: int, m: int | None = None) -> str:
    return f"{y:04d}" if m is None else f"{y:04d}-{m:02d}"


def month_start(y: int, m: int) -> date:
    return date(y, m, 1)


def next_month(y: int, m: int) -> tuple[int, int]:
    return (y + 1, 1) if m == 12 else (y, m + 1)


def day_index(d: date) -> int:
    return (d - DAY0).days


def iso(d: date) -> str:
    """A day boundary as an ISO timestamp (``2021-01-01T00:00:00``)."""
    return f"{d.isoformat()}T00:00:00"


def facility_window(f: Facility) -> tuple[date, date]:
    """[first day, last day + 1) the facility reports in the group's systems, within 2021-2024.

    Opening/closing dates bound it, and so does a divestment of the owner entity
    (its data leaves the group's ERP). An acquisition does not: the acquired
    entity's history is in the files, for base-year recalculation.
    """
    start = max(PERIOD_START, f.opened_on or PERIOD_START)
    end = PERIOD_END
    if f.closed_on is not None:
        end = min(end, f.closed_on + timedelta(days=1))
    ent = ENTITY_BY_ID[f.entity_id]
    if ent.valid_to is not None:
        end = min(end, ent.valid_to + timedelta(days=1))
    return start, end


def facility_months(f: Facility) -> list[tuple[int, int]]:
    start, end = facility_window(f)
    return [(y, m) for (y, m) in MONTHS if start <= month_start(y, m) < end]


def entity_months(entity_id: str) -> list[tuple[int, int]]:
    ent = ENTITY_BY_ID[entity_id]
    end = PERIOD_END if ent.valid_to is None else ent.valid_to + timedelta(days=1)
    return [(y, m) for (y, m) in MONTHS if month_start(y, m) < end]


def entity_years(entity_id: str) -> list[int]:
    return sorted({y for y, _ in entity_months(entity_id)})


def entity_date_range(entity_id: str, year: int) -> tuple[date, date]:
    """First and last day (inclusive) of ``year`` the entity's data can fall on."""
    ent = ENTITY_BY_ID[entity_id]
    last = date(year, 12, 31)
    if ent.valid_to is not None:
        last = min(last, ent.valid_to)
    return date(year, 1, 1), last


def day_of_year(days: np.ndarray) -> np.ndarray:
    years = days.astype("datetime64[Y]")
    return (days - years.astype("datetime64[D]")).astype(np.int64) + 1


def weekday(days: np.ndarray) -> np.ndarray:
    """Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday)."""
    return (days.astype(np.int64) + 3) % 7


def month_key(days: np.ndarray) -> np.ndarray:
    """year * 12 + (month - 1) of each day."""
    return days.astype("datetime64[M]").astype(np.int64) + 1970 * 12
