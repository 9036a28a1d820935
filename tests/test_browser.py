"""The HTML report and the GX Data Docs as people open them: in a real browser (headless Chromium), offline.

Chromium is the Debian package (`.ci/run` installs it when absent). Each page is
opened from disk with every host name unresolvable, so anything that needs the
internet fails as it would in an audit room. A copy of the page carries a small
script that measures the laid-out page and writes the measurements into the DOM,
which Chromium prints (`--dump-dom`).

Print is checked twice: the print styles applied to a window as wide as the
printed A4 page (portrait, or landscape for the sections that print landscape),
and a real print to PDF whose pages and text are read back.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import REPO, run_carbon
from pypdf import PdfReader

from pipelines.lib import quality

CHROMIUM = next(
    (
        p
        for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"))
        if p
    ),
    None,
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed: the browser tests of the report and the Data Docs need it "
    "(as root: `apt-get install chromium`; .ci/run installs it)",
)

YEAR = 2023
# A4 minus the report's @page margins, in CSS pixels (96 per inch): portrait 210 - 2 x 14 mm,
# landscape (@page wide) 297 - 2 x 12 mm.
PORTRAIT_PX = round((210 - 28) / 25.4 * 96)
LANDSCAPE_PX = round((297 - 24) / 25.4 * 96)

MEASURE_REPORT = """
(function () {
  function box(el) { var r = el.getBoundingClientRect(); return {left: r.left, right: r.right, width: r.width, height: r.height}; }
  var tables = [];
  document.querySelectorAll("table").forEach(function (t) {
    var section = t.closest("section");
    var scroller = t.closest(".tw");
    tables.push({
      heading: section && section.querySelector("h2") ? section.querySelector("h2").textContent.trim() : "",
      wide: !!(section && section.classList.contains("wide")),
      table: box(t), section: box(section || document.body),
      scroll: scroller ? scroller.scrollWidth - scroller.clientWidth : 0,
      headers: Array.prototype.map.call(t.querySelectorAll("th"), function (th) { return th.textContent.trim(); })
    });
  });
  var headings = Array.prototype.map.call(document.querySelectorAll("h2"), function (h) {
    var s = getComputedStyle(h);
    return {text: h.textContent.trim(), height: h.getBoundingClientRect().height, visible: s.display !== "none" && s.visibility !== "hidden"};
  });
  var charts = Array.prototype.map.call(document.querySelectorAll("figure svg"), function (c) { return box(c); });
  var out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({viewport: window.innerWidth, tables: tables, headings: headings, charts: charts});
  document.body.appendChild(out);
})();
"""

MEASURE_DATA_DOCS = """
(function () {
  function icon(el) {
    var s = getComputedStyle(el, "::before");
    return {content: s.content, color: getComputedStyle(el).color, width: el.getBoundingClientRect().width};
  }
  var tables = Array.prototype.map.call(document.querySelectorAll("table[data-rows]"), function (t) {
    return {rows: t.querySelectorAll("tbody tr").length, declared: +t.getAttribute("data-rows"),
            links: Array.prototype.map.call(t.querySelectorAll("tbody a"), function (a) { return a.getAttribute("href"); }),
            height: t.getBoundingClientRect().height};
  });
  var out = document.createElement("pre");
  out.id = "measured";
  out.textContent = JSON.stringify({
    tables: tables,
    passed: Array.prototype.map.call(document.querySelectorAll(".fa-check-circle"), icon),
    failed: Array.prototype.map.call(document.querySelectorAll(".fa-times"), icon),
    stylesheets: document.styleSheets.length
  });
  document.body.appendChild(out);
})();
"""


def chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="carbon-chromium-") as profile:
        return subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND", *args],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip


def measure(page: Path, script: str, width: int, *, print_styles: bool = False) -> dict[str, Any]:
    """Open a copy of `page` (beside it, so relative links still resolve) with `script` at the end of
    <body>, `width` CSS pixels wide, and return what the script measured."""
    text = page.read_text(encoding="utf-8")
    if print_styles:
        assert "@media print" in text
        text = text.replace("@media print", "@media all")
    copy = page.with_name(f"{page.stem}.measured-{width}{'-print' if print_styles else ''}.html")
    copy.write_text(text.replace("</body>", f"<script>{script}</script></body>"), encoding="utf-8")
    try:
        proc = chromium(
            f"--window-size={width},1000", "--virtual-time-budget=5000", "--dump-dom", copy.as_uri()
        )
    finally:
        copy.unlink()
    found = re.search(r'<pre id="measured">(.*?)</pre>', proc.stdout, re.S)
    assert found, f"Chromium did not run the measuring script: {proc.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def overflowing(tables: list[dict]) -> list[str]:
    return [
        f"{t['heading'][:50]}: table {t['table']['width']:.0f} px, right edge {t['table']['right']:.0f} "
        f"> section {t['section']['right']:.0f} (scrolls {t['scroll']} px)"
        for t in tables
        if t["table"]["right"] > t["section"]["right"] + 0.5 or t["scroll"] > 0
    ]


@pytest.fixture(scope="module")
def report_page(sample_run, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser-report")
    proc = run_carbon(
        "report", "--year", str(YEAR), "--warehouse", str(sample_run.warehouse), "--out", str(out)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out / f"ghg_inventory_report_{YEAR}.html"


@pytest.fixture(scope="module")
def on_screen(report_page) -> dict[str, Any]:
    return measure(report_page, MEASURE_REPORT, 1280)


def test_report_tables_fit_their_sections_at_1280_px(on_screen):
    assert on_screen["viewport"] == 1280
    assert len(on_screen["tables"]) >= 25
    assert overflowing(on_screen["tables"]) == []


def test_every_report_section_heading_is_visible(on_screen, report_page):
    headings = on_screen["headings"]
    assert len(headings) == 13  # ISO 14064-1 clause 9.3.1: one section each (test_report lists them)
    assert [h["text"] for h in headings if not h["visible"] or h["height"] < 10] == []
    for h in headings:
        assert re.match(r"\d+\. ", h["text"]), h


def test_report_charts_have_a_size(on_screen, report_page):
    drawn = report_page.read_text(encoding="utf-8").count("<figure")
    assert drawn >= 3
    assert len(on_screen["charts"]) == drawn
    assert [c for c in on_screen["charts"] if c["width"] < 200 or c["height"] < 100] == []


@pytest.mark.parametrize(
    ("width", "wide"), [(PORTRAIT_PX, False), (LANDSCAPE_PX, True)], ids=["portrait", "landscape"]
)
def test_report_tables_fit_the_printed_a4_page(report_page, width, wide):
    """With the print styles, at the width of the printed page: portrait for most sections, landscape
    for the sections marked wide (boundary, base year, targets, factors, data quality)."""
    measured = measure(report_page, MEASURE_REPORT, width, print_styles=True)
    tables = [t for t in measured["tables"] if t["wide"] == wide]
    assert len(tables) >= (5 if wide else 15)
    assert overflowing(tables) == []


def test_printed_report_is_a4_and_keeps_every_column(report_page, tmp_path):
    """A real print (Chromium's print to PDF, as a user's Ctrl+P): A4 pages, the wide sections
    landscape, and every column header of the widest tables in the printed text (a column cut
    off at the page edge is not printed at all)."""
    pdf = tmp_path / "printed.pdf"
    proc = chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", report_page.as_uri())
    assert pdf.is_file(), proc.stderr[-2000:]
    reader = PdfReader(pdf)
    sizes = {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}
    assert sizes == {(595, 842), (842, 595)}, sizes  # A4 portrait and landscape, in points
    # NFKC: the PDF's text has ligatures ("ﬁ"); the Chinese has no glyphs on a machine without a CJK font.
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages)))
    page = report_page.read_text(encoding="utf-8")
    for first in ("因子 Factor id", "目标 Target", "数据流 Stream", "实体 Entity"):
        row = re.search(r"<tr><th>" + re.escape(first) + r"</th>.*?</tr>", page, re.S)
        assert row, first
        cjk = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
        headers = [re.sub(r"<[^>]+>|" + cjk, "", h) for h in re.findall(r"<th[^>]*>(.*?)</th>", row[0], re.S)]
        english = [
            re.sub(r"^[^A-Za-z]+", "", h).strip() for h in headers
        ]  # "地区/年份 Region / years" -> "Region / years"
        missing = [h for h in english if re.sub(r"\s+", "", html.unescape(h)) not in text]
        assert missing == [], f"columns of the table starting '{first}' not printed: {missing}"


# ------------------------------------------------------------------ GX Data Docs


@pytest.fixture(scope="module")
def data_docs(tmp_path_factory) -> Path:
    """A GX context with the project's configuration, one passing and one failing validation of the
    meter readings (a negative reading fails DQ-VALID-005), and its Data Docs."""
    root = tmp_path_factory.mktemp("browser-gx") / "gx"
    root.mkdir()
    shutil.copy(REPO / "data_quality" / "gx" / "great_expectations.yml", root)
    plan = quality.load_plan()
    for q in (5.0, -5.0):
        frame = pd.DataFrame({"meter_id": ["M1"], "reading_start": ["2024-01-01"], "reading_end": ["2024-02-01"],
                              "quantity": [q], "unit": ["kWh"]})  # fmt: skip
        quality.validate_batch("energy/meter_readings", frame, plan=plan, context_root=root, update_data_docs=False,
                               reference_values={"energy/meters.meter_id": {"M1"}})  # fmt: skip
    return quality.build_data_docs(root)


def test_data_docs_refer_to_nothing_on_the_internet(data_docs):
    pages = list(data_docs.parent.rglob("*.html"))
    assert len(pages) == 4  # index, one suite, two validation results
    remote = re.compile(
        r"""<(?:link|script|img)\b[^>]*\b(?:href|src)\s*=\s*["']https?://|url\(\s*["']?https?://""", re.I
    )
    assert [p.name for p in pages if remote.search(p.read_text(encoding="utf-8"))] == []


def test_data_docs_index_lists_the_validations_offline(data_docs):
    measured = measure(data_docs, MEASURE_DATA_DOCS, 1280)
    validations, suites = measured["tables"]
    assert (validations["rows"], suites["rows"]) == (2, 1)
    assert validations["height"] > 50
    # Each row links to its own result page (and its suite column to the suite's page).
    pages = {link for link in validations["links"] if link.startswith("validations/energy__meter_readings/")}
    assert len(pages) == 2
    assert set(validations["links"]) - pages == {"expectations/energy__meter_readings.html"}
    assert suites["links"] == ["expectations/energy__meter_readings.html"]
    # The status column: one pass mark, one fail mark, drawn without any web font.
    assert [(i["content"], i["color"]) for i in measured["passed"]] == [('"✔"', "rgb(30, 126, 52)")]
    assert [(i["content"], i["color"]) for i in measured["failed"]] == [('"✘"', "rgb(200, 35, 51)")]


def test_data_docs_result_page_shows_pass_and_fail_marks_offline(data_docs):
    pages = sorted((data_docs.parent / "validations").rglob("*.html"))
    failed = [
        p for p in pages if "fa-times text-danger" in p.read_text(encoding="utf-8")
    ]  # GX marks a failure so
    assert len(failed) == 1, "one result page of the failing validation"
    measured = measure(failed[0], MEASURE_DATA_DOCS, 1280)
    passed, fails = measured["passed"], measured["failed"]
    assert len(passed) >= 5 and len(fails) >= 2  # the overview's status and the failed expectation
    assert {i["content"] for i in passed} == {'"✔"'} and {i["content"] for i in fails} == {'"✘"'}
    assert min(i["width"] for i in passed + fails) > 5
