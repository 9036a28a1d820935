"""The finance KPI extract (``carbon kpis``): the finance marts of one year as Excel, CSV, Parquet or JSON.

The extract reads ``marts.fct_finance_kpis`` (entity x year, the group as its
own row), ``marts.fct_finance_target_kpis`` (target x year) and the ISO 14064-1
category and Scope 3 completeness marts from the warehouse, opened read-only,
and writes one table per topic. Nothing is computed here; the numbers are the
marts' (the Excel totals row sums them, with the sum as the cell's cached value).

The group stands apart (docs/decisions.md "Finance KPIs"): its consolidated row
(``is_group_total``; ``entity_id`` the group root, like every mart) is the
table ``group`` - the sheet ``Group``, the file ``group.csv|parquet``, the JSON
object ``group`` - and the topic tables ``totals``, ``intensities`` and
``carbon_position`` hold the entity rows only, so that a sum over an entity
table never counts the group twice. In the workbook every topic sheet is an
Excel Table whose totals row sums (SUBTOTAL 109) the columns that add up
(``meta.additive``): unfiltered, it equals the Group sheet.

The data dictionary is the dbt YAML of the marts
(``dbt_project/models/marts/finance/_finance__models.yml``): each column's
``meta.topic`` says which sheet it belongs to (``key`` columns are on every
sheet), ``description`` and ``meta.zh`` are its English and Chinese
descriptions, ``meta.unit`` its unit and ``meta.additive`` whether entity rows
add up to the group; the model's ``nulls_have_reasons`` test names, for each
nullable column, the ``*_reason`` column that says why a cell is empty. Column
names carry their unit (``_t``, ``_tco2e_per_10k_cny``, ``_cny``), so a key read
without the dictionary still says what it holds. Excel sheets have two header
rows: the Chinese name with the unit above the column key (``pandas.read_excel
(..., header=1)``); numbers are formatted by unit (percent points as ``42.0%``,
weights as percentages, money with two decimals).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines import __version__
from pipelines.lib.warehouse import held_outside_reporting_years, open_read_only, table_exists
from pipelines.paths import DBT_PROJECT_DIR

FORMATS = ("xlsx", "csv", "parquet", "json")
KPI_MART = "fct_finance_kpis"
TARGET_MART = "fct_finance_target_kpis"
ISO_MART = "fct_finance_iso_categories"
SCOPE3_MART = "fct_finance_scope3_completeness"
MODELS_YML = DBT_PROJECT_DIR / "models" / "marts" / "finance" / "_finance__models.yml"


@dataclass(frozen=True)
class Topic:
    key: str  # file name (csv/parquet), JSON key, meta.topic
    sheet: str  # Excel sheet name
    zh: str
    mart: str
    order_by: str
    where: str = "true"  # which rows of the mart
    topics: tuple[str, ...] = ()  # the meta.topic values of its columns besides `key` (default: its own key)

    @property
    def column_topics(self) -> tuple[str, ...]:
        return ("key", *(self.topics or (self.key,)))


ENTITY_ROWS = "not is_group_total"
TOPICS = (
    Topic(
        "group",
        "Group",
        "集团合计",
        KPI_MART,
        "entity_id",
        where="is_group_total",
        topics=("totals", "intensities", "carbon_position"),
    ),  # fmt: skip
    Topic("totals", "Totals", "排放总量（各主体）", KPI_MART, "entity_id", where=ENTITY_ROWS),
    Topic("intensities", "Intensities", "排放强度（各主体）", KPI_MART, "entity_id", where=ENTITY_ROWS),
    Topic("targets", "Targets", "目标进展", TARGET_MART, "is_interim desc, target_name"),
    Topic(
        "carbon_position", "Carbon position", "碳资产头寸（各主体）", KPI_MART, "entity_id", where=ENTITY_ROWS
    ),
    Topic("iso_categories", "ISO categories", "ISO 14064-1 类别", ISO_MART, "iso_category, line_kind"),
    Topic("scope3_completeness", "Scope 3 completeness", "范围三完整性", SCOPE3_MART, "scope3_category"),
)
GROUP_TOPIC = "group"
README_SHEET = "README 说明"
TOTAL_LABEL = "Σ 合计 Total"


class KpiError(Exception):
    """A user-fixable problem: no warehouse, marts not built, a year without KPIs."""


@dataclass(frozen=True)
class KpiColumn:
    name: str
    topic: str
    unit: str  # as in the YAML ("10^4 reporting currency"); unit_text renders the currency
    en: str
    zh: str
    additive: bool = False  # entity rows (or lines) add up to the group
    reason: str = ""  # the column that says why a null of this one is null
    currency: str = ""

    @property
    def is_reason(self) -> bool:
        """A reason column (missing_reason, *_missing_reason, exclusion_reason): its null means nothing is missing."""
        return self.name.endswith("_reason")

    @property
    def unit_text(self) -> str:
        """The unit for a header: the currency rendered, 万元 for 10^4 CNY (万 for another currency)."""
        text = _UNIT_TEXT.get(self.unit, self.unit)
        if self.currency != "CNY":
            text = text.replace("万元", "万")
        return text.replace("reporting currency", self.currency)


_UNIT_TEXT = {
    "fraction": "fraction 比例 (%)",
    "%": "% percent points 百分点",
    "value_unit": "see value_unit 单位见 value_unit",
    "10^4 reporting currency": "10^4 reporting currency 万元",
    "year": "year 年",
    "date": "date 日期",
    "rows": "rows 行",
    "records": "records 条",
}


@dataclass
class Table:
    topic: Topic
    columns: list[KpiColumn]
    rows: list[tuple]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]


@dataclass
class Extract:
    year: int
    tables: list[Table]
    run_info: list[tuple[str, str]] = field(default_factory=list)
    built_at: dt.datetime | None = None  # the warehouse file's modification time

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.topic.key == key)


# ---------------------------------------------------------------- reading


def open_warehouse(path: Path) -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; a missing file or unbuilt finance marts is a KpiError."""
    marts = [("marts", m) for m in (KPI_MART, TARGET_MART, ISO_MART, SCOPE3_MART)]
    return open_read_only(path, marts, "finance KPI marts", KpiError)


def _years_text(years: list[int]) -> str:
    if not years:
        return "none"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def dictionary(currency: str, path: Path = MODELS_YML) -> dict[str, dict[str, KpiColumn]]:
    """mart -> column name -> KpiColumn, from the marts' YAML, currency placeholders rendered."""
    cur = currency.lower()
    text = re.sub(r"\{\{\s*var\(\s*['\"]reporting_currency['\"][^}]*\}\}", cur,
                  path.read_text(encoding="utf-8"))  # fmt: skip
    out: dict[str, dict[str, KpiColumn]] = {}
    for model in yaml.safe_load(text)["models"]:
        reasons = {
            name.replace("<cur>", cur): reason
            for test in model.get("data_tests", [])
            if isinstance(test, dict) and "nulls_have_reasons" in test
            for name, reason in test["nulls_have_reasons"]["arguments"]["reasons"].items()
        }
        cols = {}
        for c in model.get("columns", []):
            meta = c.get("meta") or {}
            cols[c["name"]] = KpiColumn(
                name=c["name"],
                topic=meta.get("topic", "key"),
                unit=str(meta.get("unit", "")),
                en=" ".join(str(c.get("description", "")).split()),
                zh=str(meta.get("zh", "")),
                additive=bool(meta.get("additive", False)),
                reason=reasons.get(c["name"], ""),
                currency=currency.upper(),
            )
        out[model["name"]] = cols
    return out


def read(con: duckdb.DuckDBPyConnection, year: int, warehouse: Path | None = None) -> Extract:
    """The finance marts of one year, topic by topic."""
    years = [r[0] for r in con.execute(
        f"select distinct reporting_year from marts.{KPI_MART} where is_group_total order by 1").fetchall()]  # fmt: skip
    if year not in years:
        raise KpiError(
            f"The warehouse has no finance KPIs for {year}; its reporting years are {_years_text(years)}."
        )
    currency, gwp_set, approach, root = con.execute(
        f"select reporting_currency, gwp_set, primary_consolidation_approach, entity_id from marts.{KPI_MART} "
        "where is_group_total and reporting_year = ?", [year]).fetchone()  # fmt: skip
    docs = dictionary(currency)
    tables = []
    for topic in TOPICS:
        names = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ? "
            "order by ordinal_position", [topic.mart]).fetchall()]  # fmt: skip
        undocumented = [n for n in names if n not in docs[topic.mart]]
        if undocumented:  # the contract and the YAML are one file, so this is a stale warehouse
            raise KpiError(f"marts.{topic.mart} has columns the data dictionary does not know "
                           f"({', '.join(undocumented)}); rebuild the warehouse with `carbon run`.")  # fmt: skip
        columns = [docs[topic.mart][n] for n in names if docs[topic.mart][n].topic in topic.column_topics]
        select = ", ".join(f'"{c.name}"' for c in columns)
        rows = con.execute(
            f"select {select} from marts.{topic.mart} where reporting_year = ? and ({topic.where}) "
            f"order by {topic.order_by}",
            [year],
        ).fetchall()
        tables.append(Table(topic, columns, rows))
    info = [
        ("reporting_year 报告年度", str(year)),
        ("group_root 集团根主体", root),
        ("primary_consolidation_approach 主要合并方法", approach),
        ("reporting_currency 报告货币", currency),
        ("gwp_set GWP 版本", gwp_set),
        ("source 数据来源", ", ".join(f"marts.{m}" for m in (KPI_MART, TARGET_MART, ISO_MART, SCOPE3_MART))),
        (
            "held_outside_reporting_years 报告年度之外暂存（不计入任何年度）",
            _held_text(held_outside_reporting_years(con)),
        ),
        ("carbon_ledger_version 软件版本", __version__),
    ]
    if warehouse is not None:
        built = dt.datetime.fromtimestamp(warehouse.stat().st_mtime, dt.UTC).replace(microsecond=0)
        info += [
            ("warehouse 数据仓库", str(warehouse)),
            ("warehouse_modified_at 仓库更新时间 (UTC)", built.isoformat()),
        ]
    info += _last_run(con)
    return Extract(year, tables, info, built_at=built.replace(tzinfo=None) if warehouse is not None else None)


def _last_run(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """What the warehouse says about the run that built it: the latest loaded file of ingest.files."""
    if not table_exists(con, "ingest", "files"):
        return []
    files, loaded_at = con.execute(
        "select count(*) filter (where status = 'loaded'), max(loaded_at) from ingest.files").fetchone()  # fmt: skip
    return [("landing_files_loaded 已加载文件数", str(files)),
            ("last_loaded_at 最近加载时间", str(loaded_at))]  # fmt: skip


# ---------------------------------------------------------------- writing


def exports_dir(warehouse: Path) -> Path:
    """exports/ beside the warehouse file, where `carbon run` writes the KPI workbook of every year."""
    return warehouse.parent / "exports"


def default_out(year: int, fmt: str) -> Path:
    """kpis_<year>.xlsx / .json in the current folder, or the folder kpis_<year>/ for csv and parquet."""
    return Path(f"kpis_{year}.{fmt}") if fmt in ("xlsx", "json") else Path(f"kpis_{year}")


def write(extract: Extract, out: Path, fmt: str) -> list[Path]:
    """Write the extract; returns the files written."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if fmt == "xlsx":
        return [_write_xlsx(extract, out)]
    if fmt == "json":
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(dumps_json(extract), encoding="utf-8")
        return [out]
    return _write_folder(extract, out, fmt)


DICTIONARY_HEADER = (
    "sheet",
    "column",
    "unit",
    "additive",
    "null_reason_column",
    "description_en",
    "description_zh",
)


def dictionary_rows(extract: Extract) -> list[tuple[str, str, str, bool, str, str, str]]:
    """(sheet, column, unit, additive, reason column, English, 中文) for every column of every sheet."""
    return [
        (t.topic.sheet, c.name, c.unit_text, c.additive, c.reason, c.en, c.zh)
        for t in extract.tables
        for c in t.columns
    ]


def _frame(names: list[str], rows: list[tuple]):
    import polars as pl

    return pl.DataFrame([dict(zip(names, r, strict=True)) for r in rows] or None, schema=names if not rows else None,
                        infer_schema_length=None)  # fmt: skip


def _write_folder(extract: Extract, out: Path, fmt: str) -> list[Path]:
    import polars as pl

    out.mkdir(parents=True, exist_ok=True)
    written = []
    frames = [(t.topic.key, _frame(t.names, t.rows)) for t in extract.tables]
    frames.append(
        ("columns", pl.DataFrame(dictionary_rows(extract), orient="row", schema=list(DICTIONARY_HEADER)))
    )
    frames.append(("run_info", pl.DataFrame(extract.run_info, orient="row", schema=["key", "value"])))
    for name, frame in frames:
        path = out / f"{name}.{fmt}"
        if fmt == "csv":
            # a byte-order mark so Excel opens the UTF-8 (Chinese) text correctly
            frame.write_csv(path, include_bom=True)
        else:
            frame.write_parquet(path)
        written.append(path)
    return written


def _json_value(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime):
        return v.isoformat()
    return v


def dumps_json(extract: Extract) -> str:
    doc: dict[str, Any] = {
        "reporting_year": extract.year,
        # plain keys (the English key of the workbook's run_info sheet), the Chinese labels beside them
        "run_info": {key.split(" ", 1)[0]: value for key, value in extract.run_info},
        "run_info_labels_zh": {key.split(" ", 1)[0]: key.split(" ", 1)[1] for key, _ in extract.run_info},
        "columns": [dict(zip(DICTIONARY_HEADER, r, strict=True)) for r in dictionary_rows(extract)],
    }
    for t in extract.tables:
        rows = [{n: _json_value(v) for n, v in zip(t.names, r, strict=True)} for r in t.rows]
        # the group is one object (one row per year); every other topic an array of rows
        doc[t.topic.key] = rows[0] if t.topic.key == GROUP_TOPIC else rows
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


MONEY = "#,##0.00"
TONNES = "#,##0.000"
INTENSITY = "0.0000"


def number_format(column: KpiColumn, value: Any, row: dict[str, Any] | None = None) -> str:
    """The Excel number format of a cell: by the column's unit (and a target's value_unit)."""
    unit = column.unit
    if unit == "year" or (isinstance(value, int) and not unit):
        return "0"
    if unit in ("rows", "records", "count") or isinstance(value, int):
        return "#,##0"
    if unit == "fraction":  # a weight of 0.415 is 41.5 %
        return "0.0%"
    if unit == "%":  # the marts store percent points (42 = 42 %): shown with a % sign, the number unchanged
        return '0.0"%"'
    if unit == "value_unit":
        return INTENSITY if str((row or {}).get("value_unit", "")).startswith("tCO2e/") else TONNES
    if unit.startswith("tCO2e/"):
        return INTENSITY
    if "reporting currency" in unit:  # 万元, currency, currency per tonne
        return MONEY
    return TONNES


def _header_zh(c: KpiColumn) -> str:
    return c.zh + (f"\n[{c.unit_text}]" if c.unit else "")


def _header_note(c: KpiColumn) -> str:
    lines = [c.en, c.zh]
    if c.unit:
        lines.append(f"[{c.unit_text}]")
    if c.additive:
        lines.append(
            "Additive: the rows add up to the group (Σ row = Group sheet). 可相加：各行合计 = 集团合计。"
        )
    if c.reason:
        lines.append(f"Empty: why in {c.reason}. 空值原因见 {c.reason} 列。")
    return "\n".join(lines)


def _sheet_note(t: Table) -> str:
    """What the sheet's totals row adds up, in both languages (the README sheet's list of sheets)."""
    if t.topic.key == GROUP_TOPIC:
        return "The group's consolidated row: add nothing to it. 集团合并合计行：勿与其他工作表各行相加。"
    additive = [c.name for c in t.columns if c.additive]
    if not additive:
        return ("Σ row: no column of this sheet adds up over its rows (ratios, own units). "
                "合计行：本表各列不可相加（比率或各自单位）。")  # fmt: skip
    return (f"Σ row: SUBTOTAL of the {len(additive)} additive columns (header note 'Additive'); the other "
            "columns do not add up. 合计行仅对可相加列求和。")  # fmt: skip


def _write_xlsx(extract: Extract, out: Path) -> Path:
    import xlsxwriter

    out.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out), {"strings_to_numbers": False, "strings_to_formulas": False,
                                        "strings_to_urls": False})  # fmt: skip
    # the workbook's creation date is the warehouse's, so the same warehouse gives the same file
    created = extract.built_at or dt.datetime(extract.year + 1, 1, 1)
    wb.set_properties(
        {"title": f"Carbon KPIs {extract.year} 碳指标", "author": "Carbon Ledger", "created": created}
    )
    header = wb.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
    )
    formats: dict[str, Any] = {}

    def fmt(num_format: str) -> Any:
        return formats.setdefault(num_format, wb.add_format({"num_format": num_format}))

    date_fmt = fmt("yyyy-mm-dd")
    for t in extract.tables:
        ws = wb.add_worksheet(t.topic.sheet)
        # row 0: 中文 name and unit; row 1: the column key, the header of the Excel Table
        ws.set_row(0, 60)
        for j, c in enumerate(t.columns):
            ws.write_string(0, j, _header_zh(c), header)
            ws.set_column(j, j, max(12, min(len(c.name) + 2, 44)))
        is_group = t.topic.key == GROUP_TOPIC
        first, data = 1, 2
        last = data + max(len(t.rows), 1) - 1 + (0 if is_group else 1)  # the totals row below the data
        columns = []
        for j, c in enumerate(t.columns):
            spec: dict[str, Any] = {"header": c.name, "header_format": header}
            if not is_group and j == 0:
                spec["total_string"] = TOTAL_LABEL
            elif not is_group and c.additive:
                total = math.fsum(float(r[j]) for r in t.rows if r[j] is not None)
                spec.update(total_function="sum", total_value=total, format=fmt(number_format(c, total)))
            columns.append(spec)
        ws.add_table(first, 0, last, len(t.columns) - 1, {
            "name": f"kpi_{t.topic.key}", "columns": columns, "total_row": not is_group,
            "style": "Table Style Light 9", "autofilter": True,
        })  # fmt: skip
        for i, row in enumerate(t.rows, start=data):
            named = dict(zip(t.names, row, strict=True))
            for j, v in enumerate(row):
                if v is None:
                    continue  # empty: the row's reason column says why
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v, fmt(number_format(t.columns[j], v, named)))
                else:
                    ws.write_string(i, j, str(v))
        for j, c in enumerate(t.columns):  # after the table, which writes its own header cells
            ws.write_comment(first, j, _header_note(c), {"x_scale": 2.5, "y_scale": 2})
        ws.freeze_panes(data, 0)

    ws = wb.add_worksheet(README_SHEET)
    bold = wb.add_format({"bold": True})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write_string(
        0, 0, f"Carbon KPIs {extract.year} · 碳排放财务指标", wb.add_format({"bold": True, "font_size": 14})
    )
    r = 2
    ws.write_string(r, 0, "Run 运行信息", bold)
    for key, value in extract.run_info:
        r += 1
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
    r += 2
    ws.write_string(r, 0, "Sheets 工作表", bold)
    for t in extract.tables:
        r += 1
        ws.write_string(r, 0, t.topic.sheet)
        ws.write_string(r, 1, f"{t.topic.zh} · marts.{t.topic.mart} · {len(t.rows)} rows", wrap)
        ws.write_string(r, 2, _sheet_note(t), wrap)
    r += 2
    ws.write_string(r, 0, "How to read 阅读说明", bold)
    for en, zh in READING_NOTES:
        r += 1
        ws.write_string(r, 0, en, wrap)
        ws.write_string(r, 1, zh, wrap)
    r += 2
    headings = ("sheet 工作表", "column 列名", "unit 单位", "additive 可相加", "null reason 空值原因列",
                "description (English)", "说明（中文）")  # fmt: skip
    for j, h in enumerate(headings):
        ws.write_string(r, j, h, header)
    for row in dictionary_rows(extract):
        r += 1
        for j, v in enumerate(row):
            ws.write_string(r, j, ("yes 是" if v else "") if isinstance(v, bool) else v, wrap)
    for j, width in enumerate((44, 44, 22, 10, 34, 70, 50)):
        ws.set_column(j, j, width)
    wb.close()
    return out


READING_NOTES = (
    (
        "Group: the group's consolidated row (is_group_total true, entity_id the group root). Totals, Intensities "
        "and Carbon position hold the entity rows only, so a sum over a sheet never counts the group twice.",
        "Group 集团合计：集团合并合计行；Totals、Intensities、Carbon position 仅含各主体行，按列求和不会重复计入集团。",
    ),
    (
        "Two header rows: the Chinese name with its unit, then the column key (the Excel Table's header). "
        "pandas: read_excel(path, sheet_name='Totals', header=1, skipfooter=1).",
        "两行表头：第一行为中文列名及单位，第二行为列名（Excel 表格标题）。",
    ),
    (
        "Σ row: the Excel Table's totals row, SUBTOTAL(109) of the visible rows of every additive column "
        "(dictionary: additive yes). Unfiltered it equals the Group sheet: entity totals are each entity's "
        "contribution (emissions x its weight under the approach of the column).",
        "Σ 合计行：对可相加列（说明表 additive = yes）求和（SUBTOTAL 109，仅可见行）；未筛选时等于集团合计。"
        "主体排放为其按该合并方法权重计入集团的贡献。",
    ),
    (
        "Not additive: intensities and their numerator and denominators (the entity's own 100 % figures, the "
        "group's weighted), row counts, flags, the ETS price, target values.",
        "不可相加：排放强度及其分子分母（主体为自身100%数据，集团为加权数）、行数、标志、碳价、目标值。",
    ),
    (
        "An entity that weighs 0 under the primary approach (outside its boundary) has no intensity and no carbon "
        "position (empty, reason outside_primary_boundary), consistent with its zero totals under that approach.",
        "在主要合并方法下权重为0（不在边界内）的主体无强度、无碳资产头寸（空值，原因 outside_primary_boundary），"
        "与其在该方法下为0的排放一致。",
    ),
    (
        "Every empty cell has its reason in the same row: the column named in 'null reason' (a *_reason column).",
        "每个空值的原因见同一行的原因列（说明表“空值原因列”）。",
    ),
    (
        "Percent columns (_pct) hold percent points (42 = 42 %) and show a % sign; weights are fractions shown as %.",
        "百分比列（_pct）存百分点（42 即 42%）并以 % 显示；权重为比例，以百分比显示。",
    ),
)


def _held_text(held: list[dict]) -> str:
    """The README line naming the pieces held outside the reporting years ("none" when there are none)."""
    if not held:
        return "none 无"
    parts = [
        f"{h['dataset_key']} {h['reporting_year']}: {h['records']} record(s), {h['quantity']:,.4g} {h['unit']}"
        for h in held
    ]
    return f"{sum(h['records'] for h in held)} record(s) (marts.fct_unestimated_activity): " + "; ".join(
        parts
    )
