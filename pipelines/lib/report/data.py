"""The figures of the annual inventory report, read from the marts (read-only).

``collect`` returns one plain, JSON-ready dict: every number the report shows
comes from it, and the same dict is embedded in the HTML as
``<script type="application/json" id="report-data">`` so a verifier (or a
test) compares the report with the marts without parsing tables. Values are
the marts' own doubles, unrounded; rounding is left to the template.
Every list is sorted, so the same warehouse always gives the same dict.

Nothing is computed here: every figure, total and aggregate (by gas, facility,
method, data-quality score, the factors and GWPs used, the exclusions) is a
row of a contracted mart (``dbt_project/models/marts/report/``,
``rpt_group_inventory``, ``rpt_iso_categories`` and the management marts);
this module selects the year and the primary approach and orders the rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines import __version__
from pipelines.lib.settings import APPROACHES, Settings
from pipelines.lib.warehouse import held_outside_reporting_years, rows_checksum, table_exists
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years

SCHEMA = "carbon-ledger/inventory-report/1"

# The marts the report must have; the others make a section say "not available".
REQUIRED_MARTS = (
    "rpt_group_inventory",
    "rpt_iso_categories",
    "rpt_inventory_totals",
    "rpt_emissions_by_gas",
    "rpt_facility_emissions",
    "rpt_emissions_by_method",
    "rpt_emissions_by_data_quality",
    "rpt_factors_used",
    "rpt_gwp_values_used",
    "rpt_unestimated_summary",
    "dim_entities",
    "dim_facilities",
)
OPTIONAL_MARTS = (
    "fct_scope3_completeness",
    "fct_scope3_method_mix",
    "fct_scope2_instruments",
    "fct_baseline",
    "fct_baseline_recalculation_log",
    "fct_intensity",
    "fct_target_progress",
    "fct_carbon_position",
    "fct_carbon_credits",
    "fct_data_quality",
)
TOP_FACILITIES = 10


class ReportError(Exception):
    """The report cannot be made from this warehouse; the message is one sentence for the user."""


# ---------------------------------------------------------------- helpers


def _plain(value: Any) -> Any:
    """A DuckDB value as JSON: dates as ISO text, DECIMAL/HUGEINT as numbers; NaN is refused."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        raise ReportError(f"The warehouse holds a non-finite number ({value}); the marts need a rebuild.")
    return value


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [{c: _plain(v) for c, v in zip(cols, row, strict=True)} for row in cur.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
        "order by ordinal_position", [table]
    ).fetchall()]  # fmt: skip


def _file_sha256(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


# ---------------------------------------------------------------- collect


def collect(
    con: duckdb.DuckDBPyConnection,
    year: int,
    settings: Settings,
    *,
    warehouse: Path,
    config: Path,
    report_options: dict[str, Any],
) -> dict[str, Any]:
    missing = [t for t in REQUIRED_MARTS if not table_exists(con, "marts", t)]
    if missing:
        raise ReportError(
            f"The warehouse {warehouse} has no inventory marts yet ({', '.join(missing)} missing); "
            "run `carbon run` first."
        )
    available = {t for t in OPTIONAL_MARTS if table_exists(con, "marts", t)}
    years = warehouse_reporting_years(con)
    if year not in years:
        listed = ", ".join(str(y) for y in years) or "none"
        raise ReportError(
            f"The warehouse {warehouse} has no inventory for {year}; years with an inventory: {listed}."
        )
    gwp_sets = [r[0] for r in con.execute(
        "select distinct gwp_set from marts.rpt_group_inventory where reporting_year = ? order by 1", [year]
    ).fetchall()]  # fmt: skip
    if not gwp_sets:
        raise ReportError(
            f"{year} is a reporting year of {warehouse} (it lies between complete years, docs/methods.md M-PER-03) but the "
            "warehouse holds no activity data for it, so there is no inventory to report; its completeness "
            "findings are in marts.fct_data_quality."
        )
    if gwp_sets != [settings.gwp_set]:
        raise ReportError(
            f"The warehouse was built with GWP set {', '.join(map(str, gwp_sets))} but "
            f"{config.name} says {settings.gwp_set}; run `carbon run` with this configuration first."
        )
    approach = settings.consolidation
    data: dict[str, Any] = {
        "schema": SCHEMA,
        "reporting_year": year,
        "reporting_period": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
        "primary_approach": approach,
        "gwp_set": settings.gwp_set,
        "unit": "tCO2e",
        "available_years": years,
        "marts_missing": sorted(set(OPTIONAL_MARTS) - available),
    }
    data["organisation"] = _organisation(con, settings, report_options)
    data["boundary"] = _boundary(con, year)
    data["inventory"] = _inventory(con, year)
    data["by_iso_category"] = _by_iso_category(con, year, approach)
    data["by_gas"] = _by_gas(con, year, approach)
    data["facilities_top"] = _facilities(con, year, approach)
    data["exclusions"] = _exclusions(con, year)
    data["scope3_completeness"] = _scope3_completeness(con, year, approach, available)
    data["held"] = held_outside_reporting_years(con)
    data["scope3_method_mix"] = (
        _dicts(
            con,
            """
        select scope3_category, method, co2e_t, share_of_category, activity_records, emission_rows,
               data_quality_score
        from marts.fct_scope3_method_mix where reporting_year = ? and consolidation_approach = ?
        order by scope3_category, method""",
            [year, approach],
        )
        if "fct_scope3_method_mix" in available
        else None
    )
    data["scope2_instruments"] = (
        _dicts(
            con,
            """
        select instrument_id, instrument_type, facility_id, entity_id, period, mwh, is_counted, not_counted_reason,
               allocated_mwh, unused_mwh
        from marts.fct_scope2_instruments where reporting_year = ? order by instrument_id""",
            [year],
        )
        if "fct_scope2_instruments" in available
        else None
    )
    data["baseline"] = _baseline(con, available)
    data["carbon_position"] = _carbon_position(con, year, available)
    data["intensity"] = (
        _dicts(
            con,
            """
        select denominator_kind, product, numerator_scopes, numerator_t, denominator, denominator_unit, intensity,
               intensity_unit, missing_reason, missing_detail, entities_missing_denominator
        from marts.fct_intensity where reporting_year = ? and is_group_total
        order by denominator_kind, product nulls first, denominator_unit""",
            [year],
        )
        if "fct_intensity" in available
        else None
    )
    data["targets"] = (
        _dicts(
            con,
            """
        select target_name, reporting_year, target_kind, scopes, denominator, consolidation_approach, base_year,
               target_year, reduction_pct, base_value, base_source, is_base_recalculated, target_value, trajectory,
               actual, unit, progress_pct, is_on_track, missing_reason, is_interim
        from marts.fct_target_progress where reporting_year <= ?
        order by target_name, reporting_year""",
            [year],
        )
        if "fct_target_progress" in available
        else None
    )
    data["methods"] = _dicts(
        con,
        """
        select scope, scope2_method, method, emission_rows, co2e_t
        from marts.rpt_emissions_by_method where reporting_year = ? and consolidation_approach = ?
        order by scope, scope2_method nulls first, method""",
        [year, approach],
    )
    data["factors"] = _factors(con, year)
    data["gwp_values"] = _dicts(
        con,
        """
        select gas, gwp_set, gwp_100, emission_rows
        from marts.rpt_gwp_values_used where reporting_year = ? order by gas, gwp_100""",
        [year],
    )
    data["data_quality"] = _data_quality(con, year, approach, available)
    data["document_control"] = _document_control(con, year, settings, warehouse, config, available)
    return data


def built_at(con) -> str | None:
    """When the run that built the marts started (UTC, history.runs): the PDF's creation date, the same
    for every report of the same warehouse. Not among the figures (the HTML embeds those, and two
    warehouses built from the same inputs give the same HTML)."""
    if not table_exists(con, "history", "runs"):
        return None
    moment = con.execute(
        "select max(started_at) from history.runs where status in ('running', 'success')"
    ).fetchone()[0]
    return moment.isoformat(timespec="seconds") if moment else None


def _organisation(con, settings: Settings, options: dict[str, Any]) -> dict[str, Any]:
    root = con.execute("select entity_id, entity_name from marts.dim_entities where entity_id = ?",
                       [settings.group_root]).fetchone()  # fmt: skip
    if root is None:
        raise ReportError(
            f"The group root {settings.group_root} of the configuration is not in dim_entities; "
            "was the warehouse built with another carbon.yml?"
        )

    # Only what the configuration states: nothing is filled in on the group's behalf.
    def text(key: str) -> str | None:
        value = options.get(key)
        return str(value).strip() if value not in (None, "") else None

    return {
        "group_root": root[0],
        "name": text("organisation_name") or root[1],
        "entity_name": root[1],
        "responsible_person": text("responsible_person"),
        "intended_users": text("intended_users"),
        "verification": text("verification"),
        "reporting_currency": settings.reporting_currency,
    }


def _boundary(con, year: int) -> dict[str, Any]:
    entities = _dicts(
        con,
        """
        select entity_id, entity_name, parent_entity_id, relationship, equity_pct, financial_control,
               is_operational_control, depth, ownership_chain, in_group_from_date, in_group_to_date,
               weight_equity_share, weight_operational_control, weight_financial_control
        from marts.dim_entities order by ownership_chain, entity_id""",
    )
    facilities = _dicts(
        con,
        """
        select facility_id, facility_name, entity_id, province_en, province_zh, grid_region, opened_date,
               closed_date
        from marts.dim_facilities order by facility_id""",
    )
    return {"entities": entities, "facilities": facilities}


def _inventory(con, year: int) -> dict[str, Any]:
    """rpt_group_inventory of the year: every cell; per approach the headline figures (rpt_inventory_totals)."""
    cells = _dicts(
        con,
        """
        select consolidation_approach, scope, scope2_method, scope3_category, co2e_t, emission_rows
        from marts.rpt_group_inventory where reporting_year = ?
        order by consolidation_approach, scope, scope2_method nulls first, scope3_category nulls first""",
        [year],
    )
    totals = {
        r.pop("consolidation_approach"): r
        for r in _dicts(
            con,
            """
            select consolidation_approach, scope1_t, scope2_location_t, scope2_market_t, scope3_t, biogenic_co2_t,
                   total_location_t, total_market_t
            from marts.rpt_inventory_totals where reporting_year = ?""",
            [year],
        )
    }
    by_approach: dict[str, Any] = {}
    for approach in APPROACHES:
        t = totals.get(approach) or {}
        by_approach[approach] = {
            "scope1_t": t.get("scope1_t"),
            "scope2_location_t": t.get("scope2_location_t"),
            "scope2_market_t": t.get("scope2_market_t"),
            "scope3_by_category_t": {
                str(c["scope3_category"]): c["co2e_t"]
                for c in cells
                if c["consolidation_approach"] == approach and c["scope"] == "3"
            },
            "scope3_t": t.get("scope3_t"),
            "biogenic_co2_t": t.get("biogenic_co2_t"),
            "total_location_t": t.get("total_location_t"),
            "total_market_t": t.get("total_market_t"),
        }
    return {"cells": cells, "by_approach": by_approach}


def _by_iso_category(con, year: int, approach: str) -> list[dict[str, Any]]:
    """ISO 14064-1 categories of the primary approach (marts.rpt_iso_categories): the emission lines,
    Scope 2 counted once per method; the group's own removals on a line of their own in category 1."""
    return _dicts(
        con,
        """
        select iso_category, line_kind,
               co2e_location_based_t as location_based_t,
               co2e_market_based_t as market_based_t,
               removals_t
        from marts.rpt_iso_categories
        where reporting_year = ? and consolidation_approach = ?
        order by iso_category, line_kind""",
        [year, approach],
    )


def _by_gas(con, year: int, approach: str) -> list[dict[str, Any]]:
    return _dicts(
        con,
        """
        select gas, gas_mass_location_t, location_based_t, market_based_t
        from marts.rpt_emissions_by_gas
        where reporting_year = ? and consolidation_approach = ?
        order by gas""",
        [year, approach],
    )


def _facilities(con, year: int, approach: str) -> dict[str, Any]:
    rows = _dicts(
        con,
        """
        select facility_id, scope1_t, scope2_location_t, scope2_market_t, scope3_t, facility_name, entity_id
        from marts.rpt_facility_emissions
        where reporting_year = ? and consolidation_approach = ?
        order by rank_t desc, facility_id""",
        [year, approach],
    )
    return {
        "rank_by": "scope1_t + scope2_market_t",
        "top_n": TOP_FACILITIES,
        "facility_count": len(rows),
        "rows": rows[:TOP_FACILITIES],
    }


def _scope3_completeness(
    con, year: int, approach: str, available: set[str]
) -> dict[str, dict[str, Any]] | None:
    """Scope 3 category (as text) -> status and reason, primary approach (marts.fct_scope3_completeness):
    every category without numbers carries the justification of carbon.yml or 'not assessed'."""
    if "fct_scope3_completeness" not in available:
        return None
    rows = _dicts(
        con,
        """
        select scope3_category, completeness_status, exclusion_reason, co2e_t, unestimated_records
        from marts.fct_scope3_completeness
        where reporting_year = ? and consolidation_approach = ?
        order by scope3_category""",
        [year, approach],
    )
    return {str(r["scope3_category"]): r for r in rows}


def _exclusions(con, year: int) -> dict[str, Any]:
    return {
        "scope3": _dicts(
            con,
            """
            select scope3_category, dataset_key, reason_code, records as activities, source_records
            from marts.rpt_unestimated_summary where reporting_year = ? and exclusion_kind = 'scope3'
            order by scope3_category, dataset_key, reason_code""",
            [year],
        ),
        "activity": _dicts(
            con,
            """
            select dataset_key, reason_code, records
            from marts.rpt_unestimated_summary where reporting_year = ? and exclusion_kind = 'activity'
            order by dataset_key, reason_code""",
            [year],
        ),
    }


def _baseline(con, available: set[str]) -> dict[str, Any] | None:
    if "fct_baseline" not in available:
        return None
    rows = _dicts(
        con,
        """
        select consolidation_approach, scope, scope2_method, base_year, base_years, original_base_t,
               recalculated_base_t, applied_base_t, change_pct, threshold_pct, is_recalculated, trigger_count
        from marts.fct_baseline order by consolidation_approach, scope, scope2_method nulls first""",
    )
    log = (
        _dicts(
            con,
            """
        select trigger_id, trigger_type, entity_id, entity_name, event_date, consolidation_approach, scope,
               scope2_method, trigger_status, is_finding, effect_t, effect_pct, threshold_pct, description
        from marts.fct_baseline_recalculation_log
        order by consolidation_approach, event_date, trigger_id, scope, scope2_method nulls first""",
        )
        if "fct_baseline_recalculation_log" in available
        else None
    )
    return {"rows": rows, "log": log}


def _carbon_position(con, year: int, available: set[str]) -> dict[str, Any] | None:
    if "fct_carbon_position" not in available:
        return None
    rows = _dicts(
        con,
        """
        select entity_id, is_group_total, consolidation_approach, neutrality_scopes, gross_t, credits_retired_t,
               allowances_cancelled_t, removals_t, net_t, is_neutral, is_ets_covered, ets_schemes,
               ets_covered_emissions_t, allowances_allocated_t, allowances_purchased_t, allowances_sold_t,
               allowances_surrendered_t, ets_surplus_t, ets_deficit_t, ets_price_per_t, ets_cost_exposure,
               currency_code
        from marts.fct_carbon_position where reporting_year = ?
        order by is_group_total desc, entity_id""",
        [year],
    )
    credits = (
        _dicts(
            con,
            """
        select serial, entity_id, registry, project_type, is_removal, vintage_year, quantity_t, credit_status,
               retired_date, retired_for_year, retirement_purpose, counted_retired_t, position_retired_t,
               not_counted_reason
        from marts.fct_carbon_credits where retired_for_year = ? or credit_status = 'held'
        order by credit_status desc, entity_id, serial""",
            [year],
        )
        if "fct_carbon_credits" in available
        else None
    )
    group = next((r for r in rows if r["is_group_total"]), None)
    return {"group": group, "entities": [r for r in rows if not r["is_group_total"]], "credits": credits}


def _factors(con, year: int) -> list[dict[str, Any]]:
    return _dicts(
        con,
        """
        select factor_id, factor_key, gas, t_per_unit, activity_unit, region, year_from, year_to, source_document,
               publisher, verification_status, is_custom, factor_set_version, emission_rows
        from marts.rpt_factors_used where reporting_year = ?
        order by factor_id""",
        [year],
    )


def _data_quality(con, year: int, approach: str, available: set[str]) -> dict[str, Any]:
    # CO2e (primary approach) by data-quality score; Scope 2 counted once per method.
    scores = _dicts(
        con,
        """
        select scope, scope2_method, data_quality_score, emission_rows, co2e_t
        from marts.rpt_emissions_by_data_quality where reporting_year = ? and consolidation_approach = ?
        order by scope, scope2_method nulls first, data_quality_score nulls last""",
        [year, approach],
    )
    fallback_rows, emission_rows = con.execute("""
        select coalesce(sum(year_fallback_rows), 0), coalesce(sum(emission_rows), 0)
        from marts.rpt_factors_used where reporting_year = ?""", [year]).fetchone()  # fmt: skip
    scorecard = (
        _dicts(
            con,
            """
        select stream_id, stream_name_en, stream_name_zh, dataset_key, method, frequency, plan_version, period,
               records, checks_run, checks_passed, checks_failed, error_findings, warning_findings, rows_quarantined,
               completeness_pct, estimated_pct, data_quality_score
        from marts.fct_data_quality where reporting_year = ? or period = 'all'
        order by stream_id, period""",
            [year],
        )
        if "fct_data_quality" in available
        else None
    )
    return {
        "by_score": scores,
        "factor_fallback_rows": int(fallback_rows),
        "emission_rows": int(emission_rows),
        "scorecard": scorecard,
    }


# Which rows of a mart the report reads, for its checksum; marts not listed are read whole
# (boundary, factors, baseline, credits) or by the year (any other mart with reporting_year).
_ROWS_READ = {
    "fct_target_progress": "reporting_year <= {year}",
    "fct_data_quality": "reporting_year = {year} or reporting_year is null",
}


def _mart_checksum(con, table: str, year: int) -> dict[str, Any]:
    """The checksum (:func:`pipelines.lib.warehouse.rows_checksum`) of the rows the report read."""
    if table in _ROWS_READ:
        condition = _ROWS_READ[table].format(year=int(year))
    elif "reporting_year" in _columns(con, table):
        condition = f"reporting_year = {int(year)}"
    else:
        condition = None
    n, digest = rows_checksum(con, f"marts.{table}", condition or "")
    return {"mart": table, "rows_hashed": condition or "all", "rows": n, "checksum": digest}


def _document_control(
    con, year: int, settings: Settings, warehouse: Path, config: Path, available: set[str]
) -> dict[str, Any]:
    marts = sorted(REQUIRED_MARTS + tuple(available))
    factor_sets = [r[0] for r in con.execute("""
        select distinct factor_set_version from marts.rpt_factors_used
        where reporting_year = ? and factor_key is not null order by 1""", [year]).fetchall()]  # fmt: skip
    plan_version = (
        con.execute("select max(plan_version) from marts.fct_data_quality").fetchone()[0]
        if "fct_data_quality" in available
        else None
    )
    inputs = None
    if table_exists(con, "ingest", "files"):
        n, digest = con.execute("""
            select count(*), md5(coalesce(string_agg(file_path || ':' || file_sha256, '\n'
                                                     order by file_path, file_sha256), ''))
            from ingest.files where status = 'loaded'""").fetchone()  # fmt: skip
        inputs = {"files_loaded": n, "md5_of_paths_and_sha256": digest}
    # File names only, not absolute paths: the same warehouse gives the same report wherever it lies.
    return {
        "software": f"carbon-ledger {__version__}",
        "warehouse_file": warehouse.name,
        "config_file": config.name,
        "config_sha256": _file_sha256(config),
        "group_root": settings.group_root,
        "primary_approach": settings.consolidation,
        "gwp_set": settings.gwp_set,
        "base_years": list(settings.base_year),
        "factor_set_versions": factor_sets,
        "data_quality_plan_version": plan_version,
        "inputs": inputs,
        "marts": [_mart_checksum(con, t, year) for t in marts],
    }
