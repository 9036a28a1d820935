"""The dbt models built from the plan's results (``fct_data_quality``), after the plan's checks.

They read the ``quality`` schema that the ``quality/*`` assets write (their
dbt sources map to that asset), so Dagster builds them after it, and not at
all when one of its blocking checks fails. The plan's scorecard weights are
passed to dbt as the var ``dq_score_weights``.
"""

import contextlib
import os

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.defs.quality import QUALITY_RESULT_MODELS
from pipelines.defs.transform.dbt import CarbonDbtTranslator, dbt_project
from pipelines.lib.progress import say
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import ENV_WAREHOUSE


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=CarbonDbtTranslator(),
    select=QUALITY_RESULT_MODELS,
    name="carbon_dbt_quality_results",
)
def quality_result_models(context: AssetExecutionContext, dbt: DbtCliResource, carbon: CarbonResource):
    os.environ[ENV_WAREHOUSE] = carbon.warehouse_path  # read by profiles.yml
    say("dbt      build the data quality scorecard (fct_data_quality)")
    log_path = carbon.warehouse.parent / "dbt_build.log"
    # The main build's vars and target folder: dbt re-uses that invocation's parse.
    invocation = dbt.cli(["build", "--vars", carbon.settings().dbt_vars_json()], context=context,
                         raise_on_error=False, target_path=carbon.dbt_target_path)  # fmt: skip
    # Appended to the main build's log; dagster-dbt echoes every dbt line to stdout.
    with log_path.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        yield from invocation.stream()
    say("dbt      done: data quality scorecard built")
    if not invocation.is_successful():
        raise dg.Failure(
            description=f"dbt build of the data quality scorecard failed; see {log_path}.",
            metadata={"log": str(log_path)},
        )
