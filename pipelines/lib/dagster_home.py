"""The Dagster instance of a warehouse: persistent, beside it, shared by ``carbon run`` and ``carbon ui``.

Every run, its steps and logs, each asset's materializations (with their metadata) and every asset
check's result are kept in a SQLite-backed Dagster home next to the warehouse, so the UI shows the
history a data team expects. The folder is ``<warehouse stem>_dagster_home`` beside the warehouse
(``build/carbon_dagster_home`` for ``build/carbon.duckdb``), or ``CARBON_DAGSTER_HOME`` /
``--dagster-home``. Its ``dagster.yaml`` turns telemetry and the onboarding pop-up off; a
``dagster.yaml`` already there is the user's and is kept as it is.
"""

from __future__ import annotations

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
"""


def dagster_home(warehouse: Path, configured: str | Path | None = None) -> Path:
    """The instance folder of a warehouse: the option, else CARBON_DAGSTER_HOME, else beside it."""
    chosen = configured or os.environ.get(ENV_DAGSTER_HOME)
    if chosen:
        return Path(chosen).expanduser().resolve()
    return warehouse.resolve().parent / f"{warehouse.stem}_dagster_home"


def prepare(home: Path) -> Path:
    """Create the instance folder and its dagster.yaml (once)."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home


def open_instance(home: Path):
    """The persistent Dagster instance in ``home`` (created on first use)."""
    import dagster as dg

    return dg.DagsterInstance.from_config(str(prepare(home)))
