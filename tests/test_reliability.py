"""Reliability (issue 14): nothing counted twice, nothing lost, every bad value named.

Each dataset has a natural key judged in one file and across files (and so across loads: a row
re-sent in a later export meets the rows already loaded). The re-sent row is quarantined with the
rule's code and the file and row of its first copy; the first copy stays loaded.
"""

from __future__ import annotations

import pytest
from conftest import header, write_csv, write_workbook
from test_extraction import _one_facility_group

from pipelines.lib.contract import dataset

# dataset -> (rule code, a valid row, the same natural key with another value: the re-sent row)
RESENT = {
    "erp/process_activity": (
        "DQ-UNIQ-020",
        {"facility_id": "F1", "period": "2022-01", "process": "limestone_calcination", "quantity": 2457.2,
         "unit": "t", "purity_fraction": 0.95},
        {"quantity": 2390.0},
    ),
    "erp/refrigerants": (
        "DQ-UNIQ-021",
        {"facility_id": "F1", "period": "2022", "gas": "R-410A", "inventory_decrease_kg": 1.5, "purchased_kg": 9.9},
        {"purchased_kg": 12.0},
    ),
    "erp/production": (
        "DQ-UNIQ-022",
        {"facility_id": "F1", "period": "2022-01", "product": "aluminium_sheet", "quantity": 6090.2, "unit": "t"},
        {"quantity": 6100.0},
    ),
    "erp/financials": (
        "DQ-UNIQ-023",
        {"entity_id": "G001", "period": "2022-01", "revenue": 5134247.17, "currency": "CNY"},
        {"revenue": 5000000},
    ),
    "erp/removals": (
        "DQ-UNIQ-027",
        {"entity_id": "G001", "year": 2022, "project": "afforestation", "quantity_t": 820.0},
        {"quantity_t": 830.0},
    ),
    "procurement/employee_commuting": (
        "DQ-UNIQ-024",
        {"entity_id": "G001", "year": 2022, "employees": 180, "working_days": 250, "trips_per_day": 2,
         "mode": "car", "mode_share_pct": 35.0, "one_way_km": 16.4},
        {"employees": 185},
    ),
    "procurement/waste": (
        "DQ-UNIQ-025",
        {"facility_id": "F1", "period": "2022", "waste_type": "scrap_steel", "treatment": "recycling",
         "quantity": 5064.87, "unit": "t"},
        {"quantity": 5000},
    ),
    "procurement/investments": (
        "DQ-UNIQ-026",
        {"investee_id": "A600", "investor_entity_id": "G001", "year": 2022, "equity_pct": 30.0,
         "investee_scope1_t": 10437.6, "investee_scope2_t": 16844.6},
        {"investee_scope1_t": 11000},
    ),
    "erp/fuel_consumption": (
        "DQ-UNIQ-001",
        {"record_id": "MB-4711", "facility_id": "F1", "period": "2022-01", "fuel": "diesel", "quantity": 10,
         "unit": "t", "use": "stationary"},
        {"quantity": 12},
    ),
}  # fmt: skip


def _row(key: str, values: dict) -> list:
    return [values.get(c, "") for c in header(key)]


@pytest.mark.parametrize("key", sorted(RESENT))
def test_a_row_re_sent_in_a_later_file_is_quarantined_naming_its_first_copy(con, tmp_path, key):
    code, first, changed = RESENT[key]
    ds = dataset(key)
    land, load = _one_facility_group(con, tmp_path)
    folder = land / key
    write_csv(folder / "a_2022.csv", header(key), [_row(key, first)])
    assert (load(ds).rows_loaded, con.execute("select count(*) from ingest.quarantine").fetchone()[0]) == (
        1,
        0,
    )

    # the next month's export repeats the row (with another value) and brings a new one
    other_key = dict(first, period="2022-02") if "period" in first else dict(first, year=2023)
    if "record_id" in first:
        other_key["record_id"] = first["record_id"] + "-2"
    write_csv(folder / "b_2022.csv", header(key), [_row(key, {**first, **changed}), _row(key, other_key)])
    result = load(ds)  # a_2022.csv is unchanged and not read again
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    [(path, row, codes, message)] = con.execute(
        "select file_path, row_number, check_code, message from ingest.quarantine"
    ).fetchall()
    assert (path, row, codes) == (f"{key}/b_2022.csv", 1, code)
    assert message.startswith(f"{key}/b_2022.csv, row 1, field ")
    assert message.endswith(f"it is already loaded from {key}/a_2022.csv, row 1.")
    # the first copy is the one counted
    raw = con.execute(f"select _file_path, _row_number from raw.{ds.raw_table} order by 1, 2").fetchall()
    assert raw == [(f"{key}/a_2022.csv", 1), (f"{key}/b_2022.csv", 2)]
    # rows read = loaded + quarantined, per file
    assert con.execute(
        "select file_path, rows_read, rows_loaded, rows_quarantined from ingest.files where dataset_key = ? "
        "order by 1",
        [key],
    ).fetchall() == [(f"{key}/a_2022.csv", 1, 1, 0), (f"{key}/b_2022.csv", 2, 1, 1)]


def test_a_fuel_line_without_record_id_sent_twice_is_counted_once(con, tmp_path):
    key = "erp/fuel_consumption"
    land, load = _one_facility_group(con, tmp_path)
    line = {"facility_id": "F1", "period": "2022-01", "fuel": "diesel", "quantity": 10, "unit": "t",
            "use": "stationary"}  # fmt: skip
    other = dict(line, quantity=11)  # same month, another goods issue: a different line, both count
    write_csv(land / key / "a.csv", header(key), [_row(key, line), _row(key, other)])
    write_csv(land / key / "b.csv", header(key), [_row(key, other)])
    result = load(dataset(key))
    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert con.execute("select file_path, row_number, check_code from ingest.quarantine").fetchall() == [
        (f"{key}/b.csv", 1, "DQ-UNIQ-028")
    ]
    assert con.execute("select sum(quantity) from raw.erp__fuel_consumption").fetchone()[0] == 21


def test_the_landing_contract_lists_every_dataset_key_and_its_rule():
    from pipelines.lib.contract import DATASETS
    from pipelines.lib.quality.plan import load_plan
    from pipelines.paths import REPO_ROOT

    plan = load_plan()
    text = (REPO_ROOT / "docs/landing_zone.md").read_text(encoding="utf-8")
    for ds in DATASETS:
        rules = [c for c in plan.checks_for(ds.key) if c.rule == "unique"]
        assert rules, f"{ds.key} has no natural key (unique rule) in the plan"
        assert any(c.is_across_files for c in rules), f"{ds.key}: its key is judged within one file only"
        for c in rules:
            assert f"| `{ds.key}` | `{', '.join(c.columns)}` ({c.code}) |" in text, (ds.key, c.code)
        for c in (c for c in plan.checks if c.dataset_key == ds.key):  # and each plausibility range
            if c.rule in ("plausible_max", "annual_jump"):
                assert f"| `{ds.key}` | {c.code} " in text, (ds.key, c.code)


# ---------------------------------------------------------------- reading is exact or refuses
FUEL_KEY = "erp/fuel_consumption"
FUEL_COLUMNS = ["record_id", "facility_id", "period", "fuel", "quantity", "unit", "use"]


def _fuel_line(record_id: str, quantity: str = "10", period: str = "2022-01") -> list[str]:
    return [record_id, "F1", period, "diesel", quantity, "t", "stationary"]


def _csv_text(rows: list[list[str]], header: list[str] = FUEL_COLUMNS) -> str:
    return "\n".join(",".join(r) for r in [header, *rows]) + "\n"


def _load_fuel(con, tmp_path, files: dict[str, bytes], mapping: str | None = None):
    """Write ``files`` into the fuel folder of a one-facility group, load it; return
    (file outcomes by name, quarantine rows, loaded (record_id, period, quantity))."""
    land, load = _one_facility_group(con, tmp_path)
    folder = land / FUEL_KEY
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    if mapping:
        (folder / "_mapping.yml").write_text(mapping, encoding="utf-8")
    result = load(dataset(FUEL_KEY))
    outcomes = {f.file_path.rsplit("/", 1)[1]: f for f in result.files}
    quarantine = con.execute(
        "select file_path, row_number, column_name, check_code, message from ingest.quarantine "
        "where dataset_key = ? order by file_path, row_number",
        [FUEL_KEY],
    ).fetchall()
    loaded = con.execute(
        "select record_id, period, quantity from raw.erp__fuel_consumption order by _file_path, _row_number"
    ).fetchall()
    # nothing lost: per file, rows read = loaded + quarantined
    for name, f in outcomes.items():
        assert f.rows_read == f.rows_loaded + f.rows_quarantined, name
    return outcomes, quarantine, loaded


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("NaN", "only finite numbers"),
        ("inf", "only finite numbers"),
        ("-Infinity", "only finite numbers"),
        ("1234,5", "declare decimal: ','"),
        ("1.234,5", "declare decimal: ','"),
        ("12,34", "declare decimal: ','"),
    ],
)
def test_a_number_that_is_not_exact_is_quarantined_with_file_row_and_field(con, tmp_path, cell, words):
    text = _csv_text([_fuel_line("R1"), _fuel_line("R2", f'"{cell}"'), _fuel_line("R3", '"1,234.5"')])
    _, quarantine, loaded = _load_fuel(con, tmp_path, {"a.csv": text.encode()})
    [(path, row, column, code, message)] = quarantine
    assert (path, row, column, code) == (f"{FUEL_KEY}/a.csv", 2, "quantity", "DQ-CONTRACT-003")
    assert message.startswith(f"{FUEL_KEY}/a.csv, row 2, field 'quantity'") and words in message
    assert loaded == [("R1", "2022-01", 10.0), ("R3", "2022-01", 1234.5)]  # 1,234.5: thousands, exact


def test_decimal_commas_load_when_the_folder_declares_them(con, tmp_path):
    text = _csv_text([_fuel_line("R1", '"1234,5"'), _fuel_line("R2", '"1.234,5"'), _fuel_line("R3", "7")])
    _, quarantine, loaded = _load_fuel(con, tmp_path, {"a.csv": text.encode()}, mapping="decimal: ','\n")
    assert quarantine == []
    assert [q for _, _, q in loaded] == [1234.5, 1234.5, 7.0]


def test_an_excel_number_as_period_is_refused_and_a_period_after_the_run_date_too(con, tmp_path):
    text = _csv_text([
        _fuel_line("R1", period="2018.1"),    # an Excel number cell: 2018-01 or 2018-10?
        _fuel_line("R2", period="2018.10"),   # as text: October, unambiguous
        _fuel_line("R3", period="2031-01"),   # typed for 2021
        _fuel_line("R4", period="2022.03"),
    ])  # fmt: skip
    _, quarantine, loaded = _load_fuel(con, tmp_path, {"a.csv": text.encode()})
    assert [(r, c, code) for _, r, c, code, _ in quarantine] == [
        (1, "period", "DQ-CONTRACT-003"),
        (3, "period", "DQ-CONTRACT-005"),
    ]
    assert "may mean 2018-01 or 2018-10" in quarantine[0][4]
    assert "lies after the run date" in quarantine[1][4]
    assert [(r, p) for r, p, _ in loaded] == [("R2", "2018-10"), ("R4", "2022-03")]


def test_a_malformed_line_quarantines_that_line_only(con, tmp_path):
    text = (
        _csv_text([_fuel_line("R1")])
        + "R2,F1,2022-02,diesel,11,t,stationary,EXTRA\n"  # an extra field
        + 'R3,F1,2022-03,"diesel,12,t,stationary\n'  # an unbalanced quote
        + "R4,F1,2022-04,diesel,13,t,stationary\n"
    )
    outcomes, quarantine, loaded = _load_fuel(con, tmp_path, {"a.csv": text.encode()})
    assert [(r, code) for _, r, _, code, _ in quarantine] == [(2, "DQ-CONTRACT-004"), (3, "DQ-CONTRACT-004")]
    assert "the line has 8 fields, the header 7" in quarantine[0][4]
    assert [r for r, _, _ in loaded] == ["R1", "R4"]
    assert (outcomes["a.csv"].rows_read, outcomes["a.csv"].rows_loaded) == (4, 2)


def test_a_repeated_header_refuses_the_file_naming_it(con, tmp_path):
    text = _csv_text(
        [["R1", "F1", "2022-01", "diesel", "10", "t", "stationary", "99"]], FUEL_COLUMNS + ["quantity"]
    )
    outcomes, quarantine, loaded = _load_fuel(con, tmp_path, {"a.csv": text.encode()})
    assert outcomes["a.csv"].status == "unreadable" and loaded == []
    assert "the header 'quantity' appears more than once" in quarantine[0][4]


def test_the_byte_order_mark_decides_the_encoding_before_the_mapping(con, tmp_path):
    text = _csv_text([_fuel_line("R1"), _fuel_line("R2", "11")])
    files = {
        "bom.csv": b"\xef\xbb\xbf" + text.encode("utf-8"),  # in a folder mapped to GB18030
        "utf16.csv": _csv_text([_fuel_line("R3", "12")]).encode("utf-16-le"),  # no BOM at all
    }
    _, quarantine, loaded = _load_fuel(con, tmp_path, files, mapping="encoding: gb18030\n")
    assert quarantine == []
    assert loaded == [("R1", "2022-01", 10.0), ("R2", "2022-01", 11.0), ("R3", "2022-01", 12.0)]


def test_every_sheet_is_read_or_the_workbook_is_refused_naming_them(con, tmp_path):
    readme = ("README", [["This workbook holds the fuel issues of 2022."], ["Prepared by the site."]])
    data = ("fuel", [FUEL_COLUMNS, _fuel_line("R1"), _fuel_line("R2", "11")])
    more = ("fuel 2023", [FUEL_COLUMNS, _fuel_line("R3", "12", "2023-01")])
    files = {
        "readme_first.xlsx": write_workbook(tmp_path / "a.xlsx", [readme, data]).read_bytes(),
        "two_data_sheets.xlsx": write_workbook(tmp_path / "b.xlsx", [data, more]).read_bytes(),
    }
    outcomes, quarantine, loaded = _load_fuel(con, tmp_path, files)
    assert [r for r, _, _ in loaded] == ["R1", "R2"]  # from the data sheet behind the README
    assert outcomes["two_data_sheets.xlsx"].status == "unreadable"
    [(_, _, _, code, message)] = quarantine
    assert code == "DQ-CONTRACT-000"
    assert "'fuel', 'fuel 2023'" in message and "one data sheet per workbook" in message


def test_files_the_loader_does_not_read_are_findings_not_silence(con, tmp_path):
    text = _csv_text([_fuel_line("R1")])
    files = {"a.csv": text.encode(), "b.tsv": text.replace(",", "\t").encode(), "c.xls": b"\xd0\xcf\x11\xe0"}
    outcomes, quarantine, loaded = _load_fuel(con, tmp_path, files)
    assert (outcomes["b.tsv"].status, outcomes["c.xls"].status) == ("unreadable", "unreadable")
    assert [(p.rsplit("/", 1)[1], code) for p, _, _, code, _ in quarantine] == [
        ("b.tsv", "DQ-CONTRACT-000"),
        ("c.xls", "DQ-CONTRACT-000"),
    ]
    assert ".tsv files are not read" in quarantine[0][4]
    assert len(loaded) == 1


def test_a_nested_or_non_finite_parquet_column_is_named(con, tmp_path):
    import polars as pl

    base = {"record_id": ["R1", "R2"], "facility_id": ["F1", "F1"], "period": ["2022-01", "2022-02"],
            "fuel": ["diesel", "diesel"], "unit": ["t", "t"], "use": ["stationary", "stationary"]}  # fmt: skip
    pl.DataFrame({**base, "quantity": [[1.0], [2.0]]}).write_parquet(tmp_path / "list.parquet")
    pl.DataFrame({**base, "record_id": ["R3", "R4"], "quantity": [float("nan"), 5.0]}).write_parquet(
        tmp_path / "nan.parquet"
    )
    files = {n: (tmp_path / n).read_bytes() for n in ("list.parquet", "nan.parquet")}
    outcomes, quarantine, loaded = _load_fuel(con, tmp_path, files)
    assert outcomes["list.parquet"].status == "unreadable"
    refused = {p.rsplit("/", 1)[1]: (r, c, code, m) for p, r, c, code, m in quarantine}
    assert "column(s) quantity (List(Float64)) hold lists" in refused["list.parquet"][3]
    assert refused["nan.parquet"][:3] == (1, "quantity", "DQ-CONTRACT-003")
    assert loaded == [("R4", "2022-02", 5.0)]


def test_a_link_leading_outside_the_landing_folder_is_refused(con, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text(_csv_text([_fuel_line("R9", "999")]), encoding="utf-8")
    land, load = _one_facility_group(con, tmp_path)
    folder = land / FUEL_KEY
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(_csv_text([_fuel_line("R1")]), encoding="utf-8")
    (folder / "b.csv").symlink_to(outside)
    result = load(dataset(FUEL_KEY))
    assert {f.file_path.rsplit("/", 1)[1]: f.status for f in result.files} == {
        "a.csv": "loaded",
        "b.csv": "unreadable",
    }
    [message] = [r[0] for r in con.execute("select message from ingest.quarantine").fetchall()]
    assert "outside the landing folder" in message
    assert con.execute("select record_id from raw.erp__fuel_consumption").fetchall() == [("R1",)]


def test_a_quantity_no_facility_could_use_is_quarantined_naming_the_limit(con, tmp_path):
    text = _csv_text([
        _fuel_line("R1", "1e15"),  # a digit error: 10^15 t of diesel
        ["R2", "F1", "2022-01", "natural_gas", "2000000", "10^4 Nm3", "stationary"],  # 2e10 m3
        _fuel_line("R3", "250000"),  # a large but possible site
        ["R4", "F1", "2022-01", "diesel", "1e15", "kg", "stationary"],  # 1e12 t
        ["R5", "F1", "2022-01", "diesel", "1e9", "kg", "stationary"],  # 1e6 t: possible
    ])  # fmt: skip
    _, quarantine, loaded = _load_fuel(con, tmp_path, {"a.csv": text.encode()})
    assert [(r, c, code) for _, r, c, code, _ in quarantine] == [
        (1, "quantity", "DQ-VALID-059"),
        (2, "quantity", "DQ-VALID-059"),
        (4, "quantity", "DQ-VALID-059"),
    ]
    assert quarantine[1][4].endswith(
        "field 'quantity': quantity 2e+06 10^4 Nm3 = 2e+10 m3 is above the largest plausible value for one row, "
        "1e+10 m3: check the digits and the unit."
    )
    assert [r for r, _, _ in loaded] == ["R3", "R5"]


# ---------------------------------------------------------------- a run killed at any point
def _run_until(warehouse, marker: str):
    """Start `carbon run` on the sample into ``warehouse`` and kill -9 its whole process group as soon
    as ``marker`` appears in its progress (stderr). Returns the lines seen."""
    import os
    import signal
    import subprocess

    from conftest import CARBON, REPO, SAMPLE_LANDING

    proc = subprocess.Popen(
        [CARBON, "run", "--landing", str(SAMPLE_LANDING), "--warehouse", str(warehouse)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    seen: list[str] = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if marker in line:
                os.killpg(proc.pid, signal.SIGKILL)
                break
    finally:
        proc.wait(timeout=600)
    assert proc.returncode == -signal.SIGKILL, f"the run ended before {marker!r}: {''.join(seen)[-2000:]}"
    return seen


def test_a_run_killed_during_extraction_and_then_during_dbt_recovers_to_identical_marts(sample_run, tmp_path):
    """kill -9 in the middle of loading the meter readings, then in the middle of dbt; the next run
    completes with the same marts as an uninterrupted run, and both killed runs are on record."""
    from conftest import SAMPLE_LANDING, run_pipeline

    warehouse = tmp_path / "carbon.duckdb"
    _run_until(warehouse, "extract  energy/energy_invoices")  # the next dataset is being loaded
    _run_until(warehouse, "dbt      50 models and seeds built")
    final = run_pipeline(SAMPLE_LANDING, warehouse)
    assert final.returncode == 0, final.stderr[-3000:]
    for table in ("rpt_group_inventory", "fct_carbon_position", "fct_target_progress"):
        sql = f"select * from marts.{table} order by all"
        assert final.query(sql) == sample_run.query(sql), table
    assert final.query("select count(*), sum(rows_loaded) from ingest.files") == sample_run.query(
        "select count(*), sum(rows_loaded) from ingest.files"
    )
    statuses = [r[0] for r in final.query("select status from history.runs order by started_at")]
    assert statuses == ["interrupted", "interrupted", "success"]


def test_overlapping_validity_windows_of_a_custom_factor_are_held_back(con, tmp_path):
    """Two windows of one key sharing 2022-2023 would switch the factor silently (the issue's steel x4.6)."""
    key = "reference/custom_factors"
    land, load = _one_facility_group(con, tmp_path)
    head = header(key)

    def row(kg, year_from, year_to, region=""):
        values = {"factor_key": "naics:331110", "unit": "USD", "gas": "CO2e", "kg_per_unit": kg,
                  "region": region, "year_from": year_from, "year_to": year_to, "source": "supplier study"}  # fmt: skip
        return [values.get(c, "") for c in head]

    write_csv(land / key / "a.csv", head, [row(2.1, 2020, 2023)])
    write_csv(
        land / key / "b.csv",
        head,
        [row(9.6, 2022, 2025), row(2.0, 2024, 2025), row(9.6, 2022, 2025, "CN-32")],
    )
    result = load(dataset(key))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    [(path, number, code, message)] = con.execute(
        "select file_path, row_number, check_code, message from ingest.quarantine"
    ).fetchall()
    assert (path, number, code) == (f"{key}/b.csv", 1, "DQ-UNIQ-029")
    assert "naics:331110 | USD | CO2e | ∅ valid 2022–2025 overlaps the same key valid 2020–2023" in message
    # another region is another key; 2024-2025 starts after 2023 ends
    assert con.execute(
        "select year_from, year_to, region from raw.reference__custom_factors order by _file_path, _row_number"
    ).fetchall() == [(2020, 2023, None), (2024, 2025, None), (2022, 2025, "CN-32")]

    # the first window goes: the held-back one is judged again and loads
    (land / key / "a.csv").unlink()
    again = load(dataset(key))
    assert {f.file_path.rsplit("/", 1)[1]: f.status for f in again.files} == {
        "a.csv": "removed",
        "b.csv": "revalidated",
    }
    assert (
        con.execute("select count(*) from ingest.quarantine").fetchone()[0] == 1
    )  # now 2024-2025 overlaps 2022-2025
