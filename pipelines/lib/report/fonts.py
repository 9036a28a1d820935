"""The PDF's fonts, embedded: every PDF opens the same on a machine without any CJK font.

* Latin text: Bitstream Vera (regular, bold, italic), shipped inside ReportLab (Bitstream Vera licence).
* Chinese text and every symbol Vera lacks (−, ≤, →, ㎡ …): Noto Sans SC Regular (SIL Open Font
  Licence 1.1), from the registry package ``pylopdf-fonts-zh-cn``. It ships as OpenType with
  PostScript (CFF) outlines, which ReportLab cannot embed; it is converted once to TrueType outlines
  with fontTools (cubic to quadratic curves within 1 font unit, the standard ``otf2ttf`` recipe) and
  kept in the user's cache (``$XDG_CACHE_HOME/carbon-ledger/fonts``, ~10 MB; about 30 s the first
  time on a machine, then read in a second).

ReportLab embeds a subset of each TrueType font: only the glyphs a report uses, so a report stays a
few hundred kB. Nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SANS, SANS_BOLD, SANS_ITALIC = "CarbonVera", "CarbonVera-Bold", "CarbonVera-Italic"
CJK = "CarbonNotoSansSC"
_VERA = {SANS: "Vera.ttf", SANS_BOLD: "VeraBd.ttf", SANS_ITALIC: "VeraIt.ttf"}
_NOTO_PACKAGE, _NOTO_FILE = "pylopdf_fonts_zh_cn", "NotoSansSC-Regular.otf"


class FontError(Exception):
    """The Chinese font is missing: one sentence saying how to get it."""


def _noto_source() -> Path:
    spec = importlib.util.find_spec(_NOTO_PACKAGE)
    path = Path(spec.origin).parent / _NOTO_FILE if spec and spec.origin else None
    if path is None or not path.exists():
        raise FontError(
            f"The PDF's Chinese font ({_NOTO_FILE}) is not installed: run `make setup` (it installs the "
            "registry package pylopdf-fonts-zh-cn)."
        )
    return path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "carbon-ledger" / "fonts"


def _otf_to_ttf(source: Path, target: Path) -> None:
    """CFF outlines to TrueType outlines (fontTools' otf2ttf snippet), written atomically."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTFont as OpenTypeFont
    from fontTools.ttLib import newTable

    font = OpenTypeFont(str(source))
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyf.glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    font["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in ("maxZones", "maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                  "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):  # fmt: skip
        setattr(maxp, field, 1 if field == "maxZones" else 0)
    maxp.compile(font)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font.sfntVersion = "\000\001\000\000"
    partial = target.with_suffix(f".{os.getpid()}.part")
    font.save(str(partial))
    partial.replace(target)


def cjk_font_file() -> Path:
    """The TrueType copy of Noto Sans SC in the cache, made once (under a lock: test workers and
    parallel runs share it)."""
    from filelock import FileLock

    source = _noto_source()
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    folder = cache_dir()
    target = folder / f"NotoSansSC-Regular-{digest}.ttf"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".convert.lock")):
        if not target.exists():
            from pipelines.lib.progress import say

            say(
                "report   preparing the PDF's Chinese font once (Noto Sans SC to TrueType, ~30 s) in "
                + str(folder)
            )
            _otf_to_ttf(source, target)
    return target


@lru_cache(maxsize=1)
def register() -> None:
    """Register the fonts with ReportLab (once per process)."""
    from reportlab.lib.fonts import addMapping

    vera = Path(importlib.util.find_spec("reportlab").origin).parent / "fonts"
    for name, file in _VERA.items():
        pdfmetrics.registerFont(TTFont(name, str(vera / file)))
    pdfmetrics.registerFont(TTFont(CJK, str(cjk_font_file())))
    # <b>/<i> inside a paragraph of the Latin face pick its bold / italic file
    addMapping(SANS, 0, 0, SANS)
    addMapping(SANS, 1, 0, SANS_BOLD)
    addMapping(SANS, 0, 1, SANS_ITALIC)
    addMapping(SANS, 1, 1, SANS_BOLD)
    addMapping(CJK, 0, 0, CJK)
    addMapping(CJK, 1, 0, CJK)
    addMapping(CJK, 0, 1, CJK)
    addMapping(CJK, 1, 1, CJK)


@lru_cache(maxsize=4096)
def in_latin_font(ch: str) -> bool:
    """Vera has a glyph for the character (else it is set in Noto Sans SC)."""
    face = pdfmetrics.getFont(SANS).face
    return ord(ch) in face.charToGlyph
