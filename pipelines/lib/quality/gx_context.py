"""The Great Expectations file context of the plan (``data_quality/gx``) and its Data Docs.

Two pandas data sources: ``landing`` (one dataframe asset per dataset, for the
batches validated on load) and ``warehouse`` (one per dbt measure, for the
checks after dbt). Suites, validation definitions and checkpoints are built
here from the plan; they, the results and the Data Docs live under
``gx/uncommitted/``. The only committed GX file is ``great_expectations.yml``;
it gains a dataframe asset the first time a suite is validated and is stable
after (commit it with the plan change that added the asset).

Importing GX costs several seconds, so it is imported on first use only.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from pipelines.paths import GX_DIR

LANDING_SOURCE = "landing"
WAREHOUSE_SOURCE = "warehouse"
_BATCH_DEFINITION = "whole_batch"
DATA_DOCS_SITE = "local_site"


class _DeferredModule:
    """Stands for a module until one of its attributes is read, then imports it."""

    __spec__ = None  # the import system looks at it without meaning to use the module

    def __init__(self, name: str) -> None:
        self.__dict__["_name"] = name

    def __getattr__(self, attribute: str) -> Any:
        return getattr(importlib.import_module(self.__dict__["_name"]), attribute)


def _defer_scipy_stats() -> None:
    """GX imports ``scipy.stats`` when it is imported (``from scipy import stats`` in three expectation and
    metric modules: KL divergence, KS tests), which the plan does not use; scipy builds it lazily, and
    building it cost 1-1.7 s of every run. GX's modules get a stand-in that imports it on first use."""
    if "scipy.stats" in sys.modules or "great_expectations" in sys.modules:
        return
    try:
        import scipy
    except ImportError:
        return
    if "stats" not in vars(scipy):
        scipy.stats = _DeferredModule("scipy.stats")


class GxContext:
    """A GX file context and the checkpoints built in it by this process."""

    def __init__(self, root: Path) -> None:
        if not (root / "great_expectations.yml").is_file():
            # Without it GX would scaffold a default project (and its clutter) here.
            raise FileNotFoundError(f"no great_expectations.yml in {root}: not a GX context root")
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
        _defer_scipy_stats()
        import great_expectations as gx

        _fast_batch_fingerprint()

        self.gx = gx
        self.root = root
        self.lock = threading.RLock()
        # context_root_dir rather than project_root_dir: the root need not be called gx/.
        self.context = gx.get_context(mode="file", context_root_dir=str(root))
        self._checkpoints: dict[tuple[str, str], tuple[str, Any]] = {}

    def checkpoint(self, source_name: str, asset_name: str, expectations: list[Any], *, notes: str) -> Any:
        """The checkpoint validating ``asset_name`` with a suite of the same name,
        (re)building suite and definitions when the expectations changed."""
        fingerprint = hashlib.sha256(
            json.dumps(
                [e.configuration.to_json_dict() for e in expectations], sort_keys=True, default=str
            ).encode()
        ).hexdigest()
        cached = self._checkpoints.get((source_name, asset_name))
        if cached and cached[0] == fingerprint:
            return cached[1]
        gx, ctx = self.gx, self.context
        try:
            source = ctx.data_sources.get(source_name)
        except (LookupError, KeyError):
            source = ctx.data_sources.add_pandas(source_name)
        # Get before add: adding writes new ids into great_expectations.yml.
        try:
            asset = source.get_asset(asset_name)
        except LookupError:
            asset = source.add_dataframe_asset(asset_name)
        try:
            batch_definition = asset.get_batch_definition(_BATCH_DEFINITION)
        except LookupError:
            batch_definition = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION)
        suite = ctx.suites.add_or_update(
            gx.ExpectationSuite(name=asset_name, expectations=expectations, meta={"notes": notes})
        )
        definition = ctx.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=asset_name, data=batch_definition, suite=suite)
        )
        checkpoint = ctx.checkpoints.add_or_update(
            gx.Checkpoint(
                name=asset_name,
                validation_definitions=[definition],
                actions=[
                    gx.checkpoint.UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])
                ],
                result_format={"result_format": "COMPLETE"},
            )
        )
        self._checkpoints[(source_name, asset_name)] = (fingerprint, checkpoint)
        return checkpoint

    def run(
        self,
        checkpoint: Any,
        frame: Any,
        parameters: dict[str, Any] | None = None,
        *,
        update_data_docs: bool,
    ) -> Any:
        """Validate one frame; the suite's ExpectationSuiteValidationResult.

        With ``update_data_docs`` the checkpoint runs and its UpdateDataDocsAction
        renders the result page; otherwise the ValidationDefinition runs and
        stores its result, and :func:`build_data_docs` renders it later.
        """
        batch = {"dataframe": frame}
        try:
            if update_data_docs:
                (result,) = checkpoint.run(
                    batch_parameters=batch, expectation_parameters=parameters or {}
                ).run_results.values()
                return result
            (definition,) = checkpoint.validation_definitions
            return definition.run(
                checkpoint_id=checkpoint.id,
                batch_parameters=batch,
                expectation_parameters=parameters or {},
                result_format=checkpoint.result_format,
            )
        finally:
            self._forget_batches()

    def _forget_batches(self) -> None:
        """GX's execution engine keeps every DataFrame it validated (its batch manager's data cache is
        never emptied): across the batches of a run that is the whole landing zone in memory (10 M
        readings: 10+ GB). A validated batch is not needed again, so the caches are emptied."""
        for name in (LANDING_SOURCE, WAREHOUSE_SOURCE):
            try:
                engine = self.context.data_sources.get(name).get_execution_engine()
            except (LookupError, KeyError, AttributeError):
                continue
            manager = engine.batch_manager
            manager.reset_batch_cache()
            manager.batch_data_cache.clear()


def _fast_batch_fingerprint() -> None:
    """GX fingerprints every pandas batch it validates (``pandas_data_fingerprint`` in the batch
    markers) with pandas' row hashing, which takes about 2 s per million rows of Arrow strings: as
    long as the rule checks themselves. The same fingerprint of the same frame, from polars' row
    hash (multi-threaded Rust), costs a tenth of that. Frames polars cannot take keep GX's own."""
    from great_expectations.execution_engine import pandas_execution_engine as engine

    original = getattr(engine.hash_pandas_dataframe, "__wrapped__", engine.hash_pandas_dataframe)

    def fingerprint(df):
        import polars as pl

        try:
            hashes = pl.from_pandas(df.reset_index()).hash_rows(seed=0).to_numpy()
        except Exception:  # noqa: BLE001 - any frame polars cannot read: GX's own fingerprint
            return original(df)
        return hashlib.md5(hashes.tobytes(), usedforsecurity=False).hexdigest()

    fingerprint.__wrapped__ = original
    engine.hash_pandas_dataframe = fingerprint


_CONTEXTS: dict[Path, GxContext] = {}
_CONTEXTS_LOCK = threading.Lock()


def gx_context(root: Path | str = GX_DIR) -> GxContext:
    root = Path(root).resolve()
    with _CONTEXTS_LOCK:
        if root not in _CONTEXTS:
            _CONTEXTS[root] = GxContext(root)
        return _CONTEXTS[root]


def build_data_docs(context_root: Path | str = GX_DIR) -> Path:
    """Bring the local Data Docs site up to date and return the path of its index.html.

    Incremental: renders the suites, the validation results that have no page
    yet and the index. The index lists the most recent ``validation_results_limit``
    results (see great_expectations.yml); older results move to
    ``uncommitted/validations_archive/`` (:func:`archive_old_results`), so the
    cost of a run follows its new results, not the history of every run before.
    """
    gxc = gx_context(context_root)
    ctx = gxc.context
    with gxc.lock:
        # One site builder for all look-ups (get_docs_sites_urls builds one per call).
        config = ctx.variables.data_docs_sites[DATA_DOCS_SITE]
        site = ctx._load_site_builder_from_site_config(config)
        # GX renders only the most recent `validation_results_limit` results.
        limit = (config.get("site_index_builder") or {}).get("validation_results_limit")
        results = sorted(
            ctx.validation_results_store.list_keys(), key=lambda k: k.run_id.run_time, reverse=True
        )
        if limit:
            results = archive_old_results(ctx, results, limit)
        rendered = set(site.target_store.list_keys())
        stale: list[Any] = [k for k in results[:limit] if k not in rendered]
        stale += [k.expectation_suite_identifier for k in stale]  # their suites may have changed
        stale += [k for k in ctx.expectations_store.list_keys() if k not in rendered]
        index = Path(
            urllib.request.url2pathname(
                urllib.parse.urlparse(site.get_resource_url(only_if_exists=False)).path
            )
        )
        if not _rendered_by_current_templates(index):
            # Pages of older templates (the CDN-loading ones) are all rendered again, once.
            ctx.build_data_docs(site_names=[DATA_DOCS_SITE])
        elif stale:
            # An empty resource list would mean "rebuild everything" to GX.
            ctx.build_data_docs(site_names=[DATA_DOCS_SITE], resource_identifiers=list(dict.fromkeys(stale)))
    return index


ARCHIVE_DIR = "validations_archive"


def archive_old_results(ctx: Any, results: list[Any], limit: int) -> list[Any]:
    """Keep in the validation results store the newest ``limit`` results and the newest result of every
    suite; move the others, unchanged, to ``uncommitted/validations_archive/`` (same relative paths).

    ``results`` are the store's keys, newest first; returns the keys kept, in that order. Every run adds a
    result per validated batch (about 40 on the sample), and GX lists, parses and compares every stored
    result each time the site is built: after a few hundred runs that alone took longer than the checks.
    Nothing is deleted: a verifier can read an archived result, or move it back to be rendered again.
    GX removes the Data Docs pages whose results left the store; the index never listed them (it shows
    the newest ``validation_results_limit``)."""
    backend = ctx.validation_results_store.store_backend
    base = Path(backend.full_base_directory)
    archive = base.parent / ARCHIVE_DIR
    kept: list[Any] = []
    suites_seen: set[str] = set()
    for key in results:
        suite = key.expectation_suite_identifier.name
        if len(kept) < limit or suite not in suites_seen:
            kept.append(key)
            suites_seen.add(suite)
            continue
        source = base / backend._convert_key_to_filepath(key.to_tuple())
        target = archive / source.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        source.replace(target)
        for folder in source.parents:  # the run's folders, once empty
            if folder == base or any(folder.iterdir()):
                break
            folder.rmdir()
    return kept


def _rendered_by_current_templates(index: Path) -> bool:
    from pipelines.lib.quality.data_docs import SITE_VERSION

    try:
        return f'content="{SITE_VERSION}"' in index.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False


def exception_message(info: Any) -> str | None:
    """GX reports exceptions flat ({raised_exception, exception_message}) or per
    metric ({metric id: {...}}); the first message raised, if any."""
    if not isinstance(info, dict):
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "exception") if info["raised_exception"] else None
    for sub in info.values():
        message = exception_message(sub)
        if message:
            return message
    return None
