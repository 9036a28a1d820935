"""The dbt project keeps its layer rules (dbt_project/README.md, "Layers").

Checked on the dbt graph of the project as it is in the repository (`dbt parse`
into a temporary target folder, the manifest's `depends_on`):

* only staging models call `source()`; a staging model reads sources (or seeds) only;
* an intermediate model never reads a mart: what a mart and an intermediate model
  both need is an intermediate model they both read;
* every model has a description, in the one YAML file of its folder,
  `_<folder>__models.yml`, which also holds the unit tests of the folder's models
  (staging folders add their `_<source>__sources.yml`; `.md` doc blocks are free);
* one logical step per model: no model SQL file is longer than MAX_MODEL_LINES,
  except the few named in LONG_MODEL_EXEMPTIONS, each with its reason and capped
  at its length (no file reads, no dbt needed for this one).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

DBT_PROJECT = REPO / "dbt_project"
DBT = str(Path(sys.executable).parent / "dbt")
MODELS_DIR = DBT_PROJECT / "models"
LAYERS = ("staging", "intermediate", "marts")


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """The manifest of `dbt parse` on the project (no warehouse needed, default vars)."""
    tmp = tmp_path_factory.mktemp("dbt_layers")
    env = {
        **os.environ,
        "CARBON_WAREHOUSE": str(tmp / "parse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = subprocess.run(
        [DBT, "parse", "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs"), "--no-partial-parse"],
        capture_output=True, text=True, env=env, cwd=DBT_PROJECT, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))


def layer(node: dict) -> str | None:
    """staging / intermediate / marts from the model's folder (models/<layer>/...)."""
    parts = Path(node["original_file_path"]).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" and parts[1] in LAYERS else None


@pytest.fixture(scope="module")
def models(manifest) -> dict[str, dict]:
    """Every model of the project by unique id."""
    return {
        uid: n
        for uid, n in manifest["nodes"].items()
        if n["resource_type"] == "model" and n["package_name"] == manifest["metadata"]["project_name"]
    }


def _edges(models: dict[str, dict]):
    """(model, its layer, parent unique id, parent kind, parent layer) for every dependency."""
    for _, node in sorted(models.items()):
        for parent in node["depends_on"]["nodes"]:
            kind = parent.split(".", 1)[0]
            parent_layer = layer(models[parent]) if kind == "model" and parent in models else None
            yield node["name"], layer(node), parent, kind, parent_layer


def test_every_model_is_in_a_layer(models):
    outside = sorted(n["original_file_path"] for n in models.values() if layer(n) is None)
    assert not outside, f"models outside models/staging|intermediate|marts/: {outside}"
    # all three layers are there, so the rules below have something to check
    assert {layer(n) for n in models.values()} == set(LAYERS)


def test_only_staging_models_call_source(models):
    offending = sorted(
        f"{name} ({lyr}) -> {parent}"
        for name, lyr, parent, kind, _ in _edges(models)
        if kind == "source" and lyr != "staging"
    )
    assert not offending, f"models outside staging that call source() (add a staging model): {offending}"


def test_staging_models_read_only_sources_and_seeds(models):
    offending = sorted(
        f"{name} -> {parent}"
        for name, lyr, parent, kind, _ in _edges(models)
        if lyr == "staging" and kind not in ("source", "seed")
    )
    assert not offending, f"staging models that read other models: {offending}"
    # ... and each reads at least one source (a staging model is the door of a source table)
    sourceless = sorted(
        n["name"]
        for n in models.values()
        if layer(n) == "staging" and not any(p.startswith("source.") for p in n["depends_on"]["nodes"])
    )
    assert not sourceless, f"staging models without a source: {sourceless}"


def test_intermediate_models_never_read_a_mart(models):
    offending = sorted(
        f"{name} -> {parent}"
        for name, lyr, parent, kind, parent_layer in _edges(models)
        if lyr == "intermediate" and parent_layer == "marts"
    )
    assert not offending, (
        f"intermediate models that read a mart (move what they share into an intermediate model): {offending}"
    )


def _is_real_description(text: str, name: str) -> bool:
    """Not empty, not the name again, no placeholder, and more than one word."""
    text = (text or "").strip()
    return (
        bool(text)
        and text.lower().strip("`.") != name.lower()
        and not re.search(r"\b(TODO|TBD|FIXME|XXX)\b", text)
        and len(text.split()) >= 2
    )


def folder_yaml(folder: Path) -> Path:
    """The one YAML of a folder of models: models/<layer>/<folder>/_<folder>__models.yml."""
    return folder / f"_{folder.name}__models.yml"


def test_every_model_has_a_description(models):
    undescribed = sorted(
        n["name"] for n in models.values() if not _is_real_description(n["description"], n["name"])
    )
    assert not undescribed, f"models without a description: {undescribed}"


def test_every_folder_of_models_has_one_yaml_named_after_it():
    folders = {p.parent for p in MODELS_DIR.rglob("*.sql")}
    problems = []
    for folder in sorted(folders):
        yml = sorted(p.name for p in folder.glob("*.yml"))
        allowed = {folder_yaml(folder).name}
        if folder.relative_to(MODELS_DIR).parts[0] == "staging":
            allowed.add(f"_{folder.name}__sources.yml")
        if folder_yaml(folder).name not in yml:
            problems.append(f"{folder.relative_to(REPO)}: no {folder_yaml(folder).name}")
        problems += [
            f"{folder.relative_to(REPO)}: {name} (one YAML per folder)" for name in yml if name not in allowed
        ]
    # and no models YAML where there are no models (e.g. one for a whole layer)
    problems += [
        f"{p.relative_to(REPO)}: a models YAML in a folder without models"
        for p in sorted(MODELS_DIR.rglob("*__models.yml"))
        if p.parent not in folders
    ]
    assert not problems, problems


def test_models_and_unit_tests_are_in_the_yaml_of_their_folder(models, manifest):
    misplaced = []
    for node in models.values():
        want = (
            folder_yaml((DBT_PROJECT / node["original_file_path"]).parent).relative_to(DBT_PROJECT).as_posix()
        )
        got = (node["patch_path"] or "").split("://", 1)[-1]
        if got != want:
            misplaced.append(f"model {node['name']}: described in {got or 'no YAML'}, not {want}")
    by_name = {n["name"]: n for n in models.values()}
    for test in manifest["unit_tests"].values():
        model = by_name[test["model"]]
        want = (
            folder_yaml((DBT_PROJECT / model["original_file_path"]).parent)
            .relative_to(DBT_PROJECT)
            .as_posix()
        )
        if test["original_file_path"] != want:
            misplaced.append(
                f"unit test {test['name']} of {test['model']}: in {test['original_file_path']}, not {want}"
            )
    assert not misplaced, misplaced


# ---------------------------------------------------------------- one step per model
# A model SQL file longer than this does several steps (issue 17 "one rule, one
# place": fct_intensity, 444 lines, and int_scope3_activities_prepared, 483, were
# split by step / category into intermediate models of at most ~200 lines).
MAX_MODEL_LINES = 220

# Models over the limit when the check was added, not split yet. Each is capped at
# its length then (it may shrink, never grow) and leaves this list once it is
# under the limit (a stale entry fails the test too). Paths under dbt_project/models.
LONG_MODEL_EXEMPTIONS: dict[str, tuple[int, str]] = {
    "marts/finance/fct_finance_kpis.sql": (
        264, "a projection of other marts (intermediate models never read marts): mostly its contracted columns"),
}  # fmt: skip


def long_models(models_dir: Path, limit: int, exemptions: dict[str, tuple[int, str]]) -> list[str]:
    """Model SQL files over the limit (or over their exemption's cap), and exemptions no longer needed."""
    problems = []
    lengths = {
        p.relative_to(models_dir).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in sorted(models_dir.rglob("*.sql"))
    }
    for path, lines in lengths.items():
        cap = exemptions[path][0] if path in exemptions else limit
        if lines > cap:
            problems.append(f"{path}: {lines} lines (limit {cap}): split it by step")
    for path, (_cap, reason) in exemptions.items():
        assert reason, f"{path}: an exemption says why"
        if path not in lengths:
            problems.append(f"{path}: exempted but no such model (remove the exemption)")
        elif lengths[path] <= limit:
            problems.append(f"{path}: {lengths[path]} lines, within the limit now (remove the exemption)")
    return problems


def test_no_model_is_longer_than_the_limit():
    problems = long_models(MODELS_DIR, MAX_MODEL_LINES, LONG_MODEL_EXEMPTIONS)
    assert not problems, "\n".join(problems)


def test_the_line_limit_check_finds_long_models_and_stale_exemptions(tmp_path):
    (tmp_path / "marts").mkdir()
    (tmp_path / "marts" / "fct_ok.sql").write_text("select 1\n" * 220, encoding="utf-8")
    (tmp_path / "marts" / "fct_long.sql").write_text("select 1\n" * 221, encoding="utf-8")
    (tmp_path / "marts" / "fct_exempt.sql").write_text("select 1\n" * 300, encoding="utf-8")
    (tmp_path / "marts" / "fct_grown.sql").write_text("select 1\n" * 301, encoding="utf-8")
    exemptions = {
        "marts/fct_exempt.sql": (300, "reason"),
        "marts/fct_grown.sql": (300, "reason"),
        "marts/fct_ok.sql": (250, "reason"),
        "marts/fct_gone.sql": (250, "reason"),
    }
    problems = long_models(tmp_path, 220, exemptions)
    assert problems == [
        "marts/fct_grown.sql: 301 lines (limit 300): split it by step",
        "marts/fct_long.sql: 221 lines (limit 220): split it by step",
        "marts/fct_ok.sql: 220 lines, within the limit now (remove the exemption)",
        "marts/fct_gone.sql: exempted but no such model (remove the exemption)",
    ]
