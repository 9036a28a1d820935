"""pipelines/lib/shutdown.py: a `carbon` or `carbon-dbt` process ends as Python's shutdown would (threads,
exit handlers, buffered output, exit status) without tearing its heap down."""

from __future__ import annotations

import subprocess
import sys
import time

from pipelines.lib.shutdown import exit_code


def test_exit_now_waits_for_threads_runs_exit_handlers_and_flushes(tmp_path):
    code = f"""
import atexit, sys, tempfile, threading, time, weakref
from pathlib import Path
from pipelines.lib.shutdown import exit_now
out = Path({str(tmp_path)!r})
atexit.register(lambda: (out / "atexit").write_text("ran"))
folder = tempfile.TemporaryDirectory(dir=out)  # removed by its weakref finalizer at exit
(out / "folder").write_text(folder.name)
def late():
    time.sleep(0.5)
    (out / "thread").write_text("done")
threading.Thread(target=late).start()
from concurrent.futures import ThreadPoolExecutor
pool = ThreadPoolExecutor(max_workers=1)  # left open: its idle worker is stopped, as Python's exit does
pool.submit(lambda: None).result()
sys.stdout.write("buffered, not flushed")
exit_now(3)
"""
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3 and proc.stdout == "buffered, not flushed"
    assert time.monotonic() - started >= 0.5
    assert (tmp_path / "thread").read_text() == "done" and (tmp_path / "atexit").read_text() == "ran"
    assert not (tmp_path / (tmp_path / "folder").read_text()).exists()


def test_exit_codes_follow_sys_exit():
    assert (exit_code(None), exit_code(0), exit_code(2), exit_code(130)) == (0, 0, 2, 130)


def test_the_carbon_command_ends_with_its_exit_code_and_its_output():
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "trace", "--warehouse", "/nonexistent/w.duckdb", "--year", "2024"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 2 and "There is no warehouse at /nonexistent/w.duckdb" in proc.stderr
