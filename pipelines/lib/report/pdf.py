"""The inventory report as PDF, with registry packages only (ReportLab, pure Python).

The PDF is laid out from the report's own HTML page (``render(figures,
medium="pdf")``), so it has the same sections, tables and sentences as the
HTML file; the charts are drawn with ReportLab from the same chart specs as
the SVG (``render.chart_specs``). The page is our own template, so the
converter below knows only the elements the template uses: headings,
paragraphs, lists, the summary cards, tables, figures and a few inline tags.

Fonts: every font is embedded (pipelines/lib/report/fonts.py): Latin text in
Bitstream Vera, Chinese and every symbol Vera lacks in Noto Sans SC, each as a
subset of the glyphs used, so the PDF shows the same on a machine without any
CJK font. Text stays text: a verifier can search and copy every figure.

Layout: a printed contents page after the cover (section, page; built in two
passes); the sections whose tables are wide (boundary, base year, targets,
factors, data quality: ``<section class="wide">``) on A4 landscape pages, the
others portrait. Numbers and ids never break inside a table cell: their column
is at least as wide as the widest of them; other text wraps.

Reproducible: ReportLab's ``invariant`` mode fixes the document id, and the
creation date is the start of the run that built the warehouse
(``history.runs``), so the same warehouse gives a byte-identical PDF.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from html import escape
from html.parser import HTMLParser
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Rect, String, Wedge
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from pipelines.lib.report import fonts, svg
from pipelines.lib.report.fonts import CJK, SANS, SANS_BOLD, SANS_ITALIC
from pipelines.lib.report.render import chart_specs, render

MONO = SANS  # ids and hashes: an embedded face (Courier is one of the standard fonts a PDF only names)
MONO_ID = "<code>"  # marks the text of an id in _Cell.plain (measured in MONO)
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6673")
LINE = colors.HexColor("#d5dbe1")
ACCENT = colors.HexColor("#0072B2")
BAND = colors.HexColor("#f3f6f9")

PAGE = A4
MARGIN_X, MARGIN_Y = 14 * mm, 16 * mm
FRAME_WIDTH = PAGE[0] - 2 * MARGIN_X
WIDE_PAGE = landscape(PAGE)  # the sections with wide tables
WIDE_FRAME_WIDTH = WIDE_PAGE[0] - 2 * MARGIN_X
CELL_PAD = 3


def _runs(text: str) -> list[tuple[bool, str]]:
    """``text`` as runs of (is_latin, chars)."""
    out: list[tuple[bool, str]] = []
    for ch in text:
        latin = fonts.in_latin_font(ch)  # else set in the CJK font
        if out and out[-1][0] == latin:
            out[-1] = (latin, out[-1][1] + ch)
        else:
            out.append((latin, ch))
    return out


def text_width(text: str, size: float, latin_font: str = SANS) -> float:
    return sum(
        pdfmetrics.stringWidth(chars, latin_font if latin else CJK, size) for latin, chars in _runs(text)
    )


# ---------------------------------------------------------------- styles


def _style(name: str, size: float, **kw: Any) -> ParagraphStyle:
    base = {
        "fontName": SANS,
        "bulletFontName": SANS,
        "fontSize": size,
        "leading": size * 1.35,
        "textColor": INK,
    }
    return ParagraphStyle(name, **{**base, **kw})


STYLES = {
    "h1": _style("h1", 20, spaceAfter=4),
    "subtitle": _style("subtitle", 9, textColor=MUTED, spaceAfter=10),
    "h2": _style("h2", 14, spaceBefore=14, spaceAfter=6, textColor=ACCENT),
    "h3": _style("h3", 11, spaceBefore=8, spaceAfter=4),
    "p": _style("p", 9, spaceAfter=5),
    "note": _style("note", 8, textColor=MUTED, spaceAfter=5),
    "li": _style("li", 9, leftIndent=12, bulletIndent=2, spaceAfter=3),
    "statement": _style(
        "statement",
        9,
        spaceAfter=5,
        leftIndent=8,
        borderPadding=(2, 4, 2, 6),
        backColor=BAND,
        borderColor=ACCENT,
    ),
    "cell": _style("cell", 7),
    # A number is never broken across lines (its column is sized to hold it: _column_widths).
    "cell_n": _style("cell_n", 7, alignment=TA_RIGHT, splitLongWords=0),
    "cell_id": _style("cell_id", 7, splitLongWords=0),
    "toc_title": _style("toc_title", 14, spaceAfter=8, textColor=ACCENT),
    "toc": _style("toc", 9, leading=14, rightIndent=28),  # room for the page number
    "card": _style("card", 8, textColor=MUTED),
}
CELL_SIZE = 7.0


# ---------------------------------------------------------------- charts


def _label(x: float, y: float, text: str, size: float, anchor: str = "start") -> Group:
    """A chart label: Latin runs in the Latin face, the rest in the CJK font, placed one after the other."""
    if anchor == "end":
        x -= text_width(text, size)
    group = Group()
    for latin, chars in _runs(text):
        font = SANS if latin else CJK
        group.add(String(x, y, chars, fontName=font, fontSize=size, fillColor=INK))
        x += pdfmetrics.stringWidth(chars, font, size)
    return group


def _bar_drawing(spec: dict[str, Any]) -> Drawing | None:
    items = spec["items"]
    if not items:
        return None
    size, bar_h, gap = 7.0, 10.0, 4.0
    label_w = max(text_width(label, size) for label, _ in items) + 6
    value_w = 80.0
    values = [v or 0.0 for _, v in items]
    negative = any(v < 0 for v in values)
    span = max(abs(v) for v in values) or 1.0
    plot = FRAME_WIDTH - label_w - value_w
    zero = label_w + (plot / 2 if negative else 0)
    scale = (plot / 2 if negative else plot) / span
    height = len(items) * (bar_h + gap) + gap
    d = Drawing(FRAME_WIDTH, height, initialFontName=SANS)
    for i, ((label, _), v) in enumerate(zip(items, values, strict=True)):
        top = height - gap - i * (bar_h + gap)
        w = abs(v) * scale
        x = zero - w if v < 0 else zero
        fill = colors.HexColor(svg.NEGATIVE if v < 0 else svg.PALETTE[0])
        d.add(_label(label_w - 6, top - bar_h + 2.5, label, size, "end"))
        d.add(Rect(x, top - bar_h, w, bar_h, fillColor=fill, strokeColor=None))
        d.add(_label(FRAME_WIDTH - value_w + 4, top - bar_h + 2.5, f"{svg.fmt_number(v)} tCO2e", size))
    if negative:
        d.add(Line(zero, 0, zero, height, strokeColor=INK, strokeWidth=0.5))
    return d


def _stacked_drawing(spec: dict[str, Any]) -> Drawing | None:
    rows = spec["items"]
    if not rows:
        return None
    size, bar_h, gap, legend_h = 7.0, 10.0, 4.0, 14.0
    names: list[str] = []
    for _, segments in rows:
        for name, _ in segments:
            if name not in names:
                names.append(name)
    colour = {n: colors.HexColor(svg.PALETTE[i % len(svg.PALETTE)]) for i, n in enumerate(names)}
    totals = [sum(max(v or 0.0, 0.0) for _, v in segs) for _, segs in rows]
    span = max(totals) or 1.0
    label_w = max(text_width(label, size) for label, _ in rows) + 6
    value_w = 80.0
    plot = FRAME_WIDTH - label_w - value_w
    height = legend_h + len(rows) * (bar_h + gap) + gap
    d = Drawing(FRAME_WIDTH, height, initialFontName=SANS)
    lx = 0.0
    for n in names:
        d.add(Rect(lx, height - 10, 8, 8, fillColor=colour[n], strokeColor=None))
        d.add(_label(lx + 11, height - 9, n, size))
        lx += 24 + text_width(n, size)
    for i, ((label, segments), total) in enumerate(zip(rows, totals, strict=True)):
        top = height - legend_h - gap - i * (bar_h + gap)
        d.add(_label(label_w - 6, top - bar_h + 2.5, label, size, "end"))
        x = label_w
        for name, v in segments:
            w = max(v or 0.0, 0.0) / span * plot
            if w > 0:
                d.add(Rect(x, top - bar_h, w, bar_h, fillColor=colour[name], strokeColor=None))
                x += w
        d.add(_label(FRAME_WIDTH - value_w + 4, top - bar_h + 2.5, f"{svg.fmt_number(total)} tCO2e", size))
    return d


def _donut_drawing(spec: dict[str, Any]) -> Drawing | None:
    parts = [(label, v) for label, v in spec["items"] if v is not None and v > 0]
    if not parts:
        return None
    size, diameter, row = 7.0, 110.0, 11.0
    total = sum(v for _, v in parts)
    r_out, r_in = diameter / 2 - 2, diameter / 4
    height = max(diameter, len(parts) * row + 4)
    cx, cy = diameter / 2, height - diameter / 2
    d = Drawing(FRAME_WIDTH, height, initialFontName=SANS)
    start = 0.0  # degrees clockwise from the top, as the SVG
    for i, (label, v) in enumerate(parts):
        fill = colors.HexColor(svg.PALETTE[i % len(svg.PALETTE)])
        share = v / total
        sweep = share * 360
        if share >= 0.999999:
            d.add(
                Circle(cx, cy, (r_out + r_in) / 2, fillColor=None, strokeColor=fill, strokeWidth=r_out - r_in)
            )
        elif share >= 0.0005:
            d.add(
                Wedge(
                    cx,
                    cy,
                    r_out,
                    90 - start - sweep,
                    90 - start,
                    radius1=r_in,
                    fillColor=fill,
                    strokeColor=None,
                )
            )
        start += sweep
        y = height - 10 - i * row
        d.add(Rect(diameter + 12, y, 8, 8, fillColor=fill, strokeColor=None))
        d.add(_label(diameter + 24, y + 1, f"{label}  {svg.fmt_number(v)} ({svg.fmt_share(share)})", size))
    return d


def chart_drawings(figures: dict[str, Any]) -> dict[str, Drawing]:
    """The charts keyed by their title (the SVG's <title> in the page names the chart to draw)."""
    draw = {"bar": _bar_drawing, "stacked": _stacked_drawing, "donut": _donut_drawing}
    out = {}
    for spec in chart_specs(figures).values():
        drawing = draw[spec["kind"]](spec)
        if drawing is not None:
            out[spec["title"]] = drawing
    return out


# ---------------------------------------------------------------- the page as flowables


class _Cell:
    def __init__(self, header: bool, classes: set[str]):
        self.header = header
        self.classes = classes
        self.markup: list[str] = []
        self.plain: list[tuple[str, str]] = []  # (text, font of its Latin characters), to size the column
        self.after_cjk = False

    @property
    def id_text(self) -> str | None:
        """The id, when the cell holds only an id (in <code>): it breaks only after its own separators."""
        if not self.plain or any(font != MONO_ID for text, font in self.plain if text.strip()):
            return None
        return "".join(text for text, _ in self.plain).strip()

    def words(self) -> list[tuple[float, bool]]:
        """The cell's unbreakable runs as (width at the cell size, may break when too wide). A word ends
        at a space or at the end of a header's Chinese line; a number never breaks; an id breaks only
        after ':', '_' or '/' (as in the HTML), each piece between them unbroken."""
        ident = self.id_text
        if ident is not None:
            return [(text_width(piece, CELL_SIZE), False) for piece in _ID_PIECES.findall(ident)]
        words = []
        for text, font in self.plain:
            for word in text.split():
                words.append(
                    (text_width(word, CELL_SIZE, MONO if font == MONO_ID else font), "n" not in self.classes)
                )
        return words


_ID_PIECES = re.compile(r"[^:_/]*[:_/]|[^:_/]+")


def _wrap_id(ident: str, width: float) -> list[str]:
    """An id in lines no wider than ``width`` where it can be, broken only after ':', '_' or '/'."""
    lines = [""]
    for piece in _ID_PIECES.findall(ident):
        if lines[-1] and text_width(lines[-1] + piece, CELL_SIZE) > width:
            lines.append(piece)
        else:
            lines[-1] += piece
    return lines


class _Page(HTMLParser):
    """Our report template's HTML → ReportLab flowables (only the elements the template uses)."""

    SKIP = {"head", "style", "script", "nav", "title"}  # the HTML's contents list: the PDF prints its own
    BLOCKS = {"h1", "h2", "h3", "p", "li"}
    INLINE = {"strong": "bold", "em": "italic", "code": "mono", "small": "small"}  # tag -> nesting counter

    def __init__(self, charts: dict[str, Drawing]):
        super().__init__(convert_charrefs=True)
        self.charts = charts
        self.story: list[Flowable] = []
        self.skip = 0
        self.block: str | None = None
        self.block_id: str | None = None
        self.markup: list[str] = []
        self.bold = self.italic = self.mono = self.small = 0
        self.divs: list[set[str]] = []
        self.table: list[tuple[set[str], list[_Cell]]] | None = None
        self.row: list[_Cell] | None = None
        self.row_classes: set[str] = set()
        self.cell: _Cell | None = None
        self.cards: list[_Cell] | None = None
        self.in_svg = 0
        self.svg_title: list[str] | None = None
        self.wide = False  # inside <section class="wide">: landscape pages

    # -- text
    def _markup(self, text: str) -> str:
        out = []
        for latin, chars in _runs(text):
            body = escape(chars, quote=False)
            if latin:
                if self.mono:
                    font = MONO
                elif self.bold:
                    font = SANS_BOLD
                elif self.italic:
                    font = SANS_ITALIC
                else:
                    font = None
                out.append(f'<font name="{font}">{body}</font>' if font else body)
            else:
                out.append(f'<font name="{CJK}">{body}</font>')
        text_markup = "".join(out)
        if self.small:
            text_markup = f'<font size="{0.85 * self._size():.1f}">{text_markup}</font>'
        return text_markup

    def _header_data(self, data: str, font: str) -> None:
        """A column header puts its Chinese and its English on two lines ("关系 Relationship"), so that
        the column is as wide as its longest word, not its whole bilingual label."""
        cell = self.cell
        assert cell is not None
        for latin, chars in _runs(data):
            if latin and cell.after_cjk and chars[:1].isspace():
                cell.markup.append("<br/>")
                chars = chars.lstrip()
                cell.after_cjk = False
                if not chars:
                    continue
            elif latin and chars.strip():
                cell.after_cjk = False
            if not latin:
                cell.after_cjk = True
            cell.markup.append(self._markup(chars))
            cell.plain.append((chars if latin else chars + "\n", font))

    def _size(self) -> float:
        if self.cell is not None:
            return CELL_SIZE
        return STYLES.get(self.block or "p", STYLES["p"]).fontSize

    def handle_data(self, data: str) -> None:
        if self.svg_title is not None:
            self.svg_title.append(data)
            return
        if self.skip or self.in_svg:
            return
        if self.cell is not None:
            font = MONO_ID if self.mono else SANS_BOLD if self.bold else SANS
            if self.cell.header:
                self._header_data(data, font)
            else:
                self.cell.markup.append(self._markup(data))
                self.cell.plain.append((data, font))
            return
        if self.block is None:
            if not data.strip():
                return
            self.block = "p"
        self.markup.append(self._markup(data))

    # -- structure
    def _in_div(self, cls: str) -> bool:
        return any(cls in d for d in self.divs)

    def _flush(self) -> None:
        if self.block is None:
            return
        text = " ".join("".join(self.markup).split())
        style = self.block
        if style == "p" and self._in_div("statement"):
            style = "statement"
        if text:
            para = Paragraph(text, STYLES[style], bulletText="•" if style == "li" else None)
            if style == "h2":
                # the outline and contents entry of the section (see _Doc.afterFlowable); every h2 of the
                # page has an id
                para._bookmark = (self.block_id or para.getPlainText(), para.getPlainText(), text)  # type: ignore[attr-defined]
                self.story.append(CondPageBreak(70 * mm))
            self.story.append(para)
        self.block = None
        self.block_id = None
        self.markup = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = set((a.get("class") or "").split())
        if self.in_svg:
            if tag == "title":
                self.svg_title = []
            return
        if tag == "nav" and "toc" in classes and not self.skip:
            self._contents()
        if tag in self.SKIP:
            self.skip += 1
            return
        if self.skip:
            return
        if tag == "section" and "wide" in classes:
            self._flush()
            self.story.extend([NextPageTemplate("wide"), PageBreak()])
            self.wide = True
            return
        if tag == "svg":
            self.in_svg += 1
            return
        if tag in self.BLOCKS:
            self._flush()
            self.block = tag
            self.block_id = a.get("id")
        elif tag == "div":
            if "cards" in classes:
                self._flush()
                self.cards = []
            elif "card" in classes and self.cards is not None:
                self.cell = _Cell(False, {"card"})
            elif self.cell is not None and "card" in self.cell.classes:
                if "v" in classes:
                    self.cell.markup.append('<br/><font size="13">')
                    self.bold += 1
                elif self.cell.markup:
                    self.cell.markup.append("<br/>")
            elif "subtitle" in classes:
                self._flush()
                self.block = "subtitle"
            else:
                self._flush()
            self.divs.append(classes)
            return
        elif tag in ("section", "header", "ul", "figure"):
            self._flush()
        elif tag == "table":
            self._flush()
            self.table = []
        elif tag == "tr":
            self.row = []
            self.row_classes = classes
            if "total" in classes or "primary" in classes:
                self.bold += 1
        elif tag in ("th", "td"):
            self.cell = _Cell(tag == "th", classes)
            if tag == "th":
                self.bold += 1
        elif tag in self.INLINE:
            setattr(self, self.INLINE[tag], getattr(self, self.INLINE[tag]) + 1)
        elif tag == "br":
            if self.cell is not None:
                self.cell.markup.append("<br/>")
            elif self.block is not None:
                self.markup.append("<br/>")

    def handle_endtag(self, tag: str) -> None:
        if self.in_svg:
            if tag == "title" and self.svg_title is not None:
                self._chart("".join(self.svg_title))
                self.svg_title = None
            elif tag == "svg":
                self.in_svg -= 1
            return
        if tag in self.SKIP:
            self.skip -= 1
            return
        if self.skip:
            return
        if tag in self.BLOCKS:
            self._flush()
        elif tag == "div":
            classes = self.divs.pop() if self.divs else set()
            if "cards" in classes and self.cards is not None:
                self._cards_table()
            elif "card" in classes and self.cell is not None and self.cards is not None:
                self.cards.append(self.cell)
                self.cell = None
            elif "v" in classes and self.cell is not None:
                self.cell.markup.append("</font>")
                self.bold -= 1
            else:
                self._flush()
        elif tag == "table":
            self._table()
        elif tag == "tr":
            if self.table is not None and self.row is not None:
                self.table.append((self.row_classes, self.row))
            if "total" in self.row_classes or "primary" in self.row_classes:
                self.bold -= 1
            self.row = None
        elif tag in ("th", "td"):
            if self.row is not None and self.cell is not None:
                self.row.append(self.cell)
            if tag == "th":
                self.bold -= 1
            self.cell = None
        elif tag in self.INLINE:
            setattr(self, self.INLINE[tag], getattr(self, self.INLINE[tag]) - 1)
        elif tag in ("section", "header", "ul", "figure"):
            self._flush()
            if tag == "section" and self.wide:
                self.story.extend([NextPageTemplate("page"), PageBreak()])
                self.wide = False

    def close(self) -> None:
        super().close()
        self._flush()

    # -- figures, cards and tables
    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.handle_starttag(tag, attrs)

    def _contents(self) -> None:
        """The printed contents (where the HTML has its <nav class="toc">): every section with its
        page, filled in by the second pass of multiBuild."""
        self._flush()
        cells = TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("FONTNAME", (0, 0), (-1, -1), SANS),  # not ReportLab's Helvetica: every font is embedded
            ]
        )
        toc = TableOfContents(dotsMinLevel=0, levelStyles=[STYLES["toc"]], tableStyle=cells)
        self.story.extend(
            [PageBreak(), Paragraph(self._markup("目录 Contents"), STYLES["toc_title"]), toc, PageBreak()]
        )

    def _chart(self, title: str) -> None:
        """The chart whose SVG (named by its <title>) stands here in the page."""
        drawing = self.charts.get(title)
        if drawing is not None:
            caption = Paragraph(self._markup(title), STYLES["note"])
            self.story.append(KeepTogether([caption, drawing, Spacer(1, 6)]))

    def _cards_table(self) -> None:
        cards = self.cards or []
        self.cards = None
        if not cards:
            return
        width = FRAME_WIDTH / len(cards)
        cells = [[Paragraph(" ".join("".join(c.markup).split()), STYLES["card"]) for c in cards]]
        t = Table(cells, colWidths=[width] * len(cards))
        t.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 0.5, LINE),
                    ("INNERGRID", (0, 0), (-1, -1), 0.5, LINE),
                    ("BACKGROUND", (0, 0), (-1, -1), BAND),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("FONTNAME", (0, 0), (-1, -1), SANS),  # ReportLab sets a cell's font even for a paragraph
                ]
            )
        )
        self.story.extend([t, Spacer(1, 6)])

    def _table(self) -> None:
        rows = self.table or []
        self.table = None
        if not rows:
            return
        ncols = max(len(cells) for _, cells in rows)
        widths = _column_widths(
            [cells for _, cells in rows], ncols, WIDE_FRAME_WIDTH if self.wide else FRAME_WIDTH
        )
        data: list[list[Any]] = []
        cmds: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LINEBELOW", (0, 0), (-1, -1), 0.4, LINE),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        for r, (classes, cells) in enumerate(rows):
            line = []
            for c in range(ncols):
                cell = cells[c] if c < len(cells) else None
                if cell is None:
                    line.append("")
                    continue
                ident = cell.id_text
                if "n" in cell.classes:
                    line.append(Paragraph(" ".join("".join(cell.markup).split()), STYLES["cell_n"]))
                elif ident is not None:
                    lines = _wrap_id(ident, widths[c] - 2 * CELL_PAD - 1)
                    line.append(
                        Paragraph("<br/>".join(escape(x, quote=False) for x in lines), STYLES["cell_id"])
                    )
                else:
                    line.append(Paragraph(" ".join("".join(cell.markup).split()), STYLES["cell"]))
                if cell.header:
                    cmds.append(("BACKGROUND", (c, r), (c, r), BAND))
                for k in (1, 2, 3):
                    if f"indent-{k}" in cell.classes:
                        cmds.append(("LEFTPADDING", (c, r), (c, r), CELL_PAD + 8 * k))
            if "total" in classes:
                cmds.append(("LINEABOVE", (0, r), (-1, r), 1, INK))
            data.append(line)
        header_rows = 1 if rows[0][1] and all(c.header for c in rows[0][1]) else 0
        t = Table(data, colWidths=widths, repeatRows=header_rows, hAlign="LEFT")
        t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), SANS), *cmds]))
        self.story.extend([t, Spacer(1, 6)])


def _column_widths(rows: list[list[_Cell]], ncols: int, frame: float = FRAME_WIDTH) -> list[float]:
    """Like a browser's auto layout at width 100 %: each column gets at least its longest word and
    at most its longest line; what is left is shared in proportion to what each column still needs.
    A number or an id is one word that never breaks; other words (CJK text breaks between any two
    characters, prose may hold a long path) do not widen their column beyond 90 pt."""
    natural = [0.0] * ncols
    minimum = [0.0] * ncols
    for cells in rows:
        for c, cell in enumerate(cells):
            line = widest = 0.0
            for text, font in cell.plain:
                line += text_width(" ".join(text.split()), CELL_SIZE, SANS if font == MONO_ID else font)
                if text.endswith("\n"):  # a header's Chinese line (see _header_data)
                    widest, line = max(widest, line), 0.0
            natural[c] = max(natural[c], widest + 2 * CELL_PAD + 3, line + 2 * CELL_PAD + 3)
            longest = max(
                (w if not breakable else min(w, 90.0) for w, breakable in cell.words()), default=0.0
            )
            minimum[c] = max(minimum[c], longest + 2 * CELL_PAD + 3)
    total_natural = sum(natural)
    if total_natural <= frame:
        return [w * frame / total_natural for w in natural] if total_natural else [frame / ncols] * ncols
    total_min = sum(minimum)
    if total_min >= frame:
        return [w * frame / total_min for w in minimum]
    need = [n - m for n, m in zip(natural, minimum, strict=True)]
    spare = frame - total_min
    total_need = sum(need) or 1.0
    return [m + spare * n / total_need for m, n in zip(minimum, need, strict=True)]


class _Doc(BaseDocTemplate):
    def __init__(
        self, buffer: io.BytesIO, *, title: str, author: str, footer: str, created: str | None = None
    ):
        super().__init__(
            buffer,
            pagesize=PAGE,
            leftMargin=MARGIN_X,
            rightMargin=MARGIN_X,
            topMargin=MARGIN_Y,
            bottomMargin=MARGIN_Y,
            title=title,
            author=author,
            subject="GHG inventory report (ISO 14064-1 clause 9) / 温室气体排放报告",
            creator="Carbon Ledger",
            invariant=1,
            initialFontName=SANS,  # not Helvetica: every font of the file is embedded
        )
        self.footer = footer
        self.created = created  # PDF date string D:YYYYMMDDHHmmSS+00'00' (None: ReportLab's invariant date)
        frame = Frame(MARGIN_X, MARGIN_Y, FRAME_WIDTH, PAGE[1] - 2 * MARGIN_Y, id="body")
        wide = Frame(MARGIN_X, MARGIN_Y, WIDE_FRAME_WIDTH, WIDE_PAGE[1] - 2 * MARGIN_Y, id="wide")
        self.addPageTemplates(
            [
                PageTemplate(id="page", frames=[frame], onPage=self._decorate, pagesize=PAGE),
                PageTemplate(id="wide", frames=[wide], onPage=self._decorate, pagesize=WIDE_PAGE),
            ]
        )

    def handle_documentBegin(self) -> None:
        super().handle_documentBegin()
        if self.created:
            self.canv.setDateFormatter(lambda *_ymdhms: self.created)

    def _decorate(self, canvas, doc) -> None:
        canvas.saveState()
        y = MARGIN_Y / 2
        text = f"{self.footer} · {doc.page}"
        x = MARGIN_X
        for latin, chars in _runs(text):
            font = SANS if latin else CJK
            canvas.setFont(font, 7)
            canvas.setFillColor(MUTED)
            canvas.drawString(x, y, chars)
            x += pdfmetrics.stringWidth(chars, font, 7)
        canvas.restoreState()

    def afterFlowable(self, flowable: Flowable) -> None:
        mark = getattr(flowable, "_bookmark", None)
        if mark:
            key, text, markup = mark
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=0)
            # the heading's own sizes (its clause in <small>) would print larger than the entry
            entry = re.sub(r'<font size="[\d.]+">', '<font color="#5b6673">', markup)
            self.notify("TOCEntry", (0, entry, self.page, key))


def render_pdf(figures: dict[str, Any], created: str | None = None) -> bytes:
    """The report of ``figures`` as PDF bytes: a pure function of the figures and ``created`` (ISO time of
    the run that built the warehouse, the PDF's creation date; None: ReportLab's invariant date)."""
    fonts.register()
    page = _Page(chart_drawings(figures))
    page.feed(render(figures, medium="pdf"))
    page.close()
    year = figures["reporting_year"]
    org = figures["organisation"]
    buffer = io.BytesIO()
    doc = _Doc(
        buffer,
        title=f"{year} 年度温室气体排放报告 GHG Inventory Report {year} — {org['name']}",
        author=str(org["name"]),
        footer=f"{org['name']} · {year} 年度温室气体排放报告 GHG Inventory Report {year}",
        created=_pdf_date(created),
    )
    doc.multiBuild(page.story)  # pass 1 finds each section's page, pass 2 prints them in the contents
    return buffer.getvalue()


def _pdf_date(moment: str | None) -> str | None:
    """A PDF date (UTC) of the run that built the warehouse; None when unknown."""
    if not moment:
        return None
    return datetime.fromisoformat(moment).strftime("D:%Y%m%d%H%M%S+00'00'")


__all__ = ["chart_drawings", "render_pdf", "text_width"]
