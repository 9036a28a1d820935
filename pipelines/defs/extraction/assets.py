"""One Dagster asset per landing dataset: landing folder -> ``raw.<source>__<dataset>``.

The assets are made from the contract, so a dataset added to the contract gets
its asset, its raw table, its dbt source and its plan checks without code here.
Master data (entities, facilities, meters) load first: the plan checks movement
data against the ids they define.
"""

import dagster as dg
from dagster import AssetExecutionContext

from pipelines.lib.contract import DATASETS, Dataset
from pipelines.lib.loader import ensure_schema, load_dataset
from pipelines.lib.plan_validator import PlanValidator
from pipelines.lib.progress import say
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import connect

# Loaded before everything else, in this order.
MASTER_DATA = ("erp/entities", "erp/facilities", "energy/meters")


def asset_key(ds: Dataset) -> dg.AssetKey:
    return dg.AssetKey(["raw", ds.raw_table])


def _deps(ds: Dataset) -> list[dg.AssetKey]:
    if ds.key in MASTER_DATA:
        i = MASTER_DATA.index(ds.key)
        return [asset_key(DATASET_BY_KEY[MASTER_DATA[i - 1]])] if i else []
    return [asset_key(DATASET_BY_KEY[MASTER_DATA[-1]])]


DATASET_BY_KEY = {d.key: d for d in DATASETS}


def build_extraction_asset(ds: Dataset) -> dg.AssetsDefinition:
    @dg.asset(
        key=asset_key(ds),
        group_name=f"landing_{ds.source}",
        description=f"{ds.doc} Loaded from the landing folder `{ds.key}/` (CSV, XLSX, Parquet).",
        deps=_deps(ds),
        kinds={"polars", "duckdb"},
        metadata={"landing_folder": ds.key, "raw_table": f"raw.{ds.raw_table}"},
    )
    def _extract(context: AssetExecutionContext, carbon: CarbonResource) -> dg.MaterializeResult:
        validator = PlanValidator.from_repo()
        with connect(carbon.warehouse) as con:
            ensure_schema(con)
            load = load_dataset(
                con,
                carbon.landing,
                ds,
                validator=validator,
                version=validator.version_for(ds, con),
                progress=lambda msg: context.log.debug(msg),
            )
            total = con.execute(f"select count(*) from raw.{ds.raw_table}").fetchone()[0]
        new = load.count("loaded") + load.count("replaced") + load.count("revalidated")
        say(
            f"extract  {ds.key:<34} {len(load.files):>3} files ({new} new/changed), "
            f"{load.rows_loaded:>8,} rows loaded, {load.rows_quarantined:>5,} quarantined"
        )
        return dg.MaterializeResult(
            metadata={
                "files": len(load.files),
                "files_new_or_changed": new,
                "files_revalidated": load.count("revalidated"),
                "files_unchanged": load.count("unchanged"),
                "files_duplicate": load.count("duplicate"),
                "files_unreadable": load.count("unreadable"),
                "files_removed": load.count("removed"),
                "rows_loaded_this_run": load.rows_loaded,
                "rows_quarantined_this_run": load.rows_quarantined,
                "rows_in_raw_table": dg.MetadataValue.int(int(total)),
            }
        )

    return _extract


def build_extraction_assets() -> list[dg.AssetsDefinition]:
    """One asset per dataset of the contract."""
    return [build_extraction_asset(ds) for ds in DATASETS]
