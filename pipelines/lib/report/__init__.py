"""The annual GHG inventory report (ISO 14064-1 clause 9): a self-contained bilingual HTML file and a PDF.

``build_report`` reads the marts read-only (``data``), draws the charts as
inline SVG (``svg``) and renders ``templates/inventory_report.html``
(``render``). The figures are embedded as JSON (``#report-data``) so anyone
can compare the report with the marts. The PDF (``pdf``) is laid out with
ReportLab from the same page and chart specs. Same warehouse, same bytes,
for both files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.report.data import ReportError, collect
from pipelines.lib.report.render import render
from pipelines.lib.settings import ConfigError, Settings, load_settings

__all__ = [
    "FORMATS",
    "ReportError",
    "build_report",
    "collect_figures",
    "default_out_dir",
    "formats_for",
    "render_report_files",
    "render_report_html",
    "report_filename",
    "report_options",
]

FORMATS = ("html", "pdf")
FILE_SUFFIXES = (".html", ".htm", ".pdf")  # an --out with one of these names a file, not a folder


def report_filename(year: int, fmt: str = "html") -> str:
    return f"ghg_inventory_report_{year}.{fmt}"


def report_options(config: Path) -> dict[str, Any]:
    """The optional `report:` mapping of carbon.yml (organisation_name, responsible_person,
    intended_users, verification), validated with the rest of the file (pipelines/lib/settings.py)."""
    try:
        return dict(load_settings(config).report)
    except ConfigError as exc:
        raise ReportError(exc.bilingual()) from None


def collect_figures(
    warehouse: Path, year: int, *, config: Path | None = None, settings: Settings | None = None
) -> dict[str, Any]:
    """The report's figures of ``year``, read from the marts read-only.

    ``config`` defaults like the CLI's (CARBON_CONFIG, else the sample group's carbon.yml).
    """
    if config is None:
        from pipelines.lib.warehouse import Locations

        config = Locations.resolve().config
    if settings is None:
        try:
            settings = load_settings(config)
        except ConfigError as exc:
            raise ReportError(exc.bilingual()) from None
    if not warehouse.is_file():
        raise ReportError(
            f"There is no warehouse at {warehouse}; run `carbon run` first or name it with --warehouse."
        )
    options = dict(settings.report)
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error as exc:
        raise ReportError(
            f"The warehouse {warehouse} cannot be opened ({str(exc).splitlines()[0]})."
        ) from None
    try:
        return collect(con, year, settings, warehouse=warehouse, config=config, report_options=options)
    finally:
        con.close()


def render_report_html(
    warehouse: Path, year: int, *, config: Path | None = None, settings: Settings | None = None
) -> str:
    """The report of ``year`` as HTML text."""
    return render(collect_figures(warehouse, year, config=config, settings=settings))


def render_report_files(
    warehouse: Path,
    year: int,
    formats: tuple[str, ...] = FORMATS,
    *,
    config: Path | None = None,
    settings: Settings | None = None,
) -> dict[str, bytes]:
    """The report of ``year`` in each of ``formats`` ('html', 'pdf') as bytes, from one read of the marts
    (used by ``carbon report`` and ``carbon audit-pack``)."""
    figures = collect_figures(warehouse, year, config=config, settings=settings)
    files: dict[str, bytes] = {}
    if "html" in formats:
        files["html"] = render(figures).encode("utf-8")
    if "pdf" in formats:
        from pipelines.lib.report.data import built_at
        from pipelines.lib.report.pdf import render_pdf

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            created = built_at(con)
        finally:
            con.close()
        files["pdf"] = render_pdf(figures, created=created)
    return files


def default_out_dir(warehouse: Path) -> Path:
    """reports/ beside the warehouse file (build/reports/ for the default warehouse), where `carbon run`
    writes the reports of every year too."""
    return warehouse.parent / "reports"


def build_report(
    warehouse: Path,
    year: int,
    settings: Settings,
    config: Path,
    out: Path,
    formats: tuple[str, ...] = FORMATS,
) -> list[Path]:
    """Write the report into the folder ``out`` as ghg_inventory_report_<year>.<html|pdf> (or, when ``out``
    names a file, as that file's stem with each format's suffix) and return the paths written."""
    if out.suffix and out.suffix.lower() not in FILE_SUFFIXES and not out.is_dir():
        raise ReportError(
            f"--out {out}: a report file ends in .html or .pdf; name such a file, or a folder (a folder name "
            "with a suffix only when the folder exists)."
        )
    files = render_report_files(warehouse, year, formats, config=config, settings=settings)
    if out.suffix.lower() in FILE_SUFFIXES:
        targets = {
            fmt: out.with_suffix(out.suffix if _suffix_format(out) == fmt else f".{fmt}") for fmt in files
        }
    else:
        targets = {fmt: out / report_filename(year, fmt) for fmt in files}
    written = []
    for fmt, data in files.items():
        target = targets[fmt]
        target.parent.mkdir(parents=True, exist_ok=True)
        # bytes as rendered: the HTML keeps '\n' on every platform, so the file does not depend on where
        # the report is made
        target.write_bytes(data)
        written.append(target)
    return written


def _suffix_format(path: Path) -> str:
    return "pdf" if path.suffix.lower() == ".pdf" else "html"


def formats_for(out: Path | None, requested: str | None) -> tuple[str, ...]:
    """The formats to write: as requested ('html', 'pdf' or 'both'); by default the one ``out``'s suffix
    names, else both."""
    if requested == "both":
        return FORMATS
    if requested:
        return (requested,)
    if out is not None and out.suffix.lower() in FILE_SUFFIXES:
        return (_suffix_format(out),)
    return FORMATS
