"""``carbon audit-pack --year YYYY``: everything a verifier needs for one reported year, in one zip.

Contents (all read from the warehouse, read-only, plus the committed plan):

    README.txt                          what is in the pack and how to check it (中文 / English)
    report/ghg_inventory_report_YYYY.html, .pdf   the annual report (bilingual HTML and PDF)
    trace/figures.csv                   every reported figure of the year (rpt_group_inventory cell) with
                                        its emission rows, the reconciliation result and its work paper
    trace/<cell>.csv                    the work paper of each figure: every contributing emission row with
                                        factor, formula, raw row, file and sha256 (pipelines.lib.trace)
    manifest/runs.json                  the run manifest(s) stored in the warehouse, when present
    manifest/input_files.csv            every landing file with its sha256 and row counts (ingest.files)
    manifest/database_pulls.csv         every pull from a database: database, query and its sha256, when
    factors/emission_factors_used.csv   the registry rows (dim_emission_factors) the year's emissions use
    factors/gwp_used.csv                the GWP values applied (gas, set, GWP100)
    data_quality/plan.yml, data_quality_plan.md   the data quality control plan (T/CAS 612 6.8)
    data_quality/scorecard.csv          fct_data_quality rows of the year
    data_quality/findings.csv           quality.findings of the year (and those without a year)
    data_quality/quarantine.csv         every quarantined source row with its reason
    SHA256SUMS                          the sha256 of every other file in the pack

The zip is deterministic: entries sorted, fixed timestamps, no wall-clock
time inside, so the same warehouse gives a byte-identical pack.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import queue
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib import trace as tr
from pipelines.lib.warehouse import memory_limit, table_exists
from pipelines.lib.warehouse import reporting_years as warehouse_reporting_years
from pipelines.paths import REPO_ROOT

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can hold: no wall-clock time in the pack


class AuditPackError(Exception):
    """The year or warehouse the user named cannot make a pack: one sentence."""


@dataclass
class AuditPack:
    path: Path
    year: int
    files: dict[str, str] = field(default_factory=dict)  # name -> sha256
    figures: int = 0
    figures_reconciled: int = 0
    emission_rows: int = 0
    parts_missing: list[str] = field(default_factory=list)

    @property
    def reconciles(self) -> bool:
        return self.figures == self.figures_reconciled


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _csv(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> bytes:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for row in cur.fetchall():
        w.writerow([_text(v) for v in row])
    return buf.getvalue().encode("utf-8")


def _cell_name(key: tr.FigureKey) -> str:
    parts = [str(key.reporting_year), key.consolidation_approach, f"scope{key.scope}"]
    if key.scope2_method:
        parts.append(key.scope2_method)
    if key.scope3_category is not None:
        parts.append(f"cat{key.scope3_category:02d}")
    return "_".join(parts)


def _readme(year: int, warehouse: Path) -> bytes:
    return f"""Carbon Ledger audit pack {year} / 碳排放核查资料包 {year}

中文
  本资料包由 `carbon audit-pack --year {year}` 从数据仓库 {warehouse.name} 生成，内容如下：
  report/        年度温室气体排放报告（HTML 与 PDF，中英双语，离线可读）
  trace/         每个报告数字（rpt_group_inventory 的单元格）的追溯底稿：排放行、因子及来源文件、
                 公式、原始数据行（文件路径、行号、sha256）；figures.csv 列出全部数字及核对结果
  manifest/      运行清单与全部输入文件的 sha256
  factors/       本年度使用的排放因子（含来源文件、发布机构、版本）与 GWP 值
  data_quality/  数据质量控制计划（T/CAS 612 6.8）及其执行结果、隔离数据
  SHA256SUMS     资料包内其他每个文件的 sha256；校验：sha256sum -c SHA256SUMS

English
  Made by `carbon audit-pack --year {year}` from the warehouse {warehouse.name}:
  report/        the annual GHG inventory report (self-contained bilingual HTML, and PDF)
  trace/         the work paper of every reported figure (a cell of rpt_group_inventory): its
                 emission rows with factor, source document, formula and raw row (file, row,
                 sha256); figures.csv lists every figure with its reconciliation result
  manifest/      the run manifest(s) and every input file with its sha256
  factors/       the emission factors used this year (source document, publisher, version) and GWPs
  data_quality/  the data quality control plan (T/CAS 612 6.8), its results and the quarantine
  SHA256SUMS     the sha256 of every other file in the pack; check with: sha256sum -c SHA256SUMS
""".encode()


def _report_files(warehouse: Path, year: int, config: Path | None) -> dict[str, bytes]:
    """The annual report as HTML and PDF bytes."""
    from pipelines.lib import report as report_module

    try:
        return report_module.render_report_files(warehouse, year, config=config)
    except report_module.ReportError as exc:
        raise AuditPackError(f"The report cannot be made: {exc}") from None


def build_audit_pack(warehouse: Path, year: int, out: Path, *, config: Path | None = None,
                     progress: Callable[[str], None] | None = None) -> AuditPack:  # fmt: skip
    """Write ``out`` (a .zip) for ``year``; raises AuditPackError for a missing warehouse or year."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".audit_pack_", dir=out.parent) as spool:
        return _build(warehouse, year, out, config, progress or (lambda _msg: None), Path(spool))


# Figures traced at the same time, each on its own connection (a cursor of one read-only database: one
# memory cap) with DuckDB on the calling thread only, while one thread deflates the papers already written
# (zlib and hashlib let go of the GIL). At M DuckDB on two threads for one figure spent twice the CPU on the
# largest paper (30 s against 14 s, much of it waiting on each other) for no shorter a wall time.
TRACE_WORKERS = 2
SCRATCH = "trace_scratch"  # the attached in-memory database of the shared cell
DEFLATE_THREADS = 1


@dataclass(frozen=True)
class _Deflated:
    """A work paper deflated for the zip (the raw deflate stream zipfile would write), with its checks."""

    path: Path
    file_size: int
    compress_size: int
    crc: int
    sha256: str


def _load_isal() -> Any:
    """python-isal's zlib-compatible module (Intel ISA-L), or None when the package is not installed."""
    try:
        from isal import isal_zlib
    except ImportError:
        return None
    return isal_zlib


# Work papers are deflated with ISA-L when python-isal is installed (a pinned dependency): at level 1 it took
# 1.2 s of CPU on the largest M paper (1.3 GB) against zlib level 1's 5.0 s, and came out 3 % smaller. The
# stream is raw DEFLATE all the same (any unzip reads it); without the package, zlib as before.
_ISAL = _load_isal()
ISAL_COMPRESSLEVEL = 1  # ISA-L's levels are 0-3; 2 was no smaller by more than 2 %, 3 was three times slower


def _deflate(paper: Path) -> _Deflated:
    """Deflate ``paper`` (ISA-L at ISAL_COMPRESSLEVEL, else zlib at WORK_PAPER_COMPRESSLEVEL; a raw stream, as
    zipfile writes) into a file beside it, with its CRC-32 and sha256 taken in the same read; the CSV is
    removed (at M: 4 GB of work papers)."""
    out = paper.with_suffix(".deflate")
    fast = _ISAL
    if fast is not None:
        z, crc32 = fast.compressobj(ISAL_COMPRESSLEVEL, fast.DEFLATED, -15), fast.crc32
    else:
        z, crc32 = zlib.compressobj(WORK_PAPER_COMPRESSLEVEL, zlib.DEFLATED, -15), zlib.crc32
    h, crc, size = hashlib.sha256(), 0, 0
    with paper.open("rb") as src, out.open("wb") as dst:
        while chunk := src.read(_CHUNK):
            h.update(chunk)
            crc = crc32(chunk, crc)
            size += len(chunk)
            dst.write(z.compress(chunk))
        dst.write(z.flush())
    paper.unlink()
    return _Deflated(out, size, out.stat().st_size, crc, h.hexdigest())


def _trace_cells(warehouse: Path, keys: list[tr.FigureKey], sizes: list[int], spool: Path,
                 say: Callable[[str], None]) -> tuple[dict[tr.FigureKey, tuple[int, str, bool]],
                                                      dict[tr.FigureKey, _Deflated]]:  # fmt: skip
    """Every figure's work paper, written by DuckDB (trace.csvsql) into ``spool``, TRACE_WORKERS figures at a
    time (the largest first, so that their deflating overlaps the others' tracing), each deflated in a thread
    as soon as it is written; returns (rows, the rows' DECIMAL sum as text, whether it reconciles) and the
    deflated paper of each figure."""
    traced: dict[tr.FigureKey, tuple[int, str, bool]] = {}
    deflating: dict[tr.FigureKey, Future[_Deflated]] = {}
    # The figures of one cell (its consolidation approaches) are traced together, their rows selected and
    # joined once (trace.trace_cell), the largest cells first, on one cursor each; the largest cell is shared
    # in an attached in-memory database that every cursor sees (trace.share_cell), so that both workers
    # write its papers (at M: 805,000 rows, a COPY of 13 s for each approach).
    cells: dict[tuple, list[tr.FigureKey]] = {}
    rows: dict[tuple, int] = {}
    for size, key in zip(sizes, keys, strict=True):
        cell = (key.reporting_year, key.scope, key.scope2_method, key.scope3_category)
        cells.setdefault(cell, []).append(key)
        rows[cell] = rows.get(cell, 0) + size
    order = sorted(cells, key=lambda cell: -rows[cell])
    shared = order[0] if order and len(cells[order[0]]) > 1 else None
    with tr.open_warehouse(warehouse) as con, ThreadPoolExecutor(max_workers=DEFLATE_THREADS) as deflater:
        # DuckDB's cap of the pipeline's connections (the database's, shared by its cursors), spilling beside
        # the work papers; each query runs on its caller's thread
        con.execute(f"set memory_limit = '{memory_limit()}'")
        con.execute(f"set temp_directory = '{(spool / 'duckdb_tmp').as_posix()}'")
        con.execute("set threads = 1")
        con.execute(f"attach ':memory:' as {SCRATCH} (read_only false)")
        cursors: queue.SimpleQueue[duckdb.DuckDBPyConnection] = queue.SimpleQueue()
        for _ in range(TRACE_WORKERS):
            cur = con.cursor()  # its own temp tables (the traced cell)
            cur.execute("set enable_progress_bar = false")
            cursors.put(cur)
        papers = {key: spool / f"{_cell_name(key)}.csv" for key in keys}
        done: list[tr.FigureKey] = []

        def finish(key: tr.FigureKey, result: tr.Trace) -> None:
            traced[key] = (result.row_count, _text(result.total_t), result.reconciles)
            deflating[key] = deflater.submit(_deflate, papers[key])
            with lock:
                done.append(key)
                say(f"trace    {len(done)}/{len(keys)} {key.label()}")

        # tasks by priority (lowest first): the shared cell's papers, the shared cell, the others by size
        tasks: queue.PriorityQueue[tuple[int, int, Callable[[duckdb.DuckDBPyConnection], None] | None]]
        tasks = queue.PriorityQueue()
        failed: list[BaseException] = []
        left = [len(order)]  # tasks still to run: a task per cell, then the shared cell's papers
        lock = threading.Lock()
        ticket = itertools.count()  # ties in priority: first put, first run

        def cell_task(cell_keys: list[tr.FigureKey]) -> Callable[[duckdb.DuckDBPyConnection], None]:
            def run(cur: duckdb.DuckDBPyConnection) -> None:
                results = tr.trace_cell(cur, cell_keys, {key: papers[key] for key in cell_keys})
                for key in cell_keys:
                    finish(key, results[key])

            return run

        def share_task(cur: duckdb.DuckDBPyConnection) -> None:
            checked = tr.share_cell(cur, cells[shared], SCRATCH)
            pending = [len(cells[shared])]

            def paper_task(key: tr.FigureKey) -> Callable[[duckdb.DuckDBPyConnection], None]:
                def run(cur: duckdb.DuckDBPyConnection) -> None:
                    finish(key, tr.trace_shared(cur, key, SCRATCH, checked, papers[key]))
                    with lock:
                        pending[0] -= 1
                        last = pending[0] == 0
                    if last:
                        for table in ("rows", "resolved", "raw_rows"):
                            cur.execute(f"drop table if exists {SCRATCH}.{table}")

                return run

            with lock:
                left[0] += len(cells[shared])
            for key in cells[shared]:
                tasks.put((-2, next(ticket), paper_task(key)))

        if shared is not None:
            tasks.put((-1, next(ticket), share_task))
        for i, cell in enumerate(order):
            if cell != shared:
                tasks.put((i, next(ticket), cell_task(cells[cell])))

        def worker() -> None:
            cur = cursors.get()
            while True:
                task = tasks.get()[2]
                if task is None:
                    cursors.put(cur)
                    return
                try:
                    if not failed:
                        task(cur)
                except BaseException as exc:  # noqa: BLE001 (raised in the caller's thread)
                    failed.append(exc)
                with lock:
                    left[0] -= 1
                    if left[0] == 0:
                        for _ in range(TRACE_WORKERS):
                            tasks.put((1 << 30, next(ticket), None))

        if not order:  # no figures: nothing to wait for
            for _ in range(TRACE_WORKERS):
                tasks.put((1 << 30, next(ticket), None))
        workers = [threading.Thread(target=worker) for _ in range(TRACE_WORKERS)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        if failed:
            raise failed[0]
        deflated = {key: future.result() for key, future in deflating.items()}
        while not cursors.empty():
            cursors.get().close()
    return traced, deflated


def _build(warehouse: Path, year: int, out: Path, config: Path | None, say: Callable[[str], None],
           spool: Path) -> AuditPack:  # fmt: skip
    entries: dict[str, bytes | _Deflated] = {}  # a work paper: deflated in the spool folder
    pack = AuditPack(out, year)
    try:
        with tr.open_warehouse(warehouse) as con:
            years = warehouse_reporting_years(con)
            if year not in years:
                raise AuditPackError(f"The warehouse {warehouse} has no reported figures for {year}; "
                                     f"years with figures: {', '.join(map(str, years)) or 'none'}.")  # fmt: skip
            cells = con.execute(
                """
                select reporting_year, consolidation_approach, scope, scope2_method, scope3_category, co2e_t,
                       emission_rows
                from marts.rpt_group_inventory where reporting_year = ?
                order by consolidation_approach, scope, scope2_method nulls first, scope3_category nulls first
                """,
                [year],
            ).fetchall()
            index = io.StringIO()
            w = csv.writer(index, lineterminator="\n")
            w.writerow(["reporting_year", "consolidation_approach", "scope", "scope2_method", "scope3_category",
                        "co2e_t", "emission_rows", "rows_sum_decimal_t", "reconciles", "work_paper"])  # fmt: skip
            keys = [tr.FigureKey(*cell[:5]) for cell in cells]
            traced, papers = _trace_cells(warehouse, keys, [cell[6] for cell in cells], spool, say)
            for (y, approach, scope, method, category, co2e, n_rows), key in zip(cells, keys, strict=True):
                row_count, total_t, reconciles = traced[key]
                name = f"trace/{_cell_name(key)}.csv"
                entries[name] = papers[key]
                pack.figures += 1
                pack.figures_reconciled += int(reconciles)
                pack.emission_rows += row_count
                w.writerow([y, approach, scope, _text(method), _text(category), repr(co2e), n_rows,
                            total_t, str(reconciles).lower(), name])  # fmt: skip
            entries["trace/figures.csv"] = index.getvalue().encode("utf-8")

            say("pack     factors, manifest, data quality")
            entries["factors/emission_factors_used.csv"] = _csv(con, """
                select f.* from marts.dim_emission_factors as f
                where f.factor_id in (select distinct factor_id from marts.fct_emissions where reporting_year = ?)
                order by f.factor_id""", [year])  # fmt: skip
            entries["factors/gwp_used.csv"] = _csv(con, """
                select gas, gwp_set, gwp_100, count(*) as emission_rows from marts.fct_emissions
                where reporting_year = ? group by all order by gas, gwp_set, gwp_100""", [year])  # fmt: skip
            entries["manifest/input_files.csv"] = _csv(con, "select * from ingest.files order by all")
            if table_exists(
                con, "ingest", "sql_pulls"
            ):  # rows pulled from a database: where, which query, when
                entries["manifest/database_pulls.csv"] = _csv(
                    con, "select * from ingest.sql_pulls order by all"
                )
            if table_exists(con, "history", "runs"):
                runs = con.execute("select * from history.runs order by all")
                names = [d[0] for d in runs.description]
                entries["manifest/runs.json"] = (json.dumps(
                    [{n: _text(v) for n, v in zip(names, r, strict=True)} for r in runs.fetchall()],
                    ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")  # fmt: skip
            else:
                pack.parts_missing.append("manifest/runs.json (no run manifest in this warehouse)")
            if table_exists(con, "marts", "fct_data_quality"):
                entries["data_quality/scorecard.csv"] = _csv(con, """
                    select * from marts.fct_data_quality
                    where reporting_year = ? or reporting_year is null order by all""", [year])  # fmt: skip
            if table_exists(con, "quality", "findings"):
                entries["data_quality/findings.csv"] = _csv(con, """
                    select * from quality.findings
                    where reporting_year = ? or reporting_year is null order by all""", [year])  # fmt: skip
            entries["data_quality/quarantine.csv"] = _csv(con, "select * from ingest.quarantine order by all")
    except tr.TraceError as exc:
        raise AuditPackError(str(exc)) from None

    for source, name in ((REPO_ROOT / "data_quality" / "plan.yml", "data_quality/plan.yml"),
                         (REPO_ROOT / "docs" / "data_quality_plan.md", "data_quality/data_quality_plan.md")):  # fmt: skip
        if source.is_file():
            entries[name] = source.read_bytes()
    say("pack     report")
    for fmt, data in _report_files(warehouse, year, config).items():
        entries[f"report/ghg_inventory_report_{year}.{fmt}"] = data
    entries["README.txt"] = _readme(year, warehouse)

    pack.files = {name: _sha256(data) for name, data in sorted(entries.items())}
    entries["SHA256SUMS"] = "".join(f"{digest}  {name}\n" for name, digest in pack.files.items()).encode()
    tmp = out.with_suffix(out.suffix + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = entries[name]
            if isinstance(data, bytes):
                zf.writestr(info, data)
            else:
                _write_deflated(zf, info, data)
    tmp.replace(out)
    return pack


_CHUNK = 1 << 20
# work papers (at M: 2.5 million rows, 4 GB of CSV) without ISA-L at zlib level 1: 2.4x as fast as level 6 on
# them, about a fifth larger
WORK_PAPER_COMPRESSLEVEL = 1


def _write_deflated(zf: zipfile.ZipFile, info: zipfile.ZipInfo, paper: _Deflated) -> None:
    """Add a work paper deflated beforehand: the entry zipfile's own writer makes for the same bytes (its
    ``open(mode="w")`` steps: local header, ZIP64 when the file is near 4 GB, the stream, the directory)."""
    info.compress_type = zipfile.ZIP_DEFLATED
    info.flag_bits = 0
    info.file_size, info.compress_size, info.CRC = paper.file_size, paper.compress_size, paper.crc
    zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
    zf.fp.seek(zf.start_dir)
    info.header_offset = zf.fp.tell()
    zf._writecheck(info)  # noqa: SLF001 (zipfile has no public way to add a compressed stream)
    zf._didModify = True  # noqa: SLF001
    zf.fp.write(info.FileHeader(zip64))
    with paper.path.open("rb") as src:
        shutil.copyfileobj(src, zf.fp, _CHUNK)
    zf.start_dir = zf.fp.tell()
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info


def _sha256(data: bytes | _Deflated) -> str:
    return hashlib.sha256(data).hexdigest() if isinstance(data, bytes) else data.sha256
