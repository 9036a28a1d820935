"""Extraction: reading, mapping, casting, quarantine, lineage and idempotence on a real DuckDB file."""

from __future__ import annotations

import shutil

import duckdb
import polars as pl
import pytest
from conftest import header, write_csv

from pipelines.lib.casting import CODE_BAD_TYPE, CODE_MISSING_COLUMN, CODE_REQUIRED_EMPTY, cast_to_contract
from pipelines.lib.contract import DATASETS, dataset
from pipelines.lib.landing import Mapping, decode_csv_bytes
from pipelines.lib.loader import load_dataset
from pipelines.lib.plan_validator import PlanValidator

FUEL = dataset("erp/fuel_consumption")
READINGS = dataset("energy/meter_readings")
FUEL_HEADER = ["record_id", "facility_id", "period", "fuel", "quantity", "unit", "use"]


def fuel_file(path, rows):
    return write_csv(path, FUEL_HEADER, rows)


def test_every_contract_dataset_has_a_raw_table(con):
    tables = {
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()
    }
    assert tables == {d.raw_table for d in DATASETS}
    cols = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema='raw' "
            "and table_name='erp__fuel_consumption' order by ordinal_position"
        ).fetchall()
    ]
    assert cols[-6:] == ["_load_id", "_file_path", "_file_sha256", "_row_number", "_loaded_at", "_extra_json"]


def test_a_warehouse_of_an_earlier_contract_gains_the_new_columns_and_keeps_its_rows(con):
    """A raw table made before the contract had some optional columns: ensure_schema adds exactly the
    missing ones (typed as the contract says) and leaves the rows."""
    from pipelines.lib.loader import ensure_schema

    ds = dataset("erp/fuel_consumption")
    optional = [c.name for c in ds.columns if not c.required][-2:]
    assert len(optional) == 2
    for name in optional:
        con.execute(f'alter table raw.{ds.raw_table} drop column "{name}"')
    con.execute(f"insert into raw.{ds.raw_table} (facility_id, _row_number) values ('F01', 2)")
    ensure_schema(con)
    cols = dict(con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'raw' and table_name = ?",
        [ds.raw_table],
    ).fetchall())  # fmt: skip
    assert set(optional) <= cols.keys()
    fresh = duckdb.connect()
    ensure_schema(fresh)
    expected = dict(fresh.execute(
        "select column_name, data_type from information_schema.columns where table_schema = 'raw' and table_name = ?",
        [ds.raw_table],
    ).fetchall())  # fmt: skip
    fresh.close()
    assert cols == expected
    rows = con.execute(f"select facility_id, {optional[0]}, {optional[1]} from raw.{ds.raw_table}").fetchall()
    assert rows == [("F01", None, None)]


def test_casting_reports_each_bad_cell_with_a_reason():
    df = pl.DataFrame(
        {
            "facility_id": ["F1", "F2", None, "F4"],
            "period": ["2021-01", "2021-13", "2021/3", "2021年04月"],
            "fuel": ["diesel"] * 4,
            "quantity": ["1,234.5", "x", "3", ""],
            "unit": ["吨", "千克", "万立方米", "t"],
            "use": ["stationary"] * 4,
        }
    )
    result = cast_to_contract(df, FUEL, Mapping())
    frame = result.frame
    assert frame.get_column("quantity").to_list()[0] == 1234.5
    assert frame.get_column("period").to_list() == ["2021-01", None, "2021-03", "2021-04"]
    assert frame.get_column("unit").to_list() == ["t", "kg", "10^4 Nm3", "t"]
    failures = {(r["_row_number"], r["column_name"], r["check_code"]) for r in result.failures.to_dicts()}
    assert failures == {
        (2, "period", CODE_BAD_TYPE),
        (2, "quantity", CODE_BAD_TYPE),
        (3, "facility_id", CODE_REQUIRED_EMPTY),
        (4, "quantity", CODE_REQUIRED_EMPTY),
    }
    reason = result.failures.filter(pl.col("column_name") == "quantity").get_column("reason").to_list()[0]
    assert reason == "'x' is not a number"


def test_casting_timestamps_booleans_and_missing_columns():
    df = pl.DataFrame(
        {
            "meter_id": ["M1", "M2", "M3"],
            "reading_start": ["2024-01-01T00:00:00+08:00", "2024-01-01 00:15", "2024-01-01"],
            "reading_end": ["2024-01-01T00:15:00Z", "bad", "2024-01-02"],
            "quantity": ["1", "2", "3"],
            "is_estimated": ["是", "maybe", "0"],
        }
    )  # 'unit' is missing
    result = cast_to_contract(df, READINGS, Mapping())
    starts = result.frame.get_column("reading_start").cast(pl.String).to_list()
    assert starts == [
        "2024-01-01 00:00:00.000000",
        "2024-01-01 00:15:00.000000",
        "2024-01-01 00:00:00.000000",
    ]
    assert result.frame.get_column("is_estimated").to_list() == [True, None, False]
    codes = {(r["_row_number"], r["column_name"], r["check_code"]) for r in result.failures.to_dicts()}
    assert (2, "reading_end", CODE_BAD_TYPE) in codes
    assert (2, "is_estimated", CODE_BAD_TYPE) in codes
    assert {(n, "unit", CODE_MISSING_COLUMN) for n in (1, 2, 3)} <= codes


def test_gb18030_is_detected_and_bom_is_stripped():
    text = "设施编码,数量\nF1,10\n"
    assert decode_csv_bytes(text.encode("gb18030"), None) == text
    assert decode_csv_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"), None) == text


def test_chinese_erp_export_loads_through_the_mapping(con, tmp_path):
    folder = tmp_path / "landing/erp/fuel_consumption"
    write_csv(
        folder / "s100.csv",
        ["单据号", "设施编码", "期间", "燃料", "数量", "单位", "用途", "备注"],
        [["D1", "F1", "2022-01", "天然气", "1,200.5", "万立方米", "固定", "锅炉"]],
        encoding="gb18030",
    )
    (folder / "_mapping.yml").write_text(
        "columns: {单据号: record_id, 设施编码: facility_id, 期间: period, 燃料: fuel, 数量: quantity, "
        "单位: unit, 用途: use}\nvalues: {use: {固定: stationary}, fuel: {天然气: natural_gas}}\n",
        encoding="utf-8",
    )
    load_dataset(con, tmp_path / "landing", FUEL)
    row = con.execute(
        "select record_id, fuel, quantity, unit, use, _extra_json, _row_number from raw.erp__fuel_consumption"
    ).fetchall()
    assert row == [("D1", "natural_gas", 1200.5, "10^4 Nm3", "stationary", '{"备注":"锅炉"}', 1)]


def test_bad_rows_are_quarantined_and_counts_reconcile(con, tmp_path):
    land = tmp_path / "landing"
    fuel_file(
        land / "erp/fuel_consumption/a.csv",
        [
            ["R1", "F1", "2022-01", "diesel", 10, "t", "stationary"],
            ["R2", "F1", "2022-13", "diesel", 10, "t", "stationary"],
            ["R3", "F1", "2022-02", "diesel", "ten", "t", "stationary"],
            ["R4", "F1", "2022-03", "diesel", 5, "t", "mobile"],
        ],
    )
    result = load_dataset(con, land, FUEL)
    (f,) = result.files
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (4, 2, 2)
    loaded = con.execute("select _row_number from raw.erp__fuel_consumption order by 1").fetchall()
    assert loaded == [(1,), (4,)]
    messages = [
        r[0] for r in con.execute("select message from ingest.quarantine order by row_number").fetchall()
    ]
    assert messages == [
        "erp/fuel_consumption/a.csv, row 2, field 'period': '2022-13' is not a period (YYYY-MM or YYYY).",
        "erp/fuel_consumption/a.csv, row 3, field 'quantity': 'ten' is not a number.",
    ]


def test_loading_twice_changes_nothing_and_a_changed_file_replaces_its_rows(con, tmp_path):
    land = tmp_path / "landing"
    path = fuel_file(
        land / "erp/fuel_consumption/a.csv", [["R1", "F1", "2022-01", "diesel", 10, "t", "stationary"]]
    )
    first = load_dataset(con, land, FUEL)
    second = load_dataset(con, land, FUEL)
    assert [f.status for f in first.files] == ["loaded"]
    assert [f.status for f in second.files] == ["unchanged"]
    assert con.execute("select count(*) from raw.erp__fuel_consumption").fetchone()[0] == 1
    fuel_file(
        path,
        [
            ["R1", "F1", "2022-01", "diesel", 12, "t", "stationary"],
            ["R2", "F1", "2022-02", "diesel", 3, "t", "stationary"],
        ],
    )
    third = load_dataset(con, land, FUEL)
    assert [f.status for f in third.files] == ["replaced"]
    assert con.execute("select sum(quantity), count(*) from raw.erp__fuel_consumption").fetchone() == (
        15.0,
        2,
    )


def test_byte_identical_copy_is_skipped_and_removed_files_are_unloaded(con, tmp_path):
    land = tmp_path / "landing"
    a = fuel_file(
        land / "erp/fuel_consumption/a.csv", [["R1", "F1", "2022-01", "diesel", 10, "t", "stationary"]]
    )
    shutil.copy(a, land / "erp/fuel_consumption/b.csv")
    result = load_dataset(con, land, FUEL)
    assert [(f.file_path.rsplit("/", 1)[1], f.status) for f in result.files] == [
        ("a.csv", "loaded"),
        ("b.csv", "duplicate"),
    ]
    assert con.execute("select count(*) from raw.erp__fuel_consumption").fetchone()[0] == 1
    a.unlink()  # the twin goes: the copy is now the one loaded
    result = load_dataset(con, land, FUEL)
    statuses = {f.file_path.rsplit("/", 1)[1]: f.status for f in result.files}
    assert statuses == {"a.csv": "removed", "b.csv": "replaced"}
    assert con.execute("select _file_path from raw.erp__fuel_consumption").fetchall() == [
        ("erp/fuel_consumption/b.csv",)
    ]


def test_unreadable_file_is_quarantined_and_others_still_load(con, tmp_path):
    land = tmp_path / "landing"
    fuel_file(
        land / "erp/fuel_consumption/good.csv", [["R1", "F1", "2022-01", "diesel", 10, "t", "stationary"]]
    )
    (land / "erp/fuel_consumption/broken.xlsx").write_bytes(b"this is not a workbook")
    result = load_dataset(con, land, FUEL)
    statuses = {f.file_path.rsplit("/", 1)[1]: f.status for f in result.files}
    assert statuses == {"broken.xlsx": "unreadable", "good.csv": "loaded"}
    message = con.execute("select message from ingest.quarantine").fetchone()[0]
    assert message.startswith("erp/fuel_consumption/broken.xlsx: cannot read the file as XLSX")


def test_xlsx_and_parquet_batches_load(con, tmp_path):
    land = tmp_path / "landing"
    folder = land / "erp/fuel_consumption"
    folder.mkdir(parents=True)
    df = pl.DataFrame(
        {
            "record_id": ["X1"],
            "facility_id": ["F1"],
            "period": ["2022-05"],
            "fuel": ["diesel"],
            "quantity": [7.5],
            "unit": ["t"],
            "use": ["mobile"],
        }
    )
    df.write_excel(folder / "x.xlsx")
    df.with_columns(pl.lit("P1").alias("record_id")).write_parquet(folder / "p.parquet")
    load_dataset(con, land, FUEL)
    rows = con.execute(
        "select record_id, quantity, _file_path from raw.erp__fuel_consumption order by 1"
    ).fetchall()
    assert rows == [("P1", 7.5, "erp/fuel_consumption/p.parquet"), ("X1", 7.5, "erp/fuel_consumption/x.xlsx")]


def test_plan_row_errors_are_quarantined_with_their_rule_code(con, tmp_path):
    land = tmp_path / "landing"
    write_csv(
        land / "erp/entities/e.csv",
        [
            "entity_id",
            "entity_name",
            "parent_entity_id",
            "relationship",
            "equity_pct",
            "financial_control",
            "operational_control",
        ],
        [["G001", "Group", "", "root", 100, "full", "true"]],
    )
    write_csv(
        land / "erp/facilities/f.csv",
        ["facility_id", "entity_id", "facility_name", "country"],
        [["F1", "G001", "Plant", "CN"]],
    )
    validator = PlanValidator.from_repo(context_root=_gx_copy(tmp_path))
    for key in ("erp/entities", "erp/facilities"):
        ds = dataset(key)
        load_dataset(con, land, ds, validator=validator, version=validator.version_for(ds, con))
    fuel_file(
        land / "erp/fuel_consumption/a.csv",
        [
            ["R1", "F1", "2022-01", "diesel", 10, "t", "stationary"],
            ["R2", "F1", "2022-02", "diesel", -4, "t", "stationary"],
            ["R3", "F9", "2022-02", "diesel", 4, "t", "stationary"],
        ],
    )
    result = load_dataset(con, land, FUEL, validator=validator, version=validator.version_for(FUEL, con))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    rows = con.execute("select row_number, check_code from ingest.quarantine order by 1").fetchall()
    assert rows == [(2, "DQ-VALID-001"), (3, "DQ-REF-001")]

    # The facility master data is corrected: the unchanged fuel file is judged again.
    write_csv(
        land / "erp/facilities/f.csv",
        ["facility_id", "entity_id", "facility_name", "country"],
        [["F1", "G001", "Plant", "CN"], ["F9", "G001", "New plant", "CN"]],
    )
    load_dataset(
        con,
        land,
        dataset("erp/facilities"),
        validator=validator,
        version=validator.version_for(dataset("erp/facilities"), con),
    )
    result = load_dataset(con, land, FUEL, validator=validator, version=validator.version_for(FUEL, con))
    assert [f.status for f in result.files] == ["replaced"]
    assert con.execute("select row_number, check_code from ingest.quarantine").fetchall() == [
        (2, "DQ-VALID-001")
    ]


INVOICES = dataset("energy/energy_invoices")
INVOICE_HEADER = header("energy/energy_invoices")
INVOICE_DEC = ["F1", "electricity", "2022-12", 760591, "kWh", 513121.92, "CNY", "State Grid"]
INVOICE_JAN = ["F1", "electricity", "2023-01", 700000, "kWh", 480000.00, "CNY", "State Grid"]


def _one_facility_group(con, tmp_path):
    """A landing folder with a group of one entity and one facility, loaded; and the load function."""
    land = tmp_path / "landing"
    write_csv(
        land / "erp/entities/e.csv",
        ["entity_id", "entity_name", "parent_entity_id", "relationship", "equity_pct", "financial_control",
         "operational_control"],
        [["G001", "Group", "", "root", 100, "full", "true"]],
    )  # fmt: skip
    write_csv(
        land / "erp/facilities/f.csv",
        ["facility_id", "entity_id", "facility_name", "country"],
        [["F1", "G001", "Plant", "CN"]],
    )
    validator = PlanValidator.from_repo(context_root=_gx_copy(tmp_path))

    def load(ds):
        return load_dataset(con, land, ds, validator=validator, version=validator.version_for(ds, con))

    for key in ("erp/entities", "erp/facilities"):
        load(dataset(key))
    return land, load


def test_a_duplicate_across_files_is_judged_again_when_the_file_it_duplicated_goes(con, tmp_path):
    land, load = _one_facility_group(con, tmp_path)
    folder = land / "energy/energy_invoices"
    write_csv(folder / "a_2022.csv", INVOICE_HEADER, [INVOICE_DEC])
    write_csv(folder / "b_2023.csv", INVOICE_HEADER, [INVOICE_DEC, INVOICE_JAN])  # Dec re-exported
    first = load(INVOICES)
    assert (first.rows_loaded, first.rows_quarantined) == (2, 1)
    assert con.execute("select file_path, row_number, check_code from ingest.quarantine").fetchall() == [
        ("energy/energy_invoices/b_2023.csv", 1, "DQ-UNIQ-003")
    ]
    # nothing changed: nothing is read again
    assert [f.status for f in load(INVOICES).files] == ["unchanged", "unchanged"]

    # a_2022.csv goes: December is no longer a duplicate, b_2023.csv is judged again and loads it
    (folder / "a_2022.csv").unlink()
    again = load(INVOICES)
    assert {f.file_path.rsplit("/", 1)[1]: f.status for f in again.files} == {
        "a_2022.csv": "removed",
        "b_2023.csv": "revalidated",
    }
    assert con.execute("select count(*) from ingest.quarantine").fetchone()[0] == 0
    assert con.execute(
        "select _file_path, _row_number, period from raw.energy__energy_invoices order by period"
    ).fetchall() == [
        ("energy/energy_invoices/b_2023.csv", 1, "2022-12"),
        ("energy/energy_invoices/b_2023.csv", 2, "2023-01"),
    ]
    # rows read = loaded + quarantined, per file, after the re-judgement too
    assert con.execute(
        "select rows_read, rows_loaded, rows_quarantined from ingest.files where dataset_key = ?",
        [INVOICES.key],
    ).fetchall() == [(2, 2, 0)]

    # it comes back: the line already loaded keeps its place, the newcomer is the duplicate; counted once
    write_csv(folder / "a_2022.csv", INVOICE_HEADER, [INVOICE_DEC])
    back = load(INVOICES)
    assert {f.file_path.rsplit("/", 1)[1]: f.status for f in back.files} == {
        "a_2022.csv": "loaded",
        "b_2023.csv": "unchanged",
    }
    [(path, row, code, message)] = con.execute(
        "select file_path, row_number, check_code, message from ingest.quarantine"
    ).fetchall()
    assert (path, row, code) == ("energy/energy_invoices/a_2022.csv", 1, "DQ-UNIQ-003")
    assert message.startswith("energy/energy_invoices/a_2022.csv, row 1, field ")
    assert message.endswith("it is already loaded from energy/energy_invoices/b_2023.csv, row 1.")
    assert con.execute("select count(*) from raw.energy__energy_invoices").fetchone()[0] == 2


def _gx_copy(tmp_path):
    from pipelines.paths import GX_DIR

    target = tmp_path / "gx"
    shutil.copytree(GX_DIR, target, ignore=shutil.ignore_patterns("uncommitted"))
    return target


@pytest.mark.parametrize("batch_rows", [1, 2_000_000])
def test_batches_of_files_load_like_one_batch(con, tmp_path, monkeypatch, batch_rows):
    """Large datasets are validated and written a batch of files at a time (loader.BATCH_ROWS): with a
    batch per file the same rows load and the same duplicate is quarantined (then naming its first copy)."""
    import pipelines.lib.loader as loader

    monkeypatch.setattr(loader, "BATCH_ROWS", batch_rows)
    land, load = _one_facility_group(con, tmp_path)
    folder = land / "energy/energy_invoices"
    write_csv(folder / "a_2022.csv", INVOICE_HEADER, [INVOICE_DEC])
    write_csv(folder / "b_2023.csv", INVOICE_HEADER, [INVOICE_DEC, INVOICE_JAN])  # Dec re-exported
    write_csv(folder / "c_2023.csv", INVOICE_HEADER, [[*INVOICE_JAN[:2], "2023-02", *INVOICE_JAN[3:]]])
    result = load(INVOICES)
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    assert con.execute("select file_path, row_number, check_code from ingest.quarantine").fetchall() == [
        ("energy/energy_invoices/b_2023.csv", 1, "DQ-UNIQ-003")
    ]
    assert con.execute("select _file_path, _row_number from raw.energy__energy_invoices order by 1, 2").fetchall() == [
        ("energy/energy_invoices/a_2022.csv", 1), ("energy/energy_invoices/b_2023.csv", 2),
        ("energy/energy_invoices/c_2023.csv", 1)]  # fmt: skip
    reconciled = con.execute("select count(*) from ingest.files where rows_read = rows_loaded + rows_quarantined "
                             "and dataset_key = 'energy/energy_invoices'").fetchone()[0]  # fmt: skip
    assert reconciled == 3
    (reason,) = con.execute("select reason from ingest.quarantine").fetchone()
    # the first copy named alike whether an earlier batch wrote it or it sits earlier in the same batch
    assert "already loaded from energy/energy_invoices/a_2022.csv, row 1" in reason
