"""Tiny inline-SVG charts for the inventory report: horizontal bars, stacked bars, a donut.

The report must open without network access, so charts are SVG text written
here rather than a JavaScript library from a CDN. Output is deterministic:
coordinates are rounded to 0.1 px and every number is formatted explicitly,
so the same figures always give the same bytes. The SVG is inline in HTML5,
which needs no namespace declaration, so the report contains no URL at all.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from xml.sax.saxutils import escape

# Colour-blind-safe palette (Okabe-Ito), in a fixed order.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
    "#7F3C8D",
    "#11A579",
    "#3969AC",
)
NEGATIVE = "#B22222"
FONT = 'font-family="inherit" font-size="12"'


def _f(x: float) -> str:
    """A coordinate: one decimal, no '-0.0'."""
    s = f"{x:.1f}"
    return "0.0" if s == "-0.0" else s


def fmt_number(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def text_width(s: str, font_px: int = 12) -> float:
    """Rough width of a label: CJK characters are about one em wide, Latin ones about 0.6 em."""
    return sum(font_px if ord(ch) > 0x2E7F else font_px * 0.6 for ch in s)


def fmt_share(share: float) -> str:
    """A share of a total as a percentage for chart legends; a sliver shows as '<0.1 %'."""
    pct = share * 100
    return "<0.1 %" if 0 < pct < 0.05 else f"{pct:.1f} %"


def _text(x: float, y: float, s: str, *, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" {FONT}{extra}>{escape(s)}</text>'


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    return (
        f'<svg role="img" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}"><title>{escape(title)}</title>' + "".join(body) + "</svg>"
    )


def bar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "tCO2e",
    digits: int = 1,
    width: int = 720,
    label_width: int = 260,
    bar_height: int = 18,
    gap: int = 6,
) -> str:
    """Horizontal bars, one per (label, value), in the order given; negative values point left."""
    if not items:
        return ""
    values = [v or 0.0 for _, v in items]
    has_negative = any(v < 0 for v in values)
    span = max(abs(v) for v in values) or 1.0
    value_width = 120
    plot = width - label_width - value_width
    zero = label_width + (plot / 2 if has_negative else 0)
    scale = (plot / 2 if has_negative else plot) / span
    height = len(items) * (bar_height + gap) + gap
    body = []
    for i, ((label, _), v) in enumerate(zip(items, values, strict=True)):
        y = gap + i * (bar_height + gap)
        w = abs(v) * scale
        x = zero - w if v < 0 else zero
        colour = NEGATIVE if v < 0 else PALETTE[0]
        body.append(_text(label_width - 6, y + bar_height - 5, label, anchor="end"))
        body.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{bar_height}" fill="{colour}"/>')
        body.append(_text(width - value_width + 6, y + bar_height - 5, f"{fmt_number(v, digits)} {unit}"))
    if has_negative:
        body.append(
            f'<line x1="{_f(zero)}" y1="0" x2="{_f(zero)}" y2="{height}" stroke="#333" stroke-width="1"/>'
        )
    return _svg(width, height, title, body)


def stacked_bar(
    rows: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    *,
    title: str,
    unit: str = "tCO2e",
    digits: int = 1,
    width: int = 720,
    label_width: int = 200,
    bar_height: int = 18,
    gap: int = 6,
) -> str:
    """Horizontal stacked bars: rows of (label, [(segment name, value), ...]); negative segments are skipped.

    Segment colours follow the order of first appearance, and a legend lists them.
    """
    if not rows:
        return ""
    names: list[str] = []
    for _, segments in rows:
        for name, _ in segments:
            if name not in names:
                names.append(name)
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(names)}
    totals = [sum(max(v or 0.0, 0.0) for _, v in segs) for _, segs in rows]
    span = max(totals) or 1.0
    value_width = 120
    plot = width - label_width - value_width
    legend_h = 22
    height = legend_h + len(rows) * (bar_height + gap) + gap
    body = []
    lx = 0.0
    for n in names:
        body.append(f'<rect x="{_f(lx)}" y="4" width="12" height="12" fill="{colour[n]}"/>')
        body.append(_text(lx + 16, 14, n))
        lx += 28 + text_width(n)
    for i, ((label, segments), total) in enumerate(zip(rows, totals, strict=True)):
        y = legend_h + gap + i * (bar_height + gap)
        body.append(_text(label_width - 6, y + bar_height - 5, label, anchor="end"))
        x = float(label_width)
        for name, v in segments:
            w = max(v or 0.0, 0.0) / span * plot
            if w <= 0:
                continue
            body.append(
                f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{bar_height}" '
                f'fill="{colour[name]}"><title>{escape(name)}: {fmt_number(v, digits)} {unit}</title></rect>'
            )
            x += w
        body.append(_text(width - value_width + 6, y + bar_height - 5, f"{fmt_number(total, digits)} {unit}"))
    return _svg(width, height, title, body)


def donut(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    unit: str = "tCO2e",
    digits: int = 1,
    size: int = 220,
    legend_width: int = 380,
) -> str:
    """A donut of the positive values with a legend (label, value, share); non-positive values are left out."""
    parts = [(label, v) for label, v in items if v is not None and v > 0]
    if not parts:
        return ""
    total = sum(v for _, v in parts)
    r_out, r_in = size / 2 - 4, size / 4
    cx = cy = size / 2
    body = []
    angle = -math.pi / 2
    for i, (label, v) in enumerate(parts):
        colour = PALETTE[i % len(PALETTE)]
        share = v / total
        tip = f"{label}: {fmt_number(v, digits)} {unit} ({fmt_share(share)})"
        if share < 0.0005:  # too thin to draw; listed in the legend only
            angle += share * 2 * math.pi
        elif share >= 0.999999:  # a full ring cannot be drawn as one arc
            body.append(
                f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f((r_out + r_in) / 2)}" fill="none" '
                f'stroke="{colour}" stroke-width="{_f(r_out - r_in)}"><title>{escape(tip)}</title></circle>'
            )
        else:
            end = angle + share * 2 * math.pi
            large = 1 if share > 0.5 else 0
            p = [
                (cx + r_out * math.cos(angle), cy + r_out * math.sin(angle)),
                (cx + r_out * math.cos(end), cy + r_out * math.sin(end)),
                (cx + r_in * math.cos(end), cy + r_in * math.sin(end)),
                (cx + r_in * math.cos(angle), cy + r_in * math.sin(angle)),
            ]
            d = (
                f"M{_f(p[0][0])},{_f(p[0][1])} A{_f(r_out)},{_f(r_out)} 0 {large} 1 {_f(p[1][0])},{_f(p[1][1])} "
                f"L{_f(p[2][0])},{_f(p[2][1])} A{_f(r_in)},{_f(r_in)} 0 {large} 0 {_f(p[3][0])},{_f(p[3][1])} Z"
            )
            body.append(f'<path d="{d}" fill="{colour}"><title>{escape(tip)}</title></path>')
            angle = end
        ly = 14 + i * 20
        body.append(f'<rect x="{_f(size + 12)}" y="{_f(ly - 10)}" width="12" height="12" fill="{colour}"/>')
        body.append(_text(size + 30, ly, f"{label}  {fmt_number(v, digits)} ({fmt_share(share)})"))
    height = max(size, 14 + len(parts) * 20)
    return _svg(size + legend_width, height, title, body)
