"""The bundled sample's reported figures equal the committed golden file (tests/golden/).

Every figure of rpt_group_inventory, fct_baseline, fct_target_progress and
fct_carbon_position: the same rows, the same text and flags, numbers within
10^-6 (a gram of CO2e, or 10^-6 of a percentage point). Only counts of the
rows behind a figure may change (the meter x month grain).
"""

from __future__ import annotations

import json

import duckdb
import pytest
from golden.figures import GOLDEN, MARTS, read


def _differences(expected: dict, actual: dict) -> list[str]:
    out: list[str] = []
    for mart in MARTS:
        exp, act = expected[mart], actual[mart]
        out += [f"{mart}: row {k} is missing" for k in sorted(set(exp) - set(act))]
        out += [f"{mart}: row {k} is new" for k in sorted(set(act) - set(exp))]
        for key in sorted(set(exp) & set(act)):
            for col, want in exp[key].items():
                got = act[key].get(col)
                if isinstance(want, float) and isinstance(got, float | int):
                    if got != pytest.approx(want, abs=1e-6, rel=0):
                        out.append(f"{mart} [{key}] {col}: {got!r} != {want!r}")
                elif (str(got) if got is not None else None) != (str(want) if want is not None else None):
                    out.append(f"{mart} [{key}] {col}: {got!r} != {want!r}")
    return out


def test_sample_figures_equal_the_golden_file(sample_run):
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    con = duckdb.connect(str(sample_run.warehouse), read_only=True)
    try:
        actual = json.loads(json.dumps(read(con), default=str))
    finally:
        con.close()
    assert sum(len(t) for t in expected.values()) > 250
    diffs = _differences(expected, actual)
    assert diffs == [], "\n".join(diffs[:40])


def test_the_comparison_catches_a_changed_figure():
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    changed = json.loads(json.dumps(expected))
    key = next(iter(changed["rpt_group_inventory"]))
    changed["rpt_group_inventory"][key]["co2e_t"] += 1e-5
    del changed["fct_baseline"][next(iter(changed["fct_baseline"]))]
    diffs = _differences(expected, changed)
    assert len(diffs) == 2 and "co2e_t" in diffs[0] + diffs[1] and "missing" in diffs[0] + diffs[1]
