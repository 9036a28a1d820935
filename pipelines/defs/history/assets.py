"""``history/*``: the tables of run manifests, period locks and restatements (created empty, idempotently).

The dbt source ``history`` (dbt_project/models/staging/history/) maps to these
assets, so Dagster creates the tables before dbt builds the views over them.
Rows are written outside the job: by ``carbon run`` once the job has returned
(the manifest needs the job's exit status and timings) and by ``carbon lock``.
"""

import dagster as dg

from pipelines.lib.history.schema import ensure_history_schema
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import connect

TABLES = {
    "restatements": "Locked figures a later run changed: old and new value, difference and cause.",
    "period_locks": "Reported years frozen with `carbon lock`, one row per lock version, with the run they came from.",
    "locked_figures": "The rpt_group_inventory cells of each lock version, as locked.",
    "runs": "Run manifests, one row per `carbon run` (read by the base-year recalculation for locked base years).",
    "run_inputs": "The input files of each run with their sha256 and the reporting years they fed.",
}


@dg.multi_asset(
    name="history_tables",
    specs=[
        dg.AssetSpec(
            dg.AssetKey(["history", table]), group_name="history", kinds={"duckdb"}, description=text
        )
        for table, text in TABLES.items()
    ],
)
def history_tables(context: dg.AssetExecutionContext, carbon: CarbonResource):
    with connect(carbon.warehouse) as con:
        ensure_history_schema(con)
        counts = {t: con.execute(f"select count(*) from history.{t}").fetchone()[0] for t in TABLES}
    for table, n in counts.items():
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(["history", table]), metadata={"rows": dg.MetadataValue.int(n)}
        )
