"""`carbon audit-pack`: one zip per reported year with everything a verifier needs (issue 6)."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
import zlib
from decimal import Decimal

import pytest
from conftest import run_carbon

YEAR = 2023


@pytest.fixture(scope="module")
def pack(sample_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / f"audit_pack_{YEAR}.zip"
    proc = run_carbon(
        "audit-pack", "--year", str(YEAR), "--warehouse", str(sample_run.warehouse), "--out", str(out)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "every figure reconciles" in proc.stdout
    return out


def _read(pack, name: str) -> bytes:
    with zipfile.ZipFile(pack) as zf:
        return zf.read(name)


def _rows(pack, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(_read(pack, name).decode("utf-8"))))


def test_pack_holds_every_part_and_checksums_verify(pack):
    with zipfile.ZipFile(pack) as zf:
        names = set(zf.namelist())
        sums = dict(reversed(line.split("  ", 1)) for line in zf.read("SHA256SUMS").decode().splitlines())
        for name, digest in sums.items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest, name
    assert names == set(sums) | {"SHA256SUMS"}
    for required in (
        "README.txt",
        "trace/figures.csv",
        "manifest/input_files.csv",
        f"report/ghg_inventory_report_{YEAR}.html",
        f"report/ghg_inventory_report_{YEAR}.pdf",
        "factors/emission_factors_used.csv",
        "factors/gwp_used.csv",
        "data_quality/plan.yml",
        "data_quality/data_quality_plan.md",
        "data_quality/scorecard.csv",
        "data_quality/findings.csv",
        "data_quality/quarantine.csv",
    ):
        assert required in names, required
    readme = _read(pack, "README.txt").decode("utf-8")
    assert "核查资料包" in readme and "audit pack" in readme


def test_every_reported_figure_is_traced_and_reconciles(pack, sample_run):
    index = _rows(pack, "trace/figures.csv")
    cells = sample_run.query(
        "select consolidation_approach, scope, coalesce(scope2_method, ''), coalesce(scope3_category::varchar, ''),"
        " co2e_t from marts.rpt_group_inventory where reporting_year = ?",
        [YEAR],
    )
    assert len(index) == len(cells) > 0
    reported = {c[:4]: c[4] for c in cells}
    for row in index:
        key = (row["consolidation_approach"], row["scope"], row["scope2_method"], row["scope3_category"])
        assert float(row["co2e_t"]) == reported[key]
        assert row["reconciles"] == "true"
        paper = _rows(pack, row["work_paper"])
        assert len(paper) == int(row["emission_rows"])
        # the work paper's contributions add up to the figure (exact decimals, to a microgram)
        total = sum((Decimal(r["contribution_t"]) for r in paper), Decimal(0))
        assert abs(float(total) - reported[key]) < 1e-6


def test_work_paper_rows_point_at_files_with_their_checksum(pack, sample_run):
    files = {r["file_path"]: r["file_sha256"] for r in _rows(pack, "manifest/input_files.csv")}
    paper = _rows(pack, f"trace/{YEAR}_operational_control_scope1.csv")
    assert paper
    for r in paper[:50]:
        assert r["file_sha256"] == files[r["file_path"]]
        assert r["factor_id"] and r["factor_source_document"]
    used = {r["factor_id"] for r in _rows(pack, "factors/emission_factors_used.csv")}
    assert {r["factor_id"] for r in paper} <= used


def test_pack_is_byte_identical_for_the_same_warehouse(pack, sample_run, tmp_path):
    again = tmp_path / "again.zip"
    proc = run_carbon(
        "audit-pack", "--year", str(YEAR), "--warehouse", str(sample_run.warehouse), "--out", str(again)
    )
    assert proc.returncode == 0, proc.stderr
    assert again.read_bytes() == pack.read_bytes()


def test_unknown_year_is_one_sentence(sample_run, tmp_path):
    proc = run_carbon(
        "audit-pack", "--year", "1999", "--warehouse", str(sample_run.warehouse), "--out", str(tmp_path)
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("carbon: The warehouse") and "no reported figures for 1999" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_work_papers_are_deflated_with_isal_and_unzip_to_the_same_bytes_with_zlib(pack, sample_run, tmp_path,
                                                                                  monkeypatch):  # fmt: skip
    """ISA-L (python-isal, pinned) deflates the work papers; without the package zlib does, and the unzipped
    pack is the same, file for file: only the compressed streams differ."""
    from pipelines.lib import audit_pack

    assert audit_pack._ISAL is not None  # the pinned dependency is installed: the fast path is the one in use
    with zipfile.ZipFile(pack) as zf:
        with_isal = {i.filename: (zf.read(i), i.compress_size, i.CRC) for i in zf.infolist()}
    report = {n.rsplit(".", 1)[1]: data for n, (data, _, _) in with_isal.items() if n.startswith("report/")}
    monkeypatch.setattr(audit_pack, "_report_files", lambda warehouse, year, config: report)
    monkeypatch.setattr(audit_pack, "_ISAL", None)
    out = tmp_path / "zlib.zip"
    audit_pack.build_audit_pack(sample_run.warehouse, YEAR, out)
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None
        with_zlib = {i.filename: (zf.read(i), i.compress_size, i.CRC) for i in zf.infolist()}
    assert with_zlib.keys() == with_isal.keys()
    papers = [n for n in with_isal if n.startswith("trace/") and n != "trace/figures.csv"]
    assert len(papers) == len(_rows(pack, "trace/figures.csv")) > 0
    for name, (data, _, crc) in with_isal.items():
        assert with_zlib[name][0] == data and with_zlib[name][2] == crc, name
    # the work papers' streams came from the two libraries (the other entries: zipfile's zlib, both times)
    assert any(with_zlib[n][1] != with_isal[n][1] for n in papers)
    assert all(with_zlib[n][1] == with_isal[n][1] for n in with_isal if n not in papers)


def test_without_isal_the_pack_falls_back_to_zlib(monkeypatch, tmp_path):
    """A missing python-isal is no error: _load_isal says so and _deflate writes zlib's raw stream, level 1."""
    import sys

    from pipelines.lib import audit_pack

    monkeypatch.setitem(sys.modules, "isal", None)  # `import isal` raises ImportError
    monkeypatch.setitem(sys.modules, "isal.isal_zlib", None)
    assert audit_pack._load_isal() is None
    monkeypatch.setattr(audit_pack, "_ISAL", audit_pack._load_isal())
    body = b"".join(b'%d,scope1,%d.%03d,"a, quoted"\n' % (i, i * 7, i % 1000) for i in range(200_000))
    stream = _deflated_with_zlibs_checks(tmp_path, body)
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert stream == z.compress(body) + z.flush()  # zlib level 1, raw, as before python-isal


def _deflated_with_zlibs_checks(tmp_path, body: bytes) -> bytes:
    """``body`` as a work paper through audit_pack._deflate: its raw stream, after checking the sizes,
    CRC-32 and sha256 it reports against zlib's and hashlib's, and that the paper was removed."""
    from pipelines.lib import audit_pack

    paper = tmp_path / "paper.csv"
    paper.write_bytes(body)
    deflated = audit_pack._deflate(paper)
    stream = deflated.path.read_bytes()
    assert (deflated.file_size, deflated.compress_size) == (len(body), len(stream))
    assert (deflated.crc, deflated.sha256) == (zlib.crc32(body), hashlib.sha256(body).hexdigest())
    assert not paper.exists()
    return stream


def test_isal_deflate_inflates_to_the_paper_with_zlibs_checks(tmp_path):
    body = b"".join(b"%d,scope2,%d.%05d,location\n" % (i, i * 3, i % 99991) for i in range(300_000))
    stream = _deflated_with_zlibs_checks(tmp_path, body)
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert stream != z.compress(body) + z.flush()  # ISA-L's stream, not zlib's
    assert zlib.decompress(stream, -15) == body
