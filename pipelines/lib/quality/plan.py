"""The data quality control plan (``data_quality/plan.yml``): its model and its parser.

:func:`load_plan` reads the file (and the seeds its value lists name) and
validates it, naming the entry at fault when something is wrong. Reading the
plan does not import Great Expectations.

When a check runs follows from its rule (``RULES``):

* ``load``      — on each new batch when it is loaded (GX on the pandas batch);
  row-level errors quarantine rows, dataset-level errors block downstream.
* ``raw``       — after loading, before dbt: a blocking gate on the raw table.
* ``warehouse`` — after dbt, on the compact measures of
  ``dbt_project/models/intermediate/quality/`` (GX on pandas frames).
* ``review``    — the data against the plan itself (6.8: revise the plan).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.lib.contract import DATASETS_BY_KEY, Dataset
from pipelines.paths import DATA_QUALITY_DIR, SEEDS_DIR

DEFAULT_PLAN = DATA_QUALITY_DIR / "plan.yml"

SEVERITIES = ("error", "warning")
LEVELS = ("row", "dataset")
STAGES = ("load", "raw", "warehouse", "review")
# How a datum is obtained; `recorded` is data kept in a register.
METHODS = ("metered", "invoiced", "estimated", "calculated", "recorded")
FREQUENCIES = ("continuous", "daily", "monthly", "quarterly", "annual", "on_change")
CODE_PATTERN = re.compile(r"^DQ-[A-Z]+-\d{3}$")
# The stream id and dataset key of the checks on the plan itself.
PLAN_STREAM = "plan"


@dataclass(frozen=True)
class RuleSpec:
    stage: str
    required: frozenset[str] = frozenset()
    optional: frozenset[str] = frozenset()
    # Warehouse rules: the datasets their measure covers (None = any dataset).
    datasets: frozenset[str] | None = None


def _spec(stage: str, required: tuple = (), optional: tuple = (), datasets: tuple | None = None) -> RuleSpec:
    return RuleSpec(
        stage, frozenset(required), frozenset(optional), None if datasets is None else frozenset(datasets)
    )


_MONTHLY = ("erp/fuel_consumption", "erp/process_activity", "erp/production", "erp/financials",
            "energy/energy_invoices", "energy/meter_readings")  # fmt: skip
_SERIES = ("erp/fuel_consumption", "erp/process_activity", "erp/production", "energy/meter_readings")

# Rule kind -> when it runs, its arguments and (warehouse rules) the datasets it applies to.
RULES: dict[str, RuleSpec] = {
    # load: GX on each new batch
    "not_null": _spec("load", ("columns",)),
    "non_negative": _spec("load", ("columns",)),
    "between": _spec("load", ("column",), ("min", "max")),
    "in_set": _spec("load", ("column",), ("values", "values_from")),
    "in_reference": _spec("load", ("column", "reference")),
    "unique": _spec("load", ("columns",), ("across_files",)),
    "greater_than": _spec("load", ("column", "than"), ("or_equal",)),
    "one_root": _spec("load", ("column",)),
    "no_cycles": _spec("load", ("column", "id_column")),
    "plausible_max": _spec("load", ("column", "unit_column", "max")),
    "windows_disjoint": _spec("load", ("columns", "from_column", "to_column")),
    # raw: a blocking gate before dbt
    "has_rows": _spec("raw", (), ("min_rows",)),
    # warehouse: GX on the dbt measures after dbt
    "complete_periods": _spec("warehouse", (), ("min_coverage_pct",), (*_MONTHLY, "procurement/waste")),
    "reporting_lag": _spec("warehouse", (), ("max_periods",), (*_MONTHLY, "procurement/waste")),
    "readings_do_not_overlap": _spec("warehouse", (), ("max_coverage_pct",), ("energy/meter_readings",)),
    "calibration_current": _spec("warehouse", (), ("max_days_overdue",), ("energy/meters",)),
    "deviation": _spec("warehouse", ("max_factor",), (), _SERIES),
    "annual_jump": _spec("warehouse", ("max_factor",), (), _SERIES),
    "intensity_outlier": _spec(
        "warehouse",
        ("max_factor",),
        (),
        ("erp/fuel_consumption", "erp/process_activity", "energy/meter_readings"),
    ),
    "stoichiometric_max": _spec("warehouse", (), (), ("erp/process_activity",)),
    "reconciliation": _spec("warehouse", ("tolerance_pct",), (), ("energy/energy_invoices",)),
    "estimated_share": _spec("warehouse", ("max_pct",), (), tuple(DATASETS_BY_KEY)),
    "serial_blocks_disjoint": _spec("warehouse", (), (), ("erp/carbon_credits",)),
    "in_boundary_tree": _spec("warehouse", (), (), ("erp/entities",)),
    "factor_coverage": _spec("warehouse", (), (), tuple(DATASETS_BY_KEY)),
    # review: the data against the plan (top-level `review:` only)
    "datasets_in_plan": _spec("review"),
    "meters_in_plan": _spec("review"),
    "plan_meters_registered": _spec("review"),
    "calibration_interval_matches": _spec("review"),
}

# Numeric arguments and their defaults (None = required by the rule).
_NUMBERS: dict[str, float | None] = {
    "min": None, "max": None, "min_rows": 1, "min_coverage_pct": 100.0, "max_periods": 0,
    "max_coverage_pct": 100.0, "max_days_overdue": 0, "max_factor": None, "tolerance_pct": None,
    "max_pct": None,
}  # fmt: skip

_STREAM_KEYS = {
    "id", "name", "clause", "dataset", "source_system", "method", "frequency",
    "responsible_role", "retention", "checks", "meters",
}  # fmt: skip
_REQUIRED_STREAM_TEXT = _STREAM_KEYS - {"name", "checks", "meters"}
_CHECK_KEYS = {"code", "severity", "level", "rule", "description"}
_PLAN_KEYS = {"version", "title", "document", "revisions", "value_lists", "scorecard", "review", "streams"}
_METER_KEYS = {
    "meter_id",
    "facility_id",
    "energy_type",
    "supply",
    "accuracy_class",
    "calibration_interval_months",
}
SCORE_WEIGHTS = ("completeness", "checks", "measured")


def unit_dimensions() -> dict[str, str]:
    """Dimension -> its canonical unit, from seeds/units.csv."""
    return {u["dimension"]: u["canonical_unit"] for u in unit_table().values()}


def unit_table() -> dict[str, dict[str, str]]:
    """seeds/units.csv by unit code."""
    import csv as _csv

    from pipelines.paths import SEEDS_DIR

    with (SEEDS_DIR / "units.csv").open(encoding="utf-8") as f:
        return {r["unit"]: r for r in _csv.DictReader(f)}


class PlanError(ValueError):
    """The plan file is malformed; the message names the entry at fault."""


@dataclass(frozen=True)
class Check:
    """One check of the plan, applied to one dataset (or, for review checks, to the plan).

    ``args`` holds the rule's arguments, normalised: ``columns`` (list) for
    not_null / non_negative / unique (plus ``across_files``); ``column`` plus
    ``min``/``max`` (float or None) for between; ``column``, ``values`` (sorted,
    seed values resolved) and ``values_from`` for in_set; ``column`` and
    ``reference`` ({dataset, column}) for in_reference; ``column``, ``than`` and
    ``or_equal`` for greater_than; ``column`` (and ``id_column``) for the tree
    rules; the thresholds (floats, defaults filled in) for the other rules.
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
    def stage(self) -> str:
        return RULES[self.rule].stage

    @property
    def is_blocking(self) -> bool:
        """An error at dataset level stops everything downstream of the check."""
        return self.severity == "error" and self.level == "dataset"

    @property
    def check_name(self) -> str:
        """The code as a Dagster asset check name (``DQ_COMPL_010``)."""
        return self.code.replace("-", "_")

    @property
    def columns(self) -> list[str]:
        """The columns of the validated dataset that a load check reads."""
        if "columns" in self.args:
            return list(self.args["columns"]) + [
                self.args[k] for k in ("from_column", "to_column") if k in self.args
            ]
        cols = [self.args["column"]] if "column" in self.args else []
        return cols + [self.args[k] for k in ("than", "id_column", "unit_column") if k in self.args]

    @property
    def reference_key(self) -> str | None:
        """``erp/facilities.facility_id`` for an in_reference check: the key of
        ``reference_values`` that validate_batch needs; None for other rules."""
        if self.rule != "in_reference":
            return None
        ref = self.args["reference"]
        return f"{ref['dataset']}.{ref['column']}"

    @property
    def is_across_files(self) -> bool:
        """A unique check judged against everything already loaded, not only the batch."""
        return self.rule == "unique" and bool(self.args.get("across_files"))

    @property
    def has_status_column(self) -> bool:
        """Rules judged in Python into a per-row status column that GX then checks ('ok')."""
        return self.rule in ("one_root", "no_cycles", "plausible_max", "windows_disjoint")

    @property
    def needs_whole_dataset(self) -> bool:
        """Tree rules judge the batch together with the rows already loaded from other files."""
        return self.rule in ("one_root", "no_cycles", "windows_disjoint")


@dataclass(frozen=True)
class PlanMeter:
    """A meter of the plan (the measuring equipment of 9.1.3)."""

    meter_id: str
    stream: str
    facility_id: str
    energy_type: str
    supply: str
    calibration_interval_months: int
    accuracy_class: str | None = None


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
    meters: tuple[PlanMeter, ...] = ()


@dataclass(frozen=True)
class Revision:
    version: str
    date: str
    author: str
    changes_en: str
    changes_zh: str


@dataclass(frozen=True)
class Plan:
    source: str
    title_en: str
    title_zh: str
    streams: tuple[Stream, ...]
    # Named value lists with their values resolved (seed, else fallback).
    value_lists: dict[str, tuple[str, ...]] = field(default_factory=dict)
    review: tuple[Check, ...] = ()
    revisions: tuple[Revision, ...] = ()
    document: dict[str, Any] = field(default_factory=dict)
    score_weights: dict[str, float] = field(
        default_factory=lambda: {"completeness": 0.4, "checks": 0.4, "measured": 0.2}
    )

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check: the streams' in plan order, then the review checks."""
        return tuple(c for s in self.streams for c in s.checks) + self.review

    @property
    def dataset_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.dataset_key for s in self.streams))

    @property
    def version(self) -> str:
        """The latest revision's version ('' without a revision history)."""
        return self.revisions[-1].version if self.revisions else ""

    @property
    def meters(self) -> tuple[PlanMeter, ...]:
        return tuple(m for s in self.streams for m in s.meters)

    def checks_for(self, dataset_key: str) -> tuple[Check, ...]:
        """The load-time checks of a dataset (what validate_batch runs on a new batch)."""
        return tuple(c for c in self.checks if c.dataset_key == dataset_key and c.stage == "load")

    def checks_in(self, stage: str) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.stage == stage)

    def check(self, code: str) -> Check:
        for c in self.checks:
            if c.code == code:
                return c
        raise KeyError(f"{code!r} is not a check of the plan")

    def stream(self, stream_id: str) -> Stream:
        for s in self.streams:
            if s.id == stream_id:
                return s
        raise KeyError(f"{stream_id!r} is not a stream of the plan")

    def stream_for(self, dataset_key: str) -> Stream | None:
        return next((s for s in self.streams if s.dataset_key == dataset_key), None)

    def reference_keys(self, dataset_key: str) -> list[str]:
        """The ``reference_values`` keys validate_batch needs for this dataset."""
        return sorted({k for c in self.checks_for(dataset_key) if (k := c.reference_key)})


# --------------------------------------------------------------------------- reading


def load_plan(path: Path | str = DEFAULT_PLAN, *, seeds_dir: Path | str = SEEDS_DIR) -> Plan:
    """Read the plan file (and the seeds its value lists name) and validate it.

    A run reads the plan in many places; the parsed plan (immutable) is kept for as long as
    the plan's text and the seed files it reads stay the same."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    seeds = Path(seeds_dir)
    key = (str(path.resolve()), text, str(seeds.resolve()), _seed_stamps(seeds))
    cached = _PLANS.get(key)
    if cached is None:
        try:
            # libyaml's loader where PyYAML has it: the same documents, several times faster.
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
        except yaml.YAMLError as exc:
            raise PlanError(f"{path}: not valid YAML: {exc}") from None
        cached = parse_plan(data, source=str(path), seed_values=read_value_list_seeds(data, seeds))
        _PLANS.clear()
        _PLANS[key] = cached
    return cached


_PLANS: dict[tuple, Plan] = {}


def _seed_stamps(seeds_dir: Path) -> tuple:
    try:
        return tuple(
            sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in seeds_dir.glob("*.csv"))
        )
    except OSError:
        return ()


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
    meters: dict[str, str] = {}

    def register(check: Check, where: str) -> None:
        if check.code in codes:
            raise PlanError(f"{where}, check {check.code}: code already used by stream {codes[check.code]!r}")
        codes[check.code] = check.stream

    for i, entry in enumerate(streams_data):
        where = f"{source}: stream #{i + 1}"
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            where = f"{source}: stream {entry['id']!r}"
        stream = _parse_stream(entry, where, value_lists)
        if stream.id in stream_ids or stream.id == PLAN_STREAM:
            raise PlanError(f"{where}: duplicate stream id" if stream.id in stream_ids else f"{where}: "
                            f"{PLAN_STREAM!r} is reserved for the review checks")  # fmt: skip
        stream_ids.add(stream.id)
        for check in stream.checks:
            register(check, where)
        for meter in stream.meters:
            if meter.meter_id in meters:
                raise PlanError(
                    f"{where}: meter {meter.meter_id} is already listed by stream {meters[meter.meter_id]!r}"
                )
            meters[meter.meter_id] = stream.id
        streams.append(stream)

    review_data = data.get("review") or []
    if not isinstance(review_data, list):
        raise PlanError(f"{source}: `review:` must be a list of checks")
    review = []
    for j, entry in enumerate(review_data):
        check = _parse_check(entry, f"{source}: review, check #{j + 1}", PLAN_STREAM, None, value_lists)
        register(check, f"{source}: review")
        review.append(check)

    return Plan(
        source=source,
        title_en=title[0],
        title_zh=title[1],
        streams=tuple(streams),
        value_lists=value_lists,
        review=tuple(review),
        revisions=_parse_revisions(data.get("revisions") or [], source),
        document=_parse_document(data.get("document") or {}, source),
        score_weights=_parse_scorecard(data.get("scorecard"), source),
    )


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


def _parse_revisions(entries: Any, source: str) -> tuple[Revision, ...]:
    if not isinstance(entries, list):
        raise PlanError(f"{source}: `revisions:` must be a list")
    out = []
    for i, entry in enumerate(entries):
        where = f"{source}: revision #{i + 1}"
        if not isinstance(entry, Mapping):
            raise PlanError(f"{where}: must be a mapping with version, date, author and changes")
        _no_unknown_keys(entry, {"version", "date", "author", "changes"}, where)
        date = entry.get("date")
        if isinstance(date, dt.date):
            date = date.isoformat()
        if not isinstance(date, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            raise PlanError(f"{where}: date must be YYYY-MM-DD")
        changes = _bilingual(entry.get("changes"), f"{where}: changes")
        out.append(Revision(_text(entry.get("version"), f"{where}: version"), date,
                            _text(entry.get("author"), f"{where}: author"), changes[0], changes[1]))  # fmt: skip
    dates = [r.date for r in out]
    if dates != sorted(dates):
        raise PlanError(f"{source}: revisions must be listed oldest first")
    return tuple(out)


def _parse_document(entry: Any, source: str) -> dict[str, Any]:
    if not isinstance(entry, Mapping):
        raise PlanError(f"{source}: `document:` must be a mapping")
    _no_unknown_keys(entry, {"id", "owner", "approved_by", "scope"}, f"{source}: document")
    out: dict[str, Any] = {}
    if "id" in entry:
        out["id"] = _text(entry["id"], f"{source}: document.id")
    for key in ("owner", "approved_by", "scope"):
        if key in entry:
            out[key] = _bilingual(entry[key], f"{source}: document.{key}")
    return out


def _parse_scorecard(entry: Any, source: str) -> dict[str, float]:
    if entry is None:
        return {"completeness": 0.4, "checks": 0.4, "measured": 0.2}
    where = f"{source}: scorecard"
    if (
        not isinstance(entry, Mapping)
        or set(entry) != {"weights"}
        or not isinstance(entry["weights"], Mapping)
    ):
        raise PlanError(f"{where}: must be {{weights: {{completeness, checks, measured}}}}")
    weights = entry["weights"]
    if set(weights) != set(SCORE_WEIGHTS):
        raise PlanError(f"{where}: weights needs exactly {', '.join(SCORE_WEIGHTS)}")
    out = {k: _number(weights[k], f"{where}: weights.{k}") for k in SCORE_WEIGHTS}
    if abs(sum(out.values()) - 1) > 1e-9:
        raise PlanError(f"{where}: the weights must add up to 1")
    return out


def _parse_stream(entry: Any, where: str, value_lists: Mapping[str, tuple[str, ...]]) -> Stream:
    if not isinstance(entry, Mapping):
        raise PlanError(f"{where}: must be a mapping")
    _no_unknown_keys(entry, _STREAM_KEYS, where)
    text = {k: _text(entry.get(k), f"{where}: {k}") for k in _REQUIRED_STREAM_TEXT}
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
    meters_data = entry.get("meters") or []
    if not isinstance(meters_data, list):
        raise PlanError(f"{where}: `meters:` must be a list")
    meters = tuple(_parse_meter(m, f"{where}, meter #{k + 1}", text["id"]) for k, m in enumerate(meters_data))
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
        meters=meters,
    )


def _parse_meter(entry: Any, where: str, stream_id: str) -> PlanMeter:
    if not isinstance(entry, Mapping):
        raise PlanError(f"{where}: must be a mapping")
    _no_unknown_keys(entry, _METER_KEYS, where)
    interval = entry.get("calibration_interval_months")
    if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
        raise PlanError(f"{where}: calibration_interval_months must be a whole number of months")
    accuracy = entry.get("accuracy_class")
    if accuracy is not None and not isinstance(accuracy, str):
        raise PlanError(f"{where}: accuracy_class must be text (quote it in YAML)")
    return PlanMeter(
        meter_id=_text(entry.get("meter_id"), f"{where}: meter_id"),
        stream=stream_id,
        facility_id=_text(entry.get("facility_id"), f"{where}: facility_id"),
        energy_type=_text(entry.get("energy_type"), f"{where}: energy_type"),
        supply=_text(entry.get("supply"), f"{where}: supply"),
        calibration_interval_months=interval,
        accuracy_class=accuracy,
    )


def _parse_check(
    entry: Any,
    where: str,
    stream_id: str,
    dataset: Dataset | None,
    value_lists: Mapping[str, tuple[str, ...]],
) -> Check:
    if not isinstance(entry, Mapping):
        raise PlanError(f"{where}: must be a mapping")
    if isinstance(entry.get("code"), str):
        where = f"{where.rsplit(', check', 1)[0]}, check {entry['code']}"
    code = _text(entry.get("code"), f"{where}: code")
    if not CODE_PATTERN.match(code):
        raise PlanError(f"{where}: code must look like DQ-VALID-001 (DQ-<FAMILY>-<nnn>)")
    severity = _one_of(entry.get("severity"), SEVERITIES, f"{where}: severity")
    rule = _one_of(entry.get("rule"), tuple(RULES), f"{where}: rule")
    spec = RULES[rule]
    if spec.stage == "load":
        level = _one_of(entry.get("level"), LEVELS, f"{where}: level")
    else:
        level = _one_of(
            entry.get("level", "dataset"), ("dataset",), f"{where}: level ({spec.stage} rule {rule})"
        )
    if (spec.stage == "review") != (dataset is None):
        raise PlanError(
            f"{where}: rule {rule} belongs in the plan's `review:` list"
            if spec.stage == "review"
            else f"{where}: rule {rule} belongs to a stream, not to `review:`"
        )
    _no_unknown_keys(entry, _CHECK_KEYS | spec.required | spec.optional, f"{where} ({rule})")
    missing = sorted(spec.required - set(entry))
    if missing:
        raise PlanError(f"{where}: rule {rule} needs {', '.join(missing)}")
    if dataset is not None and spec.datasets is not None and dataset.key not in spec.datasets:
        raise PlanError(
            f"{where}: rule {rule} has no measure for {dataset.key} "
            f"(it covers {', '.join(sorted(spec.datasets))})"
        )

    def column_of(name: Any, what: str, ds: Dataset | None = dataset) -> str:
        name = _text(name, f"{where}: {what}")
        assert ds is not None
        if name not in ds.column_names:
            raise PlanError(f"{where}: {name!r} is not a column of {ds.key}")
        return name

    args: dict[str, Any] = {}
    if "columns" in spec.required:
        cols = entry["columns"]
        if not isinstance(cols, list) or not cols:
            raise PlanError(f"{where}: `columns` must be a non-empty list")
        args["columns"] = [column_of(c, "columns") for c in cols]
        if len(set(args["columns"])) != len(args["columns"]):
            raise PlanError(f"{where}: a column is listed twice")
    elif "column" in spec.required:
        args["column"] = column_of(entry["column"], "column")

    if rule == "between":
        for k in ("min", "max"):
            v = entry.get(k)
            args[k] = None if v is None else _number(v, f"{where}: `{k}`", allow_negative=True)
        if args["min"] is None and args["max"] is None:
            raise PlanError(f"{where}: rule between needs min, max or both")
        if args["min"] is not None and args["max"] is not None and args["min"] > args["max"]:
            raise PlanError(f"{where}: min is greater than max")
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
    elif rule == "unique":
        args["across_files"] = _flag(entry.get("across_files", False), f"{where}: across_files")
    elif rule == "greater_than":
        args["than"] = column_of(entry["than"], "than")
        args["or_equal"] = _flag(entry.get("or_equal", False), f"{where}: or_equal")
        if args["than"] == args["column"]:
            raise PlanError(f"{where}: column and than are the same column")
    elif rule == "no_cycles":
        args["id_column"] = column_of(entry["id_column"], "id_column")
    elif rule == "windows_disjoint":
        args["from_column"] = column_of(entry["from_column"], "from_column")
        args["to_column"] = column_of(entry["to_column"], "to_column")
    elif rule == "plausible_max":
        args["unit_column"] = column_of(entry["unit_column"], "unit_column")
        limits = entry["max"]
        if not isinstance(limits, Mapping) or not limits:
            raise PlanError(
                f"{where}: `max` must map unit dimensions to a largest plausible value, e.g. {{mass: 2.0e7}}"
            )
        known = unit_dimensions()
        args["max"] = {}
        for dim, value in sorted(limits.items()):
            if dim not in known:
                raise PlanError(
                    f"{where}: {dim!r} is not a unit dimension of seeds/units.csv ({', '.join(sorted(known))})"
                )
            args["max"][str(dim)] = _number(value, f"{where}: max of {dim}")
    elif spec.stage != "load":
        for k in sorted(spec.required | spec.optional):
            default = _NUMBERS[k]
            args[k] = _number(entry[k], f"{where}: `{k}`") if k in entry else default

    description = entry.get("description")
    if description is not None and not isinstance(description, str):
        raise PlanError(f"{where}: description must be text")
    return Check(
        code=code,
        stream=stream_id,
        dataset_key=dataset.key if dataset is not None else "",
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
        "unique": f"{cols} unique {'across files' if args.get('across_files') else 'within the batch'}",
        "greater_than": f"{cols} {'≥' if args.get('or_equal') else '>'} {args.get('than')}",
        "one_root": "exactly one root",
        "no_cycles": "no cycles",
        "plausible_max": f"{cols} within a plausible maximum per unit dimension",
        "windows_disjoint": f"validity windows of one {cols} do not overlap",
    }.get(rule, rule.replace("_", " "))


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


def _number(value: Any, where: str, *, allow_negative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanError(f"{where} must be a number")
    if value < 0 and not allow_negative:
        raise PlanError(f"{where} must not be negative")
    return float(value)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise PlanError(f"{where}: true or false expected")
    return value


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
