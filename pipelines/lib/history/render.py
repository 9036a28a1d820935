"""Terminal tables of the history: restatements in the run summary, ``carbon lock --list``."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from pipelines.lib.history.locks import LockError, LockOutcome
from pipelines.lib.terminal import print_table, print_text
from pipelines.lib.warehouse import connect, table_exists

SHOWN = 20  # restatement rows in the run summary; the rest are in the mart


def _cell(scope: str, method: str | None, category: int | None) -> str:
    if method:
        return f"{scope} {method}"
    if category is not None:
        return f"{scope} cat {category}"
    return scope


def print_restatements(con: duckdb.DuckDBPyConnection, console: Console) -> None:
    """The restatements the latest run recorded, or one line saying the locked years held."""
    if not table_exists(con, "history", "period_locks") or not table_exists(con, "history", "runs"):
        return
    locks = con.execute(
        "select reporting_year, max(lock_version) from history.period_locks group by 1 order by 1"
    ).fetchall()
    run = con.execute("select run_id, is_inventory_built from history.runs order by finished_at desc limit 1"
                      ).fetchone()  # fmt: skip
    if not locks or run is None:
        return
    held = ", ".join(f"{y} (v{v})" for y, v in locks)
    if not run[1]:
        console.print(
            f"重述 Restatements: not checked — this run did not rebuild the inventory (locked: {held})."
        )
        return
    rows = con.execute(
        """select reporting_year, consolidation_approach, scope, scope2_method, scope3_category,
                  old_co2e_t, new_co2e_t, difference_t, change_kind, lock_id, cause
           from history.restatements where run_id = ?
           order by reporting_year, consolidation_approach, scope, scope2_method nulls first,
                    scope3_category nulls first""",
        [run[0]],
    ).fetchall()
    if not rows:
        console.print(f"重述 Restatements: none — the locked figures of {held} are unchanged in this run.")
        return
    t = Table(title=f"重述 Restatements: {len(rows)} locked figure(s) changed by this run, tCO2e (the marts show "
              "the new calculation; history in marts.fct_restatements)", title_justify="left")  # fmt: skip
    for col in (
        "year 年度",
        "approach 口径",
        "scope 范围",
        "old 原值",
        "new 新值",
        "difference 差额",
        "change",
    ):
        t.add_column(col, justify="right" if col.split()[0] in ("old", "new", "difference") else "left")
    for y, approach, scope, method, cat, old, new, diff, kind, _lock, _cause in rows[:SHOWN]:
        t.add_row(
            str(y), approach, _cell(scope, method, cat), f"{old:,.4f}", f"{new:,.4f}", f"{diff:+,.4f}", kind
        )
    print_table(console, t, packed=True)
    if len(rows) > SHOWN:
        console.print(f"  … and {len(rows) - SHOWN} more in marts.fct_restatements.")
    for lock_id, cause in dict.fromkeys((r[9], r[10]) for r in rows):
        print_text(console, f"原因 Cause ({lock_id}): {cause}", indent="  ", hanging="    ")


def lock_message(outcome: LockOutcome, warehouse: Path) -> str:
    if not outcome.is_new:
        return (
            f"{outcome.reporting_year} is already locked as version {outcome.lock_version} ({outcome.lock_id}, "
            f"run {outcome.run_id}) with the same {outcome.figures} figures; no new version was made."
        )
    text = (
        f"Locked {outcome.reporting_year} as {outcome.lock_id}: {outcome.figures} figures of "
        f"marts.rpt_group_inventory from run {outcome.run_id}, in {warehouse}."
    )
    if outcome.superseded:
        text += (
            f" It supersedes {outcome.superseded}, from which {outcome.changed_since} figure(s) differ; "
            "later restatements compare with this version."
        )
    return text


def print_locks(warehouse: Path, console: Console) -> None:
    if not warehouse.exists():
        raise LockError(f"There is no warehouse at {warehouse}; run `carbon run` first.")
    try:
        with connect(warehouse, read_only=True) as con:
            rows = (
                con.execute(
                    """select p.lock_id, p.reporting_year, p.lock_version, p.locked_at, p.run_id, p.figures,
                          p.lock_version = max(p.lock_version) over (partition by p.reporting_year) as in_force,
                          (select count(*) from history.restatements as r where r.lock_id = p.lock_id),
                          p.note
                   from history.period_locks as p order by p.reporting_year, p.lock_version"""
                ).fetchall()
                if table_exists(con, "history", "period_locks")
                else []
            )
    except duckdb.IOException as exc:
        raise LockError(
            f"The warehouse {warehouse} cannot be read now ({str(exc).splitlines()[0]})."
        ) from None
    except duckdb.Error as exc:  # a partial or foreign warehouse: one sentence, not a traceback
        raise LockError(
            f"The warehouse {warehouse} is not a complete Carbon Ledger warehouse "
            f"({str(exc).splitlines()[0]}); run `carbon run` first."
        ) from None
    if not rows:
        console.print(f"No year is locked in {warehouse}.")
        return
    t = Table(title=f"锁定年度 Period locks in {warehouse}", title_justify="left")
    for col in (
        "lock",
        "year",
        "version",
        "locked at (UTC)",
        "run",
        "figures",
        "status",
        "restatements",
        "note",
    ):
        t.add_column(col, justify="right" if col in ("version", "figures", "restatements") else "left")
    for lock_id, year, version, at, run_id, figures, in_force, restated, note in rows:
        t.add_row(lock_id, str(year), str(version), f"{at:%Y-%m-%d %H:%M:%S}", run_id, str(figures),
                  "in force" if in_force else "superseded", str(restated), note or "")  # fmt: skip
    print_table(console, t, packed=True)
