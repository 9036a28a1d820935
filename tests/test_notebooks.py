"""The analysis notebooks run top to bottom against a built warehouse, and fail when a mart is wrong.

Each notebook asserts its own reconciliations (figures = rpt_group_inventory,
the verifier's sample reconciles, ...); a failing assert fails the cell and
therefore the test. The notebooks only read the warehouse (read-only), so they
run against the session's sample warehouse; the broken-mart test works on a
copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
# What each notebook prints once its assertions have passed.
EXPECTED_OUTPUT = {
    "emissions_by_scope.ipynb": ["emissions_by_scope.png"],
    "inventory_review.ipynb": [
        "fct_inventory = rpt_group_inventory for every year and scope",
        "fct_baseline original base = rpt_group_inventory of the base year",
        "inventory review reconciles with rpt_group_inventory (operational_control, 2021-2024)",
    ],
    "finance_kpis.ipynb": [
        "intensities reconcile to the report",
        "reported target-years reconcile to the report",
        "carbon position reconciles",
        "finance KPIs reconcile with the source marts (2021-2024",
    ],
    "verifier_sampling.ipynb": [
        "= rpt_group_inventory 2024",
        "MUS: 60 selections",
        "0 different, 0 not available",
        "sample reconciles: ",
    ],
}
RECONCILING = ["inventory_review.ipynb", "finance_kpis.ipynb", "verifier_sampling.ipynb"]


def execute(path: Path, warehouse: Path, monkeypatch) -> str:
    """Run the notebook like a user would (cwd notebooks/) and return its printed text."""
    monkeypatch.setenv("CARBON_WAREHOUSE", str(warehouse))
    monkeypatch.delenv("CARBON_APPROACH", raising=False)
    monkeypatch.delenv("CARBON_LANDING", raising=False)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_every_notebook_has_expectations():
    assert sorted(EXPECTED_OUTPUT) == [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), f"strip the outputs of {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, sample_run, monkeypatch):
    outputs = execute(path, sample_run.warehouse, monkeypatch)
    assert str(sample_run.warehouse) in outputs
    for text in EXPECTED_OUTPUT[path.name]:
        assert text in outputs, f"{path.name} did not print {text!r}"


def test_verifier_sample_is_reproducible(sample_run, monkeypatch):
    """The same seed over the same warehouse draws the same rows: the work paper is identical."""
    path = REPO / "notebooks" / "verifier_sampling.ipynb"
    paper = REPO / "build" / "verifier_sample_2024.csv"
    execute(path, sample_run.warehouse, monkeypatch)
    first = paper.read_text(encoding="utf-8")
    execute(path, sample_run.warehouse, monkeypatch)
    assert paper.read_text(encoding="utf-8") == first
    assert len(first.splitlines()) > 40  # header + ~37 MUS rows + 5 stratified rows


@pytest.fixture(scope="module")
def broken_warehouse(sample_run, tmp_path_factory) -> Path:
    """A copy of the sample warehouse whose 2024 Scope 1 figure is 1 % off its emission rows."""
    copy = tmp_path_factory.mktemp("broken") / "carbon.duckdb"
    shutil.copyfile(sample_run.warehouse, copy)
    con = duckdb.connect(str(copy))
    try:
        con.execute("update marts.rpt_group_inventory set co2e_t = co2e_t * 1.01 where reporting_year = 2024 "
                    "and scope = '1'")  # fmt: skip
    finally:
        con.close()
    return copy


@pytest.mark.parametrize("name", RECONCILING)
def test_notebook_fails_on_a_broken_mart(name, broken_warehouse, monkeypatch):
    with pytest.raises(CellExecutionError, match="AssertionError"):
        execute(REPO / "notebooks" / name, broken_warehouse, monkeypatch)
