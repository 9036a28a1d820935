"""Benchmarks (``make bench``), kept apart from the tests: tests never assert a time.

Generates the sample group at scale M (about 10 million 15-minute readings and a
million purchase lines) once into build/bench/, then times extraction of the
largest datasets into a fresh DuckDB file, with the data quality plan, and
prints rows per second. ``--scale`` and ``--datasets`` narrow or widen it.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from pipelines.lib.contract import dataset
from pipelines.lib.loader import ensure_schema, load_dataset
from pipelines.lib.plan_validator import PlanValidator
from pipelines.paths import BUILD_DIR

DEFAULT_DATASETS = (
    "erp/entities",
    "erp/facilities",
    "energy/meters",
    "energy/meter_readings",
    "procurement/purchases",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default="M", choices=["S", "M", "L"])
    parser.add_argument("--datasets", nargs="*", default=list(DEFAULT_DATASETS))
    args = parser.parse_args(argv)

    from pipelines.generate.sample_group import generate

    landing = BUILD_DIR / "bench" / f"landing_{args.scale}"
    marker = landing / ".complete"
    if not marker.exists():
        t = time.perf_counter()
        counts = generate(landing, scale=args.scale, seed=2024, progress=lambda m: print(f"  {m}"))
        marker.write_text("ok")
        print(
            f"generated scale {args.scale}: {sum(counts.values()):,} rows in {time.perf_counter() - t:.1f} s"
        )
    warehouse = BUILD_DIR / "bench" / f"bench_{args.scale}.duckdb"
    warehouse.unlink(missing_ok=True)
    validator = PlanValidator.from_repo()
    con = duckdb.connect(str(warehouse))
    try:
        ensure_schema(con)
        print(f"{'dataset':<28} {'rows':>12} {'seconds':>9} {'rows/s':>12}")
        for key in args.datasets:
            ds = dataset(key)
            t = time.perf_counter()
            load = load_dataset(con, landing, ds, validator=validator, version=validator.version_for(ds, con))
            dt = time.perf_counter() - t
            rows = load.rows_loaded + load.rows_quarantined
            print(f"{key:<28} {rows:>12,} {dt:>9.1f} {rows / dt if dt else 0:>12,.0f}")
        t = time.perf_counter()
        again = sum(
            len(
                load_dataset(
                    con,
                    landing,
                    dataset(k),
                    validator=validator,
                    version=validator.version_for(dataset(k), con),
                ).files
            )
            for k in args.datasets
        )
        print(f"re-run over {again} unchanged files: {time.perf_counter() - t:.1f} s")
    finally:
        con.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
