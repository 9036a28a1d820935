"""Benchmarks (``make bench``), kept apart from the tests: tests never assert a time.

Measures the product end to end, next to a floor measured in the same invocation:

1. generates the sample group at a scale (M: about 10 million 15-minute readings and a million
   purchase lines; L: about 100 million readings) once into ``build/bench/landing_<scale>/``, and
   holds the last month of the interval readings (December) back for step 4; the dbt project is
   parsed for the checkout (what the first `carbon` command of a checkout does once), timed apart;
2. **floor**: a hand-written DuckDB script (``pipelines/bench_floor.sql``) over the same landing
   folder that loads the big datasets and computes Scope 1 combustion, Scope 2 location-based and
   Scope 3 spend-based for all three approaches, in one process;
3. **full run**: ``carbon run`` on that folder into a new warehouse, with its steps (extraction,
   dbt, checks, reports and exports) from the run manifest (``history.runs``); then, on that
   warehouse, ``carbon report`` and ``carbon audit-pack`` of its newest year (what a reader and a
   verifier open; the pack traces every figure to all its rows);
4. **new month**: the held-back month's files dropped into the landing folder, ``carbon run`` again;
5. **nothing changed**: ``carbon run`` once more on the same files.

Each step prints its wall time, the peak resident memory of its whole process tree (sampled every
0.1 s: the sum over the process and all its children), and the warehouse size; the runs are also
printed as a multiple of the floor. Results go to ``build/bench/bench_<scale>.json`` too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from pipelines.paths import BUILD_DIR, REPO_ROOT

FLOOR_SQL = Path(__file__).with_name("bench_floor.sql")
SAMPLE_CONFIG = REPO_ROOT / "sample_group" / "carbon.yml"
INTERVAL_GLOB = "energy/meter_readings/interval_*.parquet"


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_gb: float
    warehouse_mb: float | None
    exit_code: int
    detail: dict = field(default_factory=dict)


def _tree_rss(proc) -> int:
    import psutil

    total = 0
    try:
        procs = [proc, *proc.children(recursive=True)]
    except psutil.Error:
        return 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(cmd: list[str], log: Path, env: dict | None = None) -> tuple[float, int, int]:
    """Run cmd; (wall seconds, peak RSS of the process tree in bytes, exit code). Output goes to log."""
    import psutil

    peak = 0
    with log.open("w", encoding="utf-8") as out:
        t = time.perf_counter()
        popen = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=REPO_ROOT)
        proc = psutil.Process(popen.pid)
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, _tree_rss(proc))
                done.wait(0.1)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = popen.wait()
        seconds = time.perf_counter() - t
        done.set()
        sampler.join()
    return seconds, peak, code


def _size_mb(path: Path) -> float | None:
    files = [path, path.with_name(path.name + ".wal")]
    sizes = [f.stat().st_size for f in files if f.exists()]
    return round(sum(sizes) / 1e6, 1) if sizes else None


# ---------------------------------------------------------------- landing


def prepare_landing(scale: str) -> tuple[Path, Path]:
    """The generated landing folder (without its last interval month) and the held-back month."""
    import polars as pl

    from pipelines.generate.sample_group import generate

    root = BUILD_DIR / "bench" / f"landing_{scale}"
    held = BUILD_DIR / "bench" / f"new_month_{scale}"
    marker = root / ".bench_ready"
    if marker.exists():
        return root, held
    shutil.rmtree(root, ignore_errors=True)
    shutil.rmtree(held, ignore_errors=True)
    t = time.perf_counter()
    counts = generate(root, scale=scale, seed=2024, progress=lambda m: print(f"  {m}", flush=True))
    print(f"generated scale {scale}: {sum(counts.values()):,} rows in {time.perf_counter() - t:.1f} s")
    files = sorted(root.glob(INTERVAL_GLOB))
    last = max(pl.read_parquet(files[0], columns=["reading_start"])["reading_start"]).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    for f in files:
        df = pl.read_parquet(f)
        month = df.filter(pl.col("reading_start") >= last)
        target = held / f.relative_to(root).parent / f"{f.stem}-{last:%m}.parquet"
        target.parent.mkdir(parents=True, exist_ok=True)
        month.write_parquet(target)
        df.filter(pl.col("reading_start") < last).write_parquet(f)
    print(f"held back {last:%Y-%m} of {len(files)} interval files for the new-month step")
    marker.write_text("ok", encoding="utf-8")
    return root, held


def _landing_rows(landing: Path) -> int:
    con = duckdb.connect()
    try:
        n = con.execute(
            f"select count(*) from read_parquet('{landing.as_posix()}/energy/meter_readings/*.parquet')"
        ).fetchone()[0]
    finally:
        con.close()
    return int(n)


# ---------------------------------------------------------------- steps


def run_floor(landing: Path, work: Path) -> Step:
    db = work / "floor.duckdb"
    db.unlink(missing_ok=True)
    fuel = [f.as_posix() for f in sorted((landing / "erp/fuel_consumption").glob("*.csv")) if _is_utf8(f)]
    code = (
        "import sys, duckdb; con = duckdb.connect(sys.argv[1]); "
        "sql = open(sys.argv[2], encoding='utf-8').read().replace('{landing}', sys.argv[3]); "
        "con.execute(sql.replace('{fuel_files}', sys.argv[4])); "
        "print(con.execute('select * from floor_totals order by all').fetchall()); con.close()"
    )
    cmd = [sys.executable, "-c", code, str(db), str(FLOOR_SQL), landing.as_posix(), repr(fuel)]
    seconds, peak, rc = measure(cmd, work / "floor.log")
    return Step("floor (hand-written DuckDB script)", seconds, peak / 1e9, _size_mb(db), rc)


def _is_utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def run_carbon(name: str, landing: Path, warehouse: Path, work: Path) -> Step:
    carbon = str(Path(sys.executable).parent / "carbon")
    cmd = [carbon, "run", "--landing", str(landing), "--warehouse", str(warehouse),
           "--config", str(SAMPLE_CONFIG)]  # fmt: skip
    log = work / f"{name.split()[0]}.log"
    seconds, peak, rc = measure(cmd, log, env=dict(os.environ, COLUMNS="160"))
    return Step(name, seconds, peak / 1e9, _size_mb(warehouse), rc, _run_detail(warehouse))


def run_reader(name: str, command: str, warehouse: Path, year: int, work: Path) -> Step:
    """`carbon report` or `carbon audit-pack` of one year on the built warehouse (read-only)."""
    carbon = str(Path(sys.executable).parent / "carbon")
    out = work / command
    shutil.rmtree(out, ignore_errors=True)
    cmd = [carbon, command, "--warehouse", str(warehouse), "--year", str(year), "--out",
           str(out / f"audit_pack_{year}.zip") if command == "audit-pack" else str(out)]  # fmt: skip
    seconds, peak, rc = measure(cmd, work / f"{command}.log", env=dict(os.environ, COLUMNS="160"))
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) / 1e6 if out.exists() else None
    return Step(name, seconds, peak / 1e9, _size_mb(warehouse), rc, {"output_mb": size and round(size, 1)})


def _newest_year(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select max(reporting_year) from marts.rpt_group_inventory").fetchone()[0]
    finally:
        con.close()


def _run_detail(warehouse: Path) -> dict:
    """The last run's manifest: step phases and what it says it rebuilt."""
    if not warehouse.exists():
        return {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select duration_s, extraction_s, dbt_s, checks_s, steps_json from history.runs "
            "order by started_at desc limit 1"
        ).fetchone()
    except duckdb.Error:
        return {}
    finally:
        con.close()
    if not row:
        return {}
    steps = json.loads(row[4] or "[]")
    other = sum(s["seconds"] or 0 for s in steps if s["phase"] == "other")
    return {"in_dagster_s": row[0], "extraction_s": row[1], "dbt_s": row[2], "checks_s": row[3],
            "reports_and_other_s": round(other, 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", default="M", choices=["S", "M", "L"], help="sample-group scale (default M)"
    )
    parser.add_argument("--skip-runs", action="store_true", help="measure the floor only")
    parser.add_argument(
        "--full-only", action="store_true", help="the floor and the full run only (no re-runs)"
    )
    args = parser.parse_args(argv)

    landing, held = prepare_landing(args.scale)
    # The dbt project's parse for Dagster's asset graph is made once per checkout (and after a change to
    # the models), by the first `carbon` command that needs it: timed here, apart from the steps.
    from pipelines.defs.transform.dbt import ensure_manifest

    t = time.perf_counter()
    ensure_manifest()
    print(f"dbt project parsed for this checkout in {time.perf_counter() - t:.1f} s (once per checkout, "
          "before the steps)", flush=True)  # fmt: skip
    work = BUILD_DIR / "bench" / f"run_{args.scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # the runs add the held-back month to a copy of the landing folder (hard links: no data copied)
    run_landing = work / "landing"
    shutil.copytree(landing, run_landing, copy_function=os.link)
    warehouse = work / "carbon.duckdb"
    print(f"scale {args.scale}: {_landing_rows(run_landing):,} interval readings before the new month; "
          f"logs in {work}", flush=True)  # fmt: skip

    steps = [run_floor(run_landing, work)]
    print(_line(steps[-1]), flush=True)
    if not args.skip_runs:
        steps.append(run_carbon("full run (carbon run, new warehouse)", run_landing, warehouse, work))
        print(_line(steps[-1]), flush=True)
        if steps[-1].exit_code == 0:  # what a verifier and a reader open, on the newest year
            year = _newest_year(warehouse)
            for name, command in ((f"report {year} (carbon report, HTML and PDF)", "report"),
                                  (f"audit pack {year} (carbon audit-pack)", "audit-pack")):  # fmt: skip
                steps.append(run_reader(name, command, warehouse, year, work))
                print(_line(steps[-1]), flush=True)
    if not args.skip_runs and not args.full_only:
        for f in sorted(held.rglob("*.parquet")):
            target = run_landing / f.relative_to(held)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(f, target)
        steps.append(run_carbon("new-month re-run (one more month of interval files)", run_landing,
                                warehouse, work))  # fmt: skip
        print(_line(steps[-1]), flush=True)
        steps.append(run_carbon("nothing-changed re-run", run_landing, warehouse, work))
        print(_line(steps[-1]), flush=True)

    floor = steps[0].seconds
    print()
    print(f"{'step':<55} {'seconds':>8} {'× floor':>8} {'peak RSS GB':>12} {'file MB':>9}  phases (s)")
    for s in steps:
        phases = ", ".join(f"{k.removesuffix('_s')} {v:.1f}" for k, v in s.detail.items() if v is not None)
        print(f"{s.name:<55} {s.seconds:>8.1f} {s.seconds / floor:>8.1f} {s.peak_rss_gb:>12.2f} "
              f"{s.warehouse_mb or 0:>9.1f}  {phases}{'' if s.exit_code == 0 else f'  EXIT {s.exit_code}'}")  # fmt: skip
    out = BUILD_DIR / "bench" / f"bench_{args.scale}.json"
    out.write_text(json.dumps([asdict(s) for s in steps], indent=1), encoding="utf-8")
    print(f"\nwritten {out}")
    return 0 if all(s.exit_code == 0 for s in steps) else 1


def _line(s: Step) -> str:
    return (f"  {s.name}: {s.seconds:.1f} s, peak RSS {s.peak_rss_gb:.2f} GB, "
            f"file {s.warehouse_mb or 0:.1f} MB, exit {s.exit_code}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
