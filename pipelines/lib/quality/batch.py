"""Load-time checks of the plan: GX on each new pandas batch.

:func:`validate_batch` builds the dataset's suite (named ``<source>__<dataset>``)
from the plan's load rules, runs it on the batch and maps every GX result back
to the plan's check code and to the failing rows.

Design notes:

* GX's SQL path does not work on DuckDB, so batches are pandas DataFrames the
  size of the new data (the newly landed files), never the whole warehouse.
* Values that change with every load are suite parameters supplied at run
  time (``{"$PARAMETER": ...}``), which keeps the suites a pure function of the
  plan: the known keys of ``in_reference`` checks, and for ``unique`` checks
  ``across_files`` the keys of the batch that are already loaded from other
  files (the caller looks them up; a compound key is compared as one text).
* The tree rules (``one_root``, ``no_cycles``) need the whole dataset: the
  caller passes the rows already loaded from other files, the tree status of
  each batch row is derived from both, and GX checks that status.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.lib.contract import Dataset
from pipelines.lib.contract import dataset as contract_dataset
from pipelines.lib.quality.gx_context import LANDING_SOURCE, exception_message, gx_context
from pipelines.lib.quality.plan import Check, Plan
from pipelines.paths import GX_DIR

# --------------------------------------------------------------------------- results


# The end of a within-batch duplicate's reason; the loader, which knows files and rows, replaces it
# with where the first copy is (RowFailure.first_index).
EARLIER_IN_BATCH = "it occurs earlier in the batch."


@dataclass
class RowFailure:
    dataset_key: str
    row_index: int  # positional index in the validated DataFrame
    column: str  # the failing column; compound keys are joined with ", "
    value: str  # the offending value as text; "" for a null
    check_code: str
    severity: str
    reason: str  # one human sentence
    # a duplicate within the batch: the position of its first copy (the caller names its file and row)
    first_index: int | None = None


@dataclass
class CheckResult:
    code: str
    dataset_key: str
    severity: str
    level: str
    success: bool
    evaluated_rows: int
    failed_rows: int
    description: str
    # Set when the check could not be evaluated (a column missing from the
    # batch, values of the wrong type); such a check counts as failed.
    error: str | None = None


@dataclass
class BatchValidation:
    dataset_key: str
    results: list[CheckResult]
    row_failures: list[RowFailure]

    @property
    def success(self) -> bool:
        """No error-severity check failed (warnings do not count)."""
        return not any(r.severity == "error" and not r.success for r in self.results)

    @property
    def blocking(self) -> bool:
        """An error-severity dataset-level check failed: downstream must not run."""
        return any(r.severity == "error" and r.level == "dataset" and not r.success for r in self.results)

    @property
    def quarantined_rows(self) -> list[int]:
        """Positions of the rows that fail an error-severity row-level check.

        Rows failing dataset-level checks are listed in ``row_failures`` too
        (to say where the problem is) but are not quarantined: the batch is.
        """
        row_errors = {r.code for r in self.results if r.severity == "error" and r.level == "row"}
        return sorted({f.row_index for f in self.row_failures if f.check_code in row_errors})

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if not r.success]


# --------------------------------------------------------------------------- validation


def validate_batch(
    dataset_key: str,
    df: pd.DataFrame,
    *,
    plan: Plan,
    reference_values: Mapping[str, set[str]] | None = None,
    loaded_keys: Mapping[str, Mapping[str, str]] | None = None,
    dataset_rows: pd.DataFrame | None = None,
    context_root: Path | str = GX_DIR,
    update_data_docs: bool = True,
) -> BatchValidation:
    """Run the plan's load checks for ``dataset_key`` on one batch with GX.

    ``reference_values`` maps ``<dataset>.<column>`` (see
    :meth:`Plan.reference_keys`) to the known values for the in_reference
    checks, e.g. ``{"erp/facilities.facility_id": {"F-001", ...}}``. A key the
    checks need but that is not given is a programming error (ValueError).

    ``loaded_keys`` maps the code of a ``unique`` check with ``across_files`` to
    the keys of this batch already loaded from other files (``key_text`` of the
    key columns) and where each was loaded ("file, row n"); absent = none.
    ``dataset_rows`` are the rows of the dataset already loaded from other
    files, for the tree rules (absent = the batch is the whole dataset).

    The batch is validated with a fresh positional index (row_index 0..n-1).
    Optional contract columns absent from the batch count as empty; a required
    column that is absent fails the checks that read it (``error`` says so).

    By default the dataset's Checkpoint runs, and its UpdateDataDocsAction
    renders the result page and the Data Docs index (a few tenths of a second).
    A run that validates many batches passes ``update_data_docs=False`` — the
    ValidationDefinition runs and stores its result — and calls
    :func:`build_data_docs` once at the end.
    """
    ds = contract_dataset(dataset_key)
    checks = plan.checks_for(dataset_key)
    reference_values = reference_values or {}
    loaded_keys = loaded_keys or {}
    missing_refs = [k for k in plan.reference_keys(dataset_key) if k not in reference_values]
    if missing_refs:
        raise ValueError(f"validate_batch({dataset_key!r}): reference_values needs {', '.join(missing_refs)}")
    frame = _prepare_frame(ds, df)
    if not checks:
        return BatchValidation(dataset_key, [], [])
    frame, status_reasons = _derived_columns(frame, checks, dataset_rows, loaded_keys)

    gxc = gx_context(context_root)
    with gxc.lock:
        expectations = [e for c in checks for e in _expectations(gxc.gx, c)]
        checkpoint = gxc.checkpoint(
            LANDING_SOURCE, ds.raw_table, expectations,
            notes=f"Built from the data quality plan for {ds.key}; do not edit.",
        )  # fmt: skip
        params = {
            _parameter_name(k): sorted(map(str, reference_values[k]))
            for k in plan.reference_keys(dataset_key)
        }
        params |= {
            _loaded_parameter(c): sorted(loaded_keys.get(c.code, {})) for c in checks if c.is_across_files
        }
        suite_result = gxc.run(checkpoint, frame, params, update_data_docs=update_data_docs)
    return _to_batch_validation(ds, checks, frame, suite_result.results, loaded_keys, status_reasons)


def key_text(values: Iterable[Any]) -> str | None:
    """A compound key as one text, the same for a pandas cell and a DuckDB value
    (``2021.0`` and ``2021`` are the same year); None when every part is empty."""
    parts = [_key_part(v) for v in values]
    return None if all(p == "" for p in parts) else " | ".join(parts)


def key_texts(frame: pd.DataFrame) -> list[str | None]:
    """:func:`key_text` of every row of ``frame``, computed column by column in polars (10 M interval
    readings take minutes row by row in Python, a second this way). Columns of types without a
    vector rule (mixed objects, zoned timestamps) fall back to ``_key_part`` value by value."""
    import polars as pl

    parts: list[pl.Series] = []
    for name in frame.columns:
        column = frame[name]
        try:
            series = pl.from_pandas(column)
        except (TypeError, ValueError, pl.exceptions.PolarsError):
            series = None
        parts.append(_key_parts(series) if series is not None and _vectorisable(series.dtype) else
                     pl.Series(name, [_key_part(v) for v in column], dtype=pl.String))  # fmt: skip
    table = pl.DataFrame([p.alias(f"p{i}") for i, p in enumerate(parts)])
    cols = [pl.col(f"p{i}") for i in range(len(parts))]
    keys = table.select(
        pl.when(pl.all_horizontal([c == "" for c in cols])).then(None)
        .otherwise(pl.concat_str(cols, separator=" | ")).alias("key")
    )  # fmt: skip
    return keys.to_series().to_list()


def _vectorisable(dtype) -> bool:
    import polars as pl

    if isinstance(dtype, pl.Datetime):
        return dtype.time_zone is None
    return dtype in (pl.String, pl.Date, pl.Boolean) or dtype.is_integer()


def _key_parts(series):
    """``_key_part`` of each value of one polars column, as a String series ("" for null)."""
    import polars as pl

    c = pl.col(series.name)
    if isinstance(series.dtype, pl.Datetime):
        text = (
            pl.when(c == c.dt.truncate("1d")).then(c.dt.strftime("%Y-%m-%d"))
            .when(c.dt.microsecond() != 0).then(c.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
            .otherwise(c.dt.strftime("%Y-%m-%d %H:%M:%S"))
        )  # fmt: skip
    elif series.dtype == pl.Date:
        text = c.dt.strftime("%Y-%m-%d")
    elif series.dtype == pl.Boolean:
        text = pl.when(c.is_null()).then(None).when(c).then(pl.lit("True")).otherwise(pl.lit("False"))
    else:
        text = c.cast(pl.String)
    return series.to_frame().select(text.fill_null("")).to_series()


def _key_part(value: Any) -> str:
    text = _text_value(value)
    if text == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    # A date read as a midnight timestamp (pandas) is the same key as the date (DuckDB).
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return text


def _parameter_name(reference_key: str) -> str:
    return "known__" + "".join(ch if ch.isalnum() else "_" for ch in reference_key)


def _loaded_parameter(check: Check) -> str:
    return "loaded__" + check.check_name


def _key_column(check: Check) -> str:
    return "__key__" + check.check_name


def _status_column(check: Check) -> str:
    return "__tree__" + check.check_name


def _derived_columns(
    frame: pd.DataFrame,
    checks: tuple[Check, ...],
    dataset_rows: pd.DataFrame | None,
    loaded_keys: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """Add the key columns of across-files unique checks and the status columns of the rules judged
    in Python (tree, validity windows, plausibility); return the frame and, per such check, the
    reason of each failing row."""
    extra: dict[str, Any] = {}
    reasons: dict[str, dict[int, str]] = {}
    for check in checks:
        if check.is_across_files and all(c in frame.columns for c in check.columns):
            if (loaded_keys or {}).get(check.code):
                extra[_key_column(check)] = key_texts(frame[list(check.columns)])
            else:  # no key of the batch is loaded from another file: nothing to match, no texts to build
                extra[_key_column(check)] = pd.Categorical.from_codes(
                    np.zeros(len(frame), dtype="int8"), categories=["(none loaded)"]
                )
        elif check.has_status_column and all(c in frame.columns for c in check.columns):
            if check.rule == "plausible_max":
                status, why = _plausible_status(check, frame)
            elif check.rule == "windows_disjoint":
                status, why = _window_status(check, frame, dataset_rows)
            else:
                status, why = _tree_status(check, frame, dataset_rows)
            extra[_status_column(check)] = status
            reasons[check.code] = why
    return (frame.assign(**extra) if extra else frame), reasons


def _plausible_status(check: Check, frame: pd.DataFrame) -> tuple[pd.Categorical, dict[int, str]]:
    """Per row 'ok' or 'implausible': the quantity in its dimension's canonical unit against the
    plan's largest plausible value for one row (units of other dimensions, or unknown, are not judged
    here: the unit rules judge them)."""
    from pipelines.lib.quality.plan import unit_table

    units = unit_table()
    limits = check.args["max"]
    col, unit_col = check.args["column"], check.args["unit_column"]
    unit_text = frame[unit_col].astype("string")
    # per distinct unit, not per row (Series.map calls back into Python for each of 10 M readings: 4 s)
    codes, uniques = pd.factorize(unit_text)  # a missing unit is code -1: the last, NaN, entry below

    def per_row(value_of) -> np.ndarray:
        values = [value_of(units[u]) if u in units else None for u in uniques]
        return np.array([np.nan if v is None else float(v) for v in [*values, None]], dtype="float64")[codes]

    factor = pd.Series(per_row(lambda r: r["factor_to_canonical"]), index=frame.index)
    limit = pd.Series(per_row(lambda r: limits.get(r["dimension"])), index=frame.index)
    canonical = pd.to_numeric(frame[col], errors="coerce").abs() * factor
    bad = (canonical > limit).fillna(False).to_numpy()  # vectorised: 10 M readings in a second
    # a categorical column, not millions of Python strings (pandas copies those one by one)
    status = pd.Categorical.from_codes(bad.astype("int8"), categories=["ok", "implausible"])
    why: dict[int, str] = {}
    for pos in bad.nonzero()[0].tolist():
        value, unit = frame[col].iat[pos], _text_value(unit_text.iat[pos])
        spec = units[unit]
        shown = f"{_num(float(value))} {unit}" + (
            f" = {_num(float(canonical.iat[pos]))} {spec['canonical_unit']}"
            if spec["canonical_unit"] != unit
            else ""
        )
        why[pos] = (f"{col} {shown} is above the largest plausible value for one row, "
                    f"{_num(float(limit.iat[pos]))} {spec['canonical_unit']}: check the digits and the unit.")  # fmt: skip
    return status, why


def _window_status(
    check: Check, frame: pd.DataFrame, dataset_rows: pd.DataFrame | None
) -> tuple[list[str], dict[int, str]]:
    """Per batch row 'ok' or 'overlap': a validity window [from, to] (empty = open) that overlaps the
    window of a row with the same key loaded from another file or earlier in the batch. The first
    window stays; the later one is held back (which factor applies in the shared years would be
    ambiguous, and the choice would switch silently)."""
    key_cols, lo_col, hi_col = check.args["columns"], check.args["from_column"], check.args["to_column"]

    def bound(value: Any, default: float) -> float:
        text = _text_value(value)
        return float(text) if text else default

    def window(row: Mapping[str, Any]) -> tuple[float, float]:
        return bound(row.get(lo_col), -math.inf), bound(row.get(hi_col), math.inf)

    seen: dict[tuple[str, ...], list[tuple[float, float]]] = {}
    if dataset_rows is not None:
        for row in dataset_rows.to_dict("records"):
            seen.setdefault(tuple(_text_value(row.get(c)) for c in key_cols), []).append(window(row))
    status = ["ok"] * len(frame)
    why: dict[int, str] = {}
    for pos, row in enumerate(frame[list(check.columns)].to_dict("records")):
        key = tuple(_text_value(row.get(c)) for c in key_cols)
        lo, hi = window(row)
        clash = next(((a, b) for a, b in seen.get(key, []) if a <= hi and lo <= b), None)
        if clash is None:
            seen.setdefault(key, []).append((lo, hi))
            continue

        def shown(a: float, b: float) -> str:
            return f"{'…' if a == -math.inf else int(a)}–{'…' if b == math.inf else int(b)}"

        status[pos] = "overlap"
        why[pos] = (f"{' | '.join(k or '∅' for k in key)} valid {shown(lo, hi)} overlaps the same key valid "
                    f"{shown(*clash)}: which applies in the shared years would be ambiguous; end one window "
                    "before the other starts.")  # fmt: skip
    return status, why


def _tree_status(
    check: Check, frame: pd.DataFrame, dataset_rows: pd.DataFrame | None
) -> tuple[list[str], dict[int, str]]:
    """Per batch row 'ok' or the name of the tree defect, judged over batch + loaded rows."""
    parent_col = check.args["column"]
    id_col = check.args.get("id_column") or "entity_id"
    batch_ids = [_text_value(v) for v in frame.get(id_col, pd.Series([None] * len(frame)))]
    batch_parents = [_text_value(v) for v in frame[parent_col]]
    other = dataset_rows if dataset_rows is not None else pd.DataFrame(columns=[id_col, parent_col])
    other_ids = [_text_value(v) for v in other.get(id_col, pd.Series([], dtype=object))]
    other_parents = [_text_value(v) for v in other.get(parent_col, pd.Series([], dtype=object))]
    status = ["ok"] * len(frame)
    why: dict[int, str] = {}
    if check.rule == "one_root":
        roots = sorted(
            {i for i, p in zip(batch_ids + other_ids, batch_parents + other_parents, strict=True) if p == ""}
        )
        if len(roots) != 1:
            for pos, parent in enumerate(batch_parents):
                if len(roots) == 0:
                    status[pos] = "no_root"
                    why[pos] = "The tree has no root: every entity has a parent."
                elif parent == "":
                    status[pos] = "extra_root"
                    why[pos] = (f"Entity {batch_ids[pos]!r} is one of {len(roots)} roots ({', '.join(roots)}); "
                                "the tree needs exactly one.")  # fmt: skip
        return status, why
    # no_cycles: follow each batch row's parent chain over the whole dataset.
    parent_of = dict(zip(other_ids, other_parents, strict=True)) | dict(
        zip(batch_ids, batch_parents, strict=True)
    )
    for pos, start in enumerate(batch_ids):
        if start == "":
            continue
        chain, node = [start], parent_of.get(start, "")
        while node and node not in chain and len(chain) <= len(parent_of):
            chain.append(node)
            node = parent_of.get(node, "")
        if node == start:
            status[pos] = "cycle"
            why[pos] = f"Entity {start!r} is its own ancestor: {' > '.join([*chain, start])}."
    return status, why


def _expectations(gx: Any, check: Check) -> list[Any]:
    """The GX expectations of one load check (one per column for column rules)."""
    E = gx.expectations
    severity = "critical" if check.severity == "error" else "warning"
    notes = f"{check.level}-level {check.severity} of stream {check.stream} in the data quality plan"

    def common(column: str | list[str]) -> dict[str, Any]:
        # The description replaces GX's own sentence in the Data Docs, so it
        # carries the code, the plan's wording and the rule; no "$" (GX templates it).
        shown = column if isinstance(column, str) else ", ".join(column)
        return {
            "meta": {"code": check.code, "stream": check.stream, "column": column},
            "severity": severity,
            "notes": notes,
            "description": f"{check.code} · {check.description} [{_rule_text(check, shown)}]",
        }

    a = check.args
    if check.rule == "not_null":
        return [E.ExpectColumnValuesToNotBeNull(column=c, **common(c)) for c in a["columns"]]
    if check.rule == "non_negative":
        return [E.ExpectColumnValuesToBeBetween(column=c, min_value=0, **common(c)) for c in a["columns"]]
    if check.rule == "between":
        col = a["column"]
        return [
            E.ExpectColumnValuesToBeBetween(column=col, min_value=a["min"], max_value=a["max"], **common(col))
        ]
    if check.rule == "in_set":
        return [
            E.ExpectColumnValuesToBeInSet(column=a["column"], value_set=a["values"], **common(a["column"]))
        ]
    if check.rule == "in_reference":
        parameter = {"$PARAMETER": _parameter_name(check.reference_key or "")}
        return [E.ExpectColumnValuesToBeInSet(column=a["column"], value_set=parameter, **common(a["column"]))]
    if check.rule == "unique":
        cols = a["columns"]
        within = (
            E.ExpectColumnValuesToBeUnique(column=cols[0], **common(cols[0]))
            if len(cols) == 1
            else E.ExpectCompoundColumnsToBeUnique(column_list=cols, **common(cols))
        )
        if not check.is_across_files:
            return [within]
        loaded = {"$PARAMETER": _loaded_parameter(check)}
        meta = common(cols)
        meta["meta"] = {**meta["meta"], "derived": _key_column(check)}
        return [within, E.ExpectColumnValuesToNotBeInSet(column=_key_column(check), value_set=loaded, **meta)]
    if check.rule == "greater_than":
        col, than = a["column"], a["than"]
        return [
            E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=col, column_B=than, or_equal=a["or_equal"], ignore_row_if="either_value_is_missing",
                **common([col, than]),
            )
        ]  # fmt: skip
    if check.has_status_column:
        meta = common(check.columns)
        meta["meta"] = {**meta["meta"], "derived": _status_column(check)}
        return [E.ExpectColumnValuesToBeInSet(column=_status_column(check), value_set=["ok"], **meta)]
    raise AssertionError(check.rule)  # parse_plan admits only load rules here


def _rule_text(check: Check, column: str) -> str:
    a = check.args
    if check.rule == "not_null":
        return f"{column} not null"
    if check.rule == "non_negative":
        return f"{column} ≥ 0"
    if check.rule == "between":
        lo = "" if a["min"] is None else f"{_num(a['min'])} ≤ "
        hi = "" if a["max"] is None else f" ≤ {_num(a['max'])}"
        return f"{lo}{a['column']}{hi}"
    if check.rule == "in_set":
        source = f"value list {a['values_from']}" if a["values_from"] else ", ".join(a["values"])
        return f"{a['column']} in {source}"
    if check.rule == "in_reference":
        return f"{a['column']} in known {check.reference_key}"
    if check.rule == "greater_than":
        return f"{a['column']} {'≥' if a['or_equal'] else '>'} {a['than']}"
    if check.rule == "one_root":
        return f"exactly one row with an empty {a['column']}"
    if check.rule == "no_cycles":
        return f"no {a['id_column']} is its own ancestor through {a['column']}"
    if check.rule == "windows_disjoint":
        return f"[{a['from_column']}, {a['to_column']}] of one ({', '.join(a['columns'])}) disjoint"
    if check.rule == "plausible_max":
        return f"{a['column']} per row ≤ " + ", ".join(f"{_num(v)} ({d})" for d, v in a["max"].items())
    return f"{column} unique {'across all loaded files' if check.is_across_files else 'in the batch'}"


def _prepare_frame(ds: Dataset, df: pd.DataFrame) -> pd.DataFrame:
    """The batch as GX sees it: positional index; absent optional columns (every
    column, for an empty batch) added as nulls."""
    frame = df
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        frame = df.reset_index(drop=True)
    absent = [c for c in ds.columns if c.name not in frame.columns and (not c.required or len(frame) == 0)]
    if absent:
        numeric = {"decimal", "integer"}
        frame = frame.assign(
            **{
                c.name: pd.Series(
                    [math.nan if c.type in numeric else None] * len(frame),
                    dtype="float64" if c.type in numeric else "object",
                    index=frame.index,
                )
                for c in absent
            }
        )
    return frame


def _to_batch_validation(
    ds: Dataset,
    checks: tuple[Check, ...],
    frame: pd.DataFrame,
    gx_results: list[Any],
    loaded_keys: Mapping[str, Mapping[str, str]],
    status_reasons: Mapping[str, Mapping[int, str]],
) -> BatchValidation:
    by_code = {c.code: c for c in checks}
    success = {c.code: True for c in checks}
    errors: dict[str, str] = {}
    failures: dict[str, list[RowFailure]] = {c.code: [] for c in checks}
    columns = set(frame.columns)
    for res in gx_results:
        meta = res.expectation_config.meta or {}
        check = by_code[meta["code"]]
        success[check.code] &= bool(res.success)
        cols = meta["column"] if isinstance(meta["column"], list) else [meta["column"]]
        absent = [c for c in cols if c not in columns]
        message = exception_message(res.exception_info)
        if absent or message:
            success[check.code] = False
            errors.setdefault(
                check.code,
                f"column {absent[0]!r} is not in the batch" if absent else f"could not evaluate: {message}",
            )
            continue
        positions = _positions(res.result.get("unexpected_index_list") or [])
        derived = meta.get("derived")
        failures[check.code] += _row_failures(
            ds.key, check, cols, frame, positions, derived, loaded_keys.get(check.code, {}),
            status_reasons.get(check.code, {}),
        )  # fmt: skip
    for code, fs in failures.items():  # one failure per row and check (within + across files)
        seen: set[int] = set()
        failures[code] = [f for f in fs if not (f.row_index in seen or seen.add(f.row_index))]
    results = [
        CheckResult(
            code=c.code,
            dataset_key=ds.key,
            severity=c.severity,
            level=c.level,
            success=success[c.code],
            evaluated_rows=len(frame),
            failed_rows=len({f.row_index for f in failures[c.code]}),
            description=c.description,
            error=errors.get(c.code),
        )
        for c in checks
    ]
    row_failures = sorted(
        (f for fs in failures.values() for f in fs), key=lambda f: (f.row_index, f.check_code, f.column)
    )
    return BatchValidation(ds.key, results, row_failures)


def _positions(index_list: list[Any]) -> list[int]:
    # The frame has a RangeIndex, so GX's index labels are the positions.
    return sorted(int(i) for i in index_list)


def _row_failures(
    dataset_key: str,
    check: Check,
    cols: list[str],
    frame: pd.DataFrame,
    positions: list[int],
    derived: str | None,
    loaded: Mapping[str, str],
    status_reasons: Mapping[int, str],
) -> list[RowFailure]:
    if not positions:
        return []
    # Only the failing rows' values, as Python objects (Timestamps print as such).
    values = {c: dict(zip(positions, frame[c].take(positions).tolist(), strict=True)) for c in cols}
    out: list[RowFailure] = []

    def failure(pos: int, value: str, reason: str, column: str | None = None) -> RowFailure:
        return RowFailure(
            dataset_key, pos, column or ", ".join(cols), value, check.code, check.severity, reason
        )

    if check.rule == "unique":
        what = cols[0] if len(cols) == 1 else f"({', '.join(cols)})"
        if derived:  # already loaded from another file
            for pos in positions:
                key = key_text(values[c][pos] for c in cols) or ""
                where = loaded.get(key, "another file")
                out.append(failure(pos, key, f"Duplicate {what} {key!r}: it is already loaded from {where}."))
            return out
        # GX marks every member of a duplicate group; the first occurrence is the
        # one kept, so only the later ones fail.
        first: dict[tuple[str, ...], int] = {}
        for pos in positions:
            key = tuple(_text_value(values[c][pos]) for c in cols)
            if key not in first:
                first[key] = pos
                continue
            shown = key[0] if len(cols) == 1 else " | ".join(key)
            # No row number in the sentence: callers map positions to file rows (first_index).
            f = failure(pos, shown, f"Duplicate {what} {shown!r}: {EARLIER_IN_BATCH}")
            f.first_index = first[key]
            out.append(f)
        return out

    if check.rule in ("windows_disjoint", "plausible_max"):  # the reason was written with the status
        col = check.args["from_column"] if check.rule == "windows_disjoint" else check.args["column"]
        for pos in positions:
            out.append(failure(pos, _text_value(frame[col].iat[pos]), status_reasons.get(pos, check.description),
                               column=col))  # fmt: skip
        return out

    if check.rule in ("one_root", "no_cycles"):
        id_col = check.args.get("id_column") or "entity_id"
        for pos in positions:
            entity = _text_value(frame[id_col].iat[pos]) if id_col in frame.columns else ""
            out.append(failure(pos, entity, status_reasons.get(pos, "The entity tree is not consistent."),
                               column=check.args["column"]))  # fmt: skip
        return out

    if check.rule == "greater_than":
        col, than = cols
        relation = "earlier than" if check.args["or_equal"] else "not after"
        for pos in positions:
            a, b = _text_value(values[col][pos]), _text_value(values[than][pos])
            out.append(failure(pos, a, f"{col} {a} is {relation} {than} {b}.", column=col))
        return out

    (col,) = cols
    a = check.args
    for pos in positions:
        value = _text_value(values[col][pos])
        if check.rule == "not_null":
            reason = f"Required column {col} is empty."
        elif check.rule == "non_negative":
            reason = f"{col} is {value}, which is negative."
        elif check.rule == "between":
            lo, hi = a["min"], a["max"]
            bounds = (
                f"between {_num(lo)} and {_num(hi)}"
                if lo is not None and hi is not None
                else (f"at least {_num(lo)}" if lo is not None else f"at most {_num(hi)}")
            )
            reason = f"{col} is {value}; it must be {bounds}."
        elif check.rule == "in_set":
            allowed = a["values"]
            listed = f": {', '.join(allowed)}" if len(allowed) <= 8 else f" ({len(allowed)} codes)"
            reason = f"{col} {value!r} is not one of the allowed values{listed}."
        else:  # in_reference
            ref = a["reference"]
            reason = f"{col} {value!r} is not a known {ref['column']} of {ref['dataset']}."
        out.append(failure(pos, value, reason))
    return out


def _text_value(value: Any) -> str:
    """A cell as text; "" for None, NaN, NaT and pd.NA."""
    try:
        if value is None or pd.isna(value):
            return ""
    except (TypeError, ValueError):  # pd.isna of a list-like cell is not a bool
        pass
    return str(value)


def _num(x: float) -> str:
    return f"{x:g}"
