"""The finance KPI extract: marts fct_finance_kpis / fct_finance_target_kpis and `carbon kpis`.

Every number of the finance marts is a number of another public mart; these
tests compare them on the bundled sample group, then read the files `carbon
kpis` writes back and compare them with the marts.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import polars as pl
import pytest
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
    rows = sample_run.query(
        "select k.entity_id, k.is_group_total, k.revenue_intensity_tco2e_per_10k_cny, i.intensity, "
        "k.revenue_10k_cny, i.denominator, k.intensity_numerator_t, i.numerator_t, "
        "k.revenue_intensity_missing_reason, i.missing_reason "
        "from marts.fct_finance_kpis as k join marts.fct_intensity as i using (reporting_year, entity_id, "
        "is_group_total) where i.denominator_kind = 'revenue' and i.facility_id is null")  # fmt: skip
    assert len(rows) >= 20
    for r in rows:
        assert (r[2], r[4], r[6], r[8]) == (r[3], r[5], r[7], r[9]), r
    out = sample_run.query(
        "select k.output_value_intensity_tco2e_per_10k_cny, i.intensity, k.output_value_10k_cny, i.denominator "
        "from marts.fct_finance_kpis as k join marts.fct_intensity as i using (reporting_year, entity_id, "
        "is_group_total) where i.denominator_kind = 'output_value' and i.facility_id is null")  # fmt: skip
    assert out and all(r[0] == r[1] and r[2] == r[3] for r in out)
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


# ---------------------------------------------------------------- carbon kpis


def _sheet_columns(topic: str) -> list[str]:
    """The documented columns of a sheet: the mart's key columns and those of the topic, in mart order."""
    docs = kpis.dictionary("CNY")
    mart = next(t.mart for t in kpis.TOPICS if t.key == topic)
    return [c.name for c in docs[mart].values() if c.topic in ("key", topic)]


def _mart_table(run, topic: str, year: int = 2023) -> list[tuple]:
    t = next(t for t in kpis.TOPICS if t.key == topic)
    cols = ", ".join(f'"{c}"' for c in _sheet_columns(topic))
    return run.query(
        f"select {cols} from marts.{t.mart} where reporting_year = ? order by {t.order_by}", [year]
    )


def _same(a, b, rel: float = 0.0) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(b, float) or isinstance(a, float):
        return math.isclose(float(a), float(b), rel_tol=rel, abs_tol=0 if rel == 0 else 1e-12)
    if hasattr(b, "isoformat") and isinstance(a, str):
        return a == b.isoformat()
    return a == b


def test_kpis_xlsx_has_one_sheet_per_topic_with_documented_headers_and_the_marts_values(sample_run, tmp_path):
    out = tmp_path / "kpis_2023.xlsx"
    proc = run_carbon("kpis", "--year", "2023", "--format", "xlsx", "--out", str(out),
                      "--warehouse", str(sample_run.warehouse))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Finance KPIs 2023" in proc.stdout and out.is_file()
    sheets = pl.read_excel(out, sheet_id=0, infer_schema_length=None)
    assert list(sheets) == [
        "Totals",
        "Intensities",
        "Targets",
        "Carbon position",
        "ISO categories",
        "Scope 3 completeness",
        "README 说明",
    ]
    for topic in kpis.TOPICS:
        frame = sheets[topic.sheet]
        assert frame.columns == _sheet_columns(topic.key)
        expected = _mart_table(sample_run, topic.key)
        assert frame.height == len(expected)
        for got, want in zip(frame.rows(), expected, strict=True):
            # xlsxwriter writes numbers with 16 significant digits: equal to the mart to 1e-15
            assert all(_same(g, w, rel=1e-15) for g, w in zip(got, want, strict=True)), (topic.key, got, want)
    totals = sheets["Totals"]
    assert "scope1_operational_control_t" in totals.columns  # units in the headers
    assert "revenue_intensity_tco2e_per_10k_cny" in sheets["Intensities"].columns
    assert "ets_cost_exposure_cny" in sheets["Carbon position"].columns
    group = totals.filter(pl.col("is_group_total")).row(0, named=True)
    reported = sample_run.scalar(
        "select co2e_t from marts.rpt_group_inventory where reporting_year = 2023 "
        "and consolidation_approach = 'operational_control' and scope = '1'")  # fmt: skip
    assert group["scope1_operational_control_t"] == pytest.approx(reported, rel=1e-15)
    # the README sheet: run info and a bilingual line for every column of every sheet
    readme = pl.read_excel(out, sheet_name="README 说明", has_header=False, infer_schema_length=None)
    cells = [tuple(r) for r in readme.rows()]
    assert ("reporting_currency 报告货币", "CNY", None, None, None) in cells
    assert ("gwp_set GWP 版本", "AR6", None, None, None) in cells
    # METHODS.md 0: the pieces held outside the reporting years are named (the January 2025 tail)
    held = next(r[1] for r in cells if str(r[0]).startswith("held_outside_reporting_years"))
    assert "energy/meter_readings 2025" in held
    # ISO 14064-1 category 1 holds the group's own removals on their own line, never netted (METHODS.md 4)
    # every Scope 3 category without numbers says why (carbon.yml scope3_exclusions: 14 "no franchises...")
    s3 = sheets["Scope 3 completeness"]
    assert s3.height == 15
    franchises = s3.filter(pl.col("scope3_category") == 14).row(0, named=True)
    assert franchises["completeness_status"] == "excluded" and "franchise" in franchises["exclusion_reason"]
    iso = sheets["ISO categories"]
    removals = iso.filter(pl.col("line_kind") == "removals").row(0, named=True)
    assert removals["iso_category"] == 1
    assert removals["removals_t"] == pytest.approx(
        sample_run.scalar(
            "select removals_t from marts.fct_carbon_position where reporting_year = 2023 and is_group_total"
        ),
        rel=1e-12,
    )
    dictionary = {(r[0], r[1]): r for r in cells if r[0] in {t.sheet for t in kpis.TOPICS}}
    for topic in kpis.TOPICS:
        for column in _sheet_columns(topic.key):
            sheet, name, unit, en, zh = dictionary[(topic.sheet, column)]
            assert en and zh, (sheet, name)
    assert dictionary[("Totals", "scope1_operational_control_t")][2] == "tCO2e"
    # the same warehouse gives the same workbook, byte for byte
    again = tmp_path / "again.xlsx"
    run_carbon("kpis", "--year", "2023", "--out", str(again), "--warehouse", str(sample_run.warehouse))
    assert again.read_bytes() == out.read_bytes()
    assert "范围一" in dictionary[("Totals", "scope1_operational_control_t")][4]


def test_kpis_csv_and_parquet_write_one_file_per_topic_equal_to_the_marts(sample_run, tmp_path):
    for fmt in ("csv", "parquet"):
        out = tmp_path / f"kpis_{fmt}"
        proc = run_carbon("kpis", "--year", "2023", "--format", fmt, "--out", str(out),
                          "--warehouse", str(sample_run.warehouse))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        names = {p.name for p in out.iterdir()}
        assert names == {f"{n}.{fmt}" for n in (*(t.key for t in kpis.TOPICS), "columns", "run_info")}
        assert {"iso_categories", "scope3_completeness"} <= {t.key for t in kpis.TOPICS}
        for topic in kpis.TOPICS:
            path = out / f"{topic.key}.{fmt}"
            frame = pl.read_csv(path, infer_schema_length=None) if fmt == "csv" else pl.read_parquet(path)
            assert frame.columns == _sheet_columns(topic.key)
            expected = _mart_table(sample_run, topic.key)
            for got, want in zip(frame.rows(), expected, strict=True):
                assert all(_same(g, w) for g, w in zip(got, want, strict=True)), (fmt, topic.key, got, want)
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
        assert [list(r) for r in doc[topic.key]] and list(doc[topic.key][0]) == _sheet_columns(topic.key)
        for got, want in zip(doc[topic.key], expected, strict=True):
            assert all(_same(g, w) for g, w in zip(got.values(), want, strict=True)), (topic.key, got, want)
    assert {c["sheet"] for c in doc["columns"]} == {t.sheet for t in kpis.TOPICS}


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
        totals = pl.read_excel(folder / f"kpis_{year}.xlsx", sheet_name="Totals", infer_schema_length=None)
        expected = _mart_table(sample_run, "totals", year)
        assert totals.columns == _sheet_columns("totals") and totals.height == len(expected)
        for got, want in zip(totals.rows(), expected, strict=True):
            assert all(_same(g, w, rel=1e-15) for g, w in zip(got, want, strict=True)), (year, got, want)
