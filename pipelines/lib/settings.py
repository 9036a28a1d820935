"""``carbon.yml``: the group's reporting setup (docs/configuration.md).

Loaded once and validated strictly: an unknown or misspelt key at any level, a
key given twice and a value of the wrong type are each a ``ConfigError`` of one
sentence naming the key and the file (with the nearest valid key for a
misspelling). The settings are handed to dbt as ``--vars`` so that every model
sees the same setup.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

APPROACHES = ("equity_share", "operational_control", "financial_control")
GWP_SETS = ("AR4", "AR5", "AR6")
LOCATION_LEVELS = ("national", "regional", "provincial")
LOCATION_FAMILIES = ("grid_average", "ets")
# Scope labels of intensity numerators, targets and neutrality (docs/methods.md M-INT-01, M-TGT-01, M-CP-01).
SCOPE_LABELS = ("1", "2-location", "2-market", "3")
TARGET_KINDS = ("absolute", "intensity")
# Denominators of intensity targets: revenue, output value, or production of one product.
FINANCIAL_DENOMINATORS = ("revenue", "output_value")
DEFAULT_INTENSITY_SCOPES = ("1", "2-location")
# docs/methods.md M-CP-02: compliance credits count toward the ETS obligation within the scheme's offset
# limit, by default 5 % of covered emissions.
DEFAULT_ETS_OFFSET_LIMIT_PCT = 5.0
SCOPE3_CATEGORIES = range(1, 16)

# Every key carbon.yml may hold, per level (docs/configuration.md describes each).
TOP_LEVEL_KEYS = (
    "group_root",
    "consolidation",
    "reporting_currency",
    "base_year",
    "recalculation_threshold_pct",
    "gwp_set",
    "scope2",
    "targets",
    "neutrality",
    "ets_price_per_t",
    "ets_offset_limit_pct",
    "intensity",
    "reporting_years",
    "scope3_exclusions",
    "acknowledged_jumps",
    "report",
    "automation",
)
# An acknowledged year-on-year jump (data quality plan rule annual_jump): which series and year, and why.
ACKNOWLEDGED_JUMP_KEYS = ("dataset", "subject", "activity", "year", "reason")
JUMP_DATASETS = ("erp/fuel_consumption", "erp/process_activity", "erp/production", "energy/meter_readings")
SCOPE2_KEYS = ("location_factor", "location_family")
TARGET_KEYS = ("name", "kind", "scopes", "base_year", "target_year", "reduction_pct", "denominator")
NEUTRALITY_KEYS = ("year", "scopes")
INTENSITY_KEYS = ("scopes",)
REPORTING_RANGE_KEYS = ("from", "to")
# The monthly close in Dagster (pipelines/defs/automation.py): the landing-folder sensor and the schedule.
AUTOMATION_KEYS = ("landing_sensor", "monthly_close", "monthly_close_cron", "timezone")
DEFAULT_AUTOMATION = {
    "landing_sensor": False,
    "monthly_close": False,
    # 06:00 on the 2nd of every month: the month before is closed in the ERP by then
    "monthly_close_cron": "0 6 2 * *",
    "timezone": "Asia/Shanghai",
}
# The report's organisation block (pipelines/lib/report/data.py): stated by the group, never filled in.
REPORT_KEYS = ("organisation_name", "responsible_person", "intended_users", "verification")


class ConfigError(Exception):
    """carbon.yml is wrong in a way a person can fix; the message names the key.

    ``str()`` is the English sentence; ``bilingual()`` adds the Chinese one naming the same key,
    which is what the CLI prints. ``key`` is the configuration key (the first quoted name of the
    sentence unless given), None for an error of the whole file.
    """

    def __init__(self, message: str, *, key: str | None = "") -> None:
        super().__init__(message)
        if key == "":
            named = re.search(r": '([^']+)'", message)
            key = named.group(1) if named else None
        self.key = key

    def bilingual(self) -> str:
        if self.key:
            zh = f"配置项 '{self.key}' 有误，请按 docs/configuration.md 修改。"
        else:
            zh = "配置文件有误，请按 docs/configuration.md 修改。"
        return f"{self} / {zh}"


@dataclass(frozen=True)
class Settings:
    group_root: str
    consolidation: str = "operational_control"
    reporting_currency: str = "CNY"
    base_year: tuple[int, ...] = (2021,)
    recalculation_threshold_pct: float = 5.0
    gwp_set: str = "AR6"
    scope2_location_factor: str = "national"
    scope2_location_family: str = "grid_average"
    targets: tuple[dict, ...] = ()
    neutrality: dict = field(default_factory=dict)
    ets_price_per_t: float = 0.0
    ets_offset_limit_pct: float = DEFAULT_ETS_OFFSET_LIMIT_PCT
    intensity_scopes: tuple[str, ...] = DEFAULT_INTENSITY_SCOPES
    # Empty: the reporting years come from data coverage (docs/methods.md M-PER-01).
    reporting_years: tuple[int, ...] = ()
    # Scope 3 category (1..15) -> why it has no numbers (docs/methods.md M-S3-06, ISO 14064-1 5.2.3).
    scope3_exclusions: dict[int, str] = field(default_factory=dict)
    # Year-on-year jumps a person has checked: the plan's annual_jump check lets them pass.
    acknowledged_jumps: tuple[dict, ...] = ()
    # The report's organisation block; not a dbt var (it changes no number).
    report: dict[str, str] = field(default_factory=dict)
    # Sensor and schedule of the monthly close (Dagster); not a dbt var (it changes no number).
    automation: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_AUTOMATION))
    source_path: str = ""

    def dbt_vars(self) -> dict[str, Any]:
        return {
            "group_root": self.group_root,
            "consolidation": self.consolidation,
            "reporting_currency": self.reporting_currency,
            "base_years": list(self.base_year),
            "recalculation_threshold_pct": self.recalculation_threshold_pct,
            "gwp_set": self.gwp_set,
            "scope2_location_factor": self.scope2_location_factor,
            "scope2_location_family": self.scope2_location_family,
            "targets": list(self.targets),
            "neutrality": self.neutrality,
            "ets_price_per_t": self.ets_price_per_t,
            "ets_offset_limit_pct": self.ets_offset_limit_pct,
            "intensity_scopes": list(self.intensity_scopes),
            "reporting_years": list(self.reporting_years),
            "scope3_exclusions": {str(c): reason for c, reason in sorted(self.scope3_exclusions.items())},
            "acknowledged_jumps": list(self.acknowledged_jumps),
            # The scorecard weights of the data quality plan (fct_data_quality). Every dbt
            # invocation of a run gets the same vars, so the second one reuses the first's parse.
            "dq_score_weights": _plan_score_weights(),
        }

    def dbt_vars_json(self) -> str:
        return json.dumps(self.dbt_vars(), sort_keys=True, ensure_ascii=False)


# dbt vars that do not come from carbon.yml (the config-match check leaves them out).
NON_CONFIG_VARS = ("dq_score_weights",)
# dbt vars of the project itself: declared only in dbt_project.yml, never passed with --vars
# (every other var there is one of Settings.dbt_vars(), with Settings' default).
PROJECT_VARS = ("factor_set_version", "steam_enthalpy_gj_per_t")
# The carbon.yml key of each dbt var whose name differs from it.
VAR_CONFIG_KEYS = {
    "base_years": "base_year",
    "scope2_location_factor": "scope2.location_factor",
    "scope2_location_family": "scope2.location_family",
    "intensity_scopes": "intensity.scopes",
}


def _default(name: str) -> Any:
    """The default of a Settings field: the one place each carbon.yml default is written (the dbt
    vars' defaults in dbt_project.yml equal these, tests/test_dbt_vars.py)."""
    spec = next(f for f in fields(Settings) if f.name == name)
    return spec.default_factory() if spec.default is MISSING else spec.default


def _plan_score_weights() -> dict[str, float]:
    from pipelines.lib.quality.plan import load_plan

    return dict(load_plan().score_weights)


# ---------------------------------------------------------------- reading the file


class _DuplicateKey(Exception):
    def __init__(self, key: Any, first_line: int, line: int) -> None:
        super().__init__(key)
        self.key, self.first_line, self.line = key, first_line, line


class _StrictLoader(yaml.SafeLoader):
    """YAML's safe loader, except that a key given twice in one mapping is an error (PyYAML keeps
    the last silently, so a second `gwp_set:` further down would win unnoticed)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:  # an unhashable key: the constructor below says so
            continue
        if first != key_node.start_mark.line + 1:
            raise _DuplicateKey(key, first, key_node.start_mark.line + 1)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read(path: Path, where: str) -> dict:
    if not path.exists():
        raise ConfigError(f"{where}: the configuration file does not exist.", key=None)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader) or {}  # noqa: S506 (a safe loader)
    except _DuplicateKey as dup:
        raise ConfigError(
            f"{where}: '{dup.key}' is given twice in one mapping (lines {dup.first_line} and {dup.line}); "
            "keep one."
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({' '.join(str(exc).split())}).", key=None) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: the file is not UTF-8 text.", key=None) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of keys such as group_root, gwp_set.", key=None)
    return data


# ---------------------------------------------------------------- checks of one key or value


def _keys(mapping: dict, allowed: tuple[str, ...], at: str, where: str) -> None:
    """Every key of ``mapping`` is one of ``allowed``; ``at`` is the mapping's own key path ('' on top)."""
    for key in mapping:
        if isinstance(key, str) and key in allowed:
            continue
        path = f"{at}.{key}" if at else str(key)
        near = difflib.get_close_matches(str(key).lower(), allowed, n=1, cutoff=0.6)
        if near:
            hint = f"did you mean '{at}.{near[0]}'?" if at else f"did you mean '{near[0]}'?"
        else:
            hint = f"the keys of '{at}' are " if at else "the top-level keys are "
            hint += ", ".join(allowed)
        raise ConfigError(f"{where}: '{path}' is not a configuration key ({hint}).")


def _mapping(value: Any, key: str, example: str, where: str) -> dict:
    """An optional mapping: absent or empty is {}."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a mapping such as {example}, not {value!r}.")
    return value


def _choice(value: Any, key: str, allowed: tuple[str, ...], where: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{where}: '{key}' is {value!r}; expected one of {', '.join(allowed)}.")
    return value


def _text(value: Any, key: str, where: str, *, what: str = "a text") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: '{key}' must be {what}, not {value!r}.")
    return value.strip()


def _number(value: Any, key: str, where: str, *, high: float | None = None) -> float:
    """A YAML number of 0 or more (up to ``high``); a quoted number is a text, not a number."""
    span = f"from 0 to {high:g}" if high is not None else "of 0 or more"
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{where}: '{key}' must be a number {span}, not {value!r}.")
    if value < 0 or (high is not None and value > high):
        raise ConfigError(f"{where}: '{key}' is {value!r}; expected a number {span}.")
    return float(value)


def _year(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ConfigError(f"{where}: '{key}' must be a year such as 2030, not {value!r}.")
    year = int(value)
    if not 1900 <= year <= 2200:
        raise ConfigError(f"{where}: '{key}' is {year}; expected a year between 1900 and 2200.")
    return year


def _years(values: list, key: str, where: str) -> tuple[int, ...]:
    """A non-empty list of distinct years, in the order given."""
    if not values:
        raise ConfigError(f"{where}: '{key}' is an empty list; give at least one year.")
    years = tuple(_year(v, f"{key}[{i}]", where) for i, v in enumerate(values))
    twice = sorted({y for y in years if years.count(y) > 1})
    if twice:
        raise ConfigError(f"{where}: '{key}' lists {twice[0]} more than once.")
    return years


def _scope_labels(value: Any, key: str, where: str) -> tuple[str, ...]:
    labels = value if isinstance(value, list) else None
    if (
        not labels
        or any(not isinstance(v, (str, int)) or isinstance(v, bool) for v in labels)
        or any(str(v) not in SCOPE_LABELS for v in labels)
    ):
        raise ConfigError(
            f"{where}: '{key}' is {value!r}; expected a non-empty list of scope labels "
            f"from {', '.join(SCOPE_LABELS)}."
        )
    scopes = tuple(dict.fromkeys(str(v) for v in labels))
    if "2-location" in scopes and "2-market" in scopes:
        raise ConfigError(
            f"{where}: '{key}' lists both '2-location' and '2-market'; Scope 2 counts once, by one method."
        )
    return scopes


# ---------------------------------------------------------------- sections


def _group_root(data: dict, where: str) -> str:
    value = data.get("group_root")
    if value is None or value == "":
        raise ConfigError(f"{where}: 'group_root' is required (the entity id at the top of the boundary).")
    if isinstance(value, bool) or not isinstance(value, (str, int)) or not str(value).strip():
        raise ConfigError(f"{where}: 'group_root' must be an entity id such as G001, not {value!r}.")
    return str(value).strip()


def _currency(data: dict, where: str) -> str:
    value = data.get("reporting_currency", _default("reporting_currency"))
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{3}", value):
        raise ConfigError(
            f"{where}: 'reporting_currency' must be a three-letter ISO 4217 code such as CNY, not {value!r}."
        )
    return value


def _base_years(data: dict, where: str) -> tuple[int, ...]:
    if "base_year" not in data:
        return _default("base_year")
    value = data["base_year"]
    if isinstance(value, list):
        return _years(value, "base_year", where)
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise ConfigError(f"{where}: 'base_year' must be a year or a list of years, not {value!r}.")
    return (_year(value, "base_year", where),)


def _scope2(data: dict, where: str) -> tuple[str, str]:
    scope2 = _mapping(data.get("scope2"), "scope2", "{location_factor: national}", where)
    _keys(scope2, SCOPE2_KEYS, "scope2", where)
    return (
        _choice(
            scope2.get("location_factor", _default("scope2_location_factor")),
            "scope2.location_factor",
            LOCATION_LEVELS,
            where,
        ),
        _choice(
            scope2.get("location_family", _default("scope2_location_family")),
            "scope2.location_family",
            LOCATION_FAMILIES,
            where,
        ),
    )


def _intensity_scopes(data: dict, where: str) -> tuple[str, ...]:
    intensity = _mapping(data.get("intensity"), "intensity", '{scopes: ["1", "2-location"]}', where)
    _keys(intensity, INTENSITY_KEYS, "intensity", where)
    if "scopes" not in intensity:
        return DEFAULT_INTENSITY_SCOPES
    return _scope_labels(intensity["scopes"], "intensity.scopes", where)


def _targets(data: dict, where: str, intensity_scopes: tuple[str, ...]) -> tuple[dict, ...]:
    raw = data.get("targets") or []
    if not isinstance(raw, list):
        raise ConfigError(
            f"{where}: 'targets' must be a list of targets (name, kind, scopes, base_year, "
            "target_year, reduction_pct)."
        )
    targets: list[dict] = []
    names: set[str] = set()
    for i, target in enumerate(raw):
        at = f"targets[{i}]"
        if not isinstance(target, dict):
            raise ConfigError(
                f"{where}: '{at}' must be a mapping with name, kind, scopes, base_year, "
                "target_year and reduction_pct."
            )
        _keys(target, TARGET_KEYS, at, where)
        if target.get("name") in (None, ""):
            raise ConfigError(f"{where}: '{at}.name' is required.")
        if isinstance(target["name"], bool) or not isinstance(target["name"], (str, int)):
            raise ConfigError(
                f"{where}: '{at}.name' must be a text such as S12-2030, not {target['name']!r}."
            )
        name = str(target["name"]).strip()
        if name in names:
            raise ConfigError(
                f"{where}: '{at}.name' {name!r} is used by another target; names must be unique."
            )
        names.add(name)
        at = f"targets[{i}] ({name})"
        kind = _choice(target.get("kind", "absolute"), "kind", TARGET_KINDS, f"{where} {at}")
        if kind == "intensity" and target.get("scopes") is None:
            scopes = intensity_scopes
        else:
            scopes = _scope_labels(target.get("scopes"), f"{at}.scopes", where)
        if kind == "intensity" and set(scopes) != set(intensity_scopes):
            # progress is read from fct_intensity, whose numerator is intensity.scopes
            raise ConfigError(
                f"{where}: '{at}.scopes' {list(scopes)} must be the numerator of the intensities, "
                f"'intensity.scopes' {list(intensity_scopes)}, for an intensity target."
            )
        base_year = _year(target.get("base_year"), f"{at}.base_year", where)
        target_year = _year(target.get("target_year"), f"{at}.target_year", where)
        if target_year <= base_year:
            raise ConfigError(
                f"{where}: '{at}.target_year' ({target_year}) must be after its base_year ({base_year})."
            )
        reduction_pct = _number(target.get("reduction_pct"), f"{at}.reduction_pct", where, high=100)
        denominator = target.get("denominator")
        if kind == "intensity":
            if denominator is not None and not isinstance(denominator, str):
                raise ConfigError(
                    f"{where}: '{at}.denominator' must be revenue, output_value or production:<product>, "
                    f"not {denominator!r}."
                )
            denominator = (denominator or "").strip()
            product = denominator.split(":", 1)[1].strip() if denominator.startswith("production:") else ""
            if denominator not in FINANCIAL_DENOMINATORS and not product:
                raise ConfigError(
                    f"{where}: '{at}.denominator' is {target.get('denominator')!r}; an intensity "
                    "target needs revenue, output_value or production:<product>."
                )
            if product:
                denominator = f"production:{product}"
        elif denominator not in (None, ""):
            raise ConfigError(
                f"{where}: '{at}.denominator' only applies to intensity targets, and this one is {kind}."
            )
        else:
            denominator = None
        # Normalised so that dbt sees one type per key.
        targets.append(
            {
                "name": name,
                "kind": kind,
                "scopes": list(scopes),
                "base_year": base_year,
                "target_year": target_year,
                "reduction_pct": reduction_pct,
                "denominator": denominator,
            }
        )
    return tuple(targets)


def _neutrality(data: dict, where: str) -> dict:
    raw = _mapping(data.get("neutrality"), "neutrality", '{year: 2060, scopes: ["1", "2-market"]}', where)
    _keys(raw, NEUTRALITY_KEYS, "neutrality", where)
    neutrality: dict[str, Any] = {}
    if "year" in raw:
        neutrality["year"] = _year(raw["year"], "neutrality.year", where)
    if "scopes" in raw:
        neutrality["scopes"] = list(_scope_labels(raw["scopes"], "neutrality.scopes", where))
    return neutrality


def _reporting_years(data: dict, where: str) -> tuple[int, ...]:
    """docs/methods.md M-PER-01: a list of years, or an inclusive range {from, to}; absent: from data coverage."""
    value = data.get("reporting_years")
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(sorted(_years(value, "reporting_years", where)))
    if isinstance(value, dict):
        _keys(value, REPORTING_RANGE_KEYS, "reporting_years", where)
        missing = [k for k in REPORTING_RANGE_KEYS if value.get(k) is None]
        if missing:
            raise ConfigError(
                f"{where}: 'reporting_years' needs both 'from' and 'to' (missing: {', '.join(missing)})."
            )
        first = _year(value["from"], "reporting_years.from", where)
        last = _year(value["to"], "reporting_years.to", where)
        if first > last:
            raise ConfigError(
                f"{where}: 'reporting_years' runs from {first} to {last}; 'from' must not be after 'to'."
            )
        return tuple(range(first, last + 1))
    raise ConfigError(
        f"{where}: 'reporting_years' must be a list of years such as [2021, 2022] or a range such as "
        f"{{from: 2021, to: 2024}}, not {value!r}."
    )


def _scope3_exclusions(data: dict, where: str) -> dict[int, str]:
    """docs/methods.md M-S3-06: Scope 3 category (1..15) -> the reason it has no numbers."""
    raw = _mapping(data.get("scope3_exclusions"), "scope3_exclusions", '{14: "no franchises"}', where)
    exclusions: dict[int, str] = {}
    for key, reason in raw.items():
        text = str(key).strip()
        if isinstance(key, bool) or not isinstance(key, (int, str)) or not text.isdigit():
            raise ConfigError(
                f"{where}: 'scope3_exclusions' has the key {key!r}; keys are Scope 3 category numbers "
                "from 1 to 15."
            )
        category = int(text)
        if category not in SCOPE3_CATEGORIES:
            raise ConfigError(
                f"{where}: 'scope3_exclusions' has category {category}; Scope 3 categories are 1 to 15."
            )
        if category in exclusions:
            raise ConfigError(f"{where}: 'scope3_exclusions' gives category {category} twice.")
        exclusions[category] = _text(
            reason,
            f"scope3_exclusions.{category}",
            where,
            what=f"a reason (a non-empty text saying why category {category} has no numbers)",
        )
    return dict(sorted(exclusions.items()))


def _acknowledged_jumps(data: dict, where: str) -> tuple[dict, ...]:
    """Jumps the annual_jump checks of the plan let pass: {dataset, subject, year, activity?, reason}."""
    value = data.get("acknowledged_jumps")
    if value is None or value == []:
        return ()
    example = "[{dataset: erp/fuel_consumption, subject: F02, year: 2023, reason: new kiln line}]"
    if not isinstance(value, list):
        raise ConfigError(f"{where}: 'acknowledged_jumps' must be a list such as {example}, not {value!r}.")
    out: list[dict] = []
    for i, entry in enumerate(value, start=1):
        at = f"acknowledged_jumps[{i}]"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: '{at}' must be a mapping such as {example[1:-1]}, not {entry!r}.")
        _keys(entry, ACKNOWLEDGED_JUMP_KEYS, at, where)
        missing = [k for k in ("dataset", "subject", "year", "reason") if k not in entry]
        if missing:
            raise ConfigError(f"{where}: '{at}' needs {', '.join(missing)} (e.g. {example[1:-1]}).")
        dataset = _choice(entry["dataset"], f"{at}.dataset", JUMP_DATASETS, where)
        jump = {
            "dataset": dataset,
            "subject": _text(str(entry["subject"]) if isinstance(entry["subject"], int) else entry["subject"],
                             f"{at}.subject", where, what="a facility or meter id"),
            "year": _year(entry["year"], f"{at}.year", where),
            "reason": _text(entry["reason"], f"{at}.reason", where, what="a reason (who checked the figure, and why it holds)"),
        }  # fmt: skip
        if entry.get("activity") is not None:
            jump["activity"] = _text(
                entry["activity"], f"{at}.activity", where, what="an activity such as 'diesel, mobile'"
            )
        out.append(dict(sorted(jump.items())))
    return tuple(out)


def _report(data: dict, where: str) -> dict[str, str]:
    raw = _mapping(data.get("report"), "report", "{responsible_person: 张三, organisation_name: ...}", where)
    _keys(raw, REPORT_KEYS, "report", where)
    options: dict[str, str] = {}
    for key, value in raw.items():
        if value is None or value == "":
            continue
        options[key] = _text(value, f"report.{key}", where)
    return options


def _automation(data: dict, where: str) -> dict[str, Any]:
    raw = _mapping(data.get("automation"), "automation", "{landing_sensor: true, monthly_close: true}", where)
    _keys(raw, AUTOMATION_KEYS, "automation", where)
    options = dict(DEFAULT_AUTOMATION)
    for key in ("landing_sensor", "monthly_close"):
        if key in raw:
            if not isinstance(raw[key], bool):
                raise ConfigError(f"{where}: 'automation.{key}' must be true or false, not {raw[key]!r}.")
            options[key] = raw[key]
    if "monthly_close_cron" in raw:
        cron = _text(raw["monthly_close_cron"], "automation.monthly_close_cron", where,
                     what="a cron expression such as '0 6 2 * *'")  # fmt: skip
        from dagster._utils.schedules import is_valid_cron_string

        if not is_valid_cron_string(cron):
            raise ConfigError(f"{where}: 'automation.monthly_close_cron' is {cron!r}, not a cron expression "
                              "(minute hour day-of-month month day-of-week, e.g. '0 6 2 * *').")  # fmt: skip
        options["monthly_close_cron"] = cron
    if "timezone" in raw:
        zone = _text(
            raw["timezone"], "automation.timezone", where, what="an IANA time zone such as Asia/Shanghai"
        )
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}: 'automation.timezone' is {zone!r}, not a known time zone "
                              "(an IANA name such as Asia/Shanghai).") from None  # fmt: skip
        options["timezone"] = zone
    return options


def load_settings(path: Path) -> Settings:
    where = str(path)
    data = _read(path, where)
    _keys(data, TOP_LEVEL_KEYS, "", where)
    group_root = _group_root(data, where)
    intensity_scopes = _intensity_scopes(data, where)
    location_factor, location_family = _scope2(data, where)
    return Settings(
        group_root=group_root,
        consolidation=_choice(
            data.get("consolidation", _default("consolidation")), "consolidation", APPROACHES, where
        ),
        reporting_currency=_currency(data, where),
        base_year=_base_years(data, where),
        recalculation_threshold_pct=_number(
            data.get("recalculation_threshold_pct", _default("recalculation_threshold_pct")),
            "recalculation_threshold_pct",
            where,
            high=100,
        ),
        gwp_set=_choice(data.get("gwp_set", _default("gwp_set")), "gwp_set", GWP_SETS, where),
        scope2_location_factor=location_factor,
        scope2_location_family=location_family,
        targets=_targets(data, where, intensity_scopes),
        neutrality=_neutrality(data, where),
        ets_price_per_t=_number(
            data.get("ets_price_per_t", _default("ets_price_per_t")), "ets_price_per_t", where
        ),
        ets_offset_limit_pct=_number(
            data.get("ets_offset_limit_pct", _default("ets_offset_limit_pct")),
            "ets_offset_limit_pct",
            where,
            high=100,
        ),
        intensity_scopes=intensity_scopes,
        reporting_years=_reporting_years(data, where),
        scope3_exclusions=_scope3_exclusions(data, where),
        acknowledged_jumps=_acknowledged_jumps(data, where),
        report=_report(data, where),
        automation=_automation(data, where),
        source_path=where,
    )
