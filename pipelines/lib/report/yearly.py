"""The reports of a run's reporting years (``carbon run``'s last step): each year's HTML and PDF in the
reports folder beside the warehouse, the PDFs laid out two years at a time, and a year whose figures did
not change since the files in the folder were written is not laid out again.

Laying out a PDF is most of this step (about 2.5 s a year at scale M, single-threaded ReportLab); the
figures are a few tenths of a second. The PDF is a function of the figures, the renderer (this package's
code, templates and the versions of ReportLab and the fonts) and its creation date, the start of the run
that built the warehouse (``data.built_at``), which appears in the file only as ``(D:YYYYmmddHHMMSS+00'00')``
strings of fixed length (tests/test_reproducibility.py: two warehouses built from the same inputs give PDFs
equal but for them). So a year whose figures and renderer have the key recorded when its PDF was written,
and whose PDF is still the file written then (sha256), gets that file with the new date written into those
strings: the bytes a new layout would give, without the layout. The record is ``.report_renders.json`` in
the reports folder; a missing, edited or foreign file is laid out again.

The workers are spawned, not forked (the Dagster process has threads that fork would copy mid-step), and
import only this package: not Dagster.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.report import ReportError, collect_figures, report_filename
from pipelines.lib.report.render import render

RECORD = ".report_renders.json"
# Report processes of a run: PDF layout is CPU-bound, so more workers than cores only add start-up
MAX_WORKERS = 2
_DATES = re.compile(rb"\(D:\d{14}\+00'00'\)")
_PACKAGES = ("reportlab", "pylopdf-fonts-zh-cn", "fonttools", "jinja2", "markupsafe")


@functools.cache
def renderer_fingerprint() -> str:
    """The report code, its templates and the versions of the layout and font packages."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted(p for p in here.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(
            path.relative_to(here).as_posix().encode() + b"\t" + hashlib.sha256(path.read_bytes()).digest()
        )
    for name in _PACKAGES:
        try:
            digest.update(f"{name}=={importlib.metadata.version(name)}\n".encode())
        except importlib.metadata.PackageNotFoundError:
            digest.update(f"{name} missing\n".encode())
    return digest.hexdigest()


def figures_key(figures: dict[str, Any]) -> str:
    """What a year's PDF is made from, apart from its creation date."""
    text = json.dumps(figures, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256((renderer_fingerprint() + "\n" + text).encode("utf-8")).hexdigest()


def redated(pdf: bytes, created: str | None) -> bytes | None:
    """``pdf`` with its dates set to ``created`` (None when it has none to set, or no date is given)."""
    from pipelines.lib.report.pdf import _pdf_date

    date = _pdf_date(created)
    if date is None or not _DATES.search(pdf):
        return None
    return _DATES.sub(b"(" + date.encode("ascii") + b")", pdf)


def _read_record(out: Path) -> dict[str, dict[str, str]]:
    try:
        record = json.loads((out / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _write_record(out: Path, record: dict[str, dict[str, str]]) -> None:
    tmp = out / (RECORD + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(out / RECORD)


def remove_record(out: Path) -> None:
    (out / RECORD).unlink(missing_ok=True)


def _lay_out(figures: dict[str, Any], created: str | None, target: Path) -> str:
    """Lay out one year's PDF into ``target`` (in a worker process); its sha256."""
    from pipelines.lib.report.pdf import render_pdf

    data = render_pdf(figures, created=created)
    target.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def build_reports(warehouse: Path, settings, config: Path, out: Path, years: list[int]) -> list[tuple]:
    """Write the HTML and PDF report of each of ``years`` into ``out``; per year, in year order:
    (year, file names, None, laid out: bool) or (year, [], the error, False)."""
    from pipelines.lib.report.data import built_at

    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        created = built_at(con)
    finally:
        con.close()
    record = _read_record(out)
    results: dict[int, tuple] = {}
    to_lay_out: list[tuple[int, dict[str, Any], str]] = []
    for year in years:
        try:
            figures = collect_figures(warehouse, year, config=config, settings=settings)
        except ReportError as exc:
            results[year] = (year, [], str(exc), False)
            continue
        html, pdf = out / report_filename(year, "html"), out / report_filename(year, "pdf")
        html.write_bytes(render(figures).encode("utf-8"))  # '\n' on every platform
        key = figures_key(figures)
        kept = record.get(str(year), {})
        old = pdf.read_bytes() if pdf.is_file() and kept.get("key") == key else None
        new = (
            redated(old, created)
            if old and hashlib.sha256(old).hexdigest() == kept.get("pdf_sha256")
            else None
        )
        if new is None:
            to_lay_out.append((year, figures, key))
            continue
        pdf.write_bytes(new)
        record[str(year)] = {"key": key, "pdf_sha256": hashlib.sha256(new).hexdigest()}
        results[year] = (year, [html.name, pdf.name], None, False)
    workers = min(len(to_lay_out), os.cpu_count() or 1, MAX_WORKERS)
    targets = [out / report_filename(year, "pdf") for year, _f, _k in to_lay_out]
    if workers < 2:
        digests = [_lay_out(f, created, t) for (_y, f, _k), t in zip(to_lay_out, targets, strict=True)]
    else:
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=multiprocessing.get_context("spawn")
        ) as pool:
            digests = list(
                pool.map(_lay_out, [f for _y, f, _k in to_lay_out], [created] * len(targets), targets)
            )
    for (year, _f, key), target, digest in zip(to_lay_out, targets, digests, strict=True):
        record[str(year)] = {"key": key, "pdf_sha256": digest}
        results[year] = (year, [report_filename(year, "html"), target.name], None, True)
    _write_record(out, {y: r for y, r in record.items() if int(y) in years})
    return [results[year] for year in years]
