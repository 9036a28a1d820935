"""`carbon report`: the annual GHG inventory report, a self-contained bilingual HTML file and a PDF.

The report of the sample group (`sample_run`) is made through the CLI, as a
user makes it; its embedded figures (#report-data) are compared with the
marts exactly (no tolerance: they are the marts' own doubles), and the PDF's
text (read back with pypdf) shows the marts' figures as the HTML does.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from conftest import SAMPLE_CONFIG, run_carbon, write_config
from pypdf import PdfReader

YEAR = 2023
APPROACH = "operational_control"  # the sample group's primary approach (sample_group/carbon.yml)

# ISO 14064-1:2018 clause 9.3.1 contents, one section heading each (中文, English).
CLAUSE_9_HEADINGS = [
    ("报告组织与报告期", "Reporting organisation and period"),
    ("组织边界与合并方法", "Organisational boundary and consolidation approach"),
    ("报告边界与排除项", "Reporting (operational) boundary and exclusions"),
    ("基准年与重新计算", "Base year and recalculations"),
    ("温室气体排放量", "GHG emissions by scope, category, gas and facility"),
    ("生物质二氧化碳", "Biogenic CO2"),
    ("清除量与碳资产", "Removals and carbon assets"),
    ("排放强度", "Intensity indicators"),
    ("目标与进展", "Targets and progress"),
    ("量化方法与排放因子", "Quantification methods and emission factors"),
    ("全球变暖潜势", "Global warming potentials"),
    ("不确定性与数据质量", "Uncertainty and data quality"),
    ("文件控制", "Document control"),
]


def make_report(warehouse: Path, out: Path, *extra: str) -> Path:
    proc = run_carbon("report", "--year", str(YEAR), "--warehouse", str(warehouse), "--out", str(out), *extra)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = out / f"ghg_inventory_report_{YEAR}.html"
    assert path.is_file(), proc.stdout
    return path


@pytest.fixture(scope="module")
def report_path(sample_run, tmp_path_factory) -> Path:
    """The HTML report; the PDF is beside it (both are written by default)."""
    return make_report(sample_run.warehouse, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def report_html(report_path) -> str:
    return report_path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report_pdf(report_path) -> PdfReader:
    return PdfReader(report_path.with_suffix(".pdf"))


def squeeze(text: str) -> str:
    """Text without whitespace: a PDF line may break inside a phrase (and inside Chinese, anywhere)."""
    return "".join(text.split())


@pytest.fixture(scope="module")
def pdf_text(report_pdf) -> str:
    return "".join(squeeze(page.extract_text()) for page in report_pdf.pages)


@pytest.fixture(scope="module")
def figures(report_html) -> dict:
    blocks = re.findall(r'<script type="application/json" id="report-data">(.*?)</script>', report_html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_report_needs_no_network(report_html):
    # Nothing to fetch: no attribute points anywhere but an anchor of the page, no CSS import or
    # font, no image, frame or stylesheet link, and the only script is the figures' JSON (whose text
    # may quote anything: it is data, never fetched).
    page = report_html.split('<script type="application/json"')[0]
    attributes = re.findall(r"\b(?:src|href|srcset|action|poster|data)\s*=\s*[\"']?([^\"'\s>]*)", page, re.I)
    assert attributes and all(a.startswith("#") for a in attributes)  # the table of contents
    assert not re.search(r"<(img|link|iframe|object|embed|audio|video|source)\b", page, re.I)
    assert not re.search(r"@import|url\(|@font-face", page, re.I)
    assert not re.search(r"[\"'(]\s*(https?:)?//", page, re.I)
    scripts = re.findall(r"<script\b[^>]*>", report_html, re.I)
    assert scripts == ['<script type="application/json" id="report-data">']  # data, not code
    assert report_html.count("<svg ") >= 4  # the charts are inline SVG


def test_embedded_figures_equal_rpt_group_inventory(sample_run, figures, report_html):
    assert figures["reporting_year"] == YEAR and figures["primary_approach"] == APPROACH
    rows = sample_run.query(
        "select consolidation_approach, scope, scope2_method, scope3_category, co2e_t from marts.rpt_group_inventory "
        "where reporting_year = ?", [YEAR])  # fmt: skip
    cells = {(a, s, m, c): v for a, s, m, c, v in rows}
    assert {(c["consolidation_approach"], c["scope"], c["scope2_method"], c["scope3_category"]): c["co2e_t"]
            for c in figures["inventory"]["cells"]} == cells  # fmt: skip

    inv = figures["inventory"]["by_approach"][APPROACH]
    assert inv["scope1_t"] == cells[(APPROACH, "1", None, None)]
    assert inv["scope2_location_t"] == cells[(APPROACH, "2", "location", None)]
    assert inv["scope2_market_t"] == cells[(APPROACH, "2", "market", None)]
    assert inv["biogenic_co2_t"] == cells[(APPROACH, "biogenic", None, None)]
    scope3 = {str(c): v for (a, s, _m, c), v in cells.items() if a == APPROACH and s == "3"}
    assert len(scope3) >= 10 and inv["scope3_by_category_t"] == scope3
    assert inv["scope3_t"] == math.fsum(scope3.values())
    # the page shows the same numbers, rounded for display
    for value in (inv["scope1_t"], inv["scope2_location_t"], inv["scope2_market_t"], scope3["1"]):
        assert f"{value:,.1f}" in report_html


def test_embedded_baseline_and_carbon_position_equal_the_marts(sample_run, figures, report_html):
    cols = [
        "consolidation_approach",
        "scope",
        "scope2_method",
        "original_base_t",
        "recalculated_base_t",
        "applied_base_t",
        "change_pct",
        "is_recalculated",
    ]
    marts = sample_run.query(f"select {', '.join(cols)} from marts.fct_baseline order by all")
    embedded = sorted(tuple(r[c] for c in cols) for r in figures["baseline"]["rows"])
    assert embedded == sorted(marts) and len(marts) == 12
    primary_s1 = next(r for r in figures["baseline"]["rows"] if r["consolidation_approach"] == APPROACH
                      and r["scope"] == "1")  # fmt: skip
    assert f"{primary_s1['applied_base_t']:,.1f}" in report_html
    assert figures["baseline"]["log"], (
        "the sample group's acquisition and divestment are recalculation triggers"
    )

    cols = [
        "gross_t",
        "credits_retired_t",
        "allowances_cancelled_t",
        "removals_t",
        "net_t",
        "ets_cost_exposure",
    ]
    group = sample_run.query(f"select {', '.join(cols)} from marts.fct_carbon_position "
                             "where reporting_year = ? and is_group_total", [YEAR])  # fmt: skip
    assert [tuple(figures["carbon_position"]["group"][c] for c in cols)] == group
    n_entities = sample_run.scalar("select count(*) from marts.fct_carbon_position "
                                   "where reporting_year = ? and not is_group_total", [YEAR])  # fmt: skip
    assert len(figures["carbon_position"]["entities"]) == n_entities
    # credits are never netted into a scope: Scope 1 + 2 market is the gross of the position, not the net
    inv = figures["inventory"]["by_approach"][APPROACH]
    assert figures["carbon_position"]["group"]["gross_t"] == pytest.approx(
        inv["scope1_t"] + inv["scope2_market_t"], rel=1e-12
    )


def test_factors_used_carry_their_source(sample_run, figures):
    used = {r[0] for r in sample_run.query(
        "select distinct factor_id from marts.fct_emissions where reporting_year = ?", [YEAR])}  # fmt: skip
    assert {f["factor_id"] for f in figures["factors"]} == used
    grid = next(f for f in figures["factors"] if f["factor_id"] == "cn_grid:average:national:CN:2023")
    assert grid["t_per_unit"] == 0.5306 and grid["activity_unit"] == "MWh"
    assert "MEE/NBS" in grid["source_document"] and grid["factor_set_version"]
    assert figures["gwp_set"] == "AR6" and {g["gas"] for g in figures["gwp_values"]} >= {"CO2", "CH4", "N2O"}


def test_report_is_bilingual_with_every_clause_9_section(report_html):
    headings = re.findall(r"<h2 id=\"[^\"]+\">(.*?)</h2>", report_html, re.S)
    assert len(headings) == len(CLAUSE_9_HEADINGS)
    for (zh, en), heading in zip(CLAUSE_9_HEADINGS, headings, strict=True):
        assert zh in heading and en in heading, heading
    for zh, en in (("范围一", "Scope 1"), ("范围二", "Scope 2"), ("范围三", "Scope 3"), ("基于市场", "market-based"),
                   ("运营控制权法", "operational control"), ("不确定性声明", "Uncertainty statement")):  # fmt: skip
        assert zh in report_html and en in report_html
    # the person responsible and the verification come from the sample's carbon.yml (report:), nothing else
    assert "Li Hua, carbon management manager (a fictitious sample person)" in report_html
    assert "Not verified by a third party (sample group)" in report_html
    assert "not stated in the configuration" not in report_html
    assert "does not quantify</strong> a numeric uncertainty range" in report_html


def test_same_warehouse_gives_byte_identical_report(sample_run, report_path, tmp_path):
    again = make_report(sample_run.warehouse, tmp_path / "again")
    assert again.read_bytes() == report_path.read_bytes()
    assert again.with_suffix(".pdf").read_bytes() == report_path.with_suffix(".pdf").read_bytes()
    # wherever the warehouse lies: the report names files, not absolute paths
    copy = tmp_path / "elsewhere" / "carbon.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(sample_run.warehouse, copy)
    elsewhere = make_report(copy, tmp_path / "copy")
    assert elsewhere.read_bytes() == again.read_bytes()
    assert elsewhere.with_suffix(".pdf").read_bytes() == again.with_suffix(".pdf").read_bytes()


def test_carbon_run_writes_the_report_of_every_year_beside_the_warehouse(sample_run, report_path):
    folder = sample_run.warehouse.parent / "reports"
    years = [r[0] for r in sample_run.query(
        "select distinct reporting_year from marts.rpt_group_inventory order by 1")]  # fmt: skip
    assert len(years) >= 4
    names = [f"ghg_inventory_report_{y}.{ext}" for y in years for ext in ("html", "pdf")]
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)
    assert f"report   {len(names)} files (HTML and PDF per reporting year) in {folder}" in sample_run.stderr
    # the files `carbon report` makes, byte for byte
    assert (folder / report_path.name).read_bytes() == report_path.read_bytes()
    pdf = report_path.with_suffix(".pdf")
    assert (folder / pdf.name).read_bytes() == pdf.read_bytes()


def test_pdf_has_every_clause_9_section_in_both_languages(report_pdf, pdf_text):
    outline = [entry.title for entry in report_pdf.outline]
    assert len(outline) == len(CLAUSE_9_HEADINGS)
    for (zh, en), title in zip(CLAUSE_9_HEADINGS, outline, strict=True):
        assert zh in title and en in title, title
        assert squeeze(zh) in pdf_text and squeeze(en) in pdf_text
    for phrase in ("不确定性声明", "Uncertainty statement", "基于市场", "market-based", "运营控制权法",
                   "does not quantify a numeric uncertainty range", "Li Hua, carbon management manager"):  # fmt: skip
        assert squeeze(phrase) in pdf_text, phrase
    assert f"GHG Inventory Report {YEAR}" in report_pdf.metadata.title
    # the PDF speaks of itself, not of the HTML page's embedded JSON or of printing it
    assert squeeze("This PDF has the content of the HTML report of the same year") in pdf_text
    assert squeeze("print this page") not in pdf_text


def test_pdf_shows_the_figures_of_the_marts(sample_run, figures, pdf_text):
    rows = sample_run.query(
        "select consolidation_approach, scope, scope2_method, scope3_category, co2e_t from marts.rpt_group_inventory "
        "where reporting_year = ?", [YEAR])  # fmt: skip
    assert len(rows) > 40
    # every cell of every approach: Scope 1, Scope 2 by method, each Scope 3 category, biogenic CO2
    for approach, scope, method, category, value in rows:
        assert f"{value:,.1f}" in pdf_text, (approach, scope, method, category, value)
    for approach, inv in figures["inventory"]["by_approach"].items():
        assert f"{inv['scope3_t']:,.1f}" in pdf_text, approach
    base = [b for b in figures["baseline"]["rows"] if b["consolidation_approach"] == APPROACH]
    assert base and all(f"{b['applied_base_t']:,.1f}" in pdf_text for b in base)


def test_pdf_is_self_contained(report_path, report_pdf):
    data = report_path.with_suffix(".pdf").read_bytes()
    assert data.startswith(b"%PDF-")
    for action in (b"/URI", b"/Launch", b"/GoToR", b"/JavaScript", b"/EmbeddedFile"):
        assert action not in data, action


def _embedded_fonts(reader: PdfReader) -> dict[str, object]:
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    return fonts


def _to_unicode(font) -> dict[int, str]:
    """code -> character, from the font's ToUnicode CMap (ReportLab writes bfchar entries)."""
    cmap = font["/ToUnicode"].get_object().get_data().decode("ascii")
    pairs = re.findall(r"<([0-9A-Fa-f]{2})>\s*<([0-9A-Fa-f]{4,8})>", cmap)
    return {int(code, 16): chr(int(uni, 16)) for code, uni in pairs if int(uni, 16)}


def test_every_font_is_embedded_and_has_a_glyph_for_every_character_of_the_text(report_pdf, pdf_text):
    """Issue 16: on a machine without any CJK font a referenced font shows nothing; every font is a
    subset embedded in the file, and every character set in it has a drawn glyph (not .notdef, the
    box U+2212 used to print as)."""
    import io

    from fontTools.ttLib import TTFont

    fonts = _embedded_fonts(report_pdf)
    names = {re.sub(r"^/[A-Z]{6}\+", "", n) for n in fonts}
    assert (
        {"NotoSansSC-Regular", "BitstreamVeraSans-Roman"}
        <= names
        <= {
            "NotoSansSC-Regular",
            "BitstreamVeraSans-Roman",
            "BitstreamVeraSans-Bold",
            "BitstreamVeraSans-Oblique",
        }
    ), names  # only the faces the text uses are in the file
    covered: set[str] = set()
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor, f"{name} is not embedded"
        face = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
        code_to_glyph = face["cmap"].tables[0].cmap
        glyf = face["glyf"]
        for code, char in _to_unicode(font).items():
            if unicodedata.category(char) == "Cc":
                continue  # a control code ReportLab keeps in the subset's encoding; never drawn
            glyph = code_to_glyph.get(code, ".notdef")
            assert glyph != ".notdef", f"{name}: {char!r} (U+{ord(char):04X}) has no glyph"
            if not char.isspace():
                assert glyf[glyph].numberOfContours != 0, (
                    f"{name}: {char!r} (U+{ord(char):04X}) draws nothing"
                )
            covered.add(char)
    used = set(pdf_text)
    assert used - covered == set(), sorted(used - covered)[:20]
    assert {"温", "室", "气", "体"} <= covered and sum(1 for ch in covered if ord(ch) > 0x2E80) > 300


def test_pdf_creation_date_is_the_start_of_the_run_that_built_the_warehouse(sample_run, report_pdf):
    started = sample_run.scalar("select max(started_at) from history.runs where status = 'success'")
    assert report_pdf.metadata["/CreationDate"] == started.strftime("D:%Y%m%d%H%M%S+00'00'")


def test_responsible_person_comes_from_the_configuration(sample_run, tmp_path):
    config = write_config(tmp_path / "carbon.yml", report={"responsible_person": "王敏 (EHS director)"})
    html = make_report(
        sample_run.warehouse, tmp_path / "out", "--config", str(config), "--format", "html"
    ).read_text(encoding="utf-8")
    assert "王敏 (EHS director)" in html and "report.responsible_person" not in html


def test_unknown_year_or_missing_warehouse_is_one_sentence(sample_run, tmp_path):
    proc = run_carbon(
        "report", "--year", "1999", "--warehouse", str(sample_run.warehouse), "--out", str(tmp_path)
    )
    assert proc.returncode == 2
    assert "no inventory for 1999" in proc.stderr and "2023" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_carbon("report", "--year", str(YEAR), "--warehouse", str(tmp_path / "none.duckdb"),
                      "--config", str(SAMPLE_CONFIG))  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "no warehouse" in proc.stderr
    assert not list(tmp_path.glob("*.html")) and not list(tmp_path.glob("*.pdf"))


def test_report_lists_held_pieces_iso_removals_and_scope3_reasons(sample_run, report_html):
    """docs/methods.md M-PER-02 and M-S3-05: the pieces of readings across New Year that fall in 2020 and 2025 are listed
    as held (they are in no year's figures); ISO category 1 shows the own removals on their own line; every
    Scope 3 category without numbers says why (carbon.yml scope3_exclusions, or not assessed)."""
    held = sample_run.query(
        "select reporting_year, count(*) from marts.fct_unestimated_activity "
        "where reason_code = 'outside_reporting_period' group by 1 order by 1"
    )
    assert [y for y, _ in held] == [2020, 2025]
    section = report_html.split("Activity held outside the reporting years")[1].split("</table>")[0]
    for year, records in held:
        assert f'<td class="n">{year}</td><td class="n">{records}</td>' in section
    assert "Own removals (own line, never netted)" in report_html
    reason = sample_run.scalar(
        "select exclusion_reason from marts.fct_scope3_completeness where reporting_year = 2023 "
        "and consolidation_approach = 'operational_control' and scope3_category = 14"
    )
    assert reason and reason in report_html


def test_the_chinese_font_is_converted_once_into_the_cache(tmp_path):
    """A fresh machine: the cache is empty, the first report converts Noto Sans SC to TrueType outlines
    (what ReportLab embeds); the result maps Chinese and the symbols Vera lacks to drawn glyphs."""
    script = (
        "from pipelines.lib.report import fonts; from fontTools.ttLib import TTFont; "
        "p = fonts.cjk_font_file(); f = TTFont(str(p)); cmap = f.getBestCmap(); "
        "print(p, 'glyf' in f, 'CFF ' in f, f['glyf'][cmap[ord('温')]].numberOfContours > 0, "
        "f['glyf'][cmap[0x2212]].numberOfContours > 0)"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "XDG_CACHE_HOME": str(tmp_path)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    path, has_glyf, has_cff, han, minus = proc.stdout.split()
    assert Path(path).parent == tmp_path / "carbon-ledger" / "fonts" and Path(path).stat().st_size > 5_000_000
    assert (has_glyf, has_cff, han, minus) == ("True", "False", "True", "True")
    assert "preparing the PDF's Chinese font once" in proc.stderr


def test_out_with_another_suffix_is_refused_instead_of_becoming_a_folder(sample_run, tmp_path):
    proc = run_carbon("report", "--year", str(YEAR), "--warehouse", str(sample_run.warehouse),
                      "--out", str(tmp_path / "x.txt"))  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "a report file ends in .html or .pdf" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "x.txt").exists()
    (tmp_path / "reports.v2").mkdir()  # an existing folder may have a suffix
    assert run_carbon("report", "--year", str(YEAR), "--warehouse", str(sample_run.warehouse), "--format", "html",
                      "--out", str(tmp_path / "reports.v2")).returncode == 0  # fmt: skip
    assert (tmp_path / "reports.v2" / f"ghg_inventory_report_{YEAR}.html").is_file()


def test_pdf_prints_a_contents_page_with_the_page_of_each_section(report_pdf):
    pages = [page.extract_text() for page in report_pdf.pages]
    contents = [i for i, text in enumerate(pages) if squeeze("目录 Contents") in squeeze(text)]
    assert contents == [1], contents  # the page after the cover
    listed = squeeze(pages[1])
    outline = {entry.title: report_pdf.get_destination_page_number(entry) + 1 for entry in report_pdf.outline}
    assert len(outline) == len(CLAUSE_9_HEADINGS)
    for k, (zh, en) in enumerate(CLAUSE_9_HEADINGS, start=1):
        title = next(t for t in outline if en in t)
        # the entry "k. heading" with its dot leaders and page number (pypdf reads the leaders and the
        # number, drawn at the end of the entry's line, before the entry's text)
        found = re.search(r"\.(\d+)" + re.escape(squeeze(title)), listed)  # title: "k. heading"
        assert title.startswith(f"{k}. "), title
        assert found, title
        assert int(found.group(1)) == outline[title], (title, found.group(1), outline[title])
        assert squeeze(zh) in squeeze(pages[outline[title] - 1]), (title, outline[title])


def test_pdf_never_splits_a_number_or_an_id(report_pdf, figures):
    """The factor table (159 factors in the sample, ids up to 72 characters): every value shows on one
    line; an id breaks only after ':', '_' or '/' (never inside a piece); its section prints landscape."""
    from pipelines.lib.report.render import fmt_sig

    pages = [page.extract_text() for page in report_pdf.pages]
    factor_pages = [i for i, text in enumerate(pages) if "Factor id" in text]
    assert factor_pages
    for i in factor_pages:
        box = report_pdf.pages[i].mediabox
        assert float(box.width) > float(box.height), f"page {i + 1}: the factor table prints landscape"
    text = "\n".join(pages[i] for i in factor_pages)
    joined = re.sub(r"(?<=[:_/])\n", "", text)  # an id's line breaks, only where it may break
    factors = figures["factors"]
    assert len(factors) > 100
    for f in factors:
        assert fmt_sig(f["t_per_unit"], 6) in text.split(), f  # one whole word on its line
        assert f["factor_id"] in joined, f["factor_id"]
    assert max(len(f["factor_id"]) for f in factors) > 60
