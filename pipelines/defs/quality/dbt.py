"""The dbt models built from the plan's results (``fct_data_quality``), after the plan's checks.

They read the ``quality`` schema that the ``quality/*`` assets write (their
dbt sources map to that asset), so Dagster builds them after it, and not at
all when one of its blocking checks fails. The plan's scorecard weights are
passed to dbt as the var ``dq_score_weights``.
"""

import contextlib
import functools
import os

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from pipelines.defs.quality import QUALITY_RESULT_MODELS
from pipelines.defs.transform.dbt import (
    BUILD_ARGS,
    CarbonDbtTranslator,
    dbt_project,
    ensure_manifest,
    start_build,
)
from pipelines.lib import dbt_state
from pipelines.lib.progress import say
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import ENV_WAREHOUSE


@functools.cache
def build_quality_result_models() -> dg.AssetsDefinition:
    """The models built from the plan's results (op ``carbon_dbt_quality_results``), from a current
    manifest; built when the definitions are loaded, not on import."""
    ensure_manifest()

    @dbt_assets(
        manifest=dbt_project().manifest_path,
        project=dbt_project(),
        dagster_dbt_translator=CarbonDbtTranslator(),
        select=QUALITY_RESULT_MODELS,
        name="carbon_dbt_quality_results",
    )
    def _quality_results(context: AssetExecutionContext, dbt: DbtCliResource, carbon: CarbonResource):
        yield from _build(context, dbt, carbon)

    return _quality_results


def _build(context: AssetExecutionContext, dbt: DbtCliResource, carbon: CarbonResource):
    os.environ[ENV_WAREHOUSE] = carbon.warehouse_path  # read by profiles.yml
    say("dbt      build the data quality scorecard (fct_data_quality)")
    log_path = carbon.warehouse.parent / "dbt_build.log"
    # The main build's vars and target folder: dbt re-uses that invocation's parse. The unit tests are
    # make test's, as in the main build.
    args = [*BUILD_ARGS, "--vars", carbon.settings().dbt_vars_json()]
    # dbt removes the record of what the main build's models were made from as it starts (on-run-start,
    # macros/build_state.sql); the scorecard's models are not in it, so a successful build puts it back
    kept = dbt_state.kept(carbon.warehouse)
    invocation = start_build(context, dbt, carbon, args)  # its warm dbt started as the main build ended
    # Appended to the main build's log; dagster-dbt echoes every dbt line to stdout. The events wait
    # for the end of the build: the scorecard's materialization carries its scores, read once dbt has
    # closed the warehouse.
    with log_path.open("a", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        events = list(invocation.stream())
    say("dbt      done: data quality scorecard built")
    if invocation.is_successful():
        dbt_state.restore(carbon.warehouse, kept)
    scores = _scorecard_metadata(carbon) if invocation.is_successful() else {}
    for event in events:
        if scores and isinstance(event, dg.Output | dg.AssetMaterialization) and _is_scorecard(event):
            event = event.with_metadata({**event.metadata, **scores})
        yield event
    if not invocation.is_successful():
        raise dg.Failure(
            description=f"dbt build of the data quality scorecard failed; see {log_path}.",
            metadata={"log": str(log_path)},
        )


def _is_scorecard(event) -> bool:
    key = event.asset_key if isinstance(event, dg.AssetMaterialization) else None
    name = key.path[-1] if key is not None else event.output_name
    return name.endswith("fct_data_quality")


def _scorecard_metadata(carbon: CarbonResource) -> dict:
    """The latest reporting year's data quality scores (fct_data_quality), for the UI."""
    import duckdb

    from pipelines.lib.warehouse import connect

    try:
        with connect(carbon.warehouse, read_only=True) as con:
            row = con.execute(
                """select reporting_year, count(*), avg(data_quality_score), min(data_quality_score),
                          arg_min(stream_id, data_quality_score)
                   from marts.fct_data_quality
                   where reporting_year = (select max(reporting_year) from marts.fct_data_quality)
                   group by reporting_year"""
            ).fetchone()
    except duckdb.Error:
        return {}
    if row is None:
        return {}
    year, streams, mean, lowest, lowest_stream = row
    return {
        "data_quality_year": dg.MetadataValue.int(int(year)),
        "data_quality_streams": dg.MetadataValue.int(int(streams)),
        "data_quality_score_mean": dg.MetadataValue.float(round(float(mean), 1)),
        "data_quality_score_lowest": dg.MetadataValue.float(float(lowest)),
        "data_quality_lowest_stream": dg.MetadataValue.text(str(lowest_stream)),
    }
