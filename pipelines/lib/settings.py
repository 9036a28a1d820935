"""``carbon.yml``: the group's reporting setup (PRODUCT.md, Configuration).

Loaded once, validated with messages that name the key, and handed to dbt as
``--vars`` so that every model sees the same setup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

APPROACHES = ("equity_share", "operational_control", "financial_control")
GWP_SETS = ("AR4", "AR5", "AR6")
LOCATION_LEVELS = ("national", "regional", "provincial")
# Scope labels of intensity numerators, targets and neutrality (METHODS.md 8).
SCOPE_LABELS = ("1", "2-location", "2-market", "3")
TARGET_KINDS = ("absolute", "intensity")
# Denominators of intensity targets: revenue, output value, or production of one product.
FINANCIAL_DENOMINATORS = ("revenue", "output_value")
DEFAULT_INTENSITY_SCOPES = ("1", "2-location")


class ConfigError(Exception):
    """carbon.yml is wrong in a way a person can fix; the message names the key."""


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
    intensity_scopes: tuple[str, ...] = DEFAULT_INTENSITY_SCOPES
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
            "intensity_scopes": list(self.intensity_scopes),
            # The scorecard weights of the data quality plan (fct_data_quality). Every dbt
            # invocation of a run gets the same vars, so the second one reuses the first's parse.
            "dq_score_weights": _plan_score_weights(),
        }

    def dbt_vars_json(self) -> str:
        return json.dumps(self.dbt_vars(), sort_keys=True, ensure_ascii=False)


def _plan_score_weights() -> dict[str, float]:
    from pipelines.lib.quality.plan import load_plan

    return dict(load_plan().score_weights)


def _choice(data: dict, key: str, allowed: tuple[str, ...], default: str, where: str) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise ConfigError(f"{where}: '{key}' is {value!r}; expected one of {', '.join(allowed)}.")
    return value


def _scope_labels(value: Any, key: str, where: str) -> tuple[str, ...]:
    labels = value if isinstance(value, list) else None
    if not labels or any(str(v) not in SCOPE_LABELS for v in labels):
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


def _year(value: Any, key: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ConfigError(f"{where}: '{key}' must be a year such as 2030, not {value!r}.")
    year = int(value)
    if not 1900 <= year <= 2200:
        raise ConfigError(f"{where}: '{key}' is {year}; expected a year between 1900 and 2200.")
    return year


def _intensity_scopes(data: dict, where: str) -> tuple[str, ...]:
    intensity = data.get("intensity")
    if intensity is None:
        return DEFAULT_INTENSITY_SCOPES
    if not isinstance(intensity, dict):
        raise ConfigError(
            f'{where}: \'intensity\' must be a mapping such as {{scopes: ["1", "2-location"]}}.'
        )
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
        name = str(target.get("name") or "").strip()
        if not name:
            raise ConfigError(f"{where}: '{at}.name' is required.")
        if name in names:
            raise ConfigError(
                f"{where}: '{at}.name' {name!r} is used by another target; names must be unique."
            )
        names.add(name)
        at = f"targets[{i}] ({name})"
        kind = _choice(target, "kind", TARGET_KINDS, "absolute", f"{where} {at}")
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
        pct = target.get("reduction_pct")
        try:
            if isinstance(pct, bool):
                raise TypeError
            reduction_pct = float(pct)
        except (TypeError, ValueError):
            raise ConfigError(
                f"{where}: '{at}.reduction_pct' must be a number from 0 to 100, not {pct!r}."
            ) from None
        if not 0 <= reduction_pct <= 100:
            raise ConfigError(f"{where}: '{at}.reduction_pct' is {pct!r}; expected a number from 0 to 100.")
        denominator = target.get("denominator")
        if kind == "intensity":
            denominator = str(denominator or "").strip()
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
        # Extra keys are kept (other models may read them); the validated ones
        # are normalised so dbt sees one type per key.
        targets.append(
            {
                **target,
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
    raw = data.get("neutrality") or {}
    if not isinstance(raw, dict):
        raise ConfigError(
            f'{where}: \'neutrality\' must be a mapping such as {{year: 2060, scopes: ["1", "2-market"]}}}}.'
        )
    neutrality = dict(raw)
    if "year" in neutrality:
        neutrality["year"] = _year(neutrality["year"], "neutrality.year", where)
    if "scopes" in neutrality:
        neutrality["scopes"] = list(_scope_labels(neutrality["scopes"], "neutrality.scopes", where))
    return neutrality


def load_settings(path: Path) -> Settings:
    where = str(path)
    if not path.exists():
        raise ConfigError(f"{where}: the configuration file does not exist.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML ({exc}).") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a mapping of keys such as group_root, gwp_set.")
    if not data.get("group_root"):
        raise ConfigError(f"{where}: 'group_root' is required (the entity id at the top of the boundary).")
    base = data.get("base_year", 2021)
    years = base if isinstance(base, list) else [base]
    try:
        base_years = tuple(int(y) for y in years)
    except (TypeError, ValueError):
        raise ConfigError(f"{where}: 'base_year' must be a year or a list of years, not {base!r}.") from None
    scope2 = data.get("scope2") or {}
    intensity_scopes = _intensity_scopes(data, where)
    try:
        threshold = float(data.get("recalculation_threshold_pct", 5))
        ets_price = float(data.get("ets_price_per_t", 0))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: a numeric key has a non-numeric value ({exc}).") from None
    return Settings(
        group_root=str(data["group_root"]),
        consolidation=_choice(data, "consolidation", APPROACHES, "operational_control", where),
        reporting_currency=str(data.get("reporting_currency", "CNY")),
        base_year=base_years,
        recalculation_threshold_pct=threshold,
        gwp_set=_choice(data, "gwp_set", GWP_SETS, "AR6", where),
        scope2_location_factor=_choice(
            scope2, "location_factor", LOCATION_LEVELS, "national", where + " scope2"
        ),
        scope2_location_family=_choice(
            scope2, "location_family", ("grid_average", "ets"), "grid_average", where + " scope2"
        ),
        targets=_targets(data, where, intensity_scopes),
        neutrality=_neutrality(data, where),
        ets_price_per_t=ets_price,
        intensity_scopes=intensity_scopes,
        source_path=where,
    )
