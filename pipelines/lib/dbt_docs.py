"""dbt docs for a built warehouse (``carbon docs``): the model lineage, browsable.

Runs ``dbt docs generate`` with the profile and ``--vars`` of ``carbon run``
(so the compiled SQL in the docs is the SQL that built the marts) against an
existing warehouse, into its own target folder, so it never touches the
manifest the pipeline reads (``dbt_project/target``). ``--static`` adds
``static_index.html``: one self-contained file (manifest and catalog inlined)
that opens from disk without a web server; ``index.html`` fetches
``manifest.json`` and ``catalog.json`` and needs ``dbt docs serve`` or any
static web server.

The catalog is read from the warehouse, and dbt-duckdb opens the file for
writing: this must run after ``carbon run`` has finished and while no other
process holds the file (DuckDB allows one writer).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipelines.lib.settings import Settings
from pipelines.lib.warehouse import ENV_WAREHOUSE
from pipelines.paths import DBT_PROJECT_DIR

# The dbt of this environment, whether or not the venv is activated.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "carbon-dbt")  # pipelines/lib/dbt_launcher.py
ARTIFACTS = ("index.html", "static_index.html", "manifest.json", "catalog.json")


class DocsError(Exception):
    """dbt docs could not be generated: one sentence naming the cause and the log."""


@dataclass(frozen=True)
class DocsResult:
    out: Path
    log: Path

    @property
    def static_index(self) -> Path:
        return self.out / "static_index.html"

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def default_out(warehouse: Path) -> Path:
    """Next to the warehouse, like the dbt build log: build/dbt_docs for build/carbon.duckdb."""
    return warehouse.parent / "dbt_docs"


def generate_docs(warehouse: Path, settings: Settings, out: Path) -> DocsResult:
    if not warehouse.is_file():
        # dbt-duckdb would create an empty file and document nothing.
        raise DocsError(
            f"There is no warehouse at {warehouse}; run `carbon run` first or name it with --warehouse."
        )
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    log = out / "dbt_docs.log"
    # The last run's parse, made with the same vars and warehouse: dbt re-uses it instead of parsing again.
    parsed = warehouse.parent / f"{warehouse.stem}_dbt_target" / "partial_parse.msgpack"
    if parsed.is_file():
        shutil.copyfile(parsed, out / parsed.name)
    cmd = [
        DBT_EXECUTABLE, "docs", "generate", "--static",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(out), "--log-path", str(out),
        "--vars", settings.dbt_vars_json(),
    ]  # fmt: skip
    env = dict(os.environ, **{ENV_WAREHOUSE: str(warehouse.resolve())})
    env.setdefault("DO_NOT_TRACK", "1")
    with log.open("w", encoding="utf-8") as f:
        proc = subprocess.run(
            cmd, stdout=f, stderr=subprocess.STDOUT, env=env, cwd=DBT_PROJECT_DIR, check=False
        )
    text = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        if "Could not set lock" in text or "Conflicting lock" in text:
            raise DocsError(f"The warehouse {warehouse} is open in another process (a notebook, a DuckDB shell, "
                            f"`carbon ui`); close it and run `carbon docs` again (log: {log}).")  # fmt: skip
        raise DocsError(f"dbt docs generate failed (exit {proc.returncode}); the messages are in {log}.")
    missing = [name for name in ARTIFACTS if not (out / name).is_file()]
    if missing:
        raise DocsError(f"dbt docs generate did not write {', '.join(missing)} into {out} (log: {log}).")
    return DocsResult(out, log)
