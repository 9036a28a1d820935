"""The plan as a document: bilingual (中文 / English) Markdown, the documented
information T/CAS 612 6.8 and 7.5 require (what is monitored, how and how often
it is collected and kept, by whom, with which meters, checked how; revisions).

``render_plan(plan)`` is a pure function of the plan, so the committed
``docs/data_quality_plan.md`` can be checked against ``plan.yml`` (``carbon
dq-plan --check``, tests/test_quality_plan_doc.py).
"""

from __future__ import annotations

from pipelines.lib.quality.plan import RULES, Check, Plan

DOC_NAME = "data_quality_plan.md"

METHOD_ZH = {
    "metered": "计量",
    "invoiced": "发票结算",
    "estimated": "估算",
    "calculated": "计算",
    "recorded": "台账登记",
}
FREQUENCY_ZH = {"continuous": "连续", "daily": "每日", "monthly": "每月", "quarterly": "每季度", "annual": "每年",
                "on_change": "变更时"}  # fmt: skip
SEVERITY_ZH = {"error": "错误", "warning": "警告"}
LEVEL_ZH = {"row": "逐行", "dataset": "数据集"}
STAGE_TEXT = {
    "load": ("装载时", "on load"),
    "raw": ("建模前", "before dbt"),
    "warehouse": ("建模后", "after dbt"),
    "review": ("计划评审", "plan review"),
}

# The rule catalogue: what each rule kind checks (zh, en) and its arguments.
RULE_CATALOGUE: dict[str, tuple[str, str, str]] = {
    "not_null": ("必填字段不得为空", "the columns are present in every row", "columns"),
    "non_negative": ("数值不得为负（空值通过）", "the columns are not negative (nulls pass)", "columns"),
    "between": (
        "数值在区间内（含端点，空值通过）",
        "the column lies within [min, max], inclusive (nulls pass)",
        "column, min, max",
    ),
    "in_set": (
        "取值属于允许的代码或值列表",
        "the column is one of the allowed values or a value list",
        "column, values, values_from",
    ),
    "in_reference": (
        "取值为另一数据集的已知主键",
        "the column is a known key of another dataset",
        "column, reference",
    ),
    "unique": (
        "键唯一：批次内，或跨全部已装载文件",
        "the key is unique in the batch, or across every loaded file",
        "columns, across_files",
    ),
    "greater_than": (
        "一列晚于（或不早于）另一列",
        "one column is after (or not before) another",
        "column, than, or_equal",
    ),
    "one_root": ("实体树有且仅有一个根节点", "the tree has exactly one root", "column"),
    "no_cycles": ("实体不是自身的上级（无循环）", "no entity is its own ancestor", "column, id_column"),
    "windows_disjoint": (
        "同一键的有效期区间互不重叠（本批次与已装载文件）",
        "the validity windows of one key do not overlap (the batch and every loaded file)",
        "columns, from_column, to_column",
    ),
    "plausible_max": (
        "单行数量（折算为该量纲的标准单位）不超过合理上限",
        "one row's quantity, in its dimension's canonical unit, is not above a plausible maximum",
        "column, unit_column, max: {dimension: value}",
    ),
    "has_rows": ("必需的数据流已提供", "a required stream is present", "min_rows"),
    "complete_periods": (
        "边界内每个报告主体在首末报告期之间每期均有数据（设施×月×数据流）",
        "every in-boundary subject reports every period between its first and last report "
        "(facility x month x stream; meters: share of the month covered)",
        "min_coverage_pct",
    ),
    "reporting_lag": (
        "及时性：报告主体不落后于集团最新报告期",
        "timeliness: no subject lags behind the group's latest period (or until it left the boundary)",
        "max_periods",
    ),
    "readings_do_not_overlap": (
        "同一计量器具的读数时段不重叠",
        "a meter's readings do not overlap in time",
        "max_coverage_pct",
    ),
    "calibration_current": (
        "读数日期计量器具检定有效（9.1.3）",
        "the meter's calibration is current on the reading date (9.1.3)",
        "max_days_overdue",
    ),
    "deviation": (
        "偏差分析：环比与同比均超出阈值倍数即为异常（9.1.1 b）",
        "deviation analysis: beyond the factor from "
        "both the previous month and the same month a year earlier (9.1.1 b)",
        "max_factor",
    ),
    "annual_jump": (
        "年度跳变：活动序列每报告月的平均量与上一年相比不超过 max_factor 倍（双向），除非 carbon.yml 已确认",
        "year on year: an activity series' average per reported month stays within max_factor of the "
        "previous year's (both ways), unless acknowledged in carbon.yml",
        "max_factor",
    ),
    "intensity_outlier": (
        "强度异常：单位产品活动量偏离中位数超过阈值倍数",
        "intensity outlier: activity per unit of production beyond the factor from its median",
        "max_factor",
    ),
    "stoichiometric_max": (
        "化学计量上限：单位产品的过程排放 CO2 不超过反应的化学计量最大值（如石灰 0.785 tCO2/t CaO）",
        "stoichiometric maximum: process CO2 per tonne of product stays within what the reaction can "
        "release (e.g. 0.785 t CO2 per t CaO for lime)",
        "",
    ),
    "reconciliation": (
        "计量与发票核对，差异在容差内",
        "meters reconciled to invoices within the tolerance",
        "tolerance_pct",
    ),
    "estimated_share": (
        "估算数据占比不超过上限",
        "the share of estimated records stays within the limit",
        "max_pct",
    ),
    "serial_blocks_disjoint": (
        "减排量序列号区间不重叠（仅使用一次）",
        "credit serial blocks do not overlap (used once)",
        "",
    ),
    "in_boundary_tree": (
        "实体可由配置的集团根节点到达",
        "every entity is reachable from the configured group root",
        "",
    ),
    "factor_coverage": (
        "报告年度内每条活动数据均有排放因子",
        "every activity record of a reporting year has an emission factor and method",
        "",
    ),
    "datasets_in_plan": (
        "含数据的落地文件夹均为计划中的数据流",
        "every landing folder holding data is a stream of the plan",
        "",
    ),
    "meters_in_plan": ("计量器具台账中的器具均列入计划", "every registered meter is in the plan", ""),
    "plan_meters_registered": ("计划中的器具均在台账中", "every meter of the plan is in the register", ""),
    "calibration_interval_matches": (
        "台账检定周期与计划一致",
        "the register's calibration interval is the plan's",
        "",
    ),
}


def rule_text(check: Check) -> tuple[str, str]:
    """The rule of one check in words (zh, en), with its arguments."""
    a = check.args
    cols = ", ".join(f"`{c}`" for c in check.columns)
    if check.rule == "not_null":
        return f"{cols} 不得为空", f"{cols} present"
    if check.rule == "non_negative":
        return f"{cols} ≥ 0", f"{cols} ≥ 0"
    if check.rule == "between":
        lo = "" if a["min"] is None else f"{a['min']:g} ≤ "
        hi = "" if a["max"] is None else f" ≤ {a['max']:g}"
        return f"{lo}{cols}{hi}", f"{lo}{cols}{hi}"
    if check.rule == "in_set":
        listed = f"值列表 `{a['values_from']}`" if a["values_from"] else ", ".join(a["values"])
        listed_en = f"value list `{a['values_from']}`" if a["values_from"] else ", ".join(a["values"])
        return f"{cols} ∈ {listed}", f"{cols} ∈ {listed_en}"
    if check.rule == "in_reference":
        ref = f"`{check.reference_key}`"
        return f"{cols} 为 {ref} 的已知值", f"{cols} is a known {ref}"
    if check.rule == "unique":
        return (f"{cols} 唯一（{'跨全部已装载文件' if check.is_across_files else '批次内'}）",
                f"{cols} unique {'across all loaded files' if check.is_across_files else 'in the batch'}")  # fmt: skip
    if check.rule == "greater_than":
        op = "≥" if a["or_equal"] else ">"
        return f"`{a['column']}` {op} `{a['than']}`", f"`{a['column']}` {op} `{a['than']}`"
    if check.rule == "windows_disjoint":
        span = f"[`{a['from_column']}`, `{a['to_column']}`]"
        return f"{cols} 的有效期 {span} 互不重叠", f"{span} of one {cols} do not overlap"
    if check.rule == "plausible_max":
        from pipelines.lib.quality.plan import unit_dimensions

        canonical = unit_dimensions()
        limits = ", ".join(f"{v:g} {canonical[d]} ({d})" for d, v in a["max"].items())
        return (f"`{a['column']}`（按 `{a['unit_column']}` 折算）每行 ≤ {limits}",
                f"`{a['column']}` (by `{a['unit_column']}`) per row ≤ {limits}")  # fmt: skip
    numbers = {k: v for k, v in a.items() if isinstance(v, float)}
    zh, en, _args = RULE_CATALOGUE[check.rule]
    if numbers:
        shown = ", ".join(f"{k} = {v:g}" for k, v in sorted(numbers.items()))
        return f"{zh}（{shown}）", f"{en} ({shown})"
    return zh, en


def render_plan(plan: Plan) -> str:
    doc = plan.document
    out: list[str] = []
    w = out.append
    w(f"# {plan.title_zh} / {plan.title_en}")
    w("")
    w("<!-- Generated from data_quality/plan.yml by `carbon dq-plan`; do not edit by hand. -->")
    w("")
    latest = plan.revisions[-1] if plan.revisions else None
    meta = [
        ("文件编号 Document", doc.get("id", "—")),
        ("版本 Version", f"{latest.version} ({latest.date})" if latest else "—"),
        ("负责人 Owner", " / ".join(doc["owner"][::-1]) if "owner" in doc else "—"),
        ("批准人 Approved by", " / ".join(doc["approved_by"][::-1]) if "approved_by" in doc else "—"),
        ("依据 Basis", "T/CAS 612-2022 6.8, 7.5, 9.1; T/CCAA 39-2022"),
        ("源文件 Source", "`data_quality/plan.yml`"),
    ]
    w("| | |")
    w("|---|---|")
    for k, v in meta:
        w(f"| {k} | {v} |")
    w("")
    if "scope" in doc:
        w("## 1. 范围 Scope")
        w("")
        w(doc["scope"][1])
        w("")
        w(doc["scope"][0])
        w("")
    w("## 2. 修订记录 Revision history")
    w("")
    w(
        "本计划在数据来源、计量器具或规则变更时修订（6.8）。The plan is revised whenever sources, meters or rules change (6.8)."
    )
    w("")
    w("| 版本 Version | 日期 Date | 修订人 Author | 修订内容 Changes |")
    w("|---|---|---|---|")
    for r in plan.revisions:
        w(f"| {r.version} | {r.date} | {r.author} | {r.changes_zh}<br>{r.changes_en} |")
    w("")
    w("## 3. 监测数据流 Monitored data streams")
    w("")
    w("| # | 数据流 Stream | 条款 Clause | 落地数据集 Dataset | 来源系统 Source system | 方法 Method | "
      "频次 Frequency | 责任岗位 Responsible role | 保存期限 Retention | 检查 Checks |")  # fmt: skip
    w("|---|---|---|---|---|---|---|---|---|---|")
    for i, s in enumerate(plan.streams, 1):
        w(f"| {i} | {s.name_zh}<br>{s.name_en} (`{s.id}`) | {s.clause} | `{s.dataset_key}` | {s.source_system} | "
          f"{METHOD_ZH[s.method]} {s.method} | {FREQUENCY_ZH[s.frequency]} {s.frequency} | {s.responsible_role} | "
          f"{s.retention} | {len(s.checks)} |")  # fmt: skip
    w("")
    w(
        "每个数据流在装载时还须符合落地区数据契约（`docs/landing_zone.md`）：DQ-CONTRACT-000 文件无法读取、-001 缺少必需列、"
        "-002 必需值为空、-003 类型错误（含 NaN/inf、有歧义的小数点）、-004 无法拆分的行（仅隔离该行）。"
    )
    w(
        "Every stream is also held to the landing-zone contract on load (`docs/landing_zone.md`): DQ-CONTRACT-000 "
        "unreadable file, -001 required column missing, -002 required value empty, -003 value of the wrong type (NaN/inf, an ambiguous decimal mark included), "
        "-004 malformed line (only that line is quarantined)."
    )
    w("")
    meters = plan.meters
    w("## 4. 计量器具 Measuring equipment (9.1.3)")
    w("")
    if meters:
        w("| 计量器具 Meter | 数据流 Stream | 设施 Facility | 能源 Energy | 供应 Supply | 准确度等级 Accuracy class | "
          "检定周期（月） Calibration interval (months) |")  # fmt: skip
        w("|---|---|---|---|---|---|---|")
        for m in meters:
            w(f"| `{m.meter_id}` | `{m.stream}` | {m.facility_id} | {m.energy_type} | {m.supply} | "
              f"{m.accuracy_class or '—'} | {m.calibration_interval_months} |")  # fmt: skip
    else:
        w("（无 none）")
    w("")
    w("## 5. 各数据流的检查 Checks per stream")
    w("")
    w(
        "阶段 When: 装载时 on load（每个新批次，GX）· 建模前 before dbt（阻断闸门）· 建模后 after dbt（GX 作用于 dbt 度量）。"
        "严重度 Severity: 错误 error（逐行：隔离该行；数据集：阻断下游）· 警告 warning（报告，不阻断）。"
    )
    w("")
    for i, s in enumerate(plan.streams, 1):
        w(f"### 5.{i} {s.name_zh} {s.name_en} (`{s.id}`)")
        w("")
        w(
            f"`{s.dataset_key}` · {s.source_system} · {METHOD_ZH[s.method]} {s.method} · "
            f"{FREQUENCY_ZH[s.frequency]} {s.frequency} · {s.responsible_role} · {s.retention}"
        )
        w("")
        _checks_table(w, s.checks)
    if plan.review:
        w("## 6. 计划评审 Plan review (6.8)")
        w("")
        w(
            "数据中出现计划未覆盖的来源、数据集或计量器具，即为“计划需要修订”的发现项。"
            "A source, dataset or meter in the data that the plan does not cover is a finding: the plan needs revision."
        )
        w("")
        _checks_table(w, plan.review)
    w("## 7. 规则目录 Rule catalogue")
    w("")
    w("| 规则 Rule | 阶段 When | 检查内容 | What it checks | 参数 Arguments |")
    w("|---|---|---|---|---|")
    for rule, spec in RULES.items():
        zh, en, args = RULE_CATALOGUE[rule]
        stage_zh, stage_en = STAGE_TEXT[spec.stage]
        w(f"| `{rule}` | {stage_zh} {stage_en} | {zh} | {en} | {args or '—'} |")
    w("")
    w(
        "代码规则 Codes: `DQ-<FAMILY>-<nnn>`，永不复用或重新编号 never reused or renumbered. "
        "COMPL 完整性 completeness · VALID 有效性 validity · REF 引用 references · UNIQ 唯一性 uniqueness · "
        "TREE 组织边界 boundary · TIME 及时性 timeliness · CALIB 检定 calibration · DEV 偏差 deviation · "
        "RECON 核对 reconciliation · EST 估算 estimation · FACTOR 因子覆盖 factor coverage · PLAN 计划评审 plan review."
    )
    w("")
    weights = plan.score_weights
    w("## 8. 执行、记录与保存 How the plan is carried out and recorded")
    w("")
    w(
        "- 装载时：每个新文件批次按本计划由 Great Expectations 校验；未通过逐行错误检查的行进入 `ingest.quarantine`"
        "（附规则代码与原因），其余行照常装载；数据集级错误阻断下游并使 `carbon run` 以非零退出。"
    )
    w(
        "  On load: every new batch is validated by Great Expectations against this plan; rows failing a row-level "
        "error are quarantined in `ingest.quarantine` with the rule code and reason, the good rows load; a "
        "dataset-level error blocks everything downstream and `carbon run` exits non-zero."
    )
    w(
        "- 建模后：dbt 计算紧凑度量（`dbt_project/models/intermediate/quality/`），GX 按本计划阈值判定；结果写入 "
        "`quality.check_results` 与 `quality.findings`，记分卡为 `marts.fct_data_quality`。"
    )
    w(
        "  After dbt: dbt computes compact measures (`dbt_project/models/intermediate/quality/`) and GX judges them "
        "with this plan's thresholds; outcomes go to `quality.check_results` and `quality.findings`, the scorecard "
        "to `marts.fct_data_quality`."
    )
    w(
        f"- 数据质量得分 Score (0–100) = 100 × ({weights['completeness']:g} × 完整率 completeness + "
        f"{weights['checks']:g} × 通过检查占比 share of checks passed + {weights['measured']:g} × 非估算占比 share "
        "not estimated)."
    )
    w(
        "- 验证记录 Validation records: GX Data Docs `data_quality/gx/uncommitted/data_docs/local_site/index.html`，"
        "每次运行更新 updated on every run."
    )
    w("")
    return "\n".join(out)


def _checks_table(w, checks: tuple[Check, ...]) -> None:
    w("| 代码 Code | 阶段 When | 严重度 Severity | 层级 Level | 规则 Rule | 说明 Description |")
    w("|---|---|---|---|---|---|")
    for c in checks:
        zh, en = rule_text(c)
        stage_zh, stage_en = STAGE_TEXT[c.stage]
        blocking = " · 阻断 blocking" if c.is_blocking else ""
        w(
            f"| {c.code} | {stage_zh} {stage_en} | {SEVERITY_ZH[c.severity]} {c.severity}{blocking} | "
            f"{LEVEL_ZH[c.level]} {c.level} | {zh if zh == en else f'{zh}<br>{en}'} | {c.description} |"
        )
    w("")
