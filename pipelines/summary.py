"""The tables ``carbon run`` prints at the end, read from the warehouse (read-only)."""

from __future__ import annotations

from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from pipelines.lib.history.render import print_restatements
from pipelines.lib.settings import Settings
from pipelines.lib.terminal import console as terminal_console
from pipelines.lib.terminal import print_table, print_text
from pipelines.lib.warehouse import connect, table_exists

APPROACH_LABELS = {
    "operational_control": "运营控制 operational",
    "financial_control": "财务控制 financial",
    "equity_share": "股权比例 equity",
}


def _num(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def print_run_summary(
    warehouse: Path,
    settings: Settings,
    *,
    year: int | None = None,
    console: Console | None = None,
    data_docs: bool = True,
) -> None:
    """The summary at the end of ``carbon run``, as wide as the terminal (or ``COLUMNS``; 160 columns into a
    file or a pipe); ``data_docs=False`` leaves the GX Data Docs alone (they are brought up to date last)."""
    console = console or terminal_console(default=160)
    if not warehouse.exists():
        console.print(f"No warehouse at {warehouse}: nothing was built.")
        return
    try:
        with connect(warehouse, read_only=True) as con:
            if table_exists(con, "ingest", "files"):
                _print_extraction(con, console)
            if table_exists(con, "marts", "rpt_inventory_totals"):
                _print_inventory(con, console, settings, year)
                _print_investments(con, console, settings, year)
                print_restatements(con, console)  # locked years this run restated
            if table_exists(con, "marts", "rpt_unestimated_activity_totals"):
                _print_unestimated(con, console)
            _print_management(con, console, settings, year)
            if table_exists(con, "quality", "findings"):
                _print_data_quality(con, console, year)
    except duckdb.IOException as exc:
        console.print(
            f"The warehouse {warehouse} cannot be read now ({str(exc).splitlines()[0]}).", markup=False
        )
    if data_docs:
        _print_data_docs(console)


def _print_extraction(con, console: Console) -> None:
    rows = con.execute(
        """
        select dataset_key,
               count(*) filter (where status = 'loaded') as files,
               coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0),
               count(*) filter (where status <> 'loaded') as skipped
        from ingest.files group by 1 order by 1
        """
    ).fetchall()
    t = Table(title="数据加载 Extraction (landing → raw)", title_justify="left")
    for col in ("dataset", "files", "rows read", "loaded", "quarantined", "dup/unreadable"):
        t.add_column(col, justify="left" if col == "dataset" else "right")
    for ds, files, read, loaded, quarantined, skipped in rows:
        t.add_row(ds, str(files), f"{read:,}", f"{loaded:,}", f"{quarantined:,}", str(skipped))
    tot = [sum(r[i] for r in rows) for i in range(1, 6)]
    t.add_row("total", *(f"{v:,}" for v in tot), style="bold")
    print_table(console, t, packed=True)
    findings = con.execute(
        """
        select check_code, message from ingest.quarantine
        order by dataset_key, file_path, row_number nulls first limit 12
        """
    ).fetchall()
    if findings:
        n = con.execute("select count(*) from ingest.quarantine").fetchone()[0]
        console.print(f"隔离 Quarantined ({n}; full list in table ingest.quarantine):")
        for code, message in findings:
            print_text(console, f"[{code}] {message}", indent="  ", hanging="    ")


def _print_inventory(con, console: Console, settings: Settings, year: int | None) -> None:
    where = "where reporting_year = ?" if year else ""
    params = [year] if year else []
    rows = con.execute(
        f"""
        select reporting_year, consolidation_approach, scope1_t, scope2_location_t, scope2_market_t, scope3_t,
               biogenic_co2_t
        from marts.rpt_inventory_totals {where}
        order by 1, 2
        """,
        params,
    ).fetchall()
    t = Table(
        title=f"温室气体排放 Group GHG inventory, tCO2e ({settings.gwp_set}; primary approach: "
        f"{settings.consolidation})",
        title_justify="left",
    )
    for col in (
        "year",
        "approach",
        "范围一 Scope 1",
        "范围二 Scope 2 location",
        "范围二 Scope 2 market",
        "范围三 Scope 3",
        "生物质 biogenic CO2",
    ):
        t.add_column(col, justify="left" if col in ("year", "approach") else "right")
    for y, approach, s1, s2l, s2m, s3, bio in rows:
        style = "bold" if approach == settings.consolidation else None
        t.add_row(
            str(y),
            APPROACH_LABELS.get(approach, approach),
            _num(s1),
            _num(s2l),
            _num(s2m),
            _num(s3),
            _num(bio),
            style=style,
        )
    print_table(console, t, packed=True)


def _print_investments(con, console: Console, settings: Settings, year: int | None) -> None:
    """Scope 3 category 15 of the primary approach by investee (marts.rpt_investee_emissions): joint
    ventures and associates of the entity tree (docs/methods.md M-S3-04) and the investments listed in
    procurement/investments."""
    if not table_exists(con, "marts", "rpt_investee_emissions"):
        return
    rows = con.execute(
        f"""
        select reporting_year, investee, co2e_t
        from marts.rpt_investee_emissions
        where consolidation_approach = ? {"and reporting_year = ?" if year else ""}
        order by reporting_year, investee
        """,
        [settings.consolidation, *([year] if year else [])],
    ).fetchall()
    if not rows:
        return
    by_year: dict[int, list[str]] = {}
    for y, investee, t in rows:
        by_year.setdefault(y, []).append(f"{investee} {_num(t)}")
    console.print(f"范围三类别 15 投资 Scope 3 category 15 (investments, {settings.consolidation}), tCO2e:")
    for y, parts in by_year.items():
        print_text(console, f"{y}: " + "; ".join(parts), indent="  ", hanging="    ")


def _print_unestimated(con, console: Console) -> None:
    rows = con.execute(
        "select dataset_key, reason_code, records from marts.rpt_unestimated_activity_totals order by all"
    ).fetchall()
    if not rows:
        console.print("未计入 Not in the inventory: none — every activity record has an emission.")
        return
    total = sum(r[2] for r in rows)
    console.print(
        f"未计入 Not in the inventory (unestimated, or held outside the reporting years): {total} record(s), "
        "listed in marts.fct_unestimated_activity:"
    )
    for dataset_key, reason, n in rows:
        print_text(console, f"{dataset_key}: {n} × {reason}", indent="  ", hanging="    ")


# ---------------------------------------------------------------- management layer (issue 5)


def _print_management(con, console: Console, settings: Settings, year: int | None) -> None:
    """Base year, target progress and the carbon position of the group (T/CAS 612 6.5-6.7)."""
    if table_exists(con, "marts", "fct_baseline"):
        _print_baseline(con, console, settings)
    if table_exists(con, "marts", "fct_target_progress"):
        _print_targets(con, console, year)
    if table_exists(con, "marts", "fct_carbon_position"):
        _print_position(con, console, settings, year)


def _print_baseline(con, console: Console, settings: Settings) -> None:
    rows = con.execute(
        """
        select scope, scope2_method, base_years, original_base_t, recalculated_base_t, change_pct,
               is_recalculated, applied_base_t, threshold_pct
        from marts.fct_baseline where consolidation_approach = ?
        order by scope, scope2_method nulls first
        """,
        [settings.consolidation],
    ).fetchall()
    if not rows:
        return
    t = Table(
        title=f"基准年 Base year {rows[0][2]}, tCO2e ({settings.consolidation}; recalculated when the "
        f"cumulative change ≥ {rows[0][8]:g} %)",
        title_justify="left",
    )
    for col in ("scope", "original", "recalculated", "change %", "recalculated?", "applied"):
        t.add_column(col, justify="left" if col == "scope" else "right")
    for scope, method, _, original, recalculated, change, is_recalc, applied, _ in rows:
        label = f"{scope} {method}" if method else scope
        t.add_row(
            label,
            _num(original),
            _num(recalculated),
            _num(change, 2),
            "yes 是" if is_recalc else "no 否",
            _num(applied),
        )
    print_table(console, t, packed=True)
    log = con.execute(
        """
        select distinct trigger_id, event_date, trigger_status, description
        from marts.fct_baseline_recalculation_log where consolidation_approach = ?
        order by event_date, trigger_id
        """,
        [settings.consolidation],
    ).fetchall()
    for _, _, status, description in log:
        mark = "!" if status == "missing_base_year_data" else "·"
        print_text(console, f"{mark} {description}", indent="  ", hanging="    ")


def _print_targets(con, console: Console, year: int | None) -> None:
    # the given year, else every judged year (base year through the last reporting year): like for like,
    # each year's actual and base on the boundary at its end (docs/methods.md M-TGT-01), so the base year shows 0 %
    rows = con.execute(
        """
        select target_name, reporting_year, unit, base_value, target_year, target_value, trajectory, actual,
               progress_pct, is_on_track
        from marts.fct_target_progress
        where actual is not null and (? is null or reporting_year = ?)
        order by target_name, reporting_year
        """,
        [year, year],
    ).fetchall()
    if not rows:
        return
    t = Table(
        title="目标进展 Target progress (like for like: base and actual on each year-end boundary)",
        title_justify="left",
    )
    for col in (
        "target",
        "year",
        "unit",
        "base",
        "target (year)",
        "trajectory",
        "actual",
        "progress %",
        "on track",
    ):
        t.add_column(col, justify="left" if col in ("target", "unit") else "right")
    for name, y, unit, base, target_year, target, trajectory, actual, progress, on_track in rows:
        digits = 1 if (base or 0) >= 100 else 4
        t.add_row(
            name,
            str(y),
            unit or "",
            _num(base, digits),
            f"{_num(target, digits)} ({target_year})",
            _num(trajectory, digits),
            _num(actual, digits),
            _num(progress, 1),
            "—" if on_track is None else ("yes 是" if on_track else "no 否"),
        )
    print_table(console, t, packed=True)


def _print_position(con, console: Console, settings: Settings, year: int | None) -> None:
    where = "and reporting_year = ?" if year else ""
    rows = con.execute(
        f"""
        select reporting_year, gross_t, credits_retired_t, allowances_cancelled_t, removals_t, net_t, is_neutral,
               compliance_credits_t, compliance_credits_applied_t, credits_other_purpose_t,
               ets_surplus_t, ets_cost_exposure, currency_code
        from marts.fct_carbon_position where is_group_total {where}
        order by reporting_year
        """,
        [year] if year else [],
    ).fetchall()
    if not rows:
        return
    t = Table(
        title=f"碳资产与净排放 Carbon position of the group, tCO2e ({settings.consolidation}; credits never "
        "enter Scope 1-3; only credits retired for neutrality reduce the net)",
        title_justify="left",
    )
    for col in (
        "year",
        "gross",
        "credits: neutrality",
        "allowances cancelled",
        "removals",
        "net",
        "neutral",
        "credits: compliance (applied)",
        "credits: other purpose",
        "ETS surplus(+)/deficit(-)",
        "ETS cost exposure",
    ):
        t.add_column(col, justify="right")
    for (y, gross, credits, cancelled, removals, net, neutral, compliance, applied, other, surplus, exposure,
         currency) in rows:  # fmt: skip
        t.add_row(
            str(y),
            _num(gross),
            _num(credits),
            _num(cancelled),
            _num(removals),
            _num(net),
            "yes 是" if neutral else "no 否",
            f"{_num(compliance)} ({_num(applied)})",
            _num(other),
            _num(surplus),
            f"{_num(exposure, 2)} {currency or ''}",
        )
    print_table(console, t, packed=True)


# ---------------------------------------------------------------- data quality plan (issue 7)


def _print_data_quality(con, console: Console, year: int | None) -> None:
    """The scorecard of the data quality plan per stream, and the findings after load."""
    params = [year] if year else []
    if table_exists(con, "marts", "rpt_data_quality_scorecard"):
        rows = con.execute(
            f"""
            select stream_id, stream_name_zh, checks_run, checks_failed, records, error_findings,
                   warning_findings, completeness_pct, estimated_pct, worst_score, worst_period
            from marts.rpt_data_quality_scorecard
            where scorecard_year {"= ?" if year else "is null"}
            order by worst_score, stream_id
            """,
            [year] if year else [],
        ).fetchall()
        version = con.execute("select any_value(plan_version) from quality.plan_streams").fetchone()[0]
        t = Table(
            title=f"数据质量 Data quality scorecard (plan {version}; T/CAS 612 6.8 / 9.1)",
            title_justify="left",
        )
        for col in ("stream", "数据流", "checks", "failed", "records", "errors", "warnings", "complete %",
                    "estimated %", "score (worst year)"):  # fmt: skip
            t.add_column(col, justify="left" if col in ("stream", "数据流") else "right")
        for sid, zh, checks, failed, records, errors, warnings, complete, estimated, score, worst in rows:
            t.add_row(sid, zh, str(checks), str(failed), f"{records:,}", str(errors), str(warnings),
                      _num(complete), _num(estimated), f"{score:.1f} ({worst})",
                      style="bold" if failed else None)  # fmt: skip
        print_table(console, t, packed=True)
    # Quarantined rows are listed above; these are the other findings (warnings on load,
    # the warehouse checks after dbt, and the plan's review).
    rows = con.execute(
        "select check_code, message from quality.findings where not is_quarantined "
        + ("and (reporting_year = ? or reporting_year is null) " if year else "")
        + "order by case stage when 'load' then 0 when 'raw' then 1 when 'warehouse' then 2 else 3 end, "
        "dataset_key, check_code, subject_id, period",
        params,
    ).fetchall()
    if not rows:
        console.print("数据质量发现 Data quality findings: none besides the quarantined rows.")
        return
    console.print(f"数据质量发现 Data quality findings ({len(rows)}; full list in table quality.findings):")
    shown: dict[str, int] = {}
    for code, message in rows:
        shown[code] = shown.get(code, 0) + 1
        if shown[code] <= 3:
            print_text(console, f"[{code}] {message}", indent="  ", hanging="    ")
    for code, n in shown.items():
        if n > 3:
            print_text(console, f"[{code}] … and {n - 3} more", indent="  ", hanging="    ")


def _print_data_docs(console: Console) -> None:
    """Bring the GX Data Docs up to date (incremental: only results without a page are rendered)."""
    from pipelines.lib import quality

    try:
        index = quality.build_data_docs()
    except Exception as exc:  # the summary is printed whatever state GX is in
        print_text(console, f"GX Data Docs could not be built: {exc}", hanging="  ")
        return
    print_text(console, f"GX Data Docs 数据质量验证报告: {index}", hanging="  ")
