"""The data quality control plan (T/CAS 612 clause 6.8) and its enforcement with GX Core.

``data_quality/plan.yml`` lists the monitored data streams and their checks;
:func:`load_plan` reads and validates it. :func:`validate_batch` runs the checks
of one dataset on one incoming pandas batch through a Great Expectations file
context rooted at ``data_quality/gx`` — a pandas data source with one dataframe
asset per dataset, an expectation suite built here from the plan, a
ValidationDefinition and a Checkpoint that also updates the Data Docs — and
maps every GX result back to the plan's check code and to the failing rows.

Design notes:

* GX's SQL path does not work on DuckDB, so batches are pandas DataFrames the
  size of the new data (the newly landed files), never the whole warehouse.
* The suites are derived data: they live, with the validation definitions,
  checkpoints, results and Data Docs, under ``data_quality/gx/uncommitted/``.
  The only committed GX file is ``great_expectations.yml``; it gains a
  dataframe asset the first time a dataset is validated and is stable after.
* The known values of ``in_reference`` checks (facility ids, meter ids, ...)
  change with every load, so they are suite parameters supplied at run time
  (``{"$PARAMETER": ...}``), which keeps the suites a pure function of the plan.
* Importing GX costs several seconds, so it is imported on first use only:
  reading the plan does not need it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
import re
import threading
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pipelines.lib.contract import DATASETS_BY_KEY, Dataset
from pipelines.lib.contract import dataset as contract_dataset
from pipelines.paths import DATA_QUALITY_DIR, GX_DIR, SEEDS_DIR

DEFAULT_PLAN = DATA_QUALITY_DIR / "plan.yml"

SEVERITIES = ("error", "warning")
LEVELS = ("row", "dataset")
# How a datum is obtained; `recorded` is master data kept in a register.
METHODS = ("metered", "invoiced", "estimated", "calculated", "recorded")
FREQUENCIES = ("continuous", "daily", "monthly", "quarterly", "annual", "on_change")
CODE_PATTERN = re.compile(r"^DQ-[A-Z]+-\d{3}$")

# Rule kind -> (required arguments, optional arguments).
RULES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "not_null": (frozenset({"columns"}), frozenset()),
    "non_negative": (frozenset({"columns"}), frozenset()),
    "between": (frozenset({"column"}), frozenset({"min", "max"})),
    "in_set": (frozenset({"column"}), frozenset({"values", "values_from"})),
    "in_reference": (frozenset({"column", "reference"}), frozenset()),
    "unique": (frozenset({"columns"}), frozenset()),
}

_STREAM_KEYS = {
    "id", "name", "clause", "dataset", "source_system", "method", "frequency",
    "responsible_role", "retention", "checks",
}  # fmt: skip
_CHECK_KEYS = {"code", "severity", "level", "rule", "description"}
_PLAN_KEYS = {"version", "title", "value_lists", "streams"}

# GX object names.
_DATASOURCE = "landing"
_BATCH_DEFINITION = "whole_batch"
_DATA_DOCS_SITE = "local_site"


class PlanError(ValueError):
    """The plan file is malformed; the message names the entry at fault."""


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Check:
    """One check of the plan, applied to one dataset.

    ``args`` holds the rule's arguments, normalised: ``columns`` (list) for
    not_null / non_negative / unique; ``column`` plus ``min``/``max`` (float or
    None) for between; ``column``, ``values`` (sorted, seed values resolved) and
    ``values_from`` for in_set; ``column`` and ``reference`` ({dataset, column})
    for in_reference.
    """

    code: str
    stream: str
    dataset_key: str
    severity: str
    level: str
    rule: str
    args: dict[str, Any]
    description: str

    @property
    def columns(self) -> list[str]:
        """The columns of the validated dataset that the check reads."""
        return list(self.args["columns"]) if "columns" in self.args else [self.args["column"]]

    @property
    def reference_key(self) -> str | None:
        """``erp/facilities.facility_id`` for an in_reference check: the key of
        ``reference_values`` that validate_batch needs; None for other rules."""
        if self.rule != "in_reference":
            return None
        ref = self.args["reference"]
        return f"{ref['dataset']}.{ref['column']}"


@dataclass(frozen=True)
class Stream:
    """A monitored data stream of the plan (one dataset, with how it is kept)."""

    id: str
    name_en: str
    name_zh: str
    clause: str
    dataset_key: str
    source_system: str
    method: str
    frequency: str
    responsible_role: str
    retention: str
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Plan:
    source: str
    title_en: str
    title_zh: str
    streams: tuple[Stream, ...]
    # Named value lists with their values resolved (seed, else fallback).
    value_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(c for s in self.streams for c in s.checks)

    @property
    def dataset_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.dataset_key for s in self.streams))

    def checks_for(self, dataset_key: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.dataset_key == dataset_key)

    def check(self, code: str) -> Check:
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(f"{code!r} is not a check of the plan")

    def reference_keys(self, dataset_key: str) -> list[str]:
        """The ``reference_values`` keys validate_batch needs for this dataset."""
        return sorted({k for c in self.checks_for(dataset_key) if (k := c.reference_key)})


def load_plan(path: Path | str = DEFAULT_PLAN, *, seeds_dir: Path | str = SEEDS_DIR) -> Plan:
    """Read the plan file (and the seeds its value lists name) and validate it."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML: {exc}") from None
    return parse_plan(data, source=str(path), seed_values=read_value_list_seeds(data, Path(seeds_dir)))


def read_value_list_seeds(data: Any, seeds_dir: Path) -> dict[str, tuple[str, ...] | None]:
    """The values of each value list's seed column; None where the seed does not
    exist yet (the plan's fallback applies). Malformed entries are left for
    parse_plan to report."""
    found: dict[str, tuple[str, ...] | None] = {}
    lists = data.get("value_lists") if isinstance(data, Mapping) else None
    if not isinstance(lists, Mapping):
        return found
    for name, spec in lists.items():
        if not (isinstance(spec, Mapping) and isinstance(spec.get("seed"), str)):
            continue
        seed = seeds_dir / spec["seed"]
        if not seed.is_file():
            found[name] = None
            continue
        column = spec.get("column", "unit")
        with seed.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if column not in (reader.fieldnames or []):
                raise PlanError(f"value list {name!r}: seed {seed} has no column {column!r}")
            found[name] = tuple(sorted({row[column].strip() for row in reader if row[column].strip()}))
    return found


def parse_plan(
    data: Any, *, source: str = "<plan>", seed_values: Mapping[str, tuple[str, ...] | None] | None = None
) -> Plan:
    """Validate the plan's mapping (as read from YAML) and build the Plan."""
    seed_values = seed_values or {}
    if not isinstance(data, Mapping):
        raise PlanError(f"{source}: the plan must be a mapping with `streams:`")
    _no_unknown_keys(data, _PLAN_KEYS, source)
    if data.get("version") != 1:
        raise PlanError(f"{source}: `version: 1` expected, got {data.get('version')!r}")
    title = _bilingual(data.get("title"), f"{source}: title")

    value_lists = _parse_value_lists(data.get("value_lists") or {}, seed_values, source)

    streams_data = data.get("streams")
    if not isinstance(streams_data, list) or not streams_data:
        raise PlanError(f"{source}: `streams:` must be a non-empty list")
    streams: list[Stream] = []
    stream_ids: set[str] = set()
    codes: dict[str, str] = {}
    for i, entry in enumerate(streams_data):
        where = f"{source}: stream #{i + 1}"
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            where = f"{source}: stream {entry['id']!r}"
        stream = _parse_stream(entry, where, value_lists)
        if stream.id in stream_ids:
            raise PlanError(f"{where}: duplicate stream id")
        stream_ids.add(stream.id)
        for check in stream.checks:
            if check.code in codes:
                raise PlanError(
                    f"{where}, check {check.code}: code already used by stream {codes[check.code]!r}"
                )
            codes[check.code] = stream.id
        streams.append(stream)
    return Plan(source, title[0], title[1], tuple(streams), value_lists)


def _parse_value_lists(
    lists: Any, seed_values: Mapping[str, tuple[str, ...] | None], source: str
) -> dict[str, tuple[str, ...]]:
    if not isinstance(lists, Mapping):
        raise PlanError(f"{source}: `value_lists:` must be a mapping of name -> {{seed, column, fallback}}")
    resolved: dict[str, tuple[str, ...]] = {}
    for name, spec in lists.items():
        where = f"{source}: value list {name!r}"
        if not isinstance(spec, Mapping):
            raise PlanError(f"{where}: must be a mapping with seed, column and fallback")
        _no_unknown_keys(spec, {"seed", "column", "fallback"}, where)
        if not isinstance(spec.get("seed"), str) or not isinstance(spec.get("column"), str):
            raise PlanError(f"{where}: `seed` (a file under seeds/) and `column` are required")
        fallback = _string_list(spec.get("fallback"), f"{where}: fallback")
        seeded = seed_values.get(name)
        resolved[name] = tuple(sorted(seeded if seeded is not None else fallback))
    return resolved


def _parse_stream(entry: Any, where: str, value_lists: Mapping[str, tuple[str, ...]]) -> Stream:
    if not isinstance(entry, Mapping):
        raise PlanError(f"{where}: must be a mapping")
    _no_unknown_keys(entry, _STREAM_KEYS, where)
    text = {k: _text(entry.get(k), f"{where}: {k}") for k in _STREAM_KEYS - {"name", "checks"}}
    name_en, name_zh = _bilingual(entry.get("name"), f"{where}: name")
    dataset = DATASETS_BY_KEY.get(text["dataset"])
    if dataset is None:
        raise PlanError(f"{where}: dataset {text['dataset']!r} is not a dataset of the landing-zone contract")
    _one_of(text["method"], METHODS, f"{where}: method")
    _one_of(text["frequency"], FREQUENCIES, f"{where}: frequency")
    checks_data = entry.get("checks")
    if not isinstance(checks_data, list):
        raise PlanError(f"{where}: `checks:` must be a list")
    checks = tuple(
        _parse_check(c, f"{where}, check #{j + 1}", text["id"], dataset, value_lists)
        for j, c in enumerate(checks_data)
    )
    return Stream(
        id=text["id"],
        name_en=name_en,
        name_zh=name_zh,
        clause=text["clause"],
        dataset_key=dataset.key,
        source_system=text["source_system"],
        method=text["method"],
        frequency=text["frequency"],
        responsible_role=text["responsible_role"],
        retention=text["retention"],
        checks=checks,
    )


def _parse_check(
    entry: Any, where: str, stream_id: str, dataset: Dataset, value_lists: Mapping[str, tuple[str, ...]]
) -> Check:
    if not isinstance(entry, Mapping):
        raise PlanError(f"{where}: must be a mapping")
    if isinstance(entry.get("code"), str):
        where = f"{where.rsplit(', check', 1)[0]}, check {entry['code']}"
    code = _text(entry.get("code"), f"{where}: code")
    if not CODE_PATTERN.match(code):
        raise PlanError(f"{where}: code must look like DQ-VALID-001 (DQ-<FAMILY>-<nnn>)")
    severity = _one_of(entry.get("severity"), SEVERITIES, f"{where}: severity")
    level = _one_of(entry.get("level"), LEVELS, f"{where}: level")
    rule = _one_of(entry.get("rule"), tuple(RULES), f"{where}: rule")
    required, optional = RULES[rule]
    _no_unknown_keys(entry, _CHECK_KEYS | required | optional, f"{where} ({rule})")
    missing = sorted(required - set(entry))
    if missing:
        raise PlanError(f"{where}: rule {rule} needs {', '.join(missing)}")

    def column_of(name: Any, what: str, ds: Dataset = dataset) -> str:
        name = _text(name, f"{where}: {what}")
        if name not in ds.column_names:
            raise PlanError(f"{where}: {name!r} is not a column of {ds.key}")
        return name

    args: dict[str, Any] = {}
    if "columns" in required:
        cols = entry["columns"]
        if not isinstance(cols, list) or not cols:
            raise PlanError(f"{where}: `columns` must be a non-empty list")
        args["columns"] = [column_of(c, "columns") for c in cols]
        if len(set(args["columns"])) != len(args["columns"]):
            raise PlanError(f"{where}: a column is listed twice")
    else:
        args["column"] = column_of(entry["column"], "column")

    if rule == "between":
        bounds = {}
        for k in ("min", "max"):
            v = entry.get(k)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise PlanError(f"{where}: `{k}` must be a number")
            bounds[k] = None if v is None else float(v)
        if bounds["min"] is None and bounds["max"] is None:
            raise PlanError(f"{where}: rule between needs min, max or both")
        if bounds["min"] is not None and bounds["max"] is not None and bounds["min"] > bounds["max"]:
            raise PlanError(f"{where}: min is greater than max")
        args.update(bounds)
    elif rule == "in_set":
        values = set(_string_list(entry["values"], f"{where}: values")) if "values" in entry else set()
        values_from = entry.get("values_from")
        if values_from is not None:
            if values_from not in value_lists:
                known = ", ".join(sorted(value_lists)) or "none defined"
                raise PlanError(f"{where}: values_from {values_from!r} is not a value list ({known})")
            values |= set(value_lists[values_from])
        if "values" not in entry and values_from is None:
            raise PlanError(f"{where}: rule in_set needs values, values_from or both")
        args["values"] = sorted(values)
        args["values_from"] = values_from
    elif rule == "in_reference":
        ref = entry["reference"]
        if not isinstance(ref, Mapping) or set(ref) != {"dataset", "column"}:
            raise PlanError(f"{where}: `reference` must be {{dataset: <source/name>, column: <column>}}")
        ref_ds = DATASETS_BY_KEY.get(ref["dataset"])
        if ref_ds is None:
            raise PlanError(
                f"{where}: reference dataset {ref['dataset']!r} is not in the landing-zone contract"
            )
        args["reference"] = {
            "dataset": ref_ds.key,
            "column": column_of(ref["column"], "reference column", ref_ds),
        }

    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        raise PlanError(f"{where}: description must be text")
    return Check(
        code=code,
        stream=stream_id,
        dataset_key=dataset.key,
        severity=severity,
        level=level,
        rule=rule,
        args=args,
        description=(description or "").strip() or _default_description(rule, args),
    )


def _default_description(rule: str, args: Mapping[str, Any]) -> str:
    cols = ", ".join(args.get("columns") or [args.get("column", "")])
    return {
        "not_null": f"{cols} present",
        "non_negative": f"{cols} not negative",
        "between": f"{cols} within [{args.get('min')}, {args.get('max')}]",
        "in_set": f"{cols} one of the allowed values",
        "in_reference": f"{cols} a known value of {json.dumps(args.get('reference'))}",
        "unique": f"{cols} unique within the batch",
    }[rule]


def _no_unknown_keys(entry: Mapping, allowed: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(str(k) for k in set(entry) - set(allowed))
    if unknown:
        raise PlanError(
            f"{where}: unknown key(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})"
        )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        hint = " (quote it in YAML)" if isinstance(value, int | float | bool) else ""
        raise PlanError(f"{where}: text required, got {value!r}{hint}")
    return value.strip()


def _one_of(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise PlanError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _bilingual(value: Any, where: str) -> tuple[str, str]:
    if not isinstance(value, Mapping) or set(value) != {"en", "zh"}:
        raise PlanError(f"{where}: needs `en:` and `zh:` (English and Chinese)")
    return _text(value["en"], f"{where}.en"), _text(value["zh"], f"{where}.zh")


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"{where}: must be a list of strings (quote yes/no/on/off and numbers in YAML)")
    return value


# --------------------------------------------------------------------------- results


@dataclass
class RowFailure:
    dataset_key: str
    row_index: int  # positional index in the validated DataFrame
    column: str  # the failing column; compound keys are joined with ", "
    value: str  # the offending value as text; "" for a null
    check_code: str
    severity: str
    reason: str  # one human sentence


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


# --------------------------------------------------------------------------- GX


def validate_batch(
    dataset_key: str,
    df: pd.DataFrame,
    *,
    plan: Plan,
    reference_values: Mapping[str, set[str]] | None = None,
    context_root: Path | str = GX_DIR,
    update_data_docs: bool = True,
) -> BatchValidation:
    """Run the plan's checks for ``dataset_key`` on one batch with GX.

    ``reference_values`` maps ``<dataset>.<column>`` (see
    :meth:`Plan.reference_keys`) to the known values for the in_reference
    checks, e.g. ``{"erp/facilities.facility_id": {"F-001", ...}}``. A key the
    checks need but that is not given is a programming error (ValueError).

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
    missing_refs = [k for k in plan.reference_keys(dataset_key) if k not in reference_values]
    if missing_refs:
        raise ValueError(f"validate_batch({dataset_key!r}): reference_values needs {', '.join(missing_refs)}")
    frame = _prepare_frame(ds, df)
    if not checks:
        return BatchValidation(dataset_key, [], [])

    gx_context = _gx_context(Path(context_root))
    with gx_context.lock:
        checkpoint = gx_context.checkpoint(ds, checks)
        params = {
            _parameter_name(k): sorted(map(str, reference_values[k]))
            for k in plan.reference_keys(dataset_key)
        }
        batch = {"dataframe": frame}
        if update_data_docs:
            (suite_result,) = checkpoint.run(
                batch_parameters=batch, expectation_parameters=params
            ).run_results.values()
        else:
            (definition,) = checkpoint.validation_definitions
            suite_result = definition.run(
                checkpoint_id=checkpoint.id,
                batch_parameters=batch,
                expectation_parameters=params,
                result_format=checkpoint.result_format,
            )
    return _to_batch_validation(ds, checks, frame, suite_result.results)


def build_data_docs(context_root: Path | str = GX_DIR) -> Path:
    """Bring the local Data Docs site up to date and return the path of its index.html.

    Incremental: renders the suites, the validation results that have no page
    yet and the index, so its cost follows the new results, not the history.
    The index lists the most recent ``validation_results_limit`` results (see
    great_expectations.yml); older pages stay on disk.
    """
    gx_context = _gx_context(Path(context_root))
    ctx = gx_context.context
    with gx_context.lock:
        # One site builder for all look-ups (get_docs_sites_urls builds one per call).
        config = ctx.variables.data_docs_sites[_DATA_DOCS_SITE]
        site = ctx._load_site_builder_from_site_config(config)
        rendered = set(site.target_store.list_keys())
        # GX renders only the most recent `validation_results_limit` results.
        limit = (config.get("site_index_builder") or {}).get("validation_results_limit")
        results = sorted(
            ctx.validation_results_store.list_keys(), key=lambda k: k.run_id.run_time, reverse=True
        )
        stale: list[Any] = [k for k in results[:limit] if k not in rendered]
        stale += [k.expectation_suite_identifier for k in stale]  # their suites may have changed
        stale += [k for k in ctx.expectations_store.list_keys() if k not in rendered]
        if stale or not site.get_resource_url(only_if_exists=True):
            # An empty resource list would mean "rebuild everything" to GX.
            ctx.build_data_docs(
                site_names=[_DATA_DOCS_SITE], resource_identifiers=list(dict.fromkeys(stale)) or None
            )
        index = site.get_resource_url(only_if_exists=False)
    return Path(urllib.request.url2pathname(urllib.parse.urlparse(index).path))


class _GxContext:
    """A GX file context and the checkpoints built in it by this process."""

    def __init__(self, root: Path) -> None:
        if not (root / "great_expectations.yml").is_file():
            # Without it GX would scaffold a default project (and its clutter) here.
            raise FileNotFoundError(f"no great_expectations.yml in {root}: not a GX context root")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        import great_expectations as gx

        self.gx = gx
        self.lock = threading.RLock()
        # context_root_dir rather than project_root_dir: the root need not be called gx/.
        self.context = gx.get_context(mode="file", context_root_dir=str(root))
        self._checkpoints: dict[str, tuple[str, Any]] = {}

    def checkpoint(self, ds: Dataset, checks: tuple[Check, ...]) -> Any:
        """The dataset's checkpoint, (re)building suite and definitions when the checks changed."""
        fingerprint = hashlib.sha256(
            json.dumps([c.__dict__ for c in checks], sort_keys=True, default=str).encode()
        ).hexdigest()
        cached = self._checkpoints.get(ds.key)
        if cached and cached[0] == fingerprint:
            return cached[1]
        gx, ctx, name = self.gx, self.context, ds.raw_table
        try:
            source = ctx.data_sources.get(_DATASOURCE)
        except LookupError:
            source = ctx.data_sources.add_pandas(_DATASOURCE)
        # Get before add: adding writes new ids into great_expectations.yml.
        try:
            asset = source.get_asset(name)
        except LookupError:
            asset = source.add_dataframe_asset(name)
        try:
            batch_definition = asset.get_batch_definition(_BATCH_DEFINITION)
        except LookupError:
            batch_definition = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION)
        suite = ctx.suites.add_or_update(
            gx.ExpectationSuite(
                name=name,
                expectations=[e for c in checks for e in _expectations(gx, c)],
                meta={"notes": f"Built from the data quality plan for {ds.key}; do not edit."},
            )
        )
        definition = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
        checkpoint = ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                actions=[
                    gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[_DATA_DOCS_SITE])
                ],
                result_format={"result_format": "COMPLETE"},
            )
        )
        self._checkpoints[ds.key] = (fingerprint, checkpoint)
        return checkpoint


_CONTEXTS: dict[Path, _GxContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def _gx_context(root: Path) -> _GxContext:
    root = root.resolve()
    with _CONTEXTS_LOCK:
        if root not in _CONTEXTS:
            _CONTEXTS[root] = _GxContext(root)
        return _CONTEXTS[root]


def _parameter_name(reference_key: str) -> str:
    return "known__" + re.sub(r"\W", "_", reference_key)


def _expectations(gx: Any, check: Check) -> list[Any]:
    """The GX expectations of one plan check (one per column for column rules)."""
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
        if len(cols) == 1:
            return [E.ExpectColumnValuesToBeUnique(column=cols[0], **common(cols[0]))]
        return [E.ExpectCompoundColumnsToBeUnique(column_list=cols, **common(cols))]
    raise AssertionError(check.rule)  # parse_plan admits only the rules above


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
    return f"{column} unique in the batch"


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
    ds: Dataset, checks: tuple[Check, ...], frame: pd.DataFrame, gx_results: list[Any]
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
        message = _exception_message(res.exception_info)
        if absent or message:
            success[check.code] = False
            errors.setdefault(
                check.code,
                f"column {absent[0]!r} is not in the batch" if absent else f"could not evaluate: {message}",
            )
            continue
        positions = _positions(res.result.get("unexpected_index_list") or [])
        failures[check.code] += _row_failures(ds.key, check, cols, frame, positions)
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


def _exception_message(info: Any) -> str | None:
    """GX reports exceptions flat ({raised_exception, exception_message}) or per
    metric ({metric id: {...}}); the first message raised, if any."""
    if not isinstance(info, Mapping):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception") if info["raised_exception"] else None
    for sub in info.values():
        message = _exception_message(sub)
        if message:
            return message
    return None


def _positions(index_list: list[Any]) -> list[int]:
    # The frame has a RangeIndex, so GX's index labels are the positions.
    return sorted(int(i) for i in index_list)


def _row_failures(
    dataset_key: str, check: Check, cols: list[str], frame: pd.DataFrame, positions: list[int]
) -> list[RowFailure]:
    if not positions:
        return []
    # Only the failing rows' values, as Python objects (Timestamps print as such).
    values = {c: dict(zip(positions, frame[c].take(positions).tolist(), strict=True)) for c in cols}
    out: list[RowFailure] = []

    def failure(pos: int, value: str, reason: str) -> RowFailure:
        return RowFailure(dataset_key, pos, ", ".join(cols), value, check.code, check.severity, reason)

    if check.rule == "unique":
        # GX marks every member of a duplicate group; the first occurrence is the
        # one kept, so only the later ones fail.
        seen: set[tuple[str, ...]] = set()
        for pos in positions:
            key = tuple(_text_value(values[c][pos]) for c in cols)
            if key not in seen:
                seen.add(key)
                continue
            shown = key[0] if len(cols) == 1 else " | ".join(key)
            what = cols[0] if len(cols) == 1 else f"({', '.join(cols)})"
            # No row number in the sentence: callers map positions to file rows.
            out.append(failure(pos, shown, f"Duplicate {what} {shown!r}: it occurs earlier in the batch."))
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
