"""Shared fixtures: real pipeline runs (Dagster + dbt + GX on a DuckDB file) on landing folders.

Every run goes through the same front door a user has: ``carbon run`` in a
subprocess, with a fresh warehouse file in a temporary folder.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
CARBON = str(Path(sys.executable).parent / "carbon")
SAMPLE_LANDING = REPO / "sample_group" / "landing"
SAMPLE_CONFIG = REPO / "sample_group" / "carbon.yml"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


@dataclass
class RunResult:
    returncode: int
    stdout: str
    stderr: str
    warehouse: Path

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def scalar(self, sql: str, params: list | None = None):
        return self.query(sql, params)[0][0]


def run_carbon(*args: str, env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([CARBON, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO)


def run_pipeline(landing: Path, warehouse: Path, config: Path = SAMPLE_CONFIG, *extra: str) -> RunResult:
    proc = run_carbon("run", "--landing", str(landing), "--warehouse", str(warehouse), "--config", str(config),
                      *extra)
    return RunResult(proc.returncode, proc.stdout, proc.stderr, warehouse)


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def write_config(path: Path, **overrides) -> Path:
    import yaml

    base = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    for key, value in overrides.items():
        if key == "location_factor":
            base.setdefault("scope2", {})["location_factor"] = value
        else:
            base[key] = value
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> RunResult:
    """The bundled sample group through `carbon run`, once per test session."""
    wh = tmp_path_factory.mktemp("sample") / "carbon.duckdb"
    result = run_pipeline(SAMPLE_LANDING, wh)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result
