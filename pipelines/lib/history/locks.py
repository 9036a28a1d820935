"""Period locks and restatements (ISO 14064-1 5.2 base-year and recalculation, T/CAS 612 7.5).

``carbon lock --year YYYY`` copies the year's cells of ``rpt_group_inventory``
(year × approach × scope × Scope 2 method × Scope 3 category) into
``history.locked_figures``, naming the run whose manifest produced them. Every
later run that rebuilds the inventory compares the locked year with the new
figures; a figure that differs from the last one on record — the locked value
or the new value of the last restatement of that cell — is written to
``history.restatements`` with the old and new value and the cause: what changed
between the two runs' manifests (input files relevant to the year, GWP set,
factor set and seeds, configuration keys, data quality plan, code) and its type
(method, factor or input-data change), read from the dbt view
``int_history__manifest_changes`` that also names the base-year triggers of a
locked base year. The marts always show the current calculation; the history
is never overwritten.

Locking a year again makes a new version when the figures differ from the
version in force (typically after restatements were reviewed); with the same
figures nothing changes. Restatements are compared with the highest version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.history.fingerprints import mart_fingerprint, utc_now
from pipelines.lib.history.schema import ensure_history_schema
from pipelines.lib.warehouse import connect, table_exists
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years

CELL = ("consolidation_approach", "scope", "scope2_method", "scope3_category")
RESTATEMENT_COLUMNS = ("run_id", "recorded_at", "lock_id", "reporting_year", *CELL, "change_kind", "locked_co2e_t",
                       "old_co2e_t", "new_co2e_t", "difference_t", "reference_run_id", "cause", "cause_json",
                       "cause_type")  # fmt: skip
Cell = tuple[str, str, str | None, int | None]


class LockError(Exception):
    """A lock that cannot be made; one sentence saying why and what to do."""


@dataclass
class LockOutcome:
    lock_id: str
    reporting_year: int
    lock_version: int
    run_id: str
    figures: int
    is_new: bool
    superseded: str | None = None  # the lock id this version replaces
    changed_since: int = 0  # figures that differ from the superseded version


def _cells(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> dict[Cell, float]:
    return {tuple(r[:4]): r[4] for r in con.execute(sql, params).fetchall()}


def inventory_cells(con: duckdb.DuckDBPyConnection, year: int) -> dict[Cell, float]:
    return _cells(con, f"select {', '.join(CELL)}, co2e_t from marts.rpt_group_inventory where reporting_year = ?",
                  [year])  # fmt: skip


def locked_cells(con: duckdb.DuckDBPyConnection, lock_id: str) -> dict[Cell, float]:
    return _cells(
        con, f"select {', '.join(CELL)}, co2e_t from history.locked_figures where lock_id = ?", [lock_id]
    )


def current_locks(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The lock in force of every locked year (its highest version)."""
    cur = con.execute(
        """select * from history.period_locks as p
           where lock_version = (select max(lock_version) from history.period_locks as q
                                 where q.reporting_year = p.reporting_year)
           order by reporting_year"""
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def _latest_run(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    # a run that found nothing to recompute stands on the one before it
    cur = con.execute(
        "select * from history.runs where status <> 'unchanged' order by finished_at desc, run_id limit 1"
    )
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row, strict=True))


def lock_year(warehouse: Path, year: int, note: str | None = None) -> LockOutcome:
    if not warehouse.exists():
        raise LockError(f"There is no warehouse at {warehouse}; run `carbon run` first.")
    try:
        with connect(warehouse) as con:
            ensure_history_schema(con)
            con.begin()
            outcome = _lock(con, warehouse, year, note)
            con.commit()
            return outcome
    except duckdb.IOException as exc:
        raise LockError(
            f"The warehouse {warehouse} cannot be written now ({str(exc).splitlines()[0]})."
        ) from None
    except duckdb.Error as exc:  # a partial or foreign warehouse: one sentence, not a traceback
        raise LockError(
            f"The warehouse {warehouse} is not a complete Carbon Ledger warehouse "
            f"({str(exc).splitlines()[0]}); run `carbon run` first."
        ) from None


def _lock(con: duckdb.DuckDBPyConnection, warehouse: Path, year: int, note: str | None) -> LockOutcome:
    if not table_exists(con, "marts", "rpt_group_inventory"):
        raise LockError(f"The warehouse {warehouse} has no group inventory yet; run `carbon run` first.")
    figures = inventory_cells(con, year)
    if not figures:
        years = warehouse_reporting_years(con)
        listed = ", ".join(map(str, years)) or "none"
        raise LockError(f"The group inventory in {warehouse} has no figures for {year} (reported years: {listed}), "
                        "so there is nothing to lock.")  # fmt: skip
    run = _latest_run(con)
    if run is None:
        raise LockError(f"The warehouse {warehouse} has no run manifest; run `carbon run` on it first so that the "
                        "lock can name the run its figures come from.")  # fmt: skip
    if run["status"] != "success" or not run["is_inventory_built"]:
        raise LockError(f"The last run ({run['run_id']}, finished {run['finished_at']:%Y-%m-%d %H:%M} UTC) did not "
                        f"complete; fix it and run `carbon run` again before locking {year}.")  # fmt: skip
    recorded = con.execute("select fingerprint from history.run_marts where run_id = ? and mart = ?",
                           [run["run_id"], "rpt_group_inventory"]).fetchone()  # fmt: skip
    if recorded is None or recorded[0] != mart_fingerprint(con, "rpt_group_inventory")[1]:
        raise LockError(f"marts.rpt_group_inventory changed after the last `carbon run` ({run['run_id']}); run "
                        f"`carbon run` again so that the locked figures have a manifest.")  # fmt: skip

    previous = next((lk for lk in current_locks(con) if lk["reporting_year"] == year), None)
    changed = 0
    if previous is not None:
        before = locked_cells(con, previous["lock_id"])
        changed = sum(
            1 for cell in before.keys() | figures.keys() if before.get(cell, 0.0) != figures.get(cell, 0.0)
        )
        if changed == 0:
            return LockOutcome(previous["lock_id"], year, previous["lock_version"], previous["run_id"],
                               previous["figures"], is_new=False)  # fmt: skip
    version = previous["lock_version"] + 1 if previous else 1
    lock_id = f"{year}-v{version}"
    con.execute(
        "insert into history.period_locks values (?, ?, ?, ?, ?, ?, ?, ?)",
        [lock_id, year, version, utc_now(), run["run_id"], run["marts_fingerprint"], len(figures), note],
    )
    con.executemany(
        "insert into history.locked_figures values (?, ?, ?, ?, ?, ?, ?)",
        [
            [lock_id, year, *cell, value]
            for cell, value in sorted(figures.items(), key=lambda kv: _cell_order(kv[0]))
        ],
    )
    return LockOutcome(lock_id, year, version, run["run_id"], len(figures), is_new=True,
                       superseded=previous["lock_id"] if previous else None, changed_since=changed)  # fmt: skip


def _cell_order(cell: Cell) -> tuple:
    return tuple("" if v is None else str(v).zfill(3) for v in cell)


# ---------------------------------------------------------------- restatements


def record_restatements(con: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """Compare every locked year with the inventory just built; record each figure that moved.

    Runs inside the manifest's transaction, after this run's manifest rows.
    """
    if not table_exists(con, "marts", "rpt_group_inventory"):
        return 0
    recorded_at = utc_now()
    causes: dict[tuple[str, int], tuple[str, dict]] = {}
    rows: list[list] = []
    for lock in current_locks(con):
        year, lock_id = lock["reporting_year"], lock["lock_id"]
        locked = locked_cells(con, lock_id)
        # The last value on record per cell: the lock's, or the newest restatement's.
        reference: dict[Cell, tuple[float, str]] = {cell: (v, lock["run_id"]) for cell, v in locked.items()}
        for *cell, new_value, ref_run in con.execute(
            f"""select {", ".join(CELL)}, new_co2e_t, run_id from history.restatements where lock_id = ?
                qualify row_number() over (partition by {", ".join(CELL)} order by recorded_at desc) = 1""",
            [lock_id],
        ).fetchall():
            reference[tuple(cell)] = (new_value, ref_run)
        current = inventory_cells(con, year)
        for cell in sorted(reference.keys() | current.keys(), key=_cell_order):
            old, ref_run = reference.get(cell, (0.0, lock["run_id"]))
            new = current.get(cell, 0.0)
            if old == new:
                continue
            kind = "removed" if cell not in current else "added" if cell not in locked else "changed"
            if (ref_run, year) not in causes:
                causes[(ref_run, year)] = describe_changes(con, ref_run, run_id, year)
            cause_type, cause, detail = causes[(ref_run, year)]
            rows.append([run_id, recorded_at, lock_id, year, *cell, kind, locked.get(cell), old, new, new - old,
                         ref_run, cause, json.dumps(detail, sort_keys=True, ensure_ascii=False), cause_type])  # fmt: skip
    if rows:
        con.executemany(f"insert into history.restatements ({', '.join(RESTATEMENT_COLUMNS)}) "
                        f"values ({', '.join('?' * len(RESTATEMENT_COLUMNS))})", rows)  # fmt: skip
    return len(rows)


MANIFEST_CHANGES = ("intermediate", "int_history__manifest_changes")


def describe_changes(
    con: duckdb.DuckDBPyConnection, old_run: str, new_run: str, year: int
) -> tuple[str, str, dict]:
    """What changed between two manifests that can move a figure of ``year``: (cause type, one sentence,
    details), as the dbt view ``int_history__manifest_changes`` defines it - the same cause the base-year
    trigger of a locked base year names (docs/decisions.md, "Restatement causes, one definition").

    The view compares every run whose figures are on record (a lock's, a restating run's) with the newest
    run: call it once this run's manifest rows are written.
    """
    row = None
    if table_exists(con, *MANIFEST_CHANGES):
        row = con.execute(
            f"select cause_type, cause, has_reference_manifest, changes from {'.'.join(MANIFEST_CHANGES)} "
            "where reporting_year = ? and reference_run_id = ? and run_id = ?",
            [year, old_run, new_run],
        ).fetchone()
    if row is None:
        return (
            "error_correction",
            (
                f"The changes since run {old_run} cannot be read (the warehouse has no "
                f"{'.'.join(MANIFEST_CHANGES)} for run {new_run})"
            ),
            {"unread_run": old_run},
        )
    cause_type, cause, has_manifest, changes = row
    if not has_manifest:
        return cause_type, cause, {"missing_run": old_run}
    return cause_type, cause, _detail(changes)


def _detail(changes: list[dict]) -> dict[str, Any]:
    """The view's changes as cause_json: lists of paths and keys, [old, new] pairs, code fields."""
    detail: dict[str, Any] = {}
    for group in changes:
        key, items = group["change_group"], group["items"]
        if key in ("files_added", "files_removed", "files_changed", "seeds_changed", "config_keys_changed"):
            detail[key] = sorted(i["item"] for i in items)
        elif key == "code_changed":
            detail[key] = {i["item"]: [i["old"], i["new"]] for i in items}
        else:  # gwp_set, factor_set_version, dq_plan_sha256
            detail[key] = [items[0]["old"], items[0]["new"]]
    return detail
