"""A dbt build handed to a dbt process started ahead of it (pipelines/lib/dbt_warm.py), on a throwaway
project with a real DuckDB file: the same tables, output and exit codes as `carbon-dbt` running dbt
itself; no warm process left behind when its parent or its launcher is gone.

`carbon run` hands both of its builds over (tests/test_incremental.py counts them in dbt_build.log)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from conftest import REPO, write_dbt_project

from pipelines.lib import dbt_warm

CARBON_DBT = str(Path(sys.executable).parent / "carbon-dbt")

MODELS = {
    # 3 rows, and a total over them: 1 + 2 + 3 = 6
    "numbers.sql": "select * from (values (1), (2), (3)) as t(n)",
    "total.sql": "select sum(n) as total from {{ ref('numbers') }}",
}
# a model that runs until it is stopped (about 10^12 rows to count)
SLOW = "{{ config(materialized='table') }} select count(*) as n from range(1000000000000) as a(i) where i % 7 = 3"


def _project(root: Path, models: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "models").mkdir()
    for name, sql in models.items():
        (root / "models" / name).write_text(sql, encoding="utf-8")
    warehouse = root / "warehouse.duckdb"
    write_dbt_project(root, "warm_check", warehouse, {"model-paths": "models"})
    return warehouse


def _dbt(project: Path, *args: str, warm: dbt_warm.WarmDbt | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != dbt_warm.ENV_SOCKET}
    env["DO_NOT_TRACK"] = "1"
    cmd = [CARBON_DBT, *args, "--project-dir", str(project), "--profiles-dir", str(project)]
    if warm is None:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=project, timeout=300)
    with warm.handoff():
        env.update({dbt_warm.ENV_SOCKET: os.environ[dbt_warm.ENV_SOCKET]})
        return subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=project, timeout=300)


def _table(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_build_handed_to_a_warm_process_equals_a_build_dbt_runs_itself(tmp_path):
    cold = _project(tmp_path / "cold", MODELS)
    hot = _project(tmp_path / "hot", MODELS)
    warm = dbt_warm.WarmDbt()
    try:
        warm.prepare()
        handed = _dbt(hot.parent, "build", warm=warm)
        itself = _dbt(cold.parent, "build")
        assert handed.returncode == itself.returncode == 0, handed.stdout[-2000:] + handed.stderr[-2000:]
        assert handed.stdout.startswith(dbt_warm.STARTED_WARM)
        assert dbt_warm.STARTED_WARM not in itself.stdout
        # the warehouse was closed before the launcher ended: it opens at once, with the hand-counted total
        assert (
            _table(hot, "select total from main.total")
            == _table(cold, "select total from main.total")
            == [(6,)]
        )
        assert "PASS=2" in handed.stdout and "PASS=2" in itself.stdout

        # a usage error: the same exit code and message, naming the program as dbt's own does
        warm.prepare()
        bad_handed = _dbt(hot.parent, "build", "--no-such-option", warm=warm)
        bad_itself = _dbt(cold.parent, "build", "--no-such-option")
        assert bad_handed.returncode == bad_itself.returncode == 2
        assert bad_handed.stderr == bad_itself.stderr
        assert "Usage: carbon-dbt build" in bad_itself.stderr

        # a failing model: dbt's exit code 1 through the hand-over too
        (hot.parent / "models" / "broken.sql").write_text("select * from no_such_table", encoding="utf-8")
        warm.prepare()
        failed = _dbt(hot.parent, "build", warm=warm)
        assert failed.returncode == 1
        assert "no_such_table" in failed.stdout
    finally:
        warm.close()


def test_without_a_warm_process_the_launcher_runs_dbt_itself(tmp_path):
    project = _project(tmp_path / "p", MODELS)
    env = dict(os.environ, DO_NOT_TRACK="1", **{dbt_warm.ENV_SOCKET: str(tmp_path / "nobody.sock")})
    proc = subprocess.run(
        [CARBON_DBT, "build", "--project-dir", str(project.parent), "--profiles-dir", str(project.parent)],
        capture_output=True, text=True, env=env, cwd=project.parent, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert dbt_warm.STARTED_WARM not in proc.stdout
    assert _table(project, "select total from main.total") == [(6,)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by its parent) counts as ended
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.2)
    return False


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc (Linux)")
def test_a_waiting_warm_process_ends_with_its_parent(tmp_path):
    code = (
        f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
        "from pipelines.lib import dbt_warm\n"
        "w = dbt_warm.WarmDbt(); w.prepare(); print(w._waiting[0].pid, flush=True)\n"
        "import os; os._exit(0)  # no close: as when carbon run is killed\n"
    )
    parent = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    pid = int(parent.stdout.split()[0])
    assert _wait_gone(pid, 60), f"warm dbt process {pid} outlived its parent"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc (Linux)")
def test_killing_the_launcher_stops_the_build_it_handed_over(tmp_path):
    project = _project(tmp_path / "p", {"slow.sql": SLOW})
    warm = dbt_warm.WarmDbt()
    try:
        warm.prepare()
        server = warm._waiting[0]
        with warm.handoff():
            env = dict(os.environ, DO_NOT_TRACK="1")
            launcher = subprocess.Popen(
                [CARBON_DBT, "build", "--project-dir", str(project.parent), "--profiles-dir", str(project.parent)],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=project.parent,
            )  # fmt: skip
        seen = []
        for line in launcher.stdout:  # until dbt starts the slow model
            seen.append(line)
            if "START sql table model" in line:
                break
        assert seen and seen[0].startswith(dbt_warm.STARTED_WARM), "".join(seen)[-2000:]
        launcher.kill()  # kill -9: no chance to pass anything on
        launcher.wait()
        assert server.wait(timeout=30) != 0  # the warm process stopped the build and ended
        # nothing holds the warehouse: it opens for writing
        duckdb.connect(str(project)).close()
    finally:
        warm.close()
