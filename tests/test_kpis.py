"""The finance KPI extract: marts fct_finance_kpis / fct_finance_target_kpis and `carbon kpis`.

Every number of the finance marts is a number of another public mart; these
tests compare them on the bundled sample group, then read the files `carbon
kpis` writes back (the workbook with openpyxl: its Excel Tables, totals rows,
two header rows and number formats) and compare them with the marts.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
import polars as pl
import pytest
import yaml
from conftest import run_carbon

from pipelines.lib import kpis

APPROACHES = ("operational_control", "financial_control", "equity_share")
SCOPE_CELLS = {  # column prefix -> rpt_group_inventory predicate
    "scope1": "scope = '1'",
    "scope2_location": "scope = '2' and scope2_method = 'location'",
    "scope2_market": "scope = '2' and scope2_method = 'market'",
    "scope3": "scope = '3'",
    "biogenic_co2": "scope = 'biogenic'",
}
EXACT = "cast(sum(cast({} as decimal(38, 12))) as double)"  # the marts' exact_sum

pytestmark = pytest.mark.slow


def _kpi_rows(run, where: str = "true") -> list[dict]:
    con_rows = run.query(
        f"select * from marts.fct_finance_kpis where {where} order by is_group_total desc, entity_id"
    )
    names = [r[0] for r in run.query(
        "select column_name from information_schema.columns where table_schema = 'marts' "
        "and table_name = 'fct_finance_kpis' order by ordinal_position")]  # fmt: skip
    return [dict(zip(names, r, strict=True)) for r in con_rows]


# ---------------------------------------------------------------- the mart equals its sources


def test_group_scope1_operational_control_2023_is_the_reported_figure(sample_run):
    reported = sample_run.scalar(
        "select co2e_t from marts.rpt_group_inventory where reporting_year = 2023 "
        "and consolidation_approach = 'operational_control' and scope = '1'")  # fmt: skip
    kpi = sample_run.scalar(
        "select scope1_operational_control_t from marts.fct_finance_kpis where reporting_year = 2023 "
        "and is_group_total")  # fmt: skip
    assert reported > 50_000  # the sample group's 2023 Scope 1 is about 56,800 t
    assert kpi == reported


def test_group_totals_equal_rpt_group_inventory_for_every_year_scope_and_approach(sample_run):
    years = [r[0] for r in sample_run.query("select distinct reporting_year from marts.rpt_group_inventory")]
    group = {r["reporting_year"]: r for r in _kpi_rows(sample_run, "is_group_total")}
    assert sorted(group) == sorted(years)
    for approach in APPROACHES:
        for prefix, predicate in SCOPE_CELLS.items():
            expected = dict(sample_run.query(
                f"select reporting_year, {EXACT.format('co2e_t')} from marts.rpt_group_inventory "
                f"where consolidation_approach = ? and {predicate} group by 1", [approach]))  # fmt: skip
            for year, row in group.items():
                assert row[f"{prefix}_{approach}_t"] == expected.get(year, 0.0), (year, prefix, approach)


def test_entity_totals_equal_fct_inventory_and_add_up_to_the_group(sample_run):
    entity = {
        r["entity_id"]: r for r in _kpi_rows(sample_run, "reporting_year = 2023 and not is_group_total")
    }
    group = _kpi_rows(sample_run, "reporting_year = 2023 and is_group_total")[0]
    for approach in APPROACHES:
        for prefix, predicate in SCOPE_CELLS.items():
            column = f"{prefix}_{approach}_t"
            expected = dict(sample_run.query(
                f"select entity_id, {EXACT.format('co2e_t')} from marts.fct_inventory where reporting_year = 2023 "
                f"and consolidation_approach = ? and {predicate} group by 1", [approach]))  # fmt: skip
            for entity_id, row in entity.items():
                assert row[column] == expected.get(entity_id, 0.0), (entity_id, column)
            assert math.isclose(
                sum(r[column] for r in entity.values()), group[column], rel_tol=0, abs_tol=1e-6
            )
    # the associate (30 % equity, not controlled) counts only under equity share
    assert entity["A600"]["scope1_operational_control_t"] == 0.0
    assert entity["A600"]["scope1_equity_share_t"] > 0


def test_intensities_equal_fct_intensity(sample_run):
    # entities inside the primary boundary (weight > 0) and the group: fct_intensity's figures as they are
    rows = sample_run.query(
        "select k.entity_id, k.is_group_total, k.revenue_intensity_tco2e_per_10k_cny, i.intensity, "
        "k.revenue_10k_cny, i.denominator, k.intensity_numerator_t, i.numerator_t, "
        "k.revenue_intensity_missing_reason, i.missing_reason "
        "from marts.fct_finance_kpis as k join marts.fct_intensity as i using (reporting_year, entity_id, "
        "is_group_total) where i.denominator_kind = 'revenue' and i.facility_id is null "
        "and k.primary_weight > 0")  # fmt: skip
    assert len(rows) >= 20
    for r in rows:
        assert (r[2], r[4], r[6], r[8]) == (r[3], r[5], r[7], r[9]), r
    out = sample_run.query(
        "select k.output_value_intensity_tco2e_per_10k_cny, i.intensity, k.output_value_10k_cny, i.denominator, "
        "k.output_value_intensity_missing_reason, i.missing_reason "
        "from marts.fct_finance_kpis as k join marts.fct_intensity as i using (reporting_year, entity_id, "
        "is_group_total) where i.denominator_kind = 'output_value' and i.facility_id is null "
        "and k.primary_weight > 0")  # fmt: skip
    assert out and all(r[0] == r[1] and r[2] == r[3] and r[4] == r[5] for r in out)
    group = _kpi_rows(sample_run, "reporting_year = 2023 and is_group_total")[0]
    assert 0.1 < group["revenue_intensity_tco2e_per_10k_cny"] < 0.3  # tCO2e per 万元
    assert group["reporting_currency"] == "CNY" and group["gwp_set"] == "AR6"


def test_carbon_position_equals_fct_carbon_position(sample_run):
    columns = (
        "gross_t",
        "credits_retired_t",
        "allowances_cancelled_t",
        "removals_t",
        "net_t",
        "is_neutral",
        "ets_covered_emissions_t",
        "ets_surplus_t",
        "ets_deficit_t",
    )
    pairs = ", ".join(f"k.{c}, p.{c}" for c in columns)
    rows = sample_run.query(
        f"select {pairs}, k.ets_cost_exposure_cny, p.ets_cost_exposure, k.ets_price_cny_per_t, p.ets_price_per_t "
        "from marts.fct_carbon_position as p left join marts.fct_finance_kpis as k "
        "using (reporting_year, entity_id, is_group_total)")  # fmt: skip
    assert rows
    for r in rows:
        assert all(r[i] == r[i + 1] for i in range(0, len(r), 2)), r
    group = _kpi_rows(sample_run, "reporting_year = 2023 and is_group_total")[0]
    # gross = Scope 1 + Scope 2 market-based (neutrality scopes) of the group, primary approach
    assert math.isclose(group["gross_t"], group["scope1_operational_control_t"]
                        + group["scope2_market_operational_control_t"], rel_tol=1e-12)  # fmt: skip
    assert group["ets_cost_exposure_cny"] == pytest.approx(group["ets_deficit_t"] * 95, rel=1e-12)


def test_target_kpis_equal_fct_target_progress(sample_run):
    rows = sample_run.query(
        "select t.target_name, t.reporting_year, t.actual_value, p.actual, t.target_value, p.target_value, "
        "t.trajectory_value, p.trajectory, t.progress_pct, p.progress_pct, t.is_on_track, p.is_on_track, "
        "t.value_unit, p.unit from marts.fct_target_progress as p "
        "left join marts.fct_finance_target_kpis as t using (target_name, reporting_year)")  # fmt: skip
    assert {r[0] for r in rows} == {"S12-2030", "neutrality-2060"}
    for r in rows:
        assert all(r[i] == r[i + 1] for i in range(2, 14, 2)), r
    s12 = next(r for r in rows if r[0] == "S12-2030" and r[1] == 2023)
    assert s12[12] == "tCO2e" and s12[2] > 0 and s12[8] is not None


PRIMARY_INTENSITY_COLUMNS = (
    "intensity_scopes",
    "intensity_numerator_t",
    "revenue_10k_cny",
    "revenue_intensity_tco2e_per_10k_cny",
    "output_value_10k_cny",
    "output_value_intensity_tco2e_per_10k_cny",
)


def test_an_entity_weighing_0_under_the_primary_approach_has_no_intensity_and_no_position(sample_run):
    """J210 (a joint venture: operational control 0, financial control 50 %, equity 41.5 %) and A600 (an associate,
    30 % equity): zero totals under the primary approach, so no intensity and no position either - null, and why."""
    weights = {r[0]: r[1:] for r in sample_run.query(
        "select entity_id, weight_operational_control, weight_financial_control, weight_equity_share "
        "from marts.dim_entities")}  # fmt: skip
    assert weights["J210"] == (0.0, 0.5, 0.415) and weights["A600"] == (0.0, 0.0, 0.3)
    rows = _kpi_rows(
        sample_run, "reporting_year = 2023 and entity_id in ('J210', 'A600') and not is_group_total"
    )
    assert {r["entity_id"] for r in rows} == {"J210", "A600"}
    for row in rows:
        assert row["primary_consolidation_approach"] == "operational_control" and row["primary_weight"] == 0.0
        for prefix in ("scope1", "scope2_location", "scope2_market"):
            assert row[f"{prefix}_operational_control_t"] == 0.0, (row["entity_id"], prefix)
        assert all(row[c] is None for c in PRIMARY_INTENSITY_COLUMNS), row
        assert row["revenue_intensity_missing_reason"] == "outside_primary_boundary"
        assert row["output_value_intensity_missing_reason"] == "outside_primary_boundary"
        assert row["gross_t"] is None and row["ets_cost_exposure_cny"] is None
        assert row["carbon_position_missing_reason"] == "outside_primary_boundary"
    # fct_intensity keeps J210's own intensity (it reports revenue); the finance extract does not show it
    own = sample_run.scalar(
        "select intensity from marts.fct_intensity where reporting_year = 2023 and entity_id = 'J210' "
        "and denominator_kind = 'revenue' and facility_id is null")  # fmt: skip
    assert own is not None and own > 0
    # under the approaches that take it in, J210 counts with its weight: equity / financial control = 0.415 / 0.5
    j210 = next(r for r in rows if r["entity_id"] == "J210")
    assert j210["scope1_financial_control_t"] > 1000
    assert j210["scope1_equity_share_t"] / j210["scope1_financial_control_t"] == pytest.approx(0.415 / 0.5)
    # the rule holds for every entity row of every year: weight 0 <=> no intensity, no position, and why
    for row in _kpi_rows(sample_run, "not is_group_total"):
        outside = row["primary_weight"] == 0
        assert (row["revenue_intensity_missing_reason"] == "outside_primary_boundary") == outside, row
        assert (row["carbon_position_missing_reason"] == "outside_primary_boundary") == outside, row
        if outside:
            assert all(row[c] is None for c in PRIMARY_INTENSITY_COLUMNS) and row["net_t"] is None, row
            assert all(row[f"{p}_operational_control_t"] == 0 for p in ("scope1", "scope2_location")), row


def _reasons(mart: str) -> dict[str, str]:
    return {c.name: c.reason for c in kpis.dictionary("CNY")[mart].values() if c.reason}


def test_every_null_of_the_finance_marts_has_a_reason_in_its_row(sample_run):
    checked = 0
    for mart in (kpis.KPI_MART, kpis.TARGET_MART, kpis.ISO_MART, kpis.SCOPE3_MART):
        docs = kpis.dictionary("CNY")[mart]
        names = [r[0] for r in sample_run.query(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position", [mart])]  # fmt: skip
        for row in sample_run.query(f"select * from marts.{mart}"):
            cells = dict(zip(names, row, strict=True))
            for name, value in cells.items():
                if value is None and not docs[name].is_reason:
                    assert docs[name].reason, (
                        f"{mart}.{name} is null and the dictionary names no reason column"
                    )
                    assert cells[docs[name].reason] is not None, (mart, name, cells)
                    checked += 1
    assert checked > 300  # the sample has nulls: weight-0 entities, unreported target years, ISO lines


def test_every_finance_column_is_not_null_or_has_a_reason_column():
    """The YAML itself: a column is in row_rules' not_null, is a reason column, or names its reason column."""
    models = {m["name"]: m for m in yaml.safe_load(kpis.MODELS_YML.read_text(encoding="utf-8"))["models"]}
    for mart, docs in kpis.dictionary("CNY").items():
        not_null = {
            c.replace("{{ var('reporting_currency', 'CNY') | lower }}", "cny")
            for t in models[mart]["data_tests"]
            if isinstance(t, dict) and "row_rules" in t
            for c in t["row_rules"]["arguments"].get("not_null", [])
        }
        for column in docs.values():
            assert (column.name in not_null) + column.is_reason + bool(column.reason) == 1, (
                mart,
                column.name,
            )
            if column.reason:
                assert docs[column.reason].is_reason, (mart, column.name, column.reason)


# ---------------------------------------------------------------- carbon kpis


def _topic(key: str) -> kpis.Topic:
    return next(t for t in kpis.TOPICS if t.key == key)


def _sheet_columns(topic: str) -> list[str]:
    """The documented columns of a sheet: the mart's key columns and those of the topic, in mart order."""
    docs = kpis.dictionary("CNY")
    t = _topic(topic)
    return [c.name for c in docs[t.mart].values() if c.topic in t.column_topics]


def _mart_table(run, topic: str, year: int = 2023) -> list[tuple]:
    t = _topic(topic)
    cols = ", ".join(f'"{c}"' for c in _sheet_columns(topic))
    return run.query(
        f"select {cols} from marts.{t.mart} where reporting_year = ? and ({t.where}) order by {t.order_by}",
        [year],
    )


def _same(a, b, rel: float = 0.0) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(b, float) or isinstance(a, float):
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=0 if rel == 0 else 1e-12)
    if isinstance(a, dt.datetime) and type(b) is dt.date:  # Excel has no dates without a time
        return a == dt.datetime(b.year, b.month, b.day)
    if hasattr(b, "isoformat") and isinstance(a, str):
        return a == b.isoformat()
    return a == b


@dataclass
class Sheet:
    """One sheet of the workbook, read with openpyxl: the two header rows, the data rows, the totals row."""

    zh: list[str]
    keys: list[str]
    rows: list[tuple]  # cached values
    cells: list[tuple]  # the openpyxl cells of the data rows (number formats)
    total: tuple | None  # cached values of the totals row
    formulas: tuple | None  # its formulas
    table: object

    def column(self, name: str) -> list:
        j = self.keys.index(name)
        return [r[j] for r in self.rows]

    def find(self, key: str, value) -> dict:
        """The first data row whose `key` is `value`, as a dict."""
        return dict(zip(self.keys, self.rows[self.column(key).index(value)], strict=True))


def _read_sheet(path: Path, name: str) -> Sheet:
    values = openpyxl.load_workbook(path, data_only=True)[name]
    ws = openpyxl.load_workbook(path)[name]
    (table,) = ws.tables.values()
    has_total = bool(table.totalsRowCount)
    grid = [tuple(r) for r in values.iter_rows(values_only=True)]
    cells = [tuple(r) for r in ws.iter_rows()]
    width = len(grid[1])
    assert table.ref == f"A2:{openpyxl.utils.get_column_letter(width)}{len(grid)}", (name, table.ref)
    end = len(grid) - (1 if has_total else 0)
    return Sheet(
        zh=list(grid[0]),
        keys=list(grid[1]),
        rows=grid[2:end],
        cells=cells[2:end],
        total=grid[-1] if has_total else None,
        formulas=tuple(c.value for c in cells[-1]) if has_total else None,
        table=table,
    )


SHEETS = [
    "Group",
    "Totals",
    "Intensities",
    "Targets",
    "Carbon position",
    "ISO categories",
    "Scope 3 completeness",
    "README 说明",
]


@pytest.fixture(scope="module")
def workbook(sample_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("kpis") / "kpis_2023.xlsx"
    proc = run_carbon("kpis", "--year", "2023", "--format", "xlsx", "--out", str(out),
                      "--warehouse", str(sample_run.warehouse))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Finance KPIs 2023" in proc.stdout and out.is_file()
    return out


def test_kpis_xlsx_has_one_sheet_per_topic_with_bilingual_headers_and_the_marts_values(sample_run, workbook):
    assert openpyxl.load_workbook(workbook).sheetnames == SHEETS
    docs = kpis.dictionary("CNY")
    for topic in kpis.TOPICS:
        sheet = _read_sheet(workbook, topic.sheet)
        # two header rows: 中文 with the unit above the key; the key row is the Excel Table's header
        assert sheet.keys == _sheet_columns(topic.key) == [c.name for c in sheet.table.tableColumns]
        for zh, key in zip(sheet.zh, sheet.keys, strict=True):
            column = docs[topic.mart][key]
            assert zh.startswith(column.zh) and any("\u4e00" <= ch <= "\u9fff" for ch in zh), (topic.key, key)
            if column.unit:
                assert zh.endswith(f"[{column.unit_text}]"), (topic.key, key, zh)
        expected = _mart_table(sample_run, topic.key)
        assert len(sheet.rows) == len(expected) > 0
        for got, want in zip(sheet.rows, expected, strict=True):
            # xlsxwriter writes numbers with 16 significant digits: equal to the mart to 1e-15
            assert all(_same(g, w, rel=1e-15) for g, w in zip(got, want, strict=True)), (topic.key, got, want)
    group = _read_sheet(workbook, "Group")
    reported = sample_run.scalar(
        "select co2e_t from marts.rpt_group_inventory where reporting_year = 2023 "
        "and consolidation_approach = 'operational_control' and scope = '1'")  # fmt: skip
    assert group.column("scope1_operational_control_t") == [pytest.approx(reported, rel=1e-15)]
    assert group.column("revenue_intensity_tco2e_per_10k_cny")[0] == pytest.approx(
        sample_run.scalar("select intensity from marts.fct_intensity where reporting_year = 2023 and is_group_total "
                          "and denominator_kind = 'revenue'"), rel=1e-15)  # fmt: skip
    assert (
        "ets_cost_exposure_cny" in group.keys and "gross_t" in group.keys
    )  # one row, every topic of the group
    # the README sheet: run info, how to read, and a bilingual line for every column of every sheet
    readme = [tuple(r) for r in openpyxl.load_workbook(workbook)["README 说明"].iter_rows(values_only=True)]
    assert ("reporting_currency 报告货币", "CNY") == readme[next(
        i for i, r in enumerate(readme) if r[0] == "reporting_currency 报告货币")][:2]  # fmt: skip
    assert any(r[0] == "gwp_set GWP 版本" and r[1] == "AR6" for r in readme)
    # docs/methods.md M-PER-02: the pieces held outside the reporting years are named (the January 2025 tail)
    held = next(r[1] for r in readme if str(r[0]).startswith("held_outside_reporting_years"))
    assert "energy/meter_readings 2025" in held
    assert any("pandas" in str(r[0]) and "header=1" in str(r[0]) for r in readme)
    dictionary = {(r[0], r[1]): r for r in readme if r[0] in {t.sheet for t in kpis.TOPICS}}
    for topic in kpis.TOPICS:
        for column in _sheet_columns(topic.key):
            sheet, name, unit, additive, reason, en, zh = dictionary[(topic.sheet, column)][:7]
            assert en and zh, (sheet, name)
    scope1 = dictionary[("Totals", "scope1_operational_control_t")]
    assert scope1[2] == "tCO2e" and scope1[3] == "yes 是" and "范围一" in scope1[6]
    assert dictionary[("Intensities", "revenue_10k_cny")][4] == "revenue_intensity_missing_reason"
    assert dictionary[("Intensities", "revenue_10k_cny")][2] == "10^4 CNY 万元"
    # Scope 3 categories without numbers say why (carbon.yml scope3_exclusions: 14 "no franchises...")
    s3 = _read_sheet(workbook, "Scope 3 completeness")
    franchises = s3.find("scope3_category", 14)
    assert franchises["completeness_status"] == "excluded" and "franchise" in franchises["exclusion_reason"]
    # ISO 14064-1 category 1 holds the group's own removals on their own line, never netted (docs/methods.md M-S3-05)
    iso = _read_sheet(workbook, "ISO categories")
    removals = iso.find("line_kind", "removals")
    assert removals["iso_category"] == 1 and removals["missing_reason"] == "removals_line"
    assert removals["removals_t"] == pytest.approx(
        sample_run.scalar(
            "select removals_t from marts.fct_carbon_position where reporting_year = 2023 and is_group_total"
        ),
        rel=1e-12,
    )
    # the same warehouse gives the same workbook, byte for byte
    again = workbook.parent / "again.xlsx"
    run_carbon("kpis", "--year", "2023", "--out", str(again), "--warehouse", str(sample_run.warehouse))
    assert again.read_bytes() == workbook.read_bytes()


def test_the_group_row_stands_apart_and_the_entity_rows_add_up_to_it(sample_run, workbook):
    """A sum over a sheet's entity rows (and the Excel Table's totals row) equals the Group sheet, column by
    column, for every additive column; the group row is on no entity sheet."""
    docs = kpis.dictionary("CNY")[kpis.KPI_MART]
    group = _read_sheet(workbook, "Group")
    assert group.table.totalsRowCount in (None, 0) and len(group.rows) == 1
    assert group.column("is_group_total") == [True] and "集团合计" in group.column("entity_name")[0]
    group_row = dict(zip(group.keys, group.rows[0], strict=True))
    checked = []
    for name in ("Totals", "Intensities", "Carbon position"):
        sheet = _read_sheet(workbook, name)
        assert sheet.table.totalsRowCount == 1 and sheet.total[0] == kpis.TOTAL_LABEL
        assert set(sheet.column("is_group_total")) == {False}  # entity rows only
        assert "G001" in sheet.column("entity_id")  # the holding's own row: not the group
        for j, key in enumerate(sheet.keys):
            if not docs[key].additive:
                assert sheet.formulas[j] in (None, kpis.TOTAL_LABEL), (name, key)
                continue
            entities = math.fsum(v for v in sheet.column(key) if v is not None)
            assert entities == pytest.approx(group_row[key], rel=1e-12, abs=1e-6), (name, key)
            assert sheet.total[j] == pytest.approx(group_row[key], rel=1e-12, abs=1e-6), (name, key)
            assert sheet.formulas[j] == f"=SUBTOTAL(109,[{key}])", (name, key)
            checked.append(key)
    # every total by scope x approach and the position in tonnes and money (not only zeros)
    assert len(checked) == 15 + 13
    assert group_row["scope1_equity_share_t"] > 50_000 and group_row["allowances_allocated_t"] > 10_000
    # not additive, and so not summed: intensities (own vs weighted figures), counts, the price
    for key in (
        "revenue_intensity_tco2e_per_10k_cny",
        "revenue_10k_cny",
        "emission_rows",
        "ets_price_cny_per_t",
    ):
        assert not docs[key].additive
    totals = _read_sheet(workbook, "Totals")
    assert sum(totals.column("emission_rows")) != group_row["emission_rows"]  # why it is marked not additive
    # the group-level sheets add up to the group too: ISO categories and Scope 3 categories
    iso = _read_sheet(workbook, "ISO categories")
    approach = group_row["primary_consolidation_approach"]
    for column, scope2 in (("co2e_location_based_t", "location"), ("co2e_market_based_t", "market")):
        expected = sum(group_row[f"{s}_{approach}_t"] for s in ("scope1", f"scope2_{scope2}", "scope3"))
        assert iso.total[iso.keys.index(column)] == pytest.approx(expected, rel=1e-12)
        assert math.fsum(v for v in iso.column(column) if v is not None) == pytest.approx(expected, rel=1e-12)
    s3 = _read_sheet(workbook, "Scope 3 completeness")
    assert s3.total[s3.keys.index("co2e_t")] == pytest.approx(group_row[f"scope3_{approach}_t"], rel=1e-12)
    targets = _read_sheet(workbook, "Targets")
    assert targets.total[0] == kpis.TOTAL_LABEL and not any(targets.formulas[1:])  # nothing adds up


def test_kpis_xlsx_number_formats_follow_the_units(sample_run, workbook):
    def cell(sheet: Sheet, key: str, row: int = 0):
        return sheet.cells[row][sheet.keys.index(key)]

    group = _read_sheet(workbook, "Group")
    price = cell(group, "ets_price_cny_per_t")
    assert price.value == 95 and price.number_format == "#,##0.00"  # 95.00, not 95.000000
    assert cell(group, "ets_cost_exposure_cny").number_format == "#,##0.00"
    assert cell(group, "revenue_10k_cny").number_format == "#,##0.00"
    assert cell(group, "revenue_intensity_tco2e_per_10k_cny").number_format == "0.0000"
    assert cell(group, "scope1_operational_control_t").number_format == "#,##0.000"
    assert cell(group, "primary_weight").number_format == "0.0%"  # a fraction: 1 shows as 100.0%
    assert cell(group, "reporting_year").number_format == "0"
    assert cell(group, "emission_rows").number_format == "#,##0"
    assert cell(group, "period_start_date").number_format == "yyyy-mm-dd"
    # percent points stay percent points (the number is the mart's), shown with a % sign
    targets = _read_sheet(workbook, "Targets")
    expected = {r[0]: r[1:] for r in sample_run.query(
        "select target_name, progress_pct, reduction_pct from marts.fct_finance_target_kpis "
        "where reporting_year = 2023")}  # fmt: skip
    for i, name in enumerate(targets.column("target_name")):
        progress, reduction = cell(targets, "progress_pct", i), cell(targets, "reduction_pct", i)
        assert progress.number_format == reduction.number_format == '0.0"%"'
        assert progress.value == pytest.approx(expected[name][0], rel=1e-15) and abs(progress.value) > 1
        assert reduction.value == expected[name][1]
        unit = targets.column("value_unit")[i]
        assert cell(targets, "actual_value", i).number_format == ("0.0000" if "/" in unit else "#,##0.000")
    assert sorted(targets.column("reduction_pct")) == [42, 100]
    weights = _read_sheet(workbook, "Totals")
    j210 = weights.column("entity_id").index("J210")
    assert cell(weights, "primary_weight", j210).number_format == "0.0%"
    assert cell(weights, "scope1_equity_share_t", j210).number_format == "#,##0.000"


def test_every_empty_cell_of_the_workbook_has_a_reason_in_its_row(workbook):
    docs = kpis.dictionary("CNY")
    empty = 0
    for topic in kpis.TOPICS:
        sheet = _read_sheet(workbook, topic.sheet)
        for row in sheet.rows:
            cells = dict(zip(sheet.keys, row, strict=True))
            for key, value in cells.items():
                column = docs[topic.mart][key]
                if value is None and not column.is_reason:
                    assert column.reason and cells[column.reason], (topic.sheet, key, cells)
                    empty += 1
    assert empty > 50  # the weight-0 entities, the unreported target years, the ISO lines
    intensities = _read_sheet(workbook, "Intensities")
    j210 = intensities.find("entity_id", "J210")
    assert j210["revenue_intensity_tco2e_per_10k_cny"] is None
    assert j210["revenue_intensity_missing_reason"] == "outside_primary_boundary"


def test_kpis_csv_and_parquet_write_one_file_per_topic_equal_to_the_marts(sample_run, tmp_path):
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"kpis_{fmt}"
        proc = run_carbon("kpis", "--year", "2023", "--format", fmt, "--out", str(out),
                          "--warehouse", str(sample_run.warehouse))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        names = {p.name for p in out.iterdir()}
        assert names == {f"{n}.{fmt}" for n in (*(t.key for t in kpis.TOPICS), "columns", "run_info")}
        assert {"group", "iso_categories", "scope3_completeness"} <= {t.key for t in kpis.TOPICS}
        for topic in kpis.TOPICS:
            path = out / f"{topic.key}.{fmt}"
            frame = pl.read_csv(path, infer_schema_length=None) if fmt == "csv" else pl.read_parquet(path)
            assert frame.columns == _sheet_columns(topic.key)
            expected = _mart_table(sample_run, topic.key)
            assert frame.height == len(expected) > 0
            for got, want in zip(frame.rows(), expected, strict=True):
                assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (fmt, topic.key, got, want)
        # as in the workbook: the group in a file of its own, the entity files without it, adding up to it
        group = (pl.read_csv if fmt == "csv" else pl.read_parquet)(out / f"group.{fmt}")
        totals = (pl.read_csv if fmt == "csv" else pl.read_parquet)(out / f"totals.{fmt}")
        assert group["is_group_total"].to_list() == [True] and not totals["is_group_total"].any()
        assert totals["scope2_market_equity_share_t"].sum() == pytest.approx(
            group["scope2_market_equity_share_t"][0], rel=1e-12)  # fmt: skip
        columns = (pl.read_csv if fmt == "csv" else pl.read_parquet)(out / f"columns.{fmt}")
        assert columns.columns == list(kpis.DICTIONARY_HEADER)
    # a byte-order mark, so that Excel reads the UTF-8 (Chinese names) as UTF-8
    bom = b"\xef\xbb\xbf"
    assert (tmp_path / "kpis_csv" / "totals.csv").read_bytes().startswith(bom)


def test_kpis_json_is_one_document_equal_to_the_marts(sample_run, tmp_path):
    out = tmp_path / "kpis.json"
    proc = run_carbon("kpis", "--year", "2023", "--format", "json", "--out", str(out),
                      "--warehouse", str(sample_run.warehouse))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["reporting_year"] == 2023 and doc["run_info"]["reporting_currency"] == "CNY"
    assert doc["run_info_labels_zh"]["reporting_currency"] == "报告货币"
    assert all(" " not in key for key in doc["run_info"])  # keys are keys, the labels are beside them
    for topic in kpis.TOPICS:
        expected = _mart_table(sample_run, topic.key)
        rows = [doc[topic.key]] if topic.key == "group" else doc[topic.key]  # the group is one object
        assert rows and list(rows[0]) == _sheet_columns(topic.key) and len(rows) == len(expected)
        for got, want in zip(rows, expected, strict=True):
            assert all(_same(g, w) for g, w in zip(got.values(), want, strict=True)), (topic.key, got, want)
    assert {c["sheet"] for c in doc["columns"]} == {t.sheet for t in kpis.TOPICS}
    assert doc["group"]["is_group_total"] and not any(r["is_group_total"] for r in doc["totals"])
    assert math.fsum(r["gross_t"] for r in doc["carbon_position"] if r["gross_t"] is not None) == pytest.approx(
        doc["group"]["gross_t"], rel=1e-12)  # fmt: skip
    scope1 = next(
        c for c in doc["columns"] if c["sheet"] == "Totals" and c["column"] == "scope1_equity_share_t"
    )
    assert scope1["additive"] is True and scope1["unit"] == "tCO2e"


def test_kpis_for_a_year_not_in_the_warehouse_is_one_sentence(sample_run, tmp_path):
    proc = run_carbon("kpis", "--year", "2019", "--warehouse", str(sample_run.warehouse),
                      "--out", str(tmp_path / "k.xlsx"))  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("carbon: The warehouse has no finance KPIs for 2019; its reporting years are "
                                   "2021–2024.")  # fmt: skip
    assert not (tmp_path / "k.xlsx").exists()
    missing = run_carbon("kpis", "--year", "2023", "--warehouse", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2
    assert missing.stderr.strip().startswith("carbon: There is no warehouse at ")
    assert "Traceback" not in missing.stderr + proc.stderr


def test_default_out_is_in_the_current_folder():
    assert kpis.default_out(2023, "xlsx") == Path("kpis_2023.xlsx")
    assert kpis.default_out(2023, "json") == Path("kpis_2023.json")
    assert kpis.default_out(2023, "csv") == Path("kpis_2023")


def test_carbon_run_writes_the_kpi_workbook_of_every_year_beside_the_warehouse(sample_run):
    folder = sample_run.warehouse.parent / "exports"
    years = [r[0] for r in sample_run.query(
        "select distinct reporting_year from marts.fct_finance_kpis where is_group_total order by 1")]  # fmt: skip
    assert len(years) >= 4
    assert sorted(p.name for p in folder.iterdir()) == [f"kpis_{y}.xlsx" for y in years]
    assert f"export   {len(years)} finance KPI workbooks in {folder}" in sample_run.stderr
    for year in (years[0], years[-1]):
        totals = _read_sheet(folder / f"kpis_{year}.xlsx", "Totals")
        expected = _mart_table(sample_run, "totals", year)
        assert totals.keys == _sheet_columns("totals") and len(totals.rows) == len(expected)
        for got, want in zip(totals.rows, expected, strict=True):
            assert all(_same(g, w, rel=1e-15) for g, w in zip(got, want, strict=True)), (year, got, want)
        # pandas reads the key row as the header and leaves the Σ row out with skipfooter
        frame = pd.read_excel(folder / f"kpis_{year}.xlsx", sheet_name="Totals", header=1, skipfooter=1)
        assert list(frame.columns) == totals.keys and len(frame) == len(expected)
