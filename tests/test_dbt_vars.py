"""Every dbt var has one default, in dbt_project.yml, equal to the default of pipelines/lib/settings.py.

carbon.yml is validated once, in Python (``load_settings``), and handed to dbt as ``--vars``
(``Settings.dbt_vars()``). The models, macros and tests call ``var('name')`` without a default of
their own, and only for a var that dbt_project.yml declares, so a bare ``dbt build`` computes what
``carbon run`` with a default configuration computes. No pipeline run: the checks read files.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import REPO

from pipelines.lib import settings as settings_module
from pipelines.lib.settings import Settings, load_settings

PROJECT = REPO / "dbt_project" / "dbt_project.yml"
SCANNED = ("dbt_project/models", "dbt_project/macros", "dbt_project/tests")
SUFFIXES = {".sql", ".yml", ".yaml", ".md"}

# var( as a Jinja call (not env_var(, not a method such as x.var()
VAR_CALL = re.compile(r"(?<![\w.])var\(")
NAME = re.compile(r"""\s*(['"])(\w+)\1\s*""")


def declared_vars() -> dict:
    return yaml.safe_load(PROJECT.read_text(encoding="utf-8"))["vars"]


def var_calls(text: str) -> list[tuple[str | None, bool]]:
    """(var name or None when it is not a literal, has a default argument) of every var() call."""
    calls = []
    for match in VAR_CALL.finditer(text):
        name = NAME.match(text, match.end())
        if name is None:
            calls.append((None, False))
            continue
        calls.append((name.group(2), text[name.end()] != ")"))
    return calls


def var_problems(root: Path, declared: set[str], exempt: set[str] = frozenset()) -> list[str]:
    found = []
    for tree in SCANNED:
        for path in sorted((root / tree).rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(root).as_posix()
            if rel in exempt or any(part in {"target", "dbt_packages", "logs"} for part in path.parts):
                continue
            for name, has_default in var_calls(path.read_text(encoding="utf-8")):
                if name is None:
                    found.append(f"{rel}: a var() call whose name is not a literal")
                elif has_default:
                    found.append(
                        f"{rel}: var('{name}') has a default of its own (declare it in dbt_project.yml)"
                    )
                elif name not in declared:
                    found.append(f"{rel}: var('{name}') is not declared in dbt_project.yml")
    return found


def test_dbt_project_declares_settings_vars_with_settings_defaults():
    declared = declared_vars()
    # group_root is required in carbon.yml (no Settings default); the project's is the sample group's
    defaults = Settings(group_root=declared["group_root"]).dbt_vars()
    project_only = set(settings_module.PROJECT_VARS)
    assert set(declared) == set(defaults) | project_only
    assert not set(defaults) & project_only
    # the same values and types: a bare `dbt build` renders what `carbon run --vars` renders
    settings_side = {k: declared[k] for k in defaults}
    assert json.dumps(settings_side, sort_keys=True) == json.dumps(defaults, sort_keys=True)


def test_a_carbon_yml_with_only_group_root_gives_the_declared_defaults(tmp_path):
    # load_settings fills every absent key with Settings' default: the same values dbt_project.yml declares
    declared = declared_vars()
    path = tmp_path / "carbon.yml"
    path.write_text(f"group_root: {declared['group_root']}\n", encoding="utf-8")
    passed = load_settings(path).dbt_vars()
    expected = {k: v for k, v in declared.items() if k not in settings_module.PROJECT_VARS}
    assert json.dumps(passed, sort_keys=True) == json.dumps(expected, sort_keys=True)


def test_the_project_only_vars_are_not_configuration():
    declared = declared_vars()
    for name in settings_module.PROJECT_VARS:
        assert declared[name] not in (None, "", [], {}), name
        assert name not in settings_module.TOP_LEVEL_KEYS


def test_no_var_call_has_a_default_or_an_undeclared_name():
    assert var_problems(REPO, set(declared_vars())) == []


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("{% set g = var('gwp_set', 'AR6') %}", "var('gwp_set') has a default of its own"),
        ("'{{ var(\"group_root\" , 'G001') }}'", "var('group_root') has a default of its own"),
        ("{{ var('scope4_method') }}", "var('scope4_method') is not declared"),
        ("{% set v = var(name) %}", "a var() call whose name is not a literal"),
    ],
)
def test_a_default_or_an_undeclared_var_is_found(tmp_path, sql, problem):
    model = tmp_path / "dbt_project" / "models" / "m.sql"
    model.parent.mkdir(parents=True)
    model.write_text(f"select 1 as x -- {{{{ env_var('HOME', '') }}}}\n{sql}\n", encoding="utf-8")
    found = var_problems(tmp_path, set(declared_vars()))
    assert len(found) == 1 and problem in found[0], found
    model.write_text("{{ var('gwp_set') }} {{ var(\"group_root\") }}\n", encoding="utf-8")
    assert var_problems(tmp_path, set(declared_vars())) == []


def test_configuration_doc_lists_every_declared_var_once():
    doc = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    section = doc[doc.index("## dbt vars") :]
    rows = re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE)
    assert sorted(rows) == sorted(declared_vars())
