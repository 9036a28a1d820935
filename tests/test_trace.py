"""`carbon trace`: a reported figure down to emission rows, factors and the raw rows of checksummed files.

Every trace runs the CLI on the sample group's warehouse (`sample_run`) and
checks the work paper against the warehouse and the landing files themselves.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import shutil
from decimal import Decimal
from functools import cache
from pathlib import Path

import duckdb
import pytest
from conftest import SAMPLE_LANDING, run_carbon
from rich.cells import cell_len

from pipelines.lib import trace as tr
from pipelines.lib.trace import csvsql, formula

YEAR = 2023
APPROACH = "operational_control"
# Scope 1, Scope 2 market-based and a Scope 3 category, as reported in rpt_group_inventory
FIGURES = {
    "scope1": dict(scope="1", scope2_method=None, category=None),
    "scope2_market": dict(scope="2", scope2_method="market", category=None),
    "scope3_cat1": dict(scope="3", scope2_method=None, category=1),
}


@cache
def landing_sha256(file_path: str) -> str:
    return hashlib.sha256((SAMPLE_LANDING / file_path).read_bytes()).hexdigest()


def figure_args(
    scope: str, scope2_method: str | None, category: int | None, approach: str = APPROACH
) -> list[str]:
    args = ["--year", str(YEAR), "--approach", approach, "--scope", scope]
    if scope2_method:
        args += ["--scope2-method", scope2_method]
    if category is not None:
        args += ["--category", str(category)]
    return args


def reported(sample_run, scope: str, scope2_method: str | None, category: int | None,
             approach: str = APPROACH) -> tuple[float, int]:  # fmt: skip
    return sample_run.query(
        """select co2e_t, emission_rows from marts.rpt_group_inventory
           where reporting_year = ? and consolidation_approach = ? and scope = ?
             and scope2_method is not distinct from ? and scope3_category is not distinct from ?""",
        [YEAR, approach, scope, scope2_method, category],
    )[0]


def trace_json(sample_run, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "trace.json"
    proc = run_carbon(
        "trace", "--warehouse", str(sample_run.warehouse), *args, "--format", "json", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "the trace reconciles" in proc.stdout
    return json.loads(out.read_text(encoding="utf-8"))


def mart_sum_of_groups(rows: list[dict]) -> float:
    """The marts' own arithmetic (exact_sum, twice), redone from the work paper alone.

    fct_inventory sums the rows of each entity x facility x ISO category x gas in
    DECIMAL(38, 12) and stores a double; rpt_group_inventory sums those doubles
    the same way.
    """
    con = duckdb.connect()
    con.execute("create table paper (entity_id varchar, facility_id varchar, iso_category integer, gas varchar, "
                "contribution_t varchar)")  # fmt: skip
    con.executemany("insert into paper values (?, ?, ?, ?, ?)",
                    [(r["entity_id"], r["facility_id"], r["iso_category"], r["gas"], r["contribution_t"])
                     for r in rows])  # fmt: skip
    return con.execute(
        """select cast(sum(cast(group_t as decimal(38, 12))) as double) from (
               select cast(sum(cast(contribution_t as decimal(38, 12))) as double) as group_t
               from paper group by entity_id, facility_id, iso_category, gas)"""
    ).fetchone()[0]


@pytest.mark.parametrize("name", FIGURES)
def test_reported_figure_reconciles_to_raw_rows_of_the_landing_files(sample_run, tmp_path, name):
    spec = FIGURES[name]
    figure_t, emission_rows = reported(sample_run, **spec)
    paper = trace_json(sample_run, tmp_path, *figure_args(**spec))

    assert paper["figure_co2e_t"] == figure_t
    assert paper["reconciles"] is True
    assert all(check["ok"] for check in paper["reconciliation"])
    rows = paper["rows"]
    assert len(rows) == paper["emission_rows"] == emission_rows > 0
    # every contributing row of the cell is there, ranked by contribution
    contributions = [Decimal(r["contribution_t"]) for r in rows]
    assert contributions == sorted(contributions, reverse=True)
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert sum(contributions) == Decimal(paper["rows_sum_decimal_t"])
    # rows -> inventory groups -> figure, exactly as the marts sum
    assert mart_sum_of_groups(rows) == figure_t
    # the rows' direct exact sum differs only by the doubles fct_inventory stores (< 1e-9 t)
    assert abs(sum(contributions) - Decimal(repr(figure_t))) < Decimal("1e-9")
    ids = sample_run.query(
        """select emission_id from marts.fct_emissions where reporting_year = ? and scope = ?
            and scope2_method is not distinct from ? and scope3_category is not distinct from ?""",
        [YEAR, spec["scope"], spec["scope2_method"], spec["category"]],
    )
    assert {r["emission_id"] for r in rows} == {i[0] for i in ids}

    for r in rows:
        assert r["scope"] == spec["scope"] and r["reporting_year"] == YEAR
        # contribution = co2e x the approach's weight, co2e = gas mass x GWP
        assert abs(
            Decimal(r["contribution_t"]) - Decimal(r["co2e_t"] * r["weight_operational_control"])
        ) <= Decimal("1e-12")
        assert r["co2e_t"] == r["gas_mass_t"] * r["gwp_100"]
        # the factor with its provenance
        assert r["factor_value"] is not None and r["factor_source_document"] and r["factor_set_version"]
        assert "× GWP" in r["formula"] and r["formula"].endswith(f"= {r['contribution_t']} t CO2e")
        # the raw row, in a file whose checksum is that of the file in the landing folder
        table, rest = r["source_record_key"].split(":", 1)
        assert table == r["raw_table"] and r["is_raw_resolved"] is True
        if r["row_number"] is None:  # a meter x month row: its readings as runs of file rows
            assert r["source_row_count"] == len(_runs(r["source_rows"])) >= 1
            assert all(landing_sha256(file) for file, _ in _runs(r["source_rows"]))
            continue
        assert rest == f"{r['file_path']}#{r['row_number']}" and r["raw_values"]
        assert r["file_sha256"] == r["raw_file_sha256"] == landing_sha256(r["file_path"])

    # the per-factor and per-file summaries add up to the same rows
    assert sum(f["rows"] for f in paper["factors"]) == len(rows)
    assert sum(f["rows"] for f in paper["files"]) == len(rows)
    assert sum(Decimal(f["contribution_t"]) for f in paper["files"]) == sum(contributions)
    for f in paper["files"]:
        if "; " in f["file_path"]:  # meter x month rows whose readings sit in two files (each run checked)
            assert f["file_sha256"] is None and all(landing_sha256(p) for p in f["file_path"].split("; "))
        else:
            assert f["file_sha256"] == landing_sha256(f["file_path"])


def test_scope1_under_equity_share_weighs_the_associate(sample_run, tmp_path):
    # A600 (an associate, 30 % equity, no control) counts 0.3 of its emissions under equity share.
    figure_t, _n = reported(sample_run, "1", None, None, approach="equity_share")
    paper = trace_json(sample_run, tmp_path, *figure_args("1", None, None, approach="equity_share"))
    assert mart_sum_of_groups(paper["rows"]) == figure_t
    a600 = [r for r in paper["rows"] if r["entity_id"] == "A600"]
    assert a600 and all(r["weight"] == pytest.approx(0.3) for r in a600 if r["in_group_fraction"] == 1)
    assert all(Decimal(r["contribution_t"]) > 0 for r in a600 if r["co2e_t"] > 0)


def test_scope2_market_csv_work_paper(sample_run, tmp_path):
    figure_t, emission_rows = reported(sample_run, "2", "market", None)
    out = tmp_path / "s2m.csv"
    proc = run_carbon("trace", "--warehouse", str(sample_run.warehouse),
                      *figure_args("2", "market", None), "--format", "csv", "--out", str(out))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == emission_rows
    for col in (
        "emission_id",
        "contribution_t",
        "formula",
        "factor_id",
        "factor_value",
        "factor_source_document",
        "factor_publisher",
        "factor_set_version",
        "file_path",
        "row_number",
        "file_sha256",
        "raw_values",
    ):
        assert col in rows[0]
    assert mart_sum_of_groups([{**r, "iso_category": int(r["iso_category"])} for r in rows]) == figure_t
    assert {r["scope2_method"] for r in rows} == {"market"}
    # meter readings are summed per meter x month: each row lists its readings as runs of file rows
    for r in rows:
        assert r["row_number"] == "" and r["raw_values"] == "" and int(r["source_row_count"]) >= 1
        runs = [run.rsplit("#", 1) for run in r["source_rows"].split("; ")]
        assert all(landing_sha256(file) for file, _ in runs)
        if len({file for file, _ in runs}) == 1:
            assert r["file_sha256"] == landing_sha256(r["file_path"])
    # residual-mix rows carry the MEE/NBS factor "excluding market-traded non-fossil electricity"
    residual = [r for r in rows if r["method"] == "market_residual_mix"]
    assert residual and all("MEE/NBS" in r["factor_source_document"] for r in residual)


def test_terminal_table_shows_top_rows_totals_and_reconciliation(sample_run):
    proc = run_carbon(
        "trace", "--warehouse", str(sample_run.warehouse), *figure_args("3", None, 1), "--top", "5"
    )
    assert proc.returncode == 0, proc.stderr
    figure_t, emission_rows = reported(sample_run, "3", None, 1)
    assert f"= {figure_t:,.4f} t CO2e" in proc.stdout
    assert f"top 5 of {emission_rows:,}" in proc.stdout
    assert f"all {emission_rows:,} rows" in proc.stdout
    assert "reconciles 一致" in proc.stdout and "✗" not in proc.stdout


def _number(value) -> str:
    """A number of the work paper as the terminal prints it: a decimal string as it is, a float to 10
    significant digits (1713.7974999999997 -> 1713.7975)."""
    return value if isinstance(value, str) else f"{value:.10g}"


@pytest.mark.parametrize("columns", [80, 100, 140])
@pytest.mark.parametrize("name", ["scope1", "scope2_market"])
def test_terminal_view_fits_the_terminal_and_never_cuts_a_number(sample_run, tmp_path, name, columns):
    """`carbon trace` in a terminal of 80, 100 or 140 columns (COLUMNS): no line is wider, nothing is cut
    ('…'), and every number the JSON work paper gives for the top rows, their factors and files is printed
    whole, the factor and the source row of each row among them."""
    spec = FIGURES[name]
    paper = trace_json(sample_run, tmp_path, *figure_args(**spec))
    top = 5
    proc = run_carbon("trace", "--warehouse", str(sample_run.warehouse), *figure_args(**spec), "--top", str(top),
                      env={"COLUMNS": str(columns)})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert max(cell_len(line) for line in out.splitlines()) <= columns
    assert "…" not in re.sub(r"… \d+ more", "", out)  # only the "… N more (--format csv|json lists all)" rows
    assert f"= {paper['figure_co2e_t']:,.4f} t" in out
    assert "factor" in out and "file#row(s)" in out
    for r in paper["rows"][:top]:
        assert f"{Decimal(r['contribution_t']):,.4f}" in out
        assert _number(r["activity_quantity"]) in out and _number(r["factor_value"]) in out
        assert all(token in out for token in r["formula"].split(" "))  # quantity × factor … = contribution
        assert r["factor_id"] in out
        if r["row_number"] is not None:
            assert f"{Path(r['file_path']).name}#{r['row_number']}" in out
            assert r["file_path"] in out or r["file_path"].rsplit("/", 1)[0] + "/" in out
        else:  # meter x month: the runs of file rows it sums
            assert f"{r['source_row_count']:,} readings:" in out
            assert all(Path(run).name in out for run in r["source_rows"].split("; "))
    for f in paper["factors"][:15]:
        assert f["factor_id"] in out and _number(f["factor_value"]) in out
        assert f"{f['rows']:,}" in out and f"{Decimal(f['contribution_t']):,.4f}" in out
    for f in paper["files"][:15]:
        assert all(Path(p).name in out for p in f["file_path"].split("; "))
        assert f["file_sha256"] is None or f["file_sha256"] in out
        assert f"{Decimal(f['contribution_t']):,.4f}" in out
    for check in paper["reconciliation"]:
        assert all(token in out for token in f"{check['expected']} {check['actual']}".split(" "))
    assert "reconciles 一致" in out


def test_emission_id_trace_gives_the_factor_with_provenance(sample_run, tmp_path):
    emission_id, factor_id, co2e_t = sample_run.query(
        """select emission_id, factor_id, co2e_t from marts.fct_emissions
           where reporting_year = ? and source_type = 'stationary_combustion' and gas = 'CO2'
           order by co2e_t desc, emission_id limit 1""", [YEAR])[0]  # fmt: skip
    value, unit, document, publisher, version = sample_run.query(
        """select t_per_unit, activity_unit, source_document, publisher, factor_set_version
           from marts.dim_emission_factors where factor_id = ?""", [factor_id])[0]  # fmt: skip
    paper = trace_json(sample_run, tmp_path, "--emission-id", emission_id)
    assert paper["kind"] == "emission"
    rows = paper["rows"]
    assert [r["consolidation_approach"] for r in rows] == ["equity_share", "operational_control",
                                                           "financial_control"]  # fmt: skip
    row = rows[0]
    assert row["emission_id"] == emission_id and row["co2e_t"] == co2e_t
    assert (row["factor_id"], row["factor_value"], row["factor_unit"]) == (factor_id, value, unit)
    assert (row["factor_source_document"], row["factor_publisher"], row["factor_set_version"]) == (
        document,
        publisher,
        version,
    )
    assert document and publisher and version
    assert row["file_sha256"] == landing_sha256(row["file_path"])
    assert row["raw_values"]["fuel"] == row["activity_code"]
    for r in rows:
        assert (
            r["figure_co2e_t"]
            == reported(sample_run, r["scope"], None, None, approach=r["consolidation_approach"])[0]
        )

    proc = run_carbon("trace", "--warehouse", str(sample_run.warehouse), "--emission-id", emission_id)
    assert proc.returncode == 0, proc.stderr
    assert factor_id in proc.stdout and row["file_path"] in proc.stdout and "reconciles" in proc.stdout


def test_formula_spells_out_a_unit_conversion():
    row = dict(
        activity_quantity=100.0,
        activity_unit="t",
        factor_id="x",
        factor_value=0.0015,
        factor_unit="TJ",
        factor_gas="N2O",
        gas="N2O",
        gas_mass_t=0.00293535,
        gwp_100=273.0,
        gwp_set="AR6",
        weight=0.5,
        contribution_t=Decimal("0.400675275000"),
        method="gbt32150_combustion_default",
    )
    assert formula(row) == (
        "100 t × 0.0015 t N2O/TJ × 0.019569 TJ/t (unit conversion, gbt32150_combustion_default)"
        " = 0.00293535 t N2O × GWP 273 (AR6) × weight 0.5 = 0.400675275 t CO2e"
    )


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--year", "1999", "--approach", APPROACH, "--scope", "1"],
         "carbon: No figure for 1999, operational_control, scope 1: the warehouse reports the years {years}."),
        (["--year", str(YEAR), "--approach", APPROACH, "--scope", "3", "--category", "14"],
         f"carbon: No figure for {YEAR}, operational_control, scope 3, category 14: Scope 3 of {YEAR} is reported "
         "for categories {categories}."),
        (["--year", str(YEAR), "--approach", APPROACH, "--scope", "3"],
         "carbon: Scope 3 figures are reported per category; add --category N (1-15)."),
        (["--year", str(YEAR), "--approach", APPROACH, "--scope", "2"],
         "carbon: A Scope 2 figure is location- or market-based; add --scope2-method location|market."),
        (["--emission-id", "no-such-row"], "carbon: No emission row with emission_id 'no-such-row' in fct_emissions."),
    ],
)  # fmt: skip
def test_unknown_figure_is_one_sentence(sample_run, args, sentence):
    years = [
        r[0]
        for r in sample_run.query("select distinct reporting_year from marts.rpt_group_inventory order by 1")
    ]
    categories = [r[0] for r in sample_run.query(
        "select distinct scope3_category from marts.rpt_group_inventory where reporting_year = ? and scope = '3' "
        "order by 1", [YEAR])]  # fmt: skip
    assert 1999 not in years and 14 not in categories
    proc = run_carbon("trace", "--warehouse", str(sample_run.warehouse), *args)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        sentence.format(years=", ".join(map(str, years)), categories=", ".join(map(str, categories)))
    ]


def test_missing_warehouse_is_one_sentence(tmp_path):
    proc = run_carbon("trace", "--warehouse", str(tmp_path / "none.duckdb"), "--year", "2023", "--approach",
                      APPROACH, "--scope", "1")  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"carbon: There is no warehouse at {tmp_path / 'none.duckdb'}; run `carbon run` first or name it with "
        "--warehouse."]  # fmt: skip


def test_a_figure_that_no_longer_matches_its_rows_fails(sample_run, tmp_path):
    # Tamper with one emission row of a copy: the figure no longer reconciles and the trace exits 1.
    copy = tmp_path / "tampered.duckdb"
    shutil.copyfile(sample_run.warehouse, copy)
    con = duckdb.connect(str(copy))
    # fct_emissions is a view of the intermediate tables that store the rows (Scope 1: not a purchase line)
    con.execute("""update intermediate.int_emission_lines_weighted__others set co2e_t = co2e_t + 1 where emission_id = (
                   select emission_id from marts.fct_emissions where reporting_year = ? and scope = '1'
                   and weight_operational_control = 1 order by emission_id limit 1)""", [YEAR])  # fmt: skip
    con.close()
    proc = run_carbon("trace", "--warehouse", str(copy), *figure_args("1", None, None))
    assert proc.returncode == 1
    assert "DOES NOT RECONCILE" in proc.stdout
    assert proc.stderr.startswith("carbon: the trace does not reconcile: ")
    assert "co2e_t = gas_mass_t x gwp_100" in proc.stderr


def _runs(source_rows: str) -> set[tuple[str, int]]:
    """'file#1-3; file#7' -> {(file, 1), (file, 2), (file, 3), (file, 7)}"""
    out: set[tuple[str, int]] = set()
    for run in source_rows.split("; "):
        file, rows = run.rsplit("#", 1)
        first, _, last = rows.partition("-")
        out |= {(file, n) for n in range(int(first), int(last or first) + 1)}
    return out


def test_scope2_trace_reaches_every_raw_reading_of_the_year(sample_run, tmp_path):
    """A Scope 2 figure sums meter x month rows; their row runs reach every reading of the year, once per
    month it falls in, and the readings' calendarised quantities add up to the rows' activity."""
    doc = trace_json(sample_run, tmp_path, *figure_args("2", "location", None))
    assert doc["reconciles"] is True
    rows = doc["rows"]
    reached: set[tuple[str, int]] = set()
    for r in rows:
        runs = _runs(r["source_rows"])
        assert len(runs) == r["source_row_count"]
        reached |= runs
    expected = set(sample_run.query(
        """select r._file_path, r._row_number from raw.energy__meter_readings r
           join raw.energy__meters m on m.meter_id = r.meter_id
           where m.energy_type in ('electricity', 'heat', 'steam')
             and r.reading_end > make_timestamp(?, 1, 1, 0, 0, 0) and r.reading_start < make_timestamp(?, 1, 1, 0, 0, 0)
             and r.reading_end > r.reading_start""", [YEAR, YEAR + 1]))  # fmt: skip
    assert len(expected) > 100 and reached == expected
    # one electricity row by hand: its readings' pieces in the month, kWh -> MWh, = the row's MWh
    row = next(r for r in rows if r["activity_unit"] == "MWh" and r["source_row_count"] >= 2)
    meter, month = row["source_record_key"].split(":", 1)[1].split(" ")[:2]
    start = f"{month}-01"
    pieces = sample_run.query(
        """select r.quantity, r.unit, epoch(least(r.reading_end, cast(? as date) + interval 1 month))
                  - epoch(greatest(r.reading_start, cast(? as date))), epoch(r.reading_end) - epoch(r.reading_start),
                  r._file_path, r._row_number
           from raw.energy__meter_readings r where r.meter_id = ?
             and r.reading_end > cast(? as date) and r.reading_start < cast(? as date) + interval 1 month""",
        [start, start, meter, start, start])  # fmt: skip
    assert {(f, n) for *_, f, n in pieces} == _runs(row["source_rows"])
    mwh = sum(q * part / whole / (1000 if unit == "kWh" else 1) for q, unit, part, whole, _, _ in pieces)
    assert float(row["activity_quantity"]) == pytest.approx(mwh, rel=1e-12)


# a figure with unit conversions (Scope 1), with meter x month rows summing readings (Scope 2 market), with
# equity-share weights as exact decimals and raw rows of many columns (Scope 3 category 1), biogenic CO2
SQL_PAPER_FIGURES = {
    "scope1_equity": tr.FigureKey(YEAR, "equity_share", "1"),
    "scope2_market": tr.FigureKey(YEAR, APPROACH, "2", "market"),
    "scope3_cat1_equity": tr.FigureKey(YEAR, "equity_share", "3", None, 1),
    "biogenic": tr.FigureKey(YEAR, APPROACH, "biogenic"),
}


@pytest.mark.parametrize("name", list(SQL_PAPER_FIGURES))
def test_sql_written_work_paper_is_the_python_one_byte_for_byte(sample_run, tmp_path, monkeypatch, name):
    """The audit pack's work papers are written by DuckDB (csvsql): every value, formula and raw row must
    read exactly as the row-by-row Python writer (workpaper.write_csv_rows) gives them."""
    key = SQL_PAPER_FIGURES[name]
    copies: list[Path] = []
    copy_csv = csvsql.copy_csv
    monkeypatch.setattr(csvsql, "copy_csv", lambda con, out: (copies.append(out), copy_csv(con, out)))
    python_paper = io.StringIO()
    with tr.open_warehouse(sample_run.warehouse) as con:
        by_rows = tr.trace_figure(con, key, rows_to=lambda rows: tr.write_csv_rows(rows, python_paper))
        by_sql = tr.trace_figure(con, key, csv_to=tmp_path / "sql.csv")
        monkeypatch.setattr(csvsql, "supported", lambda con: False)  # the fallback: row by row into the file
        by_fallback = tr.trace_figure(con, key, csv_to=tmp_path / "fallback.csv")
    assert copies == [tmp_path / "sql.csv"]  # DuckDB wrote the first file, not the Python fallback
    expected = python_paper.getvalue().encode("utf-8")
    assert (tmp_path / "sql.csv").read_bytes() == expected
    assert (tmp_path / "fallback.csv").read_bytes() == expected
    figure_t, emission_rows = reported(sample_run, key.scope, key.scope2_method, key.scope3_category,
                                       key.consolidation_approach)  # fmt: skip
    with (tmp_path / "sql.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == emission_rows == by_sql.row_count == by_rows.row_count == by_fallback.row_count > 0
    assert sum(Decimal(r["contribution_t"]) for r in rows) == by_sql.total_t == by_rows.total_t
    assert by_sql.reconciles and float(by_sql.total_t) == pytest.approx(figure_t, rel=1e-12)
    if name == "scope2_market":
        assert all(r["row_number"] == "" and int(r["source_row_count"]) >= 1 for r in rows)
        assert {r["is_raw_resolved"] for r in rows} == {"True"}
    else:
        assert all(r["raw_values"].startswith("{") and r["is_raw_resolved"] == "True" for r in rows)
    if name == "biogenic":
        assert {r["is_biogenic"] for r in rows} == {"True"}


@pytest.mark.parametrize(
    "cell", [("2", "market", None), ("3", None, 1)], ids=["scope2_market", "scope3_cat1"]
)
def test_a_cells_approaches_traced_together_are_each_figure_traced_alone(
    sample_run, tmp_path, monkeypatch, cell
):
    """The audit pack traces the consolidation approaches of a cell together (trace_cell: the cell's rows are
    selected and joined once): every work paper, total and check must be the figure's own, by DuckDB and by
    the Python fallback alike."""
    scope, method, category = cell
    keys = [tr.FigureKey(YEAR, a, scope, method, category) for a in tr.APPROACHES]
    with tr.open_warehouse(sample_run.warehouse) as con:
        together = tr.trace_cell(
            con, keys, {k: tmp_path / f"cell_{k.consolidation_approach}.csv" for k in keys}
        )
        alone = {
            k: tr.trace_figure(con, k, csv_to=tmp_path / f"alone_{k.consolidation_approach}.csv")
            for k in keys
        }
        # the largest cell of the audit pack: shared in an attached database, its papers on another cursor
        con.execute("attach ':memory:' as scratch (read_only false)")
        checked = tr.share_cell(con, keys, "scratch")
        other = con.cursor()
        shared = {
            k: tr.trace_shared(
                other, k, "scratch", checked, tmp_path / f"shared_{k.consolidation_approach}.csv"
            )
            for k in keys
        }
        monkeypatch.setattr(csvsql, "supported", lambda con: False)
        fallback = tr.trace_cell(
            con, keys, {k: tmp_path / f"py_{k.consolidation_approach}.csv" for k in keys}
        )
    for k in keys:
        paper = (tmp_path / f"alone_{k.consolidation_approach}.csv").read_bytes()
        assert (tmp_path / f"cell_{k.consolidation_approach}.csv").read_bytes() == paper
        assert (tmp_path / f"py_{k.consolidation_approach}.csv").read_bytes() == paper
        assert (tmp_path / f"shared_{k.consolidation_approach}.csv").read_bytes() == paper
        assert together[k] == alone[k] == fallback[k] == shared[k]
        assert alone[k].reconciles and alone[k].row_count > 0
    assert (
        len({(tmp_path / f"cell_{a}.csv").read_bytes() for a in tr.APPROACHES}) == 3
    )  # the approaches differ
