"""``quality/*``: the data quality plan's checks after dbt, as Dagster asset checks.

The asset runs the plan's warehouse checks (GX on the compact measures of
``dbt_project/models/intermediate/quality/``) and its review checks (the data
against the plan: datasets and meters it does not cover), gathers the load
checks' outcomes and findings stored by the loader, writes everything to the
``quality`` schema (one asset per table: ``quality/plan_streams``,
``quality/plan_checks``, ``quality/check_results``, ``quality/findings``) and
brings the GX Data Docs up to date. Each warehouse and review check of the
plan is an asset check of ``quality/findings``; a check the plan
marks error at dataset level is blocking, so the models built from the results
(``fct_data_quality``) and anything else downstream are not built when it fails.

The measures are read with a read-only connection; the results are written
with one short write connection afterwards (DuckDB allows one writer at a time).
"""

from collections import defaultdict

import dagster as dg
from dagster import AssetExecutionContext

from pipelines.lib import quality
from pipelines.lib.progress import say
from pipelines.lib.quality import store
from pipelines.lib.quality.review import review_findings
from pipelines.lib.quality.warehouse_checks import Finding, validate_raw_counts, validate_warehouse
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import connect

RESULT_TABLES = ("plan_streams", "plan_checks", "check_results", "findings")
FINDINGS = dg.AssetKey(["quality", "findings"])

# The dbt measures the warehouse checks read (and the mart of unestimated activity).
MEASURE_MODELS = (
    "int_quality__reporting_periods", "int_quality__reporting_lag", "int_quality__meter_calibration",
    "int_quality__deviations", "int_quality__annual_jumps", "int_quality__intensity_outliers", "int_quality__meter_invoice_reconciliation",
    "int_quality__process_stoichiometry", "int_quality__stream_years", "int_quality__credit_serial_blocks", "int_quality__entity_boundary",
)  # fmt: skip
MEASURE_DEPS = [dg.AssetKey(["intermediate", m]) for m in MEASURE_MODELS] + [
    dg.AssetKey(["marts", "fct_unestimated_activity"])
]


def _plan_or_none() -> quality.Plan | None:
    # A malformed plan is reported when the assets run (the extraction assets load
    # it first, naming the entry at fault); the code location itself still loads.
    try:
        return quality.load_plan()
    except quality.PlanError:
        return None


def _check_specs(plan: quality.Plan | None) -> list[dg.AssetCheckSpec]:
    if plan is None:
        return []
    return [
        dg.AssetCheckSpec(
            name=c.check_name,
            asset=FINDINGS,
            description=f"{c.code} ({c.stream}, {c.severity}): {c.description}",
            blocking=c.is_blocking,
        )
        for c in plan.checks
        if c.stage in ("warehouse", "review")
    ]


_DESCRIPTIONS = {
    "plan_streams": "The data quality plan's monitored streams as applied in the run.",
    "plan_checks": "Every check of the data quality plan (code, stream, stage, rule, severity, threshold).",
    "check_results": "The outcome of every check of the data quality plan in the run.",
    "findings": "Every finding of the data quality plan (T/CAS 612 6.8, 9.1), one sentence each: load, "
    "raw, warehouse (GX on the dbt measures) and review (the plan needs revision).",
}


def build_plan_results() -> dg.AssetsDefinition:
    """The ``quality/*`` assets (op ``plan_results``) with one asset check per warehouse and review check
    of the plan, read when the definitions are built (not on import)."""

    @dg.multi_asset(
        name="plan_results",
        specs=[
            dg.AssetSpec(
                dg.AssetKey(["quality", table]),
                deps=MEASURE_DEPS,
                group_name="quality",
                kinds={"great_expectations", "duckdb"},
                description=_DESCRIPTIONS[table],
            )
            for table in RESULT_TABLES
        ],
        check_specs=_check_specs(_plan_or_none()),
    )
    def plan_results(context: AssetExecutionContext, carbon: CarbonResource):
        yield from _run_plan(carbon)

    return plan_results


def _run_plan(carbon: CarbonResource):
    plan = quality.load_plan()
    say("quality  running the data quality plan's warehouse checks (GX)")
    with connect(carbon.warehouse, read_only=True) as con:
        warehouse = validate_warehouse(con, plan)
        review = review_findings(con, plan, carbon.landing)
        raw = validate_raw_counts(con, plan)
        load_outcomes = store.load_outcomes(con, plan)
        load_findings = store.load_findings(con, plan)
    outcomes = load_outcomes + raw.outcomes + warehouse.outcomes + review.outcomes
    findings = load_findings + raw.findings + warehouse.findings + review.findings
    with connect(carbon.warehouse) as con:
        store.write_results(con, plan, outcomes, findings)
    docs = quality.build_data_docs()

    by_code: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_code[f.check_code].append(f)
    failed = [o for o in outcomes if not o.success]
    say(
        f"quality  {len(outcomes)} checks of plan {plan.version}: {len(failed)} with findings, "
        f"{sum(o.check.is_blocking for o in failed)} blocking; Data Docs: {docs}"
    )
    for table in RESULT_TABLES[:-1]:
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["quality", table]))
    yield dg.MaterializeResult(
        asset_key=FINDINGS,
        metadata={
            "plan_version": plan.version,
            "checks": len(outcomes),
            "checks_failed": ", ".join(o.check.code for o in failed) or "none",
            "findings": len(findings),
            "data_docs": dg.MetadataValue.path(str(docs)),
        },
    )
    for outcome in warehouse.outcomes + review.outcomes:
        check = outcome.check
        found = by_code.get(check.code, [])
        summary = (
            f"{check.code} failed: {outcome.error}"
            if outcome.error
            else f"{check.code}: {len(found)} finding(s); first: {found[0].message}"
            if found
            else f"{check.code}: passed on {outcome.evaluated} row(s)"
        )
        yield dg.AssetCheckResult(
            asset_key=FINDINGS,
            check_name=check.check_name,
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR if check.severity == "error" else dg.AssetCheckSeverity.WARN,
            metadata={
                "summary": summary,
                "evaluated": outcome.evaluated,
                "failed": outcome.failed,
                "findings": "\n".join(f.message for f in found[:20]) or "none",
            },
        )
