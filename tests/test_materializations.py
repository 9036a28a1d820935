"""The project's table and view materializations (dbt_project/macros/materializations.sql).

They replace dbt-duckdb's (temporary relation, renames, backup) with one statement per model. Checked
on a throwaway dbt project that uses the very macro file, against a real DuckDB file, over two builds:

* a table, a view over it and a mart with an enforced contract are created; the contract still orders
  and types the columns as declared; a model's pre-hook runs before it and its post-hook after;
* on the second build a changed table is replaced, a view turned into a table is replaced by a table,
  and two models whose SQL now fails (one plain, one with a contract) fail the build but keep their
  previous relation and rows; no temporary or backup relation is left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
from conftest import REPO, write_dbt_project

DBT = str(Path(sys.executable).parent / "dbt")

CONTRACT_YML = """
version: 2
models:
  - name: contracted
    config:
      contract:
        enforced: true
    columns:
      - name: label
        data_type: varchar
      - name: amount
        data_type: decimal(18, 3)
"""


def _write(root: Path, models: dict[str, str]) -> None:
    for name, sql in models.items():
        (root / "models" / f"{name}.sql").write_text(sql, encoding="utf-8")


def _build(root: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [DBT, "run", "--project-dir", str(root), "--profiles-dir", str(root),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        capture_output=True, text=True, env=env, cwd=root, timeout=600,
    )  # fmt: skip


def _relations(path: Path) -> dict[str, str]:
    with duckdb.connect(str(path), read_only=True) as con:
        return dict(con.execute("select table_name, table_type from information_schema.tables").fetchall())


def _rows(path: Path, relation: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from {relation} order by all").fetchall()


def test_one_statement_materializations_replace_keep_contracts_and_keep_the_old_relation_on_failure(tmp_path):
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "macros").mkdir()
    shutil.copy(REPO / "dbt_project" / "macros" / "materializations.sql", root / "macros")
    warehouse = tmp_path / "check.duckdb"
    write_dbt_project(
        root, "materializations_check", warehouse, {"model-paths": "models", "macro-paths": "macros"}
    )
    (root / "models" / "_models.yml").write_text(CONTRACT_YML, encoding="utf-8")

    _write(root, {
        "base_table": "{{ config(materialized='table') }} select 1 as id, 'first' as label",
        "over_base": "{{ config(materialized='view') }} select id * 10 as tens from {{ ref('base_table') }}",
        "contracted": "{{ config(materialized='table') }} select cast(2.5 as decimal(18, 3)) as amount, 'a' as label",
        "fails_later": "{{ config(materialized='table') }} select 7 as kept",
        "hooked": "{{ config(materialized='table', pre_hook='create or replace table pre_ran as select 1 as n', "
                  "post_hook='create or replace table post_ran as select count(*) as n from {{ this }}') }} "
                  "select * from pre_ran",
    })  # fmt: skip
    first = _build(root)
    assert first.returncode == 0, first.stdout[-3000:]
    assert _relations(warehouse) == {
        "base_table": "BASE TABLE", "over_base": "VIEW", "contracted": "BASE TABLE", "fails_later": "BASE TABLE",
        "hooked": "BASE TABLE", "pre_ran": "BASE TABLE", "post_ran": "BASE TABLE",
    }  # fmt: skip
    assert _rows(warehouse, "post_ran") == [(1,)]  # the pre-hook ran before the model, the post-hook after
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = 'contracted' order by ordinal_position"
        ).fetchall()
    assert columns == [("label", "VARCHAR"), ("amount", "DECIMAL(18,3)")]  # declared order and types
    assert _rows(warehouse, "over_base") == [(10,)]

    _write(root, {
        "base_table": "{{ config(materialized='table') }} select 2 as id, 'second' as label",
        "over_base": "{{ config(materialized='table') }} select id * 100 as tens from {{ ref('base_table') }}",
        "contracted": "{{ config(materialized='table') }} "
                      "select cast(error('boom') as decimal(18, 3)) as amount, 'b' as label",
        "fails_later": "{{ config(materialized='table') }} select error('boom') as kept",
    })  # fmt: skip
    second = _build(root)
    assert second.returncode != 0  # two models failed
    assert "boom" in second.stdout
    assert _rows(warehouse, "base_table") == [(2, "second")]
    assert _rows(warehouse, "over_base") == [(200,)]
    assert _relations(warehouse) == {
        "base_table": "BASE TABLE", "over_base": "BASE TABLE", "contracted": "BASE TABLE", "fails_later": "BASE TABLE",
        "hooked": "BASE TABLE", "pre_ran": "BASE TABLE", "post_ran": "BASE TABLE",
    }  # fmt: skip
    assert _rows(warehouse, "contracted") == [("a", Decimal("2.500"))]  # the failed build kept the old rows
    assert _rows(warehouse, "fails_later") == [(7,)]
