"""The Dagster instance of a warehouse: persistent, beside it, shared by ``carbon run`` and ``carbon ui``.

Every run, its steps and logs, each asset's materializations (with their metadata) and every asset
check's result are kept in a SQLite-backed Dagster home next to the warehouse, so the UI shows the
history a data team expects. The folder is ``<warehouse stem>_dagster_home`` beside the warehouse
(``build/carbon_dagster_home`` for ``build/carbon.duckdb``), or ``CARBON_DAGSTER_HOME`` /
``--dagster-home``. Its ``dagster.yaml`` turns telemetry and the onboarding pop-up off; a
``dagster.yaml`` already there is the user's and is kept as it is.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV_DAGSTER_HOME = "CARBON_DAGSTER_HOME"

DAGSTER_YAML = """\
# The Dagster instance of a Carbon Ledger warehouse (written by `carbon`; edit freely, it is kept).
# Storage: SQLite files in this folder (runs, event logs, schedules). Nothing leaves the machine.
telemetry:
  enabled: false
nux:
  enabled: false
# Dagster's SQLite event log, kept connected during a run (pipelines/lib/dagster_storage.py)
event_log_storage:
  module: pipelines.lib.dagster_storage
  class: PooledSqliteEventLogStorage
  config:
    base_dir: {history}
"""


def dagster_home(warehouse: Path, configured: str | Path | None = None) -> Path:
    """The instance folder of a warehouse: the option, else CARBON_DAGSTER_HOME, else beside it."""
    chosen = configured or os.environ.get(ENV_DAGSTER_HOME)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return warehouse.resolve().parent / f"{warehouse.stem}_dagster_home"


# What earlier versions wrote (before the pooled event log): replaced by the current default.
_EARLIER_DEFAULT = DAGSTER_YAML.split("# Dagster's SQLite event log")[0]


def prepare(home: Path) -> Path:
    """Create the instance folder and its dagster.yaml (once; a default written by an earlier version
    is brought up to date, a user's own file is kept)."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") == _EARLIER_DEFAULT:
        history = home / "history" / "runs"  # where Dagster's default SQLite event log keeps its files
        config.write_text(DAGSTER_YAML.replace("{history}", json.dumps(str(history))), encoding="utf-8")
    return home


def open_instance(home: Path):
    """The persistent Dagster instance in ``home`` (created on first use)."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(prepare(home)))
