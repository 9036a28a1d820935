"""The model-level column rules (dbt_project/tests/generic/row_rules.sql), every kind of rule counted by
hand on a throwaway dbt project that uses the very macro file, against a real DuckDB file.

The model ``broken`` has five rows (id, name, status, pct, total, k1, k2):

    1  a     open    5    10  1  1
    2  b     closed  0    10  1  2
    2  null  other   -1   10  1  2
    3  c     null    101  10  2  3
    4  d     open    100   9  2  3

and the rules: not_null [id, name] (name: 1 row); unique id (the value 2: 1 key) and (k1, k2) ((1, 2) and
(2, 3): 2 keys); status in (open, closed) (other: 1 row; a null passes, as in dbt's accepted_values); pct
in [0, 100] (-1 and 101: 2 rows; 0 and 100 pass, the bounds are inclusive); total > 9 (exclusive: the 9:
1 row); the expression total >= pct (101 and 100: 2 rows) and name <> 'zzz' (null for the null name: a
null fails, 1 row). ``clean`` holds the two rows that break nothing (ids 1 and 2 with a name) under the
same rules, and passes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
from conftest import REPO, write_dbt_project

DBT = str(Path(sys.executable).parent / "dbt")

ROWS = """
select * from (values
    (1, 'a', 'open', 5, 10, 1, 1),
    (2, 'b', 'closed', 0, 10, 1, 2),
    (2, null, 'other', -1, 10, 1, 2),
    (3, 'c', null, 101, 10, 2, 3),
    (4, 'd', 'open', 100, 9, 2, 3)
) as t(id, name, status, pct, total, k1, k2)
"""

RULES = """
          arguments:
            not_null: [id, name]
            unique: [id, [k1, k2]]
            accepted_values:
              status: [open, closed]
            accepted_range:
              pct: {min_value: 0, max_value: 100}
              total: {min_value: 9, inclusive: false}
            expressions: ["total >= pct", "name <> 'zzz'"]
"""

SCHEMA = f"""
version: 2
models:
  - name: broken
    data_tests:
      - row_rules:
          name: row_rules_broken
{RULES}
  - name: clean
    data_tests:
      - row_rules:
          name: row_rules_clean
{RULES}
"""


def test_row_rules_count_each_broken_rule_by_hand(tmp_path):
    root = tmp_path / "project"
    (root / "models").mkdir(parents=True)
    (root / "tests" / "generic").mkdir(parents=True)
    shutil.copyfile(REPO / "dbt_project" / "tests" / "generic" / "row_rules.sql",
                    root / "tests" / "generic" / "row_rules.sql")  # fmt: skip
    warehouse = tmp_path / "check.duckdb"
    write_dbt_project(root, "row_rules_check", warehouse, {"model-paths": "models", "test-paths": "tests"})
    (root / "models" / "broken.sql").write_text(ROWS, encoding="utf-8")
    (root / "models" / "clean.sql").write_text(
        f"select * from ({ROWS}) where name is not null and id <= 2", encoding="utf-8"
    )
    (root / "models" / "schema.yml").write_text(SCHEMA, encoding="utf-8")
    proc = subprocess.run(
        [DBT, "build", "--store-failures", "--project-dir", str(root), "--profiles-dir", str(root),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        capture_output=True, text=True, cwd=root, timeout=600,
        env={**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout[-3000:]  # the broken model's test fails the build
    assert "PASS row_rules_clean" in proc.stdout, proc.stdout[-3000:]
    assert "FAIL 8 row_rules_broken" in proc.stdout, proc.stdout[-3000:]  # eight rules broken
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select rule, about, failing from main_dbt_test__audit.row_rules_broken order by 1, 2"
        )
        rows = rows.fetchall()
    assert rows == [
        ("accepted_range", "pct >= 0 and <= 100", 2),
        ("accepted_range", "total > 9", 1),
        ("accepted_values", "status in (open, closed)", 1),
        ("expression", "name <> 'zzz'", 1),
        ("expression", "total >= pct", 2),
        ("not_null", "name", 1),
        ("unique", "id", 1),
        ("unique", "k1, k2", 2),
    ]
