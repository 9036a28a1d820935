"""Shared fixtures: real pipeline runs (Dagster + dbt + GX on a DuckDB file) on landing folders.

Every run goes through the same front door a user has: ``carbon run`` in a
subprocess, with a fresh warehouse file in a temporary folder.
"""

from __future__ import annotations

import atexit
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
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

# Each pytest-xdist worker gets its own Great Expectations context (a copy of the committed
# data_quality/gx), so that two workers' runs do not wait for each other's checks.
# Set before anything imports pipelines.paths; the `carbon` subprocesses inherit it.
if os.environ.get("PYTEST_XDIST_WORKER") and "CARBON_GX_DIR" not in os.environ:
    _gx = Path(tempfile.mkdtemp(prefix=f"carbon-gx-{os.environ['PYTEST_XDIST_WORKER']}-")) / "gx"
    shutil.copytree(REPO / "data_quality" / "gx", _gx, ignore=shutil.ignore_patterns("uncommitted"))
    os.environ["CARBON_GX_DIR"] = str(_gx)
    atexit.register(shutil.rmtree, _gx.parent, ignore_errors=True)


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


def run_carbon(*args: str, env: dict | None = None, timeout: int = 1500) -> subprocess.CompletedProcess:
    # output as into a file (pipelines/lib/terminal.py), unless the test gives the terminal's width
    full_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    full_env.update(env or {})
    return subprocess.run(
        [CARBON, *args], capture_output=True, text=True, timeout=timeout, env=full_env, cwd=REPO
    )


def run_pipeline(
    landing: Path, warehouse: Path, config: Path = SAMPLE_CONFIG, *extra: str, reports: bool = False
) -> RunResult:
    """`carbon run`; without the HTML / PDF reports (`--no-reports`) unless the test is about them: laying
    out four years of PDFs is a sixth of a small run, and the reports have their own tests (test_report.py,
    test_browser.py on the shared sample warehouse, whose run writes them)."""
    proc = run_carbon(
        "run", "--landing", str(landing), "--warehouse", str(warehouse), "--config", str(config), *extra,
        *([] if reports else ["--no-reports"]),
    )  # fmt: skip
    return RunResult(proc.returncode, proc.stdout, proc.stderr, warehouse)


def header(dataset_key: str) -> list[str]:
    """The contract's columns of a dataset, in contract order: the header of a test landing file."""
    from pipelines.lib.contract import dataset

    return dataset(dataset_key).column_names


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def write_workbook(path: Path, sheets: list[tuple[str, list[list]]]) -> Path:
    """An .xlsx with the given sheets (name, rows), in that order."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    for name, rows in sheets:
        ws = wb.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                ws.write(i, j, value)
    wb.close()
    return path


def write_dbt_project(root: Path, name: str, warehouse: Path, paths: dict[str, str]) -> None:
    """A throwaway dbt project in ``root`` (its own profiles.yml: DuckDB file ``warehouse``, one thread),
    for tests of the project's macros on a project of their own; ``paths`` e.g. {"model-paths": "models"}."""
    folders = "".join(f'{key}: ["{folder}"]\n' for key, folder in paths.items())
    (root / "dbt_project.yml").write_text(
        f'name: {name}\nversion: "1.0.0"\nconfig-version: 2\nprofile: {name}\n{folders}', encoding="utf-8"
    )
    (root / "profiles.yml").write_text(
        f"{name}:\n  target: local\n  outputs:\n    local:\n      type: duckdb\n"
        f'      path: "{warehouse.as_posix()}"\n      threads: 1\n',
        encoding="utf-8",
    )


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
def sample_run(tmp_path_factory, worker_id) -> RunResult:
    """The bundled sample group through `carbon run`, once per test session.

    Under pytest-xdist the first worker to ask runs it and the others wait for it and read the
    same warehouse (read-only: a test that writes works on a copy)."""
    from filelock import FileLock

    if worker_id == "master":
        root = tmp_path_factory.mktemp("sample")
    else:
        root = tmp_path_factory.getbasetemp().parent / "sample"  # shared by the workers
        root.mkdir(exist_ok=True)
    wh = root / "carbon.duckdb"
    done = root / "result.json"
    with FileLock(str(root / ".lock")):
        if not done.exists():
            result = run_pipeline(SAMPLE_LANDING, wh, reports=True)
            done.write_text(json.dumps([result.returncode, result.stdout, result.stderr]), encoding="utf-8")
        returncode, stdout, stderr = json.loads(done.read_text(encoding="utf-8"))
    result = RunResult(returncode, stdout, stderr, wh)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result


_SESSION_START = time.monotonic()
_started_modules: set[str] = set()


@pytest.hookimpl(trylast=True)
def pytest_runtest_logstart(nodeid: str, location) -> None:
    """Progress for CI logs: the minutes since the session started, when a test file starts."""
    module = nodeid.split("::", 1)[0]
    if os.environ.get("PYTEST_XDIST_WORKER") or module in _started_modules:
        return  # workers report to the controller, which prints
    _started_modules.add(module)
    reporter = _CONFIG[0].pluginmanager.get_plugin("terminalreporter") if _CONFIG else None
    if reporter is not None:
        reporter.write_line(f"[{(time.monotonic() - _SESSION_START) / 60:5.1f} min] {module} started")


_CONFIG: list[pytest.Config] = []


def pytest_configure(config: pytest.Config) -> None:
    _CONFIG.append(config)


# Test files that run the pipeline several times, longest first: pytest-xdist hands out whole
# files in collection order, so the long ones start early and the short ones fill the gaps.
_LONG_FIRST = (
    "test_management_baseline.py",
    "test_incremental.py",  # three runs into one warehouse
    "test_hand_calculations.py",
    "test_sample_group.py",  # builds the shared sample warehouse, then a second run on a copy
    "test_reproducibility.py",
    "test_sql_sources.py",  # two runs from a PostgreSQL server, compared with the shared sample warehouse
    "test_management_intensity_targets.py",
    "test_management_carbon_position.py",
    "test_scope2_market.py",
    "test_scope3.py",
    "test_quality_pipeline.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return _LONG_FIRST.index(name) if name in _LONG_FIRST else len(_LONG_FIRST)

    items.sort(key=rank)  # stable: the order inside a file is kept


@pytest.fixture
def con(tmp_path):
    """An empty warehouse with the loader's schemas (raw, ingest), for extraction tests."""
    from pipelines.lib.loader import ensure_schema

    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(c)
    yield c
    c.close()
