"""The ``carbon`` command line: the front door of Carbon Ledger.

Errors a user can fix are printed as one sentence and exit 2; a run whose
blocking checks fail exits 1 after printing its summary.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from pipelines import __version__
from pipelines.lib import dagster_home, shutdown


class UserError(Exception):
    """A mistake the user can fix: printed as one sentence, no traceback."""


def _quiet_third_party() -> None:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")


def _resolve(args: argparse.Namespace):
    from pipelines.lib.warehouse import Locations

    loc = Locations.resolve(args.landing, args.warehouse, args.config)
    if not loc.landing.is_dir():
        raise UserError(
            f"The landing folder {loc.landing} does not exist (option --landing or CARBON_LANDING)."
        )
    return loc, _settings_of(loc.config)


def _settings_of(config: Path):
    """The settings of ``config``; a wrong configuration is a UserError (exit 2)."""
    from pipelines.lib.settings import ConfigError, load_settings

    try:
        return load_settings(config)
    except ConfigError as exc:
        raise UserError(exc.bilingual()) from None


def _check_built_with(warehouse: Path, settings, config: Path) -> None:
    """Refuse (exit 2) a configuration other than the one the warehouse was built with."""
    from pipelines.lib.history.config_match import ConfigMismatchError, check_config_matches

    try:
        check_config_matches(warehouse, settings, config)
    except ConfigMismatchError as exc:
        raise UserError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    loc, settings = _resolve(args)
    from pipelines.run import RunRefused, run

    try:
        return run(
            loc, settings, year=args.year, dagster_home_dir=args.dagster_home, reports=not args.no_reports
        )
    except RunRefused as exc:
        raise UserError(str(exc)) from None


def cmd_generate(args: argparse.Namespace) -> int:
    from pipelines.generate.sample_group import generate
    from pipelines.lib.progress import say

    out = Path(args.out)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise UserError(f"{out} is not empty; choose another --out or add --force to overwrite it.")
    if out.exists() and args.force:
        shutil.rmtree(out)
    counts = generate(out, scale=args.scale, seed=args.seed, progress=say)
    width = max(len(k) for k in counts)
    for key, n in sorted(counts.items()):
        print(f"{key:<{width}}  {n:>12,} rows")
    print(f"{'total':<{width}}  {sum(counts.values()):>12,} rows -> {out}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    """The Dagster UI on the warehouse's own instance: every `carbon run` with its steps, logs,
    materializations and check results. Ctrl-C or SIGTERM stops the UI and every process it started."""
    loc, _settings = _resolve(args)
    loc.export()
    home = dagster_home.prepare(dagster_home.dagster_home(loc.warehouse, args.dagster_home))
    env = dict(os.environ, DAGSTER_HOME=str(home))
    env[dagster_home.ENV_DAGSTER_HOME] = str(home)
    dagster = Path(sys.executable).parent / "dagster"
    command = [str(dagster), "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(args.port)]
    print(f"Dagster UI on http://127.0.0.1:{args.port} (instance {home}; Ctrl-C to stop)", flush=True)
    # its own process group: stopping `carbon ui` stops dagster dev, its webserver, daemon and code server
    proc = subprocess.Popen(command, env=env, start_new_session=True)

    def stop(_signum=None, _frame=None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        _stop_process_group(proc)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            _stop_process_group(proc)


def _stop_process_group(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGINT to the group (dagster dev shuts its children down), then SIGKILL what is left."""
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGINT)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):  # anything of the group still alive
        os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def cmd_dq_plan(args: argparse.Namespace) -> int:
    """Render the data quality plan (data_quality/plan.yml) as a bilingual document."""
    from pipelines.lib import quality

    try:
        plan = quality.load_plan(args.plan) if args.plan else quality.load_plan()
    except quality.PlanError as exc:
        raise UserError(str(exc)) from None
    target = Path(args.out) / quality.DOC_NAME
    text = quality.render_plan(plan)
    if args.check:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            print(
                f"carbon: {target} is not up to date with the plan; run `carbon dq-plan --out {args.out}`.",
                file=sys.stderr,
            )
            return 1
        print(f"{target} is up to date (plan {plan.version}).")
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"Wrote {target} (plan {plan.version}: {len(plan.streams)} streams, {len(plan.checks)} checks).")
    return 0


def _trace_csv(tr, con, key, out: str | None):
    """Trace the figure with its CSV work paper streamed to standard output, or written to ``out`` (a file)
    as the audit pack writes it (by DuckDB, the same bytes)."""
    if not out:
        return tr.trace_figure(con, key, rows_to=lambda rows: tr.write_csv_rows(rows, sys.stdout))
    path = Path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.open("w").close()  # a file that cannot be written is said before the trace
    except OSError as exc:
        raise UserError(f"Cannot write {out} ({exc.strerror or exc}).") from None
    return tr.trace_figure(con, key, csv_to=path)


def cmd_trace(args: argparse.Namespace) -> int:
    """A reported figure (or one emission row) down to emission rows, factors and raw rows with checksums."""
    from pipelines.lib import terminal
    from pipelines.lib import trace as tr
    from pipelines.lib.warehouse import Locations

    if args.out and args.format == "table":
        raise UserError("--out writes a work paper; add --format csv or --format json.")
    if args.top < 1:
        raise UserError(f"--top is {args.top}; give a number of rows of 1 or more.")
    warehouse = Locations.resolve(warehouse=args.warehouse).warehouse
    try:
        with tr.open_warehouse(warehouse) as con:
            if args.emission_id:
                if any(v is not None for v in (args.year, args.scope, args.scope2_method, args.category)):
                    raise UserError(
                        "--emission-id names one row; leave out --year, --scope, --scope2-method and "
                        "--category."
                    )
                result = tr.trace_emission(
                    con, args.emission_id, approaches=(args.approach,) if args.approach else tr.APPROACHES
                )
            else:
                missing = [
                    o
                    for o, v in (
                        ("--year", args.year),
                        ("--approach", args.approach),
                        ("--scope", args.scope),
                    )
                    if v is None
                ]
                if missing:
                    raise UserError(
                        f"Name the figure with {', '.join(missing)} (or trace one row with --emission-id)."
                    )
                key = tr.FigureKey(args.year, args.approach, args.scope, args.scope2_method, args.category)
                if args.format == "csv":  # written row by row as it is read (any size in constant memory)
                    result = _trace_csv(tr, con, key, args.out)
                else:  # the terminal shows the top rows; a JSON work paper lists them all
                    result = tr.trace_figure(con, key, limit=args.top if args.format == "table" else None)
    except tr.TraceError as exc:
        raise UserError(str(exc)) from None
    if args.format == "table":
        tr.render(result, terminal.console(default=200), args.top)
    elif args.format == "csv" and not args.emission_id:
        if args.out:
            state = "reconciles" if result.reconciles else "DOES NOT RECONCILE"
            print(f"Wrote {args.out} ({result.row_count:,} rows, csv); the trace {state}.")
    elif args.out:
        try:
            path = tr.write(result, Path(args.out), args.format)
        except OSError as exc:
            raise UserError(f"Cannot write {args.out} ({exc.strerror or exc}).") from None
        state = "reconciles" if result.reconciles else "DOES NOT RECONCILE"
        print(f"Wrote {path} ({len(result.rows):,} rows, {args.format}); the trace {state}.")
    else:
        sys.stdout.write(tr.dumps(result, args.format))
    if not result.reconciles:
        failed = "; ".join(c.level for c in result.checks if not c.ok)
        print(f"carbon: the trace does not reconcile: {failed}.", file=sys.stderr)
        return 1
    return 0


def cmd_audit_pack(args: argparse.Namespace) -> int:
    """One zip with the report, the trace of every reported figure, manifest, factors, DQ plan and results."""
    from pipelines.lib.audit_pack import AuditPackError, build_audit_pack
    from pipelines.lib.progress import say
    from pipelines.lib.warehouse import Locations

    loc = Locations.resolve(warehouse=args.warehouse, config=args.config)
    _check_built_with(loc.warehouse, _settings_of(loc.config), loc.config)
    out = Path(args.out) if args.out else loc.warehouse.parent / f"audit_pack_{args.year}.zip"
    if out.is_dir() or out.suffix.lower() != ".zip":  # a folder, existing or to be made
        out = out / f"audit_pack_{args.year}.zip"
    try:
        pack = build_audit_pack(loc.warehouse, args.year, out, config=loc.config, progress=say)
    except AuditPackError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Cannot write {out} ({exc.strerror or exc}).") from None
    state = (
        "every figure reconciles"
        if pack.reconciles
        else f"{pack.figures - pack.figures_reconciled} figure(s) DO NOT RECONCILE"
    )
    print(
        f"核查资料包 Audit pack {pack.year}: {pack.path} — {len(pack.files) + 1} files, {pack.figures} figures "
        f"traced to {pack.emission_rows:,} emission rows; {state}."
    )
    for part in pack.parts_missing:
        print(f"  not included: {part}")
    return 0 if pack.reconciles else 1


def cmd_docs(args: argparse.Namespace) -> int:
    """dbt docs (model lineage, compiled SQL, catalog) for a built warehouse; run after `carbon run`."""
    from pipelines.lib.dbt_docs import DocsError, default_out, generate_docs
    from pipelines.lib.warehouse import Locations

    loc = Locations.resolve(warehouse=args.warehouse, config=args.config)
    settings = _settings_of(loc.config)  # the same --vars as the run, so the compiled SQL is what ran
    _check_built_with(loc.warehouse, settings, loc.config)
    out = Path(args.out) if args.out else default_out(loc.warehouse)
    print(f"dbt docs generate for {loc.warehouse} -> {out.resolve()} ...", flush=True)
    try:
        docs = generate_docs(loc.warehouse, settings, out)
    except DocsError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Cannot write {out} ({exc.strerror or exc}).") from None
    print(f"dbt docs / 模型血缘文档: open {docs.static_index} in a browser (one self-contained file);")
    print(
        f"  or serve {docs.index} with `dbt docs serve --target-path {docs.out}` (manifest.json, catalog.json)."
    )
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    """The finance KPI extract of one year (marts fct_finance_kpis, fct_finance_target_kpis)."""
    from pipelines.lib import kpis
    from pipelines.lib.warehouse import ENV_CONFIG, Locations

    loc = Locations.resolve(warehouse=args.warehouse, config=args.config)
    warehouse = loc.warehouse
    if args.config or os.environ.get(ENV_CONFIG):
        # The extract's labels come from the marts; a named configuration must be the one they were built with.
        _check_built_with(warehouse, _settings_of(loc.config), loc.config)
    out = Path(args.out) if args.out else kpis.default_out(args.year, args.format)
    try:
        with kpis.open_warehouse(warehouse) as con:
            extract = kpis.read(con, args.year, warehouse)
        written = kpis.write(extract, out, args.format)
    except kpis.KpiError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Cannot write {out} ({exc.strerror or exc}).") from None
    counts = ", ".join(f"{t.topic.sheet} {len(t.rows)}" for t in extract.tables)
    where = written[0] if len(written) == 1 else f"{out}/ ({len(written)} files)"
    print(f"财务碳指标 Finance KPIs {args.year}: {where} — rows: {counts}.")
    return 0


def cmd_lock(args: argparse.Namespace) -> int:
    """Freeze a reported year; later runs that change its figures record restatements."""
    from pipelines.lib import terminal
    from pipelines.lib.history import locks, render
    from pipelines.lib.warehouse import Locations

    warehouse = Locations.resolve(warehouse=args.warehouse).warehouse
    try:
        if args.list:
            if args.year is not None or args.note:
                raise UserError("--list shows every lock; leave out --year and --note.")
            render.print_locks(warehouse, terminal.console(default=160))
            return 0
        if args.year is None:
            raise UserError("Name the year to lock with --year YYYY (or list the locks with --list).")
        outcome = locks.lock_year(warehouse, args.year, args.note)
    except locks.LockError as exc:
        raise UserError(str(exc)) from None
    print(render.lock_message(outcome, warehouse))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """The annual GHG inventory report of one year: a self-contained bilingual HTML file and a PDF."""
    from pipelines.lib import report
    from pipelines.lib.warehouse import Locations

    loc = Locations.resolve(warehouse=args.warehouse, config=args.config)
    settings = _settings_of(loc.config)
    _check_built_with(loc.warehouse, settings, loc.config)
    out = Path(args.out) if args.out else report.default_out_dir(loc.warehouse)
    formats = report.formats_for(Path(args.out) if args.out else None, args.format)
    try:
        paths = report.build_report(loc.warehouse, args.year, settings, loc.config, out, formats)
    except report.ReportError as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"Cannot write {out} ({exc.strerror or exc}).") from None
    for path in paths:
        how = "open it in a browser" if path.suffix != ".pdf" else "PDF"
        print(f"年度温室气体排放报告 GHG inventory report {args.year}: {path} ({how})")
    return 0


# The options several commands share, each with one help text (add_shared_options).
SHARED_OPTIONS = {
    "--landing": "landing folder (env CARBON_LANDING; default: the bundled sample group)",
    "--warehouse": "DuckDB file (env CARBON_WAREHOUSE; default: build/carbon.duckdb)",
    "--config": "carbon.yml (env CARBON_CONFIG; default: the sample group's)",
    "--dagster-home": "the warehouse's Dagster instance folder (env CARBON_DAGSTER_HOME; default: "
    "<warehouse>_dagster_home beside the warehouse)",
}
# --config of the commands that read a built warehouse: refused unless it is the one the warehouse was built with
CONFIG_BUILT_WITH = "carbon.yml the warehouse was built with (env CARBON_CONFIG; default: the sample group's)"


def add_shared_options(parser: argparse.ArgumentParser, *flags: str, config_help: str | None = None) -> None:
    """Add the shared options ``flags`` (keys of SHARED_OPTIONS) to ``parser``, in that order."""
    for flag in flags:
        text = config_help if flag == "--config" and config_help else SHARED_OPTIONS[flag]
        parser.add_argument(flag, help=text)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="carbon", description="Carbon Ledger: group-wide GHG inventory warehouse."
    )
    p.add_argument("--version", action="version", version=f"carbon-ledger {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="extract -> load raw -> dbt build -> quality checks -> summary")
    add_shared_options(run, "--landing", "--warehouse", "--config")
    run.add_argument("--year", type=int, help="only show this reporting year in the summary")
    run.add_argument("--no-reports", action="store_true",
                     help="do not write the HTML / PDF reports (earlier ones beside the warehouse are removed); "
                     "`carbon report --year YYYY` writes one later")  # fmt: skip
    add_shared_options(run, "--dagster-home")
    run.set_defaults(func=cmd_run)

    gen = sub.add_parser("generate", help="write the deterministic sample group into a landing folder")
    gen.add_argument("--out", required=True, help="landing folder to write")
    gen.add_argument("--scale", choices=["S", "M", "L"], default="S", help="S (bundled), M or L (benchmarks)")
    gen.add_argument("--seed", type=int, default=2024,
                     help="seed of the generator: the same seed writes byte-identical files (default 2024)")  # fmt: skip
    gen.add_argument("--force", action="store_true", help="overwrite a non-empty --out folder")
    gen.set_defaults(func=cmd_generate)

    dq = sub.add_parser("dq-plan", help="render the data quality plan as a bilingual document (docs/)")
    dq.add_argument("--out", default="docs", help="folder to write data_quality_plan.md into (default: docs)")
    dq.add_argument("--plan", help="plan file (default: data_quality/plan.yml)")
    dq.add_argument("--check", action="store_true", help="exit 1 when the document differs from the plan")
    dq.set_defaults(func=cmd_dq_plan)

    trace = sub.add_parser(
        "trace", help="lineage of a reported figure: emission rows, factors, raw rows, checksums"
    )
    add_shared_options(trace, "--warehouse")
    trace.add_argument("--year", type=int, help="reporting year of the figure")
    trace.add_argument(
        "--approach",
        choices=["equity_share", "operational_control", "financial_control"],
        help="consolidation approach of the figure",
    )
    trace.add_argument("--scope", choices=["1", "2", "3", "biogenic"], help="scope of the figure")
    trace.add_argument(
        "--scope2-method", choices=["location", "market"], help="Scope 2 method (Scope 2 only)"
    )
    trace.add_argument("--category", type=int, help="Scope 3 category (Scope 3 only)")
    trace.add_argument("--emission-id", help="trace one row of fct_emissions instead of a figure")
    trace.add_argument("--top", type=int, default=20, help="rows shown in the terminal (default 20)")
    trace.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (terminal, top rows) or a work paper with every row: csv or json",
    )
    trace.add_argument("--out", help="file for --format csv|json (default: standard output)")
    trace.set_defaults(func=cmd_trace)

    pack = sub.add_parser(
        "audit-pack", help="one zip for the verifier: report, traces, manifest, factors, DQ"
    )
    pack.add_argument("--year", type=int, required=True, help="reporting year")
    add_shared_options(pack, "--warehouse", "--config")
    pack.add_argument("--out", help="zip file or folder (default: audit_pack_YYYY.zip beside the warehouse)")
    pack.set_defaults(func=cmd_audit_pack)

    docs = sub.add_parser(
        "docs", help="dbt docs of the warehouse: model lineage, columns, compiled SQL (HTML)"
    )
    add_shared_options(docs, "--warehouse", "--config", config_help=CONFIG_BUILT_WITH)
    docs.add_argument("--out", help="folder for the docs site (default: dbt_docs/ beside the warehouse)")
    docs.set_defaults(func=cmd_docs)

    kp = sub.add_parser(
        "kpis", help="finance KPI extract of a year: Excel (one sheet per topic), CSV, Parquet, JSON"
    )
    kp.add_argument("--year", type=int, required=True, help="reporting year")
    kp.add_argument(
        "--format",
        choices=["xlsx", "csv", "parquet", "json"],
        default="xlsx",
        help="xlsx (default), csv or parquet (a folder, one file per topic) or json (one document)",
    )
    kp.add_argument(
        "--out",
        help="file (xlsx, json) or folder (csv, parquet); default: kpis_YYYY[.xlsx|.json] "
        "in the current folder",
    )
    add_shared_options(
        kp,
        "--warehouse",
        "--config",
        config_help="carbon.yml to check the warehouse against (env CARBON_CONFIG): refused unless the warehouse "
        "was built with it; without it the extract's labels come from the warehouse alone",
    )
    kp.set_defaults(func=cmd_kpis)

    lock = sub.add_parser(
        "lock", help="freeze a reported year; later changes to it are recorded as restatements"
    )
    lock.add_argument("--year", type=int, help="reporting year to lock")
    add_shared_options(lock, "--warehouse")
    lock.add_argument("--note", help="why the year is locked (e.g. 'published 2025-04-30, verified by …')")
    lock.add_argument(
        "--list", action="store_true", help="list the locks of the warehouse and their restatements"
    )
    lock.set_defaults(func=cmd_lock)

    rep = sub.add_parser(
        "report", help="the annual GHG inventory report of a year: bilingual, self-contained HTML and PDF"
    )
    rep.add_argument("--year", type=int, required=True, help="reporting year")
    rep.add_argument(
        "--out",
        help="folder (or .html / .pdf file) to write; default: reports/ beside the warehouse, "
        "build/reports/ for the default one (ghg_inventory_report_YYYY.html and .pdf)",
    )
    rep.add_argument(
        "--format",
        choices=["html", "pdf", "both"],
        help="what to write (default: the format --out's suffix names, else both)",
    )
    add_shared_options(rep, "--warehouse", "--config", config_help=CONFIG_BUILT_WITH)
    rep.set_defaults(func=cmd_report)

    ui = sub.add_parser(
        "ui", help="the Dagster UI on the warehouse's instance: runs, materializations, checks"
    )
    add_shared_options(ui, "--landing", "--warehouse", "--config")
    ui.add_argument("--port", type=int, default=3000, help="port of the UI on 127.0.0.1 (default 3000)")
    add_shared_options(ui, "--dagster-home")
    ui.set_defaults(func=cmd_ui)
    return p


def main(argv: list[str] | None = None) -> int:
    """`carbon` with ``argv`` (an exit code); without, the process's own command line, and the process
    ends with it (pipelines/lib/shutdown.py)."""
    _quiet_third_party()
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
    except UserError as exc:
        print(f"carbon: {exc}", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("carbon: interrupted", file=sys.stderr)
        code = 130
    if argv is None:
        shutdown.exit_now(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
