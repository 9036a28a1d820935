"""The Python that Jinja generates from dbt's templates, kept between builds (`carbon-dbt`, see
pipelines/lib/dbt_launcher.py).

dbt compiles the Jinja of every node, test and macro it runs from its text on each build: Jinja lexes and
parses the template and generates Python source from it (about 1.5 s of CPU per build of the project),
then Python compiles that source. The generated source is a function of the template's text, its name
and the Jinja environment (its class, extensions, options, and the names and calling conventions of
its filters and tests), so it is kept under a key over all of them and re-used by any later build of
any warehouse; Python still compiles it, and dbt renders it as before.

The store is a folder of pack files (one JSON line per template: key and generated source). A process
reads every pack once when it starts (one read per pack, not one per template: dbt's two threads
contend for the interpreter, and each file read costs a thread its turn) and appends what it generates
to a pack of its own. Past SIZE_LIMIT bytes the folder starts again; past MAX_PACKS packs the packs
are merged into one. A line cut short (a build that was stopped) is skipped. Nothing here changes what
dbt runs: a template missing from the store is generated as dbt would, a store that cannot be read or
written is only slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sys
import threading
from pathlib import Path

from pipelines.paths import DBT_PROJECT_DIR

# The store's folder (default: dbt_project/target/jinja_cache, ignored by git).
ENV_FOLDER = "CARBON_DBT_TEMPLATE_CACHE"
SIZE_LIMIT = 64 * 2**20
MAX_PACKS = 32


def default_folder() -> Path:
    return Path(os.environ.get(ENV_FOLDER) or DBT_PROJECT_DIR / "target" / "jinja_cache")


class Store:
    """Generated sources by key: every pack of the folder, read once, and this process's own pack."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.entries: dict[str, str] = {}
        self._own: Path | None = None
        self._broken = False
        self._lock = threading.Lock()
        self._load()

    def _load(self) -> None:
        try:
            packs = sorted(self.folder.glob("*.pack"))
        except OSError:
            return
        total = 0
        for pack in packs:
            try:
                data = pack.read_bytes()
            except OSError:
                continue
            total += len(data)
            for line in data.splitlines():
                try:
                    key, generated = json.loads(line)
                except ValueError:
                    continue
                self.entries[key] = generated
        if total > SIZE_LIMIT:
            self.entries.clear()
            self._remove(packs)
        elif len(packs) > MAX_PACKS:
            self._merge(packs)

    def _remove(self, packs: list[Path]) -> None:
        for pack in packs:
            try:
                pack.unlink()
            except OSError:
                pass

    def _merge(self, packs: list[Path]) -> None:
        merged = self.folder / f"merged-{secrets.token_hex(6)}.pack"
        spare = merged.with_suffix(".tmp")
        try:
            with spare.open("w", encoding="utf-8") as f:
                for key, generated in self.entries.items():
                    f.write(json.dumps([key, generated]) + "\n")
            os.replace(spare, merged)
        except OSError:
            return
        self._remove(packs)

    def get(self, key: str) -> str | None:
        return self.entries.get(key)

    def put(self, key: str, generated: str) -> None:
        self.entries[key] = generated
        line = json.dumps([key, generated]) + "\n"
        with self._lock:
            if self._broken:
                return
            try:
                if self._own is None:
                    self.folder.mkdir(parents=True, exist_ok=True)
                    self._own = self.folder / f"{os.getpid()}-{secrets.token_hex(6)}.pack"
                # one write per line, flushed: another process may read the pack at any time
                with self._own.open("a", encoding="utf-8") as f:
                    f.write(line)
            except OSError:
                self._broken = True  # a read-only checkout: this build generates without keeping


# The environment's options the code generator reads, plain values: both the key and its memo take them.
_OPTIONS = (
    "optimized", "is_async", "block_start_string", "variable_start_string", "comment_start_string",
    "line_statement_prefix", "line_comment_prefix", "trim_blocks", "lstrip_blocks", "newline_sequence",
    "keep_trailing_newline",
)  # fmt: skip


def environment_key(env) -> str:
    """What, besides a template's text and name, the Python that Jinja generates from it depends on."""
    import jinja2
    from jinja2.utils import _PassArg

    def calls(functions: dict) -> list:
        # the generator writes the call differently for a filter or test that takes the context
        return sorted((name, repr(_PassArg.from_obj(f))) for name, f in functions.items())

    return repr((
        sys.version_info[:3], jinja2.__version__, f"{type(env).__module__}.{type(env).__qualname__}",
        sorted(env.extensions), repr(env.autoescape), env.finalize is None,
        [getattr(env, option) for option in _OPTIONS], calls(env.filters), calls(env.tests),
    ))  # fmt: skip


def _signature(env) -> tuple:
    """A cheap stand-in for environment_key: the same inputs by identity (dbt makes a new environment for
    each template, with the same filter functions)."""
    return (
        type(env), tuple(env.extensions), tuple(env.filters.items()), tuple(env.tests.items()),
        env.autoescape, env.finalize, *(getattr(env, option) for option in _OPTIONS),
    )  # fmt: skip


def patch(folder: Path | None = None) -> None:
    """dbt's Jinja environments take a template's generated source from the store when it has it."""
    from dbt_common.clients.jinja import MacroFuzzEnvironment

    original = MacroFuzzEnvironment.compile
    if getattr(original, "_carbon", False):
        return
    store = Store(default_folder() if folder is None else folder)
    keys: dict[tuple, str] = {}

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if raw or not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        signature = _signature(self)
        environment = keys.get(signature)
        if environment is None:
            environment = keys[signature] = environment_key(self)
        key = hashlib.sha256(
            "\x00".join([environment, repr((name, filename, defer_init)), source]).encode("utf-8")
        ).hexdigest()
        generated = store.get(key)
        if generated is None:
            generated = original(self, source, name, filename, True, defer_init)
            store.put(key, generated)
        return self._compile(generated, "<template>" if filename is None else filename)

    compile._carbon = True
    compile.store = store
    MacroFuzzEnvironment.compile = compile
