"""The annual GHG inventory report (ISO 14064-1 clause 9): one self-contained bilingual HTML file.

``build_report`` reads the marts read-only (``data``), draws the charts as
inline SVG (``svg``) and renders ``templates/inventory_report.html``
(``render``). The figures are embedded as JSON (``#report-data``) so anyone
can compare the report with the marts. Same warehouse, same bytes.

PDF: not produced. The registry's HTML-to-PDF converters need system
libraries (WeasyPrint: Pango) or a browser; the page has print CSS, so a
browser's "Print → Save as PDF" gives the PDF (docs/decisions.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import yaml

from pipelines.lib.report.data import ReportError, collect
from pipelines.lib.report.render import render
from pipelines.lib.settings import ConfigError, Settings, load_settings

__all__ = [
    "ReportError",
    "build_report",
    "default_out_dir",
    "render_report_html",
    "report_filename",
    "report_options",
]


def report_filename(year: int) -> str:
    return f"ghg_inventory_report_{year}.html"


def report_options(config: Path) -> dict[str, Any]:
    """The optional `report:` mapping of carbon.yml (responsible_person, organisation_name, ...)."""
    try:
        raw = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}  # load_settings has already read this file; nothing more to say here
    options = raw.get("report") if isinstance(raw, dict) else None
    if options is not None and not isinstance(options, dict):
        raise ReportError(
            f"{config}: 'report' must be a mapping such as {{responsible_person: 张三, "
            "organisation_name: ...}."
        )
    return options or {}


def render_report_html(
    warehouse: Path, year: int, *, config: Path | None = None, settings: Settings | None = None
) -> str:
    """The report of ``year`` as HTML text (used by ``carbon audit-pack`` too).

    ``config`` defaults like the CLI's (CARBON_CONFIG, else the sample group's carbon.yml).
    """
    if config is None:
        from pipelines.lib.warehouse import Locations

        config = Locations.resolve().config
    if settings is None:
        try:
            settings = load_settings(config)
        except ConfigError as exc:
            raise ReportError(str(exc)) from None
    if not warehouse.is_file():
        raise ReportError(
            f"There is no warehouse at {warehouse}; run `carbon run` first or name it with --warehouse."
        )
    options = report_options(config)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(
            f"The warehouse {warehouse} cannot be opened ({str(exc).splitlines()[0]})."
        ) from None
    try:
        figures = collect(con, year, settings, warehouse=warehouse, config=config, report_options=options)
    finally:
        con.close()
    return render(figures)


def default_out_dir() -> Path:
    from pipelines.paths import BUILD_DIR

    return BUILD_DIR / "reports"


def build_report(warehouse: Path, year: int, settings: Settings, config: Path, out: Path) -> Path:
    """Write the report into the folder ``out`` as ghg_inventory_report_<year>.html (or to ``out`` itself
    when it names an .html file) and return its path."""
    html = render_report_html(warehouse, year, config=config, settings=settings)
    target = out if out.suffix.lower() in (".html", ".htm") else out / report_filename(year)
    target.parent.mkdir(parents=True, exist_ok=True)
    # newline="" keeps '\n' on every platform: the bytes do not depend on where the report is made.
    with target.open("w", encoding="utf-8", newline="") as fh:
        fh.write(html)
    return target
