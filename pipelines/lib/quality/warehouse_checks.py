"""Warehouse-level checks of the plan: GX on the compact dbt measures, after dbt.

Each warehouse rule of the plan reads one measure (``MEASURES``): a dbt model
of ``dbt_project/models/intermediate/quality/`` (facility x month record
counts, deviation factors, calibration status per meter-month, ...) or a
small aggregate of a mart. The measure computes; the plan's threshold judges:
one GX suite per measure (asset ``quality__<measure>`` of the ``warehouse``
data source), one expectation per plan check, restricted to the check's
dataset with a row condition. Every failing row becomes a :class:`Finding`
with one sentence a person can act on.

The measures are aggregates (a row per facility x month, meter x month,
stream x year ...), so the cost of these checks follows the size of the
group, not the number of raw rows. The frames are read from DuckDB with a
read-only connection; nothing here writes to the warehouse (see ``store``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from pipelines.lib.contract import DATASETS_BY_KEY
from pipelines.lib.quality.gx_context import WAREHOUSE_SOURCE, exception_message, gx_context
from pipelines.lib.quality.plan import Check, Plan
from pipelines.paths import GX_DIR


@dataclass
class Finding:
    """One thing a check of the plan found, at any stage (load, raw, warehouse, review)."""

    check_code: str
    stream_id: str
    dataset_key: str
    stage: str
    severity: str
    level: str
    message: str  # one sentence naming the subject, period and value
    subject_type: str | None = None  # facility | meter | entity | facility_energy | credit | file | ...
    subject_id: str | None = None
    facility_id: str | None = None
    entity_id: str | None = None
    period: str | None = None  # 'YYYY-MM' or 'YYYY'
    reporting_year: int | None = None
    value: float | None = None  # the measure that failed
    threshold: str | None = None  # what the plan allows, as text
    source_record_key: str | None = None  # '<raw table>:<file>#<row>' when one raw row is at fault
    file_path: str | None = None
    row_number: int | None = None
    is_quarantined: bool = False


@dataclass
class CheckOutcome:
    """The outcome of one check of the plan in a run (any stage; ``error`` when it could not run)."""

    check: Check
    success: bool
    evaluated: int
    failed: int
    error: str | None = None


@dataclass
class Validation:
    """The outcomes and findings of a set of the plan's checks (raw, warehouse or review stage)."""

    outcomes: list[CheckOutcome]
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocking(self) -> list[CheckOutcome]:
        return [o for o in self.outcomes if not o.success and o.check.is_blocking]


@dataclass(frozen=True)
class Measure:
    """Where a warehouse rule reads its measure and which column the plan bounds."""

    name: str
    sql: str  # select ... (must return dataset_key); {datasets} is replaced by the dataset list
    column: str
    lower: str | float | None = None  # plan argument (str) or fixed bound (float)
    upper: str | float | None = None
    condition: str = ""  # extra pandas row condition
    message: Callable[[Mapping[str, Any], Check], str] = lambda row, check: check.description


def _relation(model: str) -> str:
    return f"select * from intermediate.{model} where dataset_key in ({{datasets}})"


def _fmt(x: Any, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, float) and x >= 1e6:
        return "∞"
    return f"{x:,.{digits}f}" if isinstance(x, float) else str(x)


def _subject(row: Mapping[str, Any]) -> str:
    kind, sid = row.get("subject_type"), row.get("subject_id")
    return {"meter": f"Meter {sid}", "entity": f"Entity {sid}", "credit": f"Credit {sid}"}.get(
        kind, f"Facility {sid}"
    )


def _completeness_message(row: Mapping[str, Any], check: Check) -> str:
    if row["subject_type"] == "meter":
        return (f"Meter {row['subject_id']} ({row['facility_id']}): readings cover {_fmt(row['coverage_pct'])} % "
                f"of {row['period']}; the plan requires {_fmt(check.args['min_coverage_pct'], 0)} %.")  # fmt: skip
    return (
        f"{_subject(row)} reported no {row['dataset_key']} records for {row['period']}, a gap between "
        "periods it did report."
    )


def _overlap_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"Meter {row['subject_id']}: readings for {row['period']} add up to {_fmt(row['coverage_pct'])} % of "
            "the month — intervals overlap and count the energy twice.")  # fmt: skip


def _lag_message(row: Mapping[str, Any], check: Check) -> str:
    last = row.get("last_period_start")
    last_text = "never reported" if last is None or pd.isna(last) else f"last reported {str(last)[:7]}"
    return (f"{_subject(row)} {last_text} in {row['dataset_key']}: {int(row['periods_behind'])} period(s) up to "
            f"{row['period']} are missing (the plan allows {int(check.args['max_periods'])}).")  # fmt: skip


def _calibration_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"Meter {row['subject_id']} ({row['facility_id']}) was due for calibration on "
            f"{str(row['calibration_due_date'])[:10]} (calibrated {str(row['last_calibrated_date'])[:10]}, every "
            f"{int(row['calibration_interval_months'])} months); its readings for {row['period']} run to "
            f"{str(row['last_reading_at'])[:10]}, {int(row['days_overdue'])} days past due.")  # fmt: skip


def _deviation_message(row: Mapping[str, Any], check: Check) -> str:
    parts = []
    for col, label in (("month_on_month_factor", "the previous month"),
                       ("year_on_year_factor", "the same month a year earlier"),
                       ("next_month_factor", "the next month")):  # fmt: skip
        if row.get(col) is not None and not pd.isna(row[col]):
            parts.append(f"{_fmt(row[col])}× {label}")
    return (f"{_subject(row)} {row['activity']} {row['period']}: {_fmt(row['quantity'], 3)} {row['unit']} differs by "
            f"{', '.join(parts)} (the plan flags beyond {_fmt(check.args['max_factor'])}× both).")  # fmt: skip


def _jump_message(row: Mapping[str, Any], check: Check) -> str:
    direction = "above" if row["monthly_average"] > row["previous_monthly_average"] else "below"
    return (f"{_subject(row)} {row['activity']} {int(row['reporting_year'])}: {_fmt(row['monthly_average'], 3)} "
            f"{row['unit']} a reported month on average ({int(row['months_reported'])} months), "
            f"{_fmt(row['jump_factor'])}× {direction} {int(row['reporting_year']) - 1} "
            f"({_fmt(row['previous_monthly_average'], 3)} {row['unit']}); the plan stops the reports beyond "
            f"{_fmt(check.args['max_factor'])}× until the figure is corrected or acknowledged in carbon.yml "
            f"(acknowledged_jumps).")  # fmt: skip


def _intensity_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"{_subject(row)} {row['activity']} per {row['production_unit']} produced in {row['period']} is "
            f"{_fmt(row['intensity_factor'])}× away from its median ({row['intensity']:.4g} vs "
            f"{row['median_intensity']:.4g} {row['unit']}/{row['production_unit']}; the plan flags beyond "
            f"{_fmt(check.args['max_factor'])}×).")  # fmt: skip


def _stoichiometry_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"{_subject(row)} {row['process_key']} {int(row['reporting_year'])}: {_fmt(row['process_co2_t'], 1)} t CO2 "
            f"over {_fmt(row['product_t'], 1)} t of {row['product']} = {row['co2_t_per_t']:.4f} t CO2 per t, above the "
            f"stoichiometric maximum {row['max_co2_t_per_t']:.4f} ({row['reaction']}): the input quantity, its "
            f"purity, the factor or the production figure is wrong.")  # fmt: skip


def _reconciliation_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"Facility {row['facility_id']} {row['energy_type']} {row['period']}: meters {_fmt(row['metered_gj'], 0)} GJ, "
            f"invoices {_fmt(row['invoiced_gj'], 0)} GJ ({row['difference_pct']:+.1f} %; tolerance "
            f"±{_fmt(check.args['tolerance_pct'], 0)} %).")  # fmt: skip


def _estimated_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"{_fmt(row['estimated_pct'])} % of the {row['dataset_key']} records of {row['period']} are estimated "
            f"({int(row['estimated_records'])} of {int(row['records'])}); the plan allows "
            f"{_fmt(check.args['max_pct'], 0)} %.")  # fmt: skip


def _serial_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"Credit {row['subject_id']} ({row['entity_id']}) overlaps the serial block of "
            f"{row['overlapping_serials']}: the same tonnes are recorded twice.")  # fmt: skip


def _tree_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"Entity {row['subject_id']} is not reachable from the group root {row['group_root_entity_id']} of "
            "carbon.yml: its emissions weigh nothing under every approach.")  # fmt: skip


def _factor_message(row: Mapping[str, Any], check: Check) -> str:
    where = f" at {row['facility_id']}" if row.get("facility_id") else ""
    return (f"{int(row['records'])} {row['dataset_key']} record(s) of {row['activity_code']} in {row['period']}{where} "
            f"have no emissions: {row['reason_code']}.")  # fmt: skip


# fct_unestimated_activity lists activity no rule could compute. Only reporting
# years count: years with periods the plan expects (a billing cycle's six days
# of December before the first reporting year are outside the inventory).
_FACTOR_SQL = """
with reporting_years as (
    select distinct reporting_year from intermediate.int_quality__stream_years
    where expected_periods > 0 and reporting_year is not null
)
select
    dataset_key,
    case when facility_id is null then null else 'facility' end as subject_type,
    coalesce(facility_id, dataset_key) as subject_id,
    facility_id,
    activity_code,
    reason_code,
    reporting_year,
    cast(reporting_year as varchar) as period,
    count(*) as records,
    min(source_record_key) as source_record_key
from marts.fct_unestimated_activity
where dataset_key in ({datasets})
  and (reporting_year in (select reporting_year from reporting_years)
       or not exists (select 1 from reporting_years))
group by all
order by all
"""

MEASURES: dict[str, Measure] = {
    "complete_periods": Measure(
        "reporting_periods", _relation("int_quality__reporting_periods"), "coverage_pct",
        lower="min_coverage_pct", condition="is_expected == True", message=_completeness_message,
    ),
    "readings_do_not_overlap": Measure(
        "reporting_periods", _relation("int_quality__reporting_periods"), "coverage_pct",
        upper="max_coverage_pct", message=_overlap_message,
    ),
    "reporting_lag": Measure(
        "reporting_lag", _relation("int_quality__reporting_lag"), "periods_behind", upper="max_periods",
        message=_lag_message,
    ),
    "calibration_current": Measure(
        "meter_calibration", _relation("int_quality__meter_calibration"), "days_overdue",
        upper="max_days_overdue", message=_calibration_message,
    ),
    "deviation": Measure(
        "deviations", _relation("int_quality__deviations"), "deviation_factor", upper="max_factor",
        message=_deviation_message,
    ),
    "annual_jump": Measure(
        "annual_jumps", _relation("int_quality__annual_jumps"), "jump_factor", upper="max_factor",
        condition="is_acknowledged == False", message=_jump_message,
    ),
    "intensity_outlier": Measure(
        "intensity_outliers", _relation("int_quality__intensity_outliers"), "intensity_factor",
        upper="max_factor", message=_intensity_message,
    ),
    "stoichiometric_max": Measure(
        "process_stoichiometry", _relation("int_quality__process_stoichiometry"), "share_of_maximum",
        upper=1.0, message=_stoichiometry_message,
    ),
    "reconciliation": Measure(
        "meter_invoice_reconciliation", _relation("int_quality__meter_invoice_reconciliation"),
        "abs_difference_pct", upper="tolerance_pct", message=_reconciliation_message,
    ),
    "estimated_share": Measure(
        "stream_years", _relation("int_quality__stream_years"), "estimated_pct", upper="max_pct",
        message=_estimated_message,
    ),
    "serial_blocks_disjoint": Measure(
        "credit_serial_blocks", _relation("int_quality__credit_serial_blocks"), "overlapping_records",
        upper=0.0, message=_serial_message,
    ),
    "in_boundary_tree": Measure(
        "entity_boundary", _relation("int_quality__entity_boundary"), "is_in_tree", lower=1.0,
        message=_tree_message,
    ),
    "factor_coverage": Measure(
        "factor_coverage", _FACTOR_SQL, "records", upper=0.0, message=_factor_message,
    ),
}  # fmt: skip


def validate_warehouse(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    *,
    context_root: Path | str = GX_DIR,
    update_data_docs: bool = False,
) -> Validation:
    """Run every warehouse check of the plan on its measure (``con`` may be read-only)."""
    checks = plan.checks_in("warehouse")
    frames: dict[str, pd.DataFrame] = {}
    errors: dict[str, str] = {}
    by_measure: dict[str, list[Check]] = {}
    for check in checks:
        by_measure.setdefault(MEASURES[check.rule].name, []).append(check)
    for name, group in by_measure.items():
        datasets = sorted({c.dataset_key for c in group})
        sql = MEASURES[group[0].rule].sql.format(datasets=", ".join(f"'{d}'" for d in datasets))
        try:
            frames[name] = con.execute(sql).df()
        except duckdb.Error as exc:  # the measure is not built (dbt failed or an old warehouse)
            errors[name] = f"measure {name} could not be read: {str(exc).splitlines()[0]}"
    outcomes: list[CheckOutcome] = []
    findings: list[Finding] = []
    for name, group in by_measure.items():
        if name in errors:
            outcomes += [CheckOutcome(c, False, 0, 0, errors[name]) for c in group]
            continue
        o, f = validate_frame(frames[name], group, "quality__" + name, context_root=context_root,
                              update_data_docs=update_data_docs, stage="warehouse")  # fmt: skip
        outcomes += o
        findings += f
    order = {c.code: i for i, c in enumerate(checks)}
    outcomes.sort(key=lambda o: order[o.check.code])
    return Validation(outcomes, findings)


def validate_raw_counts(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    dataset_keys: list[str] | None = None,
    *,
    context_root: Path | str = GX_DIR,
    update_data_docs: bool = False,
) -> Validation:
    """The ``has_rows`` gates: the row count of each named dataset's raw table."""
    checks = [c for c in plan.checks_in("raw") if dataset_keys is None or c.dataset_key in dataset_keys]
    if not checks:
        return Validation([])
    rows = []
    for key in sorted({c.dataset_key for c in checks}):
        table = DATASETS_BY_KEY[key].raw_table
        try:
            n = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        except duckdb.Error:
            n = 0
        rows.append({"dataset_key": key, "subject_type": "dataset", "subject_id": key, "rows": int(n)})
    frame = pd.DataFrame(rows)
    outcomes, findings = validate_frame(frame, checks, "quality__raw_row_counts", context_root=context_root,
                                        update_data_docs=update_data_docs, stage="raw")  # fmt: skip
    return Validation(outcomes, findings)


def _bounds(check: Check) -> tuple[str, float | None, float | None, str, Callable]:
    if check.rule == "has_rows":
        return "rows", float(check.args["min_rows"]), None, "", _rows_message
    m = MEASURES[check.rule]

    def bound(b: str | float | None) -> float | None:
        return check.args[b] if isinstance(b, str) else b

    return m.column, bound(m.lower), bound(m.upper), m.condition, m.message


def _rows_message(row: Mapping[str, Any], check: Check) -> str:
    return (f"{row['dataset_key']} has {row['rows']} row(s) loaded; the plan requires at least "
            f"{int(check.args['min_rows'])}: {check.description}")  # fmt: skip


def threshold_text(check: Check) -> str:
    _column, lo, hi, _cond, _msg = _bounds(check)
    parts = []
    if lo is not None:
        parts.append(f"≥ {lo:g}")
    if hi is not None:
        parts.append(f"≤ {hi:g}")
    return " and ".join(parts)


def validate_frame(
    frame: pd.DataFrame,
    checks: list[Check],
    suite_name: str,
    *,
    context_root: Path | str = GX_DIR,
    update_data_docs: bool = False,
    stage: str = "warehouse",
) -> tuple[list[CheckOutcome], list[Finding]]:
    """Validate one measure frame against the checks that read it (one GX suite)."""
    frame = frame.reset_index(drop=True)
    gxc = gx_context(context_root)
    E = gxc.gx.expectations
    expectations = []
    for check in checks:
        column, lo, hi, condition, _msg = _bounds(check)
        row_condition = f'dataset_key=="{check.dataset_key}"' + (f" and {condition}" if condition else "")
        expectations.append(
            E.ExpectColumnValuesToBeBetween(
                column=column, min_value=lo, max_value=hi,
                row_condition=row_condition, condition_parser="pandas",
                meta={"code": check.code, "stream": check.stream, "column": column},
                severity="critical" if check.severity == "error" else "warning",
                notes=f"{stage}-level {check.severity} of stream {check.stream} in the data quality plan",
                description=f"{check.code} · {check.description} [{column} {threshold_text(check)}]",
            )
        )  # fmt: skip
    with gxc.lock:
        # Built even for an empty measure, so the context's assets do not depend on the data.
        checkpoint = gxc.checkpoint(WAREHOUSE_SOURCE, suite_name, expectations,
                                    notes="Built from the data quality plan; do not edit.")  # fmt: skip
        if frame.empty:
            # GX cannot resolve a row condition on a frame without rows: nothing to judge.
            return [CheckOutcome(c, True, 0, 0) for c in checks], []
        result = gxc.run(checkpoint, frame, update_data_docs=update_data_docs)
    by_code = {c.code: c for c in checks}
    outcomes, findings = [], []
    for res in result.results:
        check = by_code[res.expectation_config.meta["code"]]
        error = exception_message(res.exception_info)
        positions = sorted(int(i) for i in (res.result.get("unexpected_index_list") or []))
        evaluated = int(res.result.get("element_count") or 0)
        outcomes.append(CheckOutcome(check, bool(res.success) and not error, evaluated, len(positions),
                                     f"could not evaluate: {error}" if error else None))  # fmt: skip
        _column, _lo, _hi, _cond, message = _bounds(check)
        for pos in positions:
            row = {k: _plain(v) for k, v in frame.iloc[pos].to_dict().items()}
            findings.append(_finding(check, stage, row, message(row, check)))
    return outcomes, findings


def _finding(check: Check, stage: str, row: Mapping[str, Any], message: str) -> Finding:
    column, *_ = _bounds(check)
    key = row.get("source_record_key")
    file_path, row_number = split_record_key(key)
    year = row.get("reporting_year")
    return Finding(
        check_code=check.code,
        stream_id=check.stream,
        dataset_key=check.dataset_key,
        stage=stage,
        severity=check.severity,
        level=check.level,
        message=message,
        subject_type=row.get("subject_type"),
        subject_id=None if row.get("subject_id") is None else str(row["subject_id"]),
        facility_id=row.get("facility_id"),
        entity_id=row.get("entity_id"),
        period=row.get("period"),
        reporting_year=None if year is None else int(year),
        value=None if row.get(column) is None else float(row[column]),
        threshold=threshold_text(check),
        source_record_key=key,
        file_path=file_path,
        row_number=row_number,
    )


def split_record_key(key: str | None) -> tuple[str | None, int | None]:
    """'<raw table>:<file>#<row>' -> (file, row)."""
    if not key or ":" not in key or "#" not in key:
        return None, None
    path, _, row = key.split(":", 1)[1].rpartition("#")
    return path, int(row) if row.isdigit() else None


def _plain(value: Any) -> Any:
    """A pandas cell as a plain Python value (None for NA)."""
    try:
        if value is None or pd.isna(value):
            return None
    except (TypeError, ValueError):
        return value
    if hasattr(value, "item"):
        return value.item()
    return value
