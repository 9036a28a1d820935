"""Bilingual (中文, English) names of the codes the report shows, and its section list.

Codes without a name here are shown as the code itself, which is what the
marts and `carbon trace` print: a verifier can search for it.
"""

from __future__ import annotations

# ISO 14064-1:2018 clause 9.3.1 asks for these contents; each is one section
# of the report, in this order: (anchor, 中文, English, clause reference).
SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("organisation", "报告组织与报告期", "Reporting organisation and period", "ISO 14064-1 9.3.1 a–c"),
    (
        "organisational-boundary",
        "组织边界与合并方法",
        "Organisational boundary and consolidation approach",
        "ISO 14064-1 9.3.1 d; T/CAS 612 4.3",
    ),
    (
        "reporting-boundary",
        "报告边界与排除项",
        "Reporting (operational) boundary and exclusions",
        "ISO 14064-1 9.3.1 e, i",
    ),
    (
        "base-year",
        "基准年与重新计算",
        "Base year and recalculations",
        "ISO 14064-1 9.3.1 k, l; T/CAS 612 6.5",
    ),
    (
        "emissions",
        "温室气体排放量",
        "GHG emissions by scope, category, gas and facility",
        "ISO 14064-1 9.3.1 f, g; T/CAS 612 6.3, 6.4",
    ),
    ("biogenic", "生物质二氧化碳", "Biogenic CO2", "ISO 14064-1 9.3.1 h"),
    (
        "removals-carbon-assets",
        "清除量与碳资产",
        "Removals and carbon assets",
        "ISO 14064-1 9.3.1 f; T/CAS 612 6.7",
    ),
    ("intensity", "排放强度", "Intensity indicators", "T/CAS 612 6.4"),
    ("targets", "目标与进展", "Targets and progress", "ISO 14064-1 9.3.2; T/CAS 612 6.6"),
    (
        "methods-factors",
        "量化方法与排放因子",
        "Quantification methods and emission factors",
        "ISO 14064-1 9.3.1 m, n, o",
    ),
    ("gwp", "全球变暖潜势", "Global warming potentials", "ISO 14064-1 9.3.1 n"),
    (
        "uncertainty-data-quality",
        "不确定性与数据质量",
        "Uncertainty and data quality",
        "ISO 14064-1 9.3.1 p, q; T/CAS 612 6.8, 9.1",
    ),
    ("document-control", "文件控制", "Document control", "ISO 14064-1 9.3.1 r–t; T/CAS 612 7.5"),
)

SCOPES = {
    "1": ("范围一", "Scope 1"),
    "2": ("范围二", "Scope 2"),
    "3": ("范围三", "Scope 3"),
    "biogenic": ("生物质二氧化碳", "Biogenic CO2"),
}
SCOPE2_METHODS = {"location": ("基于位置", "location-based"), "market": ("基于市场", "market-based")}

APPROACHES = {
    "operational_control": ("运营控制权法", "operational control"),
    "financial_control": ("财务控制权法", "financial control"),
    "equity_share": ("股权比例法", "equity share"),
}

SCOPE3_CATEGORIES = {
    1: ("外购商品和服务", "Purchased goods and services"),
    2: ("资本货物", "Capital goods"),
    3: ("燃料和能源相关活动", "Fuel- and energy-related activities"),
    4: ("上游运输和配送", "Upstream transportation and distribution"),
    5: ("运营中产生的废弃物", "Waste generated in operations"),
    6: ("商务差旅", "Business travel"),
    7: ("员工通勤", "Employee commuting"),
    8: ("上游租赁资产", "Upstream leased assets"),
    9: ("下游运输和配送", "Downstream transportation and distribution"),
    10: ("售出产品的加工", "Processing of sold products"),
    11: ("售出产品的使用", "Use of sold products"),
    12: ("售出产品的报废处理", "End-of-life treatment of sold products"),
    13: ("下游租赁资产", "Downstream leased assets"),
    14: ("特许经营", "Franchises"),
    15: ("投资", "Investments"),
}

ISO_CATEGORIES = {
    1: ("直接温室气体排放和清除", "Direct GHG emissions and removals"),
    2: ("输入能源的间接排放", "Indirect emissions from imported energy"),
    3: ("运输产生的间接排放", "Indirect emissions from transportation"),
    4: ("组织使用的产品产生的间接排放", "Indirect emissions from products used by the organisation"),
    5: (
        "与组织产品使用相关的间接排放",
        "Indirect emissions associated with the use of products from the organisation",
    ),
    6: ("其他来源的间接排放", "Indirect emissions from other sources"),
}

RELATIONSHIPS = {
    "root": ("集团母公司", "group parent"),
    "subsidiary": ("子公司", "subsidiary"),
    "joint_venture": ("合营企业", "joint venture"),
    "associate": ("联营企业", "associate"),
    "fixed_asset_investment": ("财务投资", "fixed-asset investment"),
}

SCORES = {
    1: ("实测/供应商特定数据", "measured or supplier-specific data"),
    2: ("默认参数的实际活动数据", "actual activity data with default parameters"),
    3: ("估算读数、回退因子或平均数据", "estimated readings, fallback factors or average data"),
    4: ("基于支出或假设的估算", "spend-based or assumption-based estimates"),
    5: ("未估算", "not estimated"),
}

DENOMINATORS = {
    "revenue": ("营业收入", "revenue"),
    "output_value": ("产值", "output value"),
    "production": ("产品产量", "production"),
}


def pair(table: dict, key, default: str | None = None) -> tuple[str, str]:
    """(中文, English) of a code; unknown codes show as themselves in both places."""
    if key in table:
        return table[key]
    text = default if default is not None else ("—" if key is None else str(key))
    return (text, text)


def scope_label(scope: str, scope2_method: str | None = None) -> tuple[str, str]:
    zh, en = pair(SCOPES, scope)
    if scope2_method:
        mzh, men = pair(SCOPE2_METHODS, scope2_method)
        return f"{zh}（{mzh}）", f"{en} ({men})"
    return zh, en
