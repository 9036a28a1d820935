"""The figures (data.collect) as one self-contained bilingual HTML file.

Everything the page needs is inside it: CSS inline, charts as inline SVG
(svg.py), no script but the JSON of the figures, no font, image or link to
fetch. ``render`` is a pure function of the figures, so the same warehouse
gives the same bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from pipelines.lib.report import labels, svg

TEMPLATES = Path(__file__).parent / "templates"


def fmt(x: float | int | None, digits: int = 1) -> str:
    if x is None:
        return "—"
    return f"{x:,.{digits}f}"


def fmt_sig(x: float | None, sig: int = 4) -> str:
    """Factors and intensities span many magnitudes: significant digits, not decimals, no trailing zeros."""
    if x is None:
        return "—"
    if x == 0:
        return "0"
    if abs(x) < 1e-3 or abs(x) >= 1e12:
        return f"{x:.{sig}g}"
    text = f"{x:,.{max(sig - 1 - _magnitude(x), 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _magnitude(x: float) -> int:
    m = 0
    a = abs(x)
    while a >= 10:
        a /= 10
        m += 1
    while a < 1:
        a *= 10
        m -= 1
    return m


def fmt_pct(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f} %"


def bi(pair: tuple[str, str]) -> Markup:
    """Chinese and English side by side, each marked with its language."""
    zh, en = pair
    if zh == en:
        return Markup('<span lang="en">{}</span>').format(en)
    return Markup('<span lang="zh-CN">{}</span> <span lang="en">{}</span>').format(zh, en)


def ident(value: Any) -> Markup:
    """An id for a table cell: may wrap only after ':', '_' or '/' (its own separators), never inside a word."""
    if value is None:
        return Markup("—")
    text = str(Markup.escape(value))
    for sep in (":", "_", "/"):
        text = text.replace(sep, sep + "<wbr>")
    return Markup(text)


def report_json(figures: dict[str, Any]) -> str:
    """The figures for <script type="application/json">: sorted keys, exact doubles, no '</' inside."""
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True, indent=1, allow_nan=False)
    return text.replace("</", "<\\/")


def chart_specs(f: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The report's charts as data: kind (bar, stacked, donut), title, items and layout.

    The HTML draws them as inline SVG (svg.py), the PDF with ReportLab (pdf.py),
    from the same specs, so both show the same figures.
    """
    inv = f["inventory"]["by_approach"][f["primary_approach"]]
    scope_items = [
        (" ".join(labels.scope_label("1")), inv["scope1_t"]),
        (" ".join(labels.scope_label("2", "location")), inv["scope2_location_t"]),
        (" ".join(labels.scope_label("2", "market")), inv["scope2_market_t"]),
        (" ".join(labels.scope_label("3")), inv["scope3_t"]),
    ]
    cats = sorted(inv["scope3_by_category_t"].items(), key=lambda kv: int(kv[0]))
    return {
        "scopes": {
            "kind": "bar",
            "title": "Emissions by scope / 分范围排放",
            "items": [(k, v) for k, v in scope_items if v is not None],
            "label_width": 300,
        },
        "scope3": {
            "kind": "bar",
            "title": "Scope 3 by category / 范围三分类别",
            "items": [(f"{k} {labels.pair(labels.SCOPE3_CATEGORIES, int(k))[1]}", v) for k, v in cats],
            "label_width": 330,
        },
        "iso": {
            "kind": "donut",
            "title": "ISO 14064-1 categories (Scope 2 market-based) / ISO 类别（范围二基于市场）",
            "items": [
                (
                    f"{r['iso_category']} {labels.pair(labels.ISO_CATEGORIES, r['iso_category'])[0]}",
                    r["market_based_t"],
                )
                for r in f["by_iso_category"]
                if r["line_kind"] == "emissions"
            ],
        },
        "gas": {
            "kind": "donut",
            "title": "By gas (Scope 2 market-based) / 分气体（范围二基于市场）",
            "items": [(r["gas"], r["market_based_t"]) for r in f["by_gas"]],
        },
        "facilities": {
            "kind": "stacked",
            "title": "Top facilities, Scope 1 + 2 market-based / 重点设施",
            "items": [
                (
                    f"{r['facility_id']} {r['facility_name'] or ''}".strip(),
                    [
                        ("Scope 1 范围一", r["scope1_t"] or 0.0),
                        ("Scope 2 market 范围二市场", r["scope2_market_t"] or 0.0),
                    ],
                )
                for r in f["facilities_top"]["rows"]
            ],
            "label_width": 300,
        },
    }


def _charts(f: dict[str, Any]) -> dict[str, str]:
    draw = {"bar": svg.bar_chart, "stacked": svg.stacked_bar, "donut": svg.donut}
    charts = {}
    for name, spec in chart_specs(f).items():
        layout = {k: v for k, v in spec.items() if k not in ("kind", "items")}
        charts[name] = draw[spec["kind"]](spec["items"], **layout)
    return charts


def _score_summary(f: dict[str, Any]) -> list[dict[str, Any]]:
    """Per scope (and Scope 2 method): CO2e (primary approach) by data-quality score, from fct_emissions,
    and the score that carries the largest share: the basis of the qualitative statement."""
    groups: dict[tuple[str, str | None], list[dict[str, Any]]] = {}
    for r in f["data_quality"]["by_score"]:
        groups.setdefault((r["scope"], r["scope2_method"]), []).append(r)
    out = []
    for (scope, method), rows in groups.items():
        total = math.fsum(r["co2e_t"] or 0.0 for r in rows)
        shares = {r["data_quality_score"]: (r["co2e_t"] or 0.0) / total for r in rows} if total > 0 else {}
        scored = [(s, v) for s, v in shares.items() if s is not None]
        mean = math.fsum(s * v for s, v in scored) if scored else None
        dominant = min(scored, key=lambda sv: (-sv[1], sv[0]))[0] if scored else None
        out.append(
            {
                "label": labels.scope_label(scope, method),
                "co2e_t": total,
                "weighted_score": mean,
                "shares": shares,
                "dominant_score": dominant,
                "dominant_share": shares.get(dominant) if dominant is not None else None,
            }
        )
    return out


def render(figures: dict[str, Any], medium: str = "html") -> str:
    """The report page. ``medium="pdf"`` is the page pdf.py lays out: the same content, with the sentences
    about the HTML file itself (its embedded JSON, printing it) said of the PDF instead."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=fmt, sig=fmt_sig, pct=fmt_pct, bi=bi, ident=ident)
    env.globals.update(L=labels, pair=labels.pair, scope_label=labels.scope_label)
    charts = {k: Markup(v) for k, v in _charts(figures).items()}
    return env.get_template("inventory_report.html").render(
        f=figures,
        inv=figures["inventory"]["by_approach"][figures["primary_approach"]],
        sections=labels.SECTIONS,
        charts=charts,
        scores=_score_summary(figures),
        data_json=Markup(report_json(figures)),
        medium=medium,
    )
