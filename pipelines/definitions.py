"""Dagster entry point: every asset, check and resource of Carbon Ledger.

Locations come from the CARBON_LANDING / CARBON_WAREHOUSE / CARBON_CONFIG
environment variables (the bundled sample group when unset); ``carbon run``
and ``carbon ui`` set them from their options.

Importing this module builds nothing: ``defs`` is a ``@dg.definitions`` function that
Dagster (``dagster dev -m pipelines.definitions``) calls when it loads the code location,
and ``carbon run`` calls :func:`build_definitions` with its own locations. The dbt
manifest is read, and the data quality plan parsed, only then.
"""

from __future__ import annotations

import warnings

import dagster as dg

from pipelines.defs.automation import build_automation, carbon_run_job
from pipelines.defs.exports.assets import finance_kpis, inventory_reports
from pipelines.defs.extraction.assets import build_extraction_assets
from pipelines.defs.extraction.checks import build_extraction_gates
from pipelines.defs.history.assets import history_tables
from pipelines.defs.quality.assets import build_plan_results
from pipelines.defs.quality.checks import build_required_stream_checks
from pipelines.defs.quality.dbt import build_quality_result_models
from pipelines.defs.transform.dbt import build_dbt_assets, dbt_resource
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import Locations


def build_definitions(locations: Locations | None = None) -> dg.Definitions:
    loc = locations or Locations.resolve()
    landing_sensor, monthly_close = build_automation(loc)
    defs = dg.Definitions(
        assets=[
            *build_extraction_assets(),
            history_tables,
            build_dbt_assets(),
            build_plan_results(),
            build_quality_result_models(),
            inventory_reports,
            finance_kpis,
        ],
        asset_checks=[*build_extraction_gates(), *build_required_stream_checks()],
        jobs=[carbon_run_job],
        sensors=[landing_sensor],
        schedules=[monthly_close],
        resources={
            "carbon": CarbonResource.from_locations(loc),
            "dbt": dbt_resource(),
        },
    )
    # Dagster 1.13 copies each sensor with its own beta `owners` parameter while it binds the resources,
    # which warns on the user's console; bind them now, quietly (the repository is cached on `defs`).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        defs.get_repository_def()
    return defs


@dg.definitions
def defs() -> dg.Definitions:
    """The code location as Dagster loads it, on the locations of the environment."""
    return build_definitions()
