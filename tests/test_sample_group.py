"""The bundled sample group through `carbon run`: completeness, reconciliation, defects, lineage, idempotence."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import polars as pl
import pytest
from conftest import SAMPLE_CONFIG, SAMPLE_LANDING, RunResult, run_pipeline

from pipelines.generate.sample_group import KNOWN_DEFECTS, generate
from pipelines.lib.contract import DATASETS


def test_every_dataset_of_the_contract_is_loaded(sample_run):
    for ds in DATASETS:
        n = sample_run.scalar(f"select count(*) from raw.{ds.raw_table}")
        assert n > 0, f"{ds.key} loaded no rows"


def test_raw_rows_reconcile_to_loaded_plus_quarantined(sample_run):
    bad = sample_run.query(
        """
        select f.dataset_key, f.file_path, f.rows_read, f.rows_loaded, f.rows_quarantined
        from ingest.files f where f.status = 'loaded' and f.rows_read <> f.rows_loaded + f.rows_quarantined
        """
    )
    assert bad == []
    # and against the files themselves, counted independently of the loader
    for ds in DATASETS:
        files = sample_run.query(
            "select file_path, rows_loaded, rows_quarantined from ingest.files "
            "where dataset_key = ? and status = 'loaded'",
            [ds.key],
        )
        for path, loaded, quarantined in files:
            p = SAMPLE_LANDING / path
            if p.suffix == ".parquet":
                n = pl.scan_parquet(p).select(pl.len()).collect().item()
            elif p.suffix == ".xlsx":
                n = pl.read_excel(p).height
            else:
                n = len(p.read_bytes().splitlines()) - 1
            in_raw = sample_run.scalar(
                f"select count(*) from raw.{ds.raw_table} where _file_path = ?", [path]
            )
            assert (n, in_raw) == (loaded + quarantined, loaded), path


def test_row_level_defects_are_quarantined_with_their_rule_codes(sample_run):
    quarantined = sample_run.query(
        "select file_path, row_number, check_code from ingest.quarantine order by file_path, row_number"
    )
    planted = sorted(
        (d["file"], d["row"]) for d in KNOWN_DEFECTS if d["kind"] in ("duplicate_row", "negative_value")
    )
    assert [(q[0], q[1]) for q in quarantined] == planted
    codes = {q[0].split("/")[1]: q[2] for q in quarantined}
    assert codes == {"energy_invoices": "DQ-UNIQ-003", "meter_readings": "DQ-VALID-005"}


def test_scope1_natural_gas_matches_an_independent_calculation(sample_run):
    # Recompute GB/T 32150 CO2 of every natural-gas record from the raw rows in Python.
    rows = sample_run.query(
        "select _file_path, _row_number, quantity, unit, measured_ncv_gj_per_unit, measured_carbon_content_tc_per_gj "
        "from raw.erp__fuel_consumption where fuel = 'natural_gas'"
    )
    assert rows
    expected = 0.0
    for _f, _r, qty, unit, ncv, cc in rows:
        factor = {"10^4 Nm3": 1.0, "Nm3": 1e-4, "m3": 1e-4}[unit]
        energy = qty * ncv if ncv is not None else qty * factor * 389.31
        expected += energy * (cc if cc is not None else 0.0153) * 0.99 * 44 / 12
    actual = sample_run.scalar(
        "select sum(gas_mass_t) from marts.fct_emissions where activity_code = 'natural_gas' and gas = 'CO2' "
        "and scope = '1'"
    )
    assert actual == pytest.approx(expected, rel=1e-9)


def test_scope2_location_for_a_monthly_meter_matches_mwh_times_factor(sample_run):
    factors = {2021: 0.5568, 2022: 0.5366, 2023: 0.5306}
    meter = sample_run.scalar(
        "select meter_id from raw.energy__meters where energy_type = 'electricity' and supply = 'grid' "
        "order by meter_id limit 1"
    )
    readings = sample_run.query(
        "select reading_start, reading_end, quantity, unit from raw.energy__meter_readings where meter_id = ?",
        [meter],
    )
    expected: dict[int, float] = {}
    for start, end, qty, unit in readings:
        mwh = qty / 1000 if unit == "kWh" else qty
        total = (end - start).total_seconds()
        cursor = start
        while cursor < end:  # split by calendar month, pro rata by time
            nxt = cursor.replace(
                year=cursor.year + (cursor.month == 12),
                month=cursor.month % 12 + 1,
                day=1,
                hour=0,
                minute=0,
                second=0,
            )
            piece_end = min(nxt, end)
            share = (piece_end - cursor).total_seconds() / total
            if cursor.year in factors:
                expected[cursor.year] = expected.get(cursor.year, 0) + mwh * share * factors[cursor.year]
            cursor = piece_end
    actual = dict(
        sample_run.query(
            "select reporting_year, sum(co2e_t) from marts.fct_emissions e "
            "where scope = '2' and scope2_method = 'location' and source_record_key like 'energy__meter_readings:%' "
            # a meter x month row: its readings through the row ranges (fct_source_row_ranges)
            "and exists (select 1 from marts.fct_source_row_ranges g join raw.energy__meter_readings r "
            "on r._file_path = g.file_path and r._row_number between g.first_row_number and g.last_row_number "
            "where g.source_record_key = e.source_record_key and r.meter_id = ?) "
            "and reporting_year in (2021, 2022, 2023) group by 1",
            [meter],
        )
    )
    assert set(actual) == set(expected)
    for year, value in expected.items():
        assert actual[year] == pytest.approx(value, rel=1e-9)


def test_inventory_has_scope1_and_scope2_for_every_year_and_approach(sample_run):
    rows = sample_run.query(
        "select reporting_year, consolidation_approach, scope, scope2_method, sum(co2e_t) "
        "from marts.rpt_group_inventory where reporting_year between 2021 and 2024 group by all"
    )
    seen = {(y, a, s, m) for y, a, s, m, v in rows if v > 0}
    for year in range(2021, 2025):
        for approach in ("equity_share", "operational_control", "financial_control"):
            assert (year, approach, "1", None) in seen
            assert (year, approach, "2", "location") in seen
            assert (year, approach, "2", "market") in seen


def test_sample_inventory_shows_every_scope1_source_type(sample_run):
    types = {
        r[0]
        for r in sample_run.query("select distinct source_type from marts.fct_emissions where scope = '1'")
    }
    assert {"stationary_combustion", "mobile_combustion", "process", "fugitive"} <= types
    assert sample_run.scalar("select count(*) from marts.fct_emissions where scope = 'biogenic'") > 0


def test_market_based_never_negative_and_instruments_reduce_it(sample_run):
    rows = dict(
        sample_run.query(
            "select scope2_method, min(co2e_t) from marts.fct_emissions where scope = '2' group by 1"
        )
    )
    assert rows["market"] >= 0
    covered = sample_run.scalar(
        "select sum(activity_quantity) from marts.fct_emissions where method like 'market_instrument_%'"
    )
    assert covered > 0


def test_divested_entity_stops_counting_after_it_leaves(sample_run):
    # S400 leaves the group on 2022-09-30: nothing of it is weighed after September 2022.
    after = sample_run.scalar(
        "select coalesce(sum(weight_operational_control), 0) from marts.fct_emissions "
        "where entity_id = 'S400' and period_start > date '2022-09-30'"
    )
    before = sample_run.scalar(
        "select sum(weight_operational_control) from marts.fct_emissions "
        "where entity_id = 'S400' and period_start <= date '2022-09-01'"
    )
    assert after == 0
    assert before > 0


def test_source_record_keys_resolve_to_raw_rows(sample_run):
    from test_hand_calculations import raw_key_union

    unresolved = sample_run.scalar(
        f"select count(*) from (select distinct source_record_key from marts.fct_emissions) "
        f"where source_record_key not in ({raw_key_union()})"
    )
    assert unresolved == 0


def test_reruns_skip_unchanged_files_then_recompute_nothing_and_recover_from_a_kill(sample_run, tmp_path):
    before = sample_run.query("select * from marts.rpt_group_inventory order by all")
    emissions_before = sample_run.query("select emission_id, co2e_t from marts.fct_emissions order by 1")
    # A copy: the other tests (and the other xdist worker) read the session's warehouse meanwhile.
    warehouse = tmp_path / "carbon.duckdb"
    shutil.copyfile(sample_run.warehouse, warehouse)
    again: RunResult = run_pipeline(SAMPLE_LANDING, warehouse, reports=True)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "(0 new/changed)" in again.stderr
    assert " new/changed)" in again.stderr and "(1 new/changed)" not in again.stderr
    assert again.query("select * from marts.rpt_group_inventory order by all") == before
    assert again.query("select emission_id, co2e_t from marts.fct_emissions order by 1") == emissions_before
    # (the copy had no reports beside it, so that run wrote them: a run that recomputed)
    assert "nothing changed since run" not in again.stderr
    assert (warehouse.parent / "reports").is_dir() and (warehouse.parent / "exports").is_dir()
    built = again.query(
        "select run_id, marts_fingerprint from history.runs order by started_at desc limit 1"
    )[0]

    # Once more with nothing changed: nothing is recomputed, and the run says so and records it.
    third = run_pipeline(SAMPLE_LANDING, warehouse, reports=True)
    assert third.returncode == 0, third.stderr[-3000:]
    assert f"nothing changed since run {built[0]}" in third.stderr and "extract " not in third.stderr
    assert "范围一 Scope 1" in third.stdout  # the summary is still printed
    status, same_as, fingerprint = third.query(
        "select status, same_as_run_id, marts_fingerprint from history.runs order by started_at desc limit 1")[0]  # fmt: skip
    assert (status, same_as, fingerprint) == ("unchanged", built[0], built[1])
    assert third.query("select * from marts.rpt_group_inventory order by all") == before

    # A run killed midway leaves its 'running' row: the next run rebuilds and marks it interrupted.
    import duckdb

    con = duckdb.connect(str(warehouse))
    con.execute("insert into history.runs (run_id, started_at, finished_at, exit_code, status, is_inventory_built) "
                "values ('running-killed', now()::timestamp, now()::timestamp, -1, 'running', false)")  # fmt: skip
    con.close()
    # (that run without the reports: it removes the earlier ones, a stale year's too)
    reports = warehouse.parent / "reports"
    (reports / "ghg_inventory_report_2019.pdf").write_bytes(b"%PDF-1.4 an old run's")
    assert len(list(reports.glob("ghg_inventory_report_*"))) == 9  # 4 years x HTML, PDF + the stale one
    fourth = run_pipeline(SAMPLE_LANDING, warehouse, reports=False)
    assert fourth.returncode == 0, fourth.stderr[-3000:]
    assert "nothing changed since run" not in fourth.stderr and "(0 new/changed)" in fourth.stderr
    assert fourth.query("select status from history.runs where run_id = 'running-killed'") == [
        ("interrupted",)
    ]
    assert fourth.query("select count(*) from history.runs where status = 'running'") == [(0,)]
    assert fourth.query("select * from marts.rpt_group_inventory order by all") == before
    assert "report   not written (--no-reports); 9 report file(s) of an earlier run removed" in fourth.stderr
    assert list(reports.glob("ghg_inventory_report_*")) == []
    assert len(list((warehouse.parent / "exports").glob("kpis_*.xlsx"))) == 4  # the exports still written

    # Without reports, nothing changed is nothing changed; a run that writes them has work to do.
    fifth = run_pipeline(SAMPLE_LANDING, warehouse, reports=False)
    assert fifth.returncode == 0, fifth.stderr[-3000:]
    assert "nothing changed since run" in fifth.stderr and "extract " not in fifth.stderr
    from pipelines.lib.history import manifest as run_manifest
    from pipelines.lib.settings import load_settings
    from pipelines.lib.warehouse import Locations
    from pipelines.run import _run_outputs

    loc = Locations.resolve(str(SAMPLE_LANDING), str(warehouse), str(SAMPLE_CONFIG))
    started = run_manifest.start(loc, load_settings(SAMPLE_CONFIG))
    assert run_manifest.unchanged_since(started, _run_outputs(warehouse, reports=False)) is not None
    assert run_manifest.unchanged_since(started, _run_outputs(warehouse, reports=True)) is None


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_bundled_sample_is_exactly_what_the_generator_writes(tmp_path):
    generate(tmp_path / "landing", scale="S", seed=2024)
    assert _digest(tmp_path / "landing") == _digest(SAMPLE_LANDING)


def test_associate_is_category_15_only_where_not_consolidated(sample_run):
    # A600 is a 30 % associate whose plant (F13) reports activity: consolidated under equity share (its
    # Scope 1/2 weigh 0.3), not under the control approaches. docs/methods.md M-S3-04: category 15 comes from the
    # entity tree with weight 0.3 - approach weight, so 0 under equity share and 0.3 under both control
    # approaches, and its procurement/investments line is not counted again (the tree wins).
    rows = sample_run.query(
        "select max(weight_equity_share), max(weight_operational_control), max(weight_financial_control), "
        "sum(co2e_t * weight_operational_control) from marts.fct_emissions "
        "where scope3_category = 15 and source_type = 'investee_entity_tree' and entity_id = 'A600' "
        "and reporting_year = 2023"
    )
    equity, operational, financial, cat15 = rows[0]
    assert equity == 0
    assert operational == pytest.approx(0.3, abs=1e-12) and financial == pytest.approx(0.3, abs=1e-12)
    scope12 = sample_run.scalar(
        "select sum(co2e_t) from marts.fct_emissions where entity_id = 'A600' and reporting_year = 2023 "
        "and (scope = '1' or (scope = '2' and scope2_method = 'location'))"
    )
    assert cat15 == pytest.approx(0.3 * scope12, rel=1e-12)
    statuses = {
        r[0]
        for r in sample_run.query(
            "select i.calc_status from intermediate.int_scope3_investments_apportioned i where investee_id = 'A600'"
        )
    }
    assert statuses == {"counted_from_entity_tree"}
