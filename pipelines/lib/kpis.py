"""The finance KPI extract (``carbon kpis``): the finance marts of one year as Excel, CSV, Parquet or JSON.

The extract reads ``marts.fct_finance_kpis`` (entity x year, the group as its
own row) and ``marts.fct_finance_target_kpis`` (target x year) from the
warehouse, opened read-only, and writes one table per topic: totals,
intensities, targets, carbon position. Nothing is computed here; the numbers
are the marts'.

The data dictionary is the dbt YAML of the marts
(``dbt_project/models/marts/finance/_finance__models.yml``): each column's
``meta.topic`` says which sheet it belongs to (``key`` columns are on every
sheet), ``description`` and ``meta.zh`` are its English and Chinese
descriptions and ``meta.unit`` its unit. Column names carry their unit
(``_t``, ``_tco2e_per_10k_cny``, ``_cny``), so a header read without the
dictionary still says what it holds.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines import __version__
from pipelines.lib.warehouse import held_outside_reporting_years
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


TOPICS = (
    Topic("totals", "Totals", "排放总量", KPI_MART, "is_group_total desc, entity_id"),
    Topic("intensities", "Intensities", "排放强度", KPI_MART, "is_group_total desc, entity_id"),
    Topic("targets", "Targets", "目标进展", TARGET_MART, "is_interim desc, target_name"),
    Topic("carbon_position", "Carbon position", "碳资产头寸", KPI_MART, "is_group_total desc, entity_id"),
    Topic("iso_categories", "ISO categories", "ISO 14064-1 类别", ISO_MART, "iso_category, line_kind"),
    Topic("scope3_completeness", "Scope 3 completeness", "范围三完整性", SCOPE3_MART, "scope3_category"),
)
README_SHEET = "README 说明"


class KpiError(Exception):
    """A user-fixable problem: no warehouse, marts not built, a year without KPIs."""


@dataclass(frozen=True)
class Column:
    name: str
    topic: str
    unit: str
    en: str
    zh: str


@dataclass
class Table:
    topic: Topic
    columns: list[Column]
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


@contextmanager
def open_warehouse(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, read-only; a missing file or unbuilt finance marts is a KpiError."""
    if not path.is_file():
        raise KpiError(
            f"There is no warehouse at {path}; run `carbon run` first or name it with --warehouse."
        )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise KpiError(f"The warehouse {path} cannot be opened ({str(exc).splitlines()[0]}).") from None
    try:
        missing = [m for m in (KPI_MART, TARGET_MART, ISO_MART, SCOPE3_MART) if not _exists(con, "marts", m)]
        if missing:
            raise KpiError(f"The warehouse {path} has no finance KPI marts yet ({', '.join(missing)} missing); "
                           "run `carbon run` first.")  # fmt: skip
        yield con
    finally:
        con.close()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchone()[0])  # fmt: skip


def _years_text(years: list[int]) -> str:
    if not years:
        return "none"
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 2:
        return f"{years[0]}–{years[-1]}"
    return ", ".join(str(y) for y in years)


def dictionary(currency: str, path: Path = MODELS_YML) -> dict[str, dict[str, Column]]:
    """mart -> column name -> Column, from the marts' YAML, currency placeholders rendered."""
    text = re.sub(r"\{\{\s*var\(\s*['\"]reporting_currency['\"][^}]*\}\}", currency.lower(),
                  path.read_text(encoding="utf-8"))  # fmt: skip
    out: dict[str, dict[str, Column]] = {}
    for model in yaml.safe_load(text)["models"]:
        cols = {}
        for c in model.get("columns", []):
            meta = c.get("meta") or {}
            cols[c["name"]] = Column(
                name=c["name"],
                topic=meta.get("topic", "key"),
                unit=str(meta.get("unit", "")),
                en=" ".join(str(c.get("description", "")).split()),
                zh=str(meta.get("zh", "")),
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
        columns = [docs[topic.mart][n] for n in names if docs[topic.mart][n].topic in ("key", topic.key)]
        select = ", ".join(f'"{c.name}"' for c in columns)
        rows = con.execute(
            f"select {select} from marts.{topic.mart} where reporting_year = ? order by {topic.order_by}",
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
    if not _exists(con, "ingest", "files"):
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


def dictionary_rows(extract: Extract) -> list[tuple[str, str, str, str, str]]:
    """(sheet, column, unit, English, 中文) for every column of every sheet."""
    return [(t.topic.sheet, c.name, c.unit, c.en, c.zh) for t in extract.tables for c in t.columns]


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
        (
            "columns",
            pl.DataFrame(
                dictionary_rows(extract),
                orient="row",
                schema=["sheet", "column", "unit", "description_en", "description_zh"],
            ),
        )
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
        "columns": [
            dict(zip(("sheet", "column", "unit", "description_en", "description_zh"), r, strict=True))
            for r in dictionary_rows(extract)
        ],  # fmt: skip
    }
    for t in extract.tables:
        doc[t.topic.key] = [{n: _json_value(v) for n, v in zip(t.names, r, strict=True)} for r in t.rows]
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _number_format(column: Column) -> str:
    name = column.name
    if "_per_" in name or name.endswith("_weight"):
        return "0.000000"
    if name.endswith("_pct"):
        return "0.0"
    if name.endswith(("_year", "_rows")) or column.unit in ("count", "rows", "year"):
        return "0"
    return "#,##0.000"


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
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    formats: dict[str, Any] = {}

    for t in extract.tables:
        ws = wb.add_worksheet(t.topic.sheet)
        for j, c in enumerate(t.columns):
            ws.write_string(0, j, c.name, header)
            ws.write_comment(0, j, f"{c.en}\n{c.zh}" + (f"\n[{c.unit}]" if c.unit else ""),
                             {"x_scale": 2.5, "y_scale": 2})  # fmt: skip
            fmt = _number_format(c)
            formats.setdefault(fmt, wb.add_format({"num_format": fmt}))
            ws.set_column(j, j, max(12, min(len(c.name) + 2, 44)))
        for i, row in enumerate(t.rows, start=1):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v, formats[_number_format(t.columns[j])])
                else:
                    ws.write_string(i, j, str(v))
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(t.rows), 1), len(t.columns) - 1)

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
        ws.write_string(r, 1, f"{t.topic.zh} · marts.{t.topic.mart} · {len(t.rows)} rows")
    r += 2
    for j, h in enumerate(
        ("sheet 工作表", "column 列名", "unit 单位", "description (English)", "说明（中文）")
    ):
        ws.write_string(r, j, h, header)
    for row in dictionary_rows(extract):
        r += 1
        for j, v in enumerate(row):
            ws.write_string(r, j, v, wrap)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 44)
    ws.set_column(2, 2, 22)
    ws.set_column(3, 3, 70)
    ws.set_column(4, 4, 50)
    wb.close()
    return out


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
