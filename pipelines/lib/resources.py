"""Dagster resources: where the landing zone, warehouse and configuration are."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.lib.settings import Settings, load_settings
from pipelines.lib.warehouse import Locations


class CarbonResource(dg.ConfigurableResource):
    """The run's locations. Defaults come from CARBON_* environment variables (see warehouse.Locations)."""

    landing_dir: str
    warehouse_path: str
    config_path: str

    @classmethod
    def from_locations(cls, loc: Locations) -> CarbonResource:
        return cls(
            landing_dir=str(loc.landing), warehouse_path=str(loc.warehouse), config_path=str(loc.config)
        )

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir)

    @property
    def warehouse(self) -> Path:
        return Path(self.warehouse_path)

    @property
    def dbt_target_path(self) -> Path:
        """dbt's target folder for this warehouse (artifacts of the last run, and the parse that the
        next invocation with the same vars re-uses): beside the warehouse, one per warehouse file."""
        return self.warehouse.parent / f"{self.warehouse.stem}_dbt_target"

    def settings(self) -> Settings:
        return load_settings(Path(self.config_path))
