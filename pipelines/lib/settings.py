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
        }

    def dbt_vars_json(self) -> str:
        return json.dumps(self.dbt_vars(), sort_keys=True, ensure_ascii=False)


def _choice(data: dict, key: str, allowed: tuple[str, ...], default: str, where: str) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise ConfigError(f"{where}: '{key}' is {value!r}; expected one of {', '.join(allowed)}.")
    return value


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
        scope2_location_factor=_choice(scope2, "location_factor", LOCATION_LEVELS, "national", where + " scope2"),
        scope2_location_family=_choice(scope2, "location_family", ("grid_average", "ets"), "grid_average",
                                       where + " scope2"),
        targets=tuple(data.get("targets") or ()),
        neutrality=dict(data.get("neutrality") or {}),
        ets_price_per_t=ets_price,
        source_path=where,
    )
