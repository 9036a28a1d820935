"""A new warehouse re-uses the project's last parse (pipelines/lib/dbt_launcher.py, `carbon-dbt`).

dbt keys its saved parse on the profile's connection settings, the warehouse file's path among them;
the launcher leaves the path out. That is only right if the path cannot change what dbt parses: no
model, macro or test reads it, and a parse re-used from another warehouse equals a full parse.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SAMPLE_CONFIG

from pipelines.lib.settings import load_settings

DBT_PROJECT = REPO / "dbt_project"
CARBON_DBT = str(Path(sys.executable).parent / "carbon-dbt")
REPARSE = "Unable to do partial parsing"
# target.path, target['path'], target.get('path'), target.get("path")
READS_PATH = re.compile(r"""target\s*(\.\s*path\b|\[\s*['"]path['"]\s*\]|\.\s*get\(\s*['"]path['"])""")


def _parse(warehouse: Path, target: Path, *extra: str) -> str:
    env = {**os.environ, "CARBON_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    vars_json = load_settings(SAMPLE_CONFIG).dbt_vars_json()
    proc = subprocess.run(
        [CARBON_DBT, "parse", "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(target), "--log-path", str(target), "--vars", vars_json, *extra],
        capture_output=True, text=True, env=env, cwd=DBT_PROJECT, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _parsed(target: Path) -> dict:
    """What the parse says about the project: every node, source, macro and exposure, without the
    moment each was created."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "created_at"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return {part: strip(manifest[part]) for part in ("nodes", "sources", "macros", "exposures", "unit_tests")}


def test_no_model_macro_or_test_reads_the_warehouse_path():
    offenders = [
        str(path.relative_to(DBT_PROJECT))
        for folder in ("models", "macros", "tests")
        for path in (DBT_PROJECT / folder).rglob("*")
        if path.suffix in (".sql", ".yml") and READS_PATH.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    # the pattern finds each spelling
    for text in ("{{ target.path }}", "target['path']", 'target.get("path", "")'):
        assert READS_PATH.search(text), text
    assert not READS_PATH.search("target.get('base_year')")


def test_a_new_warehouse_reuses_the_parse_and_it_equals_a_full_parse(tmp_path):
    first, second, full = tmp_path / "first", tmp_path / "second", tmp_path / "full"
    _parse(tmp_path / "a" / "carbon.duckdb", first)

    # Another warehouse file (same name, another folder), starting from the first one's saved parse.
    second.mkdir()
    shutil.copyfile(first / "partial_parse.msgpack", second / "partial_parse.msgpack")
    out = _parse(tmp_path / "b" / "carbon.duckdb", second)
    assert REPARSE not in out, out[-2000:]

    _parse(tmp_path / "b" / "carbon.duckdb", full, "--no-partial-parse")
    reused, fresh = _parsed(second), _parsed(full)
    assert len(fresh["nodes"]) > 500  # models, seeds and tests
    assert reused == fresh

    # The other connection settings still count: another file name is another DuckDB database name,
    # which dbt writes into every relation, so the parse is redone.
    third = tmp_path / "third"
    third.mkdir()
    shutil.copyfile(first / "partial_parse.msgpack", third / "partial_parse.msgpack")
    out = _parse(tmp_path / "c" / "other.duckdb", third)
    assert "profile has changed" in out, out[-2000:]
    assert all(n["database"] == "other" for n in _parsed(third)["nodes"].values() if n.get("database"))
