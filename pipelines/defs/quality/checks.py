"""The plan's ``has_rows`` gates: a required stream missing stops the run before dbt.

One blocking asset check per ``has_rows`` check of the plan (the entity tree
and the facility register), on the dataset's raw table: without them no
activity can be placed in the organisational boundary, so nothing downstream
is built and ``carbon run`` exits non-zero naming the rule.
"""

from __future__ import annotations

import dagster as dg

from pipelines.defs.extraction.assets import asset_key
from pipelines.lib import quality
from pipelines.lib.contract import dataset
from pipelines.lib.quality.warehouse_checks import validate_raw_counts
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import connect


def build_required_stream_check(check: quality.Check) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key(dataset(check.dataset_key)),
        name=check.check_name,
        blocking=check.is_blocking,
        description=f"{check.code} ({check.stream}, {check.severity}): {check.description}",
    )
    def _required(carbon: CarbonResource) -> dg.AssetCheckResult:
        plan = quality.load_plan()
        with connect(carbon.warehouse, read_only=True) as con:
            result = validate_raw_counts(con, plan, [check.dataset_key])
        outcome = next(o for o in result.outcomes if o.check.code == check.code)
        found = [f.message for f in result.findings if f.check_code == check.code]
        summary = (f"blocking check(s) failed: {check.code} ({found[0] if found else outcome.error})"
                   if not outcome.success else f"{check.code}: {check.dataset_key} has rows")  # fmt: skip
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if check.severity == "error" else dg.AssetCheckSeverity.WARN,
            metadata={"summary": summary},
        )

    return _required


def build_required_stream_checks() -> list[dg.AssetChecksDefinition]:
    """One blocking asset check per ``has_rows`` check of the plan, read when the definitions are built."""
    try:
        plan = quality.load_plan()
    except quality.PlanError:  # reported by the extraction assets, which load the plan first
        return []
    return [build_required_stream_check(c) for c in plan.checks_in("raw")]
