"""Is this carbon.yml the one the warehouse was built with?

Every ``carbon run`` records the effective settings it handed to dbt in its
manifest row (``history.runs.settings_json``, written by
:func:`pipelines.lib.history.manifest.start`). Commands that read a built
warehouse together with a configuration (``carbon report``, ``audit-pack``,
``docs``, ``kpis --config``) compare those settings with the configuration's,
so that a report can never label numbers with another setup. The comparison
is of the normalised settings (the dbt vars), not of the file's bytes:
comments, key order and spelled-out defaults do not matter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.settings import NON_CONFIG_VARS, VAR_CONFIG_KEYS, Settings
from pipelines.lib.warehouse import connect


class ConfigMismatchError(Exception):
    """The configuration is not the one the warehouse was built with; one sentence naming the keys."""


def config_vars(settings_json: str | dict[str, Any]) -> dict[str, Any]:
    """The dbt vars that come from carbon.yml, as JSON values (a recorded settings_json or dbt_vars())."""
    data = (
        json.loads(settings_json) if isinstance(settings_json, str) else json.loads(json.dumps(settings_json))
    )
    return {k: v for k, v in data.items() if k not in NON_CONFIG_VARS}


def differing_keys(built: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """The dbt var names whose values differ, in the order of ``now`` (then keys only ``built`` has)."""
    keys = list(now) + [k for k in built if k not in now]
    return [k for k in keys if k not in built or k not in now or built[k] != now[k]]


def config_key(var: str) -> str:
    return VAR_CONFIG_KEYS.get(var, var)


def show(value: Any) -> str:
    """A value as one would write it in carbon.yml (flow style, one line)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)


def _describe(keys: list[str], values: dict[str, Any]) -> str:
    return ", ".join(f"{config_key(k)}: {show(values[k]) if k in values else '(absent)'}" for k in keys)


def _runs(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]] | None:
    """The runs whose settings the marts may hold, newest first: the last run that rebuilt the
    inventory and every run after it (a later failed or interrupted run may have rebuilt part of the
    marts). None when the warehouse has no run manifest."""
    present = con.execute(
        "select count(*) from information_schema.columns where table_schema = 'history' "
        "and table_name = 'runs' and column_name in ('settings_json', 'is_inventory_built')"
    ).fetchone()[0]
    if present < 2:
        return None
    cur = con.execute(
        """
        select run_id, status, started_at, settings_json
        from history.runs
        where started_at >= coalesce((select max(started_at) from history.runs where is_inventory_built),
                                     (select max(started_at) from history.runs))
        order by started_at desc, run_id
        """
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def check_config_matches(warehouse: Path, settings: Settings, config: Path) -> None:
    """Raise ConfigMismatchError unless every run whose results the warehouse holds was built with the
    settings of ``config``. Opens the warehouse read-only and closes it."""
    rerun = f"Re-run `carbon run --config {config}` or pass the config it was built with."
    if not warehouse.is_file():
        return  # the command itself says that there is no warehouse
    try:
        with connect(warehouse, read_only=True) as con:
            runs = _runs(con)
    except duckdb.Error as exc:
        raise ConfigMismatchError(
            f"The warehouse {warehouse} cannot be opened to check its configuration "
            f"({str(exc).splitlines()[0]})."
        ) from None
    if not runs:
        raise ConfigMismatchError(
            f"{warehouse} has no run manifest (history.runs), so the configuration it was built with is "
            f"unknown; run `carbon run --config {config}` to build it with this one."
        )
    now = config_vars(settings.dbt_vars())
    for run in runs:
        if not run["settings_json"]:
            raise ConfigMismatchError(
                f"{warehouse} was built by a run ({run['run_id']}) that did not record its configuration; "
                f"run `carbon run --config {config}` to build it with this one."
            )
        built = config_vars(run["settings_json"])
        keys = differing_keys(built, now)
        if not keys:
            continue
        unrecorded = [k for k in keys if k not in built]
        if unrecorded == keys:
            raise ConfigMismatchError(
                f"{warehouse} was built by an earlier version of carbon that did not know "
                f"{', '.join(config_key(k) for k in keys)}; run `carbon run --config {config}` to build it with "
                "this one."
            )
        which = "was built with" if run is runs[-1] else f"was last run ({run['status']}) with"
        raise ConfigMismatchError(
            f"{warehouse} {which} {_describe(keys, built)}; {config.name} now says {_describe(keys, now)}. "
            f"{rerun}"
        )
