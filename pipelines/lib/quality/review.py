"""The data against the plan itself (T/CAS 612 6.8, second paragraph: revise
the plan when sources, meters or rules change).

One compact frame per review rule — the landing folders that hold data, the
meters of the register, the meters of the plan — with ``ok`` = 1 where the
plan covers the item; GX (suite ``quality__plan_review``) flags the rest as
"the plan needs revision" findings.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from pipelines.lib.contract import DATASETS_BY_KEY
from pipelines.lib.quality.plan import PLAN_STREAM, Check, Plan
from pipelines.lib.quality.warehouse_checks import Finding, Validation, _plain
from pipelines.lib.warehouse import table_exists
from pipelines.paths import GX_DIR

# The file types the loader reads (docs/landing_zone.md).
DATA_SUFFIXES = (".csv", ".xlsx", ".parquet")


def landing_folders(landing: Path) -> dict[str, int]:
    """Folder (relative to the landing root, '/'-separated) -> number of data files in it."""
    counts: dict[str, int] = {}
    if not landing.is_dir():
        return counts
    for path in landing.rglob("*"):
        if path.is_file() and path.suffix.lower() in DATA_SUFFIXES and not path.name.startswith((".", "~$")):
            folder = path.parent.relative_to(landing).as_posix()
            counts[folder] = counts.get(folder, 0) + 1
    return dict(sorted(counts.items()))


def review_frame(con: duckdb.DuckDBPyConnection, plan: Plan, landing: Path | None) -> pd.DataFrame:
    """One row per item the review rules judge: rule, subject, ok (1 = the plan covers it), detail."""
    rows: list[dict] = []
    folders = landing_folders(landing) if landing is not None else {}
    loaded = con.execute("select dataset_key, count(*) from ingest.files group by 1").fetchall() if table_exists(
        con, "ingest", "files") else []  # fmt: skip
    for key, n in loaded:
        folders.setdefault(key, n)
    planned = set(plan.dataset_keys)
    for folder, n in sorted(folders.items()):
        known = folder in DATASETS_BY_KEY
        rows.append(_row(
            "datasets_in_plan", "dataset", folder, folder in planned,
            f"The landing folder {folder}/ holds {n} data file(s) "
            + ("that no stream of the plan covers" if known else "that is not a dataset of the landing-zone "
               "contract (they are not loaded) and no stream of the plan covers")
            + ": the plan needs revision.",
        ))  # fmt: skip

    register: dict[str, tuple[str | None, int | None]] = {}
    if table_exists(con, "raw", "energy__meters"):
        for meter_id, facility_id, interval in con.execute(
            "select meter_id, facility_id, calibration_interval_months from raw.energy__meters "
            "where meter_id is not null order by 1"
        ).fetchall():
            register[str(meter_id)] = (facility_id, None if interval is None else int(interval))
    in_plan = {m.meter_id: m for m in plan.meters}
    for meter_id, (facility_id, _interval) in register.items():
        rows.append(_row(
            "meters_in_plan", "meter", meter_id, meter_id in in_plan,
            f"Meter {meter_id} ({facility_id}) is in the meter register but not in the plan: the plan needs "
            "revision (add it with its calibration interval).", facility_id=facility_id,
        ))  # fmt: skip
    for meter_id, m in in_plan.items():
        rows.append(_row(
            "plan_meters_registered", "meter", meter_id, meter_id in register,
            f"Meter {meter_id} ({m.facility_id}) is in the plan but not in the meter register: the plan needs "
            "revision (or the register is incomplete).", facility_id=m.facility_id,
        ))  # fmt: skip
        if meter_id in register and register[meter_id][1] is not None:
            interval = register[meter_id][1]
            rows.append(_row(
                "calibration_interval_matches", "meter", meter_id, interval == m.calibration_interval_months,
                f"Meter {meter_id} is calibrated every {interval} months in the register but every "
                f"{m.calibration_interval_months} months in the plan: the plan needs revision.",
                facility_id=m.facility_id,
            ))  # fmt: skip
    columns = ["dataset_key", "rule", "subject_type", "subject_id", "facility_id", "ok", "detail"]
    return pd.DataFrame(rows, columns=columns)


def review_findings(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    landing: Path | None,
    *,
    context_root: Path | str = GX_DIR,
    update_data_docs: bool = False,
) -> Validation:
    """Run the plan's review checks (GX on the review frame)."""
    from pipelines.lib.quality.gx_context import WAREHOUSE_SOURCE, exception_message, gx_context
    from pipelines.lib.quality.warehouse_checks import CheckOutcome

    checks = list(plan.checks_in("review"))
    if not checks:
        return Validation([])
    frame = review_frame(con, plan, landing).reset_index(drop=True)
    present = set(frame["rule"])
    outcomes: list[CheckOutcome] = []
    findings: list[Finding] = []
    gxc = gx_context(context_root)
    E = gxc.gx.expectations
    expectations = [
        E.ExpectColumnValuesToBeBetween(
            column="ok", min_value=1, row_condition=f'rule=="{c.rule}"', condition_parser="pandas",
            meta={"code": c.code, "stream": PLAN_STREAM, "column": "ok"}, severity="warning",
            notes="review check of the data quality plan (6.8: revise the plan)",
            description=f"{c.code} · {c.description} [{c.rule}]",
        )
        for c in checks
    ]  # fmt: skip
    with gxc.lock:
        checkpoint = gxc.checkpoint(WAREHOUSE_SOURCE, "quality__plan_review", expectations,
                                    notes="Built from the data quality plan; do not edit.")  # fmt: skip
        if frame.empty:
            return Validation([CheckOutcome(c, True, 0, 0) for c in checks])
        result = gxc.run(checkpoint, frame, update_data_docs=update_data_docs)
    by_code: dict[str, Check] = {c.code: c for c in checks}
    for res in result.results:
        check = by_code[res.expectation_config.meta["code"]]
        error = exception_message(res.exception_info) if check.rule in present else None
        positions = sorted(int(i) for i in (res.result.get("unexpected_index_list") or []))
        evaluated = int(res.result.get("element_count") or 0)
        outcomes.append(CheckOutcome(check, bool(res.success) or check.rule not in present, evaluated,
                                     len(positions), error))  # fmt: skip
        for pos in positions:
            row = {k: _plain(v) for k, v in frame.iloc[pos].to_dict().items()}
            findings.append(Finding(
                check_code=check.code, stream_id=PLAN_STREAM, dataset_key=row["dataset_key"], stage="review",
                severity=check.severity, level=check.level, message=row["detail"],
                subject_type=row["subject_type"], subject_id=row["subject_id"], facility_id=row["facility_id"],
                value=0.0, threshold="covered by the plan",
            ))  # fmt: skip
    return Validation(outcomes, findings)


def _row(rule: str, subject_type: str, subject_id: str, ok: bool, detail: str, **extra) -> dict:
    dataset = subject_id if subject_type == "dataset" else "energy/meters"
    return {"dataset_key": dataset, "rule": rule, "subject_type": subject_type, "subject_id": subject_id,
            "facility_id": extra.get("facility_id"), "ok": int(ok), "detail": detail}  # fmt: skip
