"""The analysis notebooks run top to bottom against a built warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_executes(path, sample_run, monkeypatch):
    monkeypatch.setenv("CARBON_WAREHOUSE", str(sample_run.warehouse))
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert str(sample_run.warehouse) in outputs
    assert os.path.exists(Path(path).parent.parent / "build" / "emissions_by_scope.png")
