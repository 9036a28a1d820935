"""The dbt project as Dagster assets: seeds, staging, intermediate and marts.

dbt tests surface as Dagster asset checks (dagster-dbt's default). The raw
sources map to the extraction assets through ``meta.dagster.asset_key`` in the
generated sources files, so the graph runs landing -> raw -> dbt in one job.

Nothing happens on import: the project is parsed (when its manifest is stale) and
the manifest read when the definitions are built (:func:`build_dbt_assets`).
"""

import contextlib
import functools
import graphlib
import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
from filelock import FileLock
from packaging import version

from pipelines.defs.quality import QUALITY_RESULT_MODELS
from pipelines.lib import dbt_launcher, dbt_state, dbt_warm
from pipelines.lib.progress import say
from pipelines.lib.resources import CarbonResource
from pipelines.lib.warehouse import ENV_WAREHOUSE
from pipelines.paths import DBT_PROJECT_DIR


@functools.cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


# The dbt of this environment, whether or not the venv is activated, through the launcher that lets a
# new warehouse file re-use a parse of the project (pipelines/lib/dbt_launcher.py).
DBT_EXECUTABLE = str(Path(sys.executable).parent / "carbon-dbt")
PARTIAL_PARSE = "partial_parse.msgpack"


class CarbonDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two fixed costs of each invocation that this project does not use:
    it asks the dbt executable for its version (`dbt --version`, a 1.5 s Python start) and builds an
    in-process dbt adapter (for row counts and column metadata, which our assets do not fetch). The
    version is the installed dbt-core's, the same executable (DBT_EXECUTABLE) that runs."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):  # noqa: ARG002 - see the class docstring
        return None


def dbt_resource() -> DbtCliResource:
    # dbt's own log file is left out: the run keeps dbt's info log (warnings and errors included) in
    # dbt_build.log beside the warehouse. Its level does not spare the cost: dbt renders every debug event
    # (each query, connection and compile step) as a JSON line before the file's level drops it, about a
    # sixth of a build of small tables (20 rows: 22.6 s with the file at level warn, 20.7 s without).
    return CarbonDbtCliResource(project_dir=dbt_project(), dbt_executable=DBT_EXECUTABLE,
                                global_config_flags=["--log-level-file", "none"])  # fmt: skip


def _newest_source_mtime() -> float:
    paths = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests", "../seeds"):
        paths += [p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in paths if p.exists())


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any model, macro, test or seed."""
    manifest = dbt_project().manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
        return
    # Two `carbon` processes starting together (two warehouses, two test workers) parse once.
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(manifest.parent / ".parse.lock")):
        if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime():
            return
        say("dbt      parsing the project")
        dbt_resource().cli(["parse", "--quiet"], target_path=manifest.parent).wait()


def _parse_cache(vars_json: str) -> Path:
    """Where the last parse of the project made with these --vars is kept, for any warehouse to re-use:
    keyed on the vars that the parse depends on (pipelines/lib/dbt_launcher.py PARSE_VARS), so a new
    warehouse with another configuration starts from it too."""
    parse_vars = json.dumps(dbt_launcher.parse_vars(json.loads(vars_json)), sort_keys=True)
    digest = hashlib.sha256(parse_vars.encode("utf-8")).hexdigest()[:16]
    return dbt_project().manifest_path.parent / "parse_cache" / f"{digest}.msgpack"


# dbt's JSON artifacts, which a run's builds do not write (--no-write-json): the Dagster assets are defined
# from the manifest of `dbt parse` (dbt_project/target/), every node's result is in dbt_build.log, and
# writing the manifest (twice per build: after the parse and at the end) with the run results took
# about 1 s of the scorecard's 8-10 s build on the 20-row folder (docs/decisions.md).
BUILD_ARGS = ["build", "--no-write-json", "--exclude-resource-type", "unit_test"]
JSON_ARTIFACTS = ("manifest.json", "semantic_manifest.json", "run_results.json")


def forget_artifacts(target_path: Path) -> None:
    """Remove the JSON artifacts an earlier build (or an earlier version of Carbon Ledger) left in a
    warehouse's target folder: a build that writes none must not leave older ones looking current."""
    for name in JSON_ARTIFACTS:
        (target_path / name).unlink(missing_ok=True)


def start_build(context, dbt: DbtCliResource, carbon: CarbonResource, args: list[str]):
    """Start one of the run's dbt builds (the main one, the scorecard's) in the warehouse's target folder:
    older JSON artifacts removed, the build handed to a warm dbt process when `carbon run` has one
    waiting (pipelines/lib/dbt_warm.py)."""
    forget_artifacts(carbon.dbt_target_path)
    with dbt_warm.handoff():
        return dbt.cli(args, context=context, raise_on_error=False, target_path=carbon.dbt_target_path)


def reuse_parse(target_path: Path, vars_json: str) -> None:
    """Start a warehouse's first build from the project's last parse with the same vars: dbt then
    re-parses only the files that changed since (it compares every file's checksum), not the project."""
    cached = _parse_cache(vars_json)
    if cached.is_file() and not (target_path / PARTIAL_PARSE).exists():
        target_path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target_path / PARTIAL_PARSE)


def keep_parse(target_path: Path, vars_json: str) -> None:
    """After a build: its parse becomes the one that the next new warehouse with these vars starts from."""
    parsed = target_path / PARTIAL_PARSE
    if not parsed.is_file():
        return
    cached = _parse_cache(vars_json)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
    shutil.copyfile(parsed, partial)
    os.replace(partial, cached)  # two builds finishing together: either complete file wins


class CarbonDbtTranslator(DagsterDbtTranslator):
    """Groups follow the domain: the folder under models/<layer>/ (inventory, finance, boundary, quality,
    ...; a staging model's source system), so one group holds a domain's models of every layer. The layer
    stays visible as the first part of each asset key (staging/..., intermediate/..., marts/...), which
    this translator does not change. Seeds are reference data."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn") or []  # [project, layer, folder, ..., model]
        if len(fqn) > 3:
            return fqn[2]
        return fqn[1] if len(fqn) > 2 else "dbt"


@functools.cache
def build_dbt_assets() -> dg.AssetsDefinition:
    """The dbt project's models, seeds and tests (op ``carbon_dbt_assets``), from a current manifest.

    The models that read the data quality plan's results are built after the plan's checks, by
    pipelines/defs/quality/dbt.py."""
    ensure_manifest()

    @dbt_assets(
        manifest=dbt_project().manifest_path,
        project=dbt_project(),
        dagster_dbt_translator=CarbonDbtTranslator(),
        exclude=QUALITY_RESULT_MODELS,
        name="carbon_dbt_assets",
    )
    def _dbt_build(context: AssetExecutionContext, dbt: DbtCliResource, carbon: CarbonResource):
        yield from _build(context, dbt, carbon)

    return _dbt_build


def _build(context: AssetExecutionContext, dbt: DbtCliResource, carbon: CarbonResource):
    os.environ[ENV_WAREHOUSE] = carbon.warehouse_path  # read by profiles.yml
    settings = carbon.settings()
    log_path = carbon.warehouse.parent / "dbt_build.log"
    vars_json = settings.dbt_vars_json()
    # Only what the changed sources reach is rebuilt (pipelines/lib/dbt_state.py); the plan is made from
    # the warehouse's record of its last successful build, which is removed until this one succeeds, and
    # from the manifest the assets were defined from (the file may have been parsed again since).
    manifest, translator, project = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    assets = context.assets_def
    whole = (assets.keys_by_output_name == assets.node_keys_by_output_name
             and assets.check_specs_by_output_name == assets.node_check_specs_by_output_name)  # fmt: skip
    # A part of the models, chosen in the Dagster UI, is built as dagster-dbt selects it; the rest may
    # then lag behind its sources, so nothing is planned or recorded and the next run builds everything.
    plan = (
        dbt_state.plan_build(carbon.warehouse, manifest, vars_json, QUALITY_RESULT_MODELS.split())
        if whole
        else None
    )
    dbt_state.forget(carbon.warehouse)
    settings_said = f"gwp_set={settings.gwp_set}, scope2 location factor={settings.scope2_location_factor}"
    # Unit tests pin the code to hand calculations: `make test` runs them (dbt test --select
    # test_type:unit); the data a run brings cannot change their outcome, so a run skips them.
    args = [*BUILD_ARGS, "--vars", vars_json]
    if plan is None:
        say(
            f"dbt      build the models selected in Dagster ({settings_said}); the next run builds everything"
        )
        yield from _invoke(context, dbt, carbon, args, vars_json, log_path)
        return
    if plan.full:
        say(f"dbt      build everything ({settings_said}): {plan.reason}")
    else:
        changed = ", ".join(manifest["sources"][uid]["source_name"] + "." + manifest["sources"][uid]["name"]
                            for uid in plan.changed_sources) or "none"  # fmt: skip
        models = sum(1 for uid in plan.rebuild if manifest["nodes"][uid]["resource_type"] != "test")
        unchanged = sum(1 for uid in plan.unchanged if manifest["nodes"][uid]["resource_type"] != "test")
        say(f"dbt      build what changed ({settings_said}): sources changed since the last build: {changed}; "
            f"{models} models and seeds to rebuild, {unchanged} unchanged / 仅重建受影响的模型")  # fmt: skip
        args += ["--indirect-selection", "empty", "--exclude", " ".join(plan.exclude_names(manifest))]
    # The models left as they are come first, parents before children (Dagster's order for the outputs
    # of one op): none of them is below a rebuilt one, so they are current now. Their outputs say so,
    # and the assets downstream run as usual (Dagster skips the steps after an output never yielded).
    yield from _unchanged_outputs(context, manifest, translator, project, plan.unchanged)
    if plan.full or plan.rebuild:
        yield from _invoke(context, dbt, carbon, args, vars_json, log_path)
    dbt_state.record(carbon.warehouse, plan, manifest)


def _unchanged_outputs(
    context: AssetExecutionContext,
    manifest: Mapping[str, Any],
    translator: DagsterDbtTranslator,
    project: DbtProject | None,
    unchanged: set[str],
):
    output_by_key = {key: name for name, key in context.assets_def.node_keys_by_output_name.items()}
    order = graphlib.TopologicalSorter(
        {
            uid: [p for p in manifest["nodes"][uid]["depends_on"].get("nodes", []) if p in unchanged]
            for uid in unchanged
        }
    )
    for uid in order.static_order():
        if manifest["nodes"][uid]["resource_type"] == "test":
            continue
        key = translator.get_asset_spec(manifest, uid, project).key
        name = output_by_key.get(key)
        if name is None:  # an output not yielded would silently skip the checks and exports after it
            raise dg.Failure(description=f"dbt node {uid} (asset {key.to_user_string()}) is no output of the "
                                         "dbt assets; the build cannot say it is unchanged.")  # fmt: skip
        if name in context.selected_output_names:
            yield dg.Output(None, output_name=name,
                            metadata={"carbon/rebuilt": False,
                                      "carbon/why": "no source above it changed since the last successful build"})  # fmt: skip
    # A test of error severity of an unchanged model passed in the last successful build (a failure fails
    # the build, which then records nothing), on the rows the model still has: its check says so, and the
    # checks that gate the exports have their result.
    checks = {spec.key.name: spec for spec in context.assets_def.check_specs
              if spec.key in context.selected_asset_check_keys}  # fmt: skip
    for uid in sorted(unchanged):
        node = manifest["nodes"][uid]
        spec = checks.get(node["name"]) if node["resource_type"] == "test" else None
        if spec is not None and str(node.get("config", {}).get("severity", "error")).lower() == "error":
            yield dg.AssetCheckResult(asset_key=spec.asset_key, check_name=spec.name, passed=True,
                                      metadata={"carbon/rerun": False,
                                                "carbon/why": "passed in the last successful build; the model "
                                                              "and its inputs are unchanged since"})  # fmt: skip


def _invoke(
    context, dbt: DbtCliResource, carbon: CarbonResource, args: list[str], vars_json: str, log_path: Path
):
    reuse_parse(carbon.dbt_target_path, vars_json)
    invocation = start_build(context, dbt, carbon, args)
    built = 0
    # dagster-dbt echoes every dbt log line to stdout; keep them in a file instead.
    with log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        try:
            for event in invocation.stream():
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    built += 1
                    if built % 10 == 0:
                        say(f"dbt      {built} models and seeds built")
                yield event
        finally:
            # A failure while streaming must not leave dbt running with the warehouse locked.
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait(timeout=30)
    say(f"dbt      done: {built} models and seeds built (log: {log_path})")
    if invocation.is_successful():
        dbt_warm.prepare()  # for the scorecard's build: dbt imports while the plan's checks run
    keep_parse(carbon.dbt_target_path, vars_json)
    if not invocation.is_successful():
        raise dg.Failure(
            description=f"dbt build failed; the failing models and tests are in {log_path}.",
            metadata={"log": str(log_path)},
        )
