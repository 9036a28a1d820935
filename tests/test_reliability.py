"""Reliability (issue 14): nothing counted twice, nothing lost, every bad value named.

Each dataset has a natural key judged in one file and across files (and so across loads: a row
re-sent in a later export meets the rows already loaded). The re-sent row is quarantined with the
rule's code and the file and row of its first copy; the first copy stays loaded.
"""

from __future__ import annotations

import pytest
from conftest import header, write_csv
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
    assert (load(ds).rows_loaded, con.execute("select count(*) from ingest.quarantine").fetchone()[0]) == (1, 0)

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


@pytest.fixture
def con(tmp_path):
    import duckdb

    from pipelines.lib.loader import ensure_schema

    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(c)
    yield c
    c.close()


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
