"""A new warehouse, or a new configuration, re-uses the project's last parse (pipelines/lib/dbt_launcher.py,
`carbon-dbt`).

dbt keys its saved parse on the profile's connection settings, the warehouse file's path among them,
and on every --vars value; the launcher leaves the path and the vars other than PARSE_VARS out. That is
only right if they cannot change what dbt parses: no model, macro or test reads the path, a parse
re-used from another warehouse equals a full parse, and so does a parse re-used after every other var
changed; and no model reaches a ref(), source() or project macro only when a var says so (a static
check of every model's Jinja).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO, SAMPLE_CONFIG

from pipelines.lib.settings import load_settings

DBT_PROJECT = REPO / "dbt_project"
CARBON_DBT = str(Path(sys.executable).parent / "carbon-dbt")
REPARSE = "Unable to do partial parsing"
# target.path, target['path'], target.get('path'), target.get("path")
READS_PATH = re.compile(r"""target\s*(\.\s*path\b|\[\s*['"]path['"]\s*\]|\.\s*get\(\s*['"]path['"])""")


def _parse(warehouse: Path, target: Path, *extra: str, vars_: dict | None = None) -> str:
    env = {**os.environ, "CARBON_WAREHOUSE": str(warehouse), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    vars_json = json.dumps(load_settings(SAMPLE_CONFIG).dbt_vars() if vars_ is None else vars_)
    proc = subprocess.run(
        [CARBON_DBT, "parse", "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
         "--target-path", str(target), "--log-path", str(target), "--vars", vars_json, *extra],
        capture_output=True, text=True, env=env, cwd=DBT_PROJECT, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def _parsed(target: Path) -> dict:
    """What the parse says about the project: every node, source, macro and exposure, without the
    moment each was created."""

    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "created_at"}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    return {part: strip(manifest[part]) for part in ("nodes", "sources", "macros", "exposures", "unit_tests")}


def test_no_model_macro_or_test_reads_the_warehouse_path():
    offenders = [
        str(path.relative_to(DBT_PROJECT))
        for folder in ("models", "macros", "tests")
        for path in (DBT_PROJECT / folder).rglob("*")
        if path.suffix in (".sql", ".yml") and READS_PATH.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
    # the pattern finds each spelling
    for text in ("{{ target.path }}", "target['path']", 'target.get("path", "")'):
        assert READS_PATH.search(text), text
    assert not READS_PATH.search("target.get('base_year')")


def test_a_new_warehouse_reuses_the_parse_and_it_equals_a_full_parse(tmp_path):
    first, second, full = tmp_path / "first", tmp_path / "second", tmp_path / "full"
    _parse(tmp_path / "a" / "carbon.duckdb", first)

    # Another warehouse file (same name, another folder), starting from the first one's saved parse.
    second.mkdir()
    shutil.copyfile(first / "partial_parse.msgpack", second / "partial_parse.msgpack")
    out = _parse(tmp_path / "b" / "carbon.duckdb", second)
    assert REPARSE not in out, out[-2000:]

    _parse(tmp_path / "b" / "carbon.duckdb", full, "--no-partial-parse")
    reused, fresh = _parsed(second), _parsed(full)
    assert len(fresh["nodes"]) > 350  # models, seeds and tests (162, 17 and 204 in December 2026)
    assert reused == fresh

    # The other connection settings still count: another file name is another DuckDB database name,
    # which dbt writes into every relation, so the parse is redone.
    third = tmp_path / "third"
    third.mkdir()
    shutil.copyfile(first / "partial_parse.msgpack", third / "partial_parse.msgpack")
    out = _parse(tmp_path / "c" / "other.duckdb", third)
    assert "profile has changed" in out, out[-2000:]
    assert all(n["database"] == "other" for n in _parsed(third)["nodes"].values() if n.get("database"))


def _other_vars() -> dict:
    """Every var of the sample's configuration set to another value (lists emptied or filled, the
    approach, the GWP set, the years), except the parse's own (PARSE_VARS)."""
    from pipelines.lib.dbt_launcher import PARSE_VARS

    sample = load_settings(SAMPLE_CONFIG).dbt_vars()
    other = {
        "group_root": "G999",
        "consolidation": "equity_share",
        "base_years": [2022, 2023],
        "recalculation_threshold_pct": 2.5,
        "gwp_set": "AR5",
        "scope2_location_factor": "provincial",
        "scope2_location_family": "ets",
        "targets": [],
        "neutrality": {},
        "ets_price_per_t": 0.0,
        "ets_offset_limit_pct": 10.0,
        "intensity_scopes": ["1"],
        "reporting_years": [2023],
        "scope3_exclusions": {},
        "acknowledged_jumps": [
            {"dataset": "erp/fuel_consumption", "subject": "F01", "year": 2023, "reason": "new kiln"}
        ],
        "dq_score_weights": {"completeness": 0.5, "checks": 0.3, "measured": 0.2},
    }
    assert set(other) == set(sample) - PARSE_VARS  # a new var is added here with another value
    assert all(other[k] != sample[k] for k in other)
    return {**sample, **other}


def test_another_configuration_reuses_the_parse_and_it_equals_a_full_parse(tmp_path):
    first, second, full = tmp_path / "first", tmp_path / "second", tmp_path / "full"
    warehouse = tmp_path / "a" / "carbon.duckdb"
    _parse(warehouse, first)
    other = _other_vars()

    second.mkdir()
    shutil.copyfile(first / "partial_parse.msgpack", second / "partial_parse.msgpack")
    out = _parse(warehouse, second, vars_=other)
    assert REPARSE not in out, out[-2000:]

    _parse(warehouse, full, "--no-partial-parse", vars_=other)
    reused, fresh = _parsed(second), _parsed(full)
    assert len(fresh["nodes"]) > 350
    assert reused == fresh

    # The reporting currency names columns of the finance marts: another one re-parses the project.
    third = tmp_path / "third"
    third.mkdir()
    shutil.copyfile(first / "partial_parse.msgpack", third / "partial_parse.msgpack")
    out = _parse(warehouse, third, vars_={**other, "reporting_currency": "USD"})
    assert "config vars, config profile, or config target have changed" in out, out[-2000:]
    finance = next(n for n in _parsed(third)["nodes"].values() if n["name"] == "fct_finance_kpis")
    assert "revenue_10k_usd" in finance["columns"]


def _var_dependent_calls(source: str, macro_names: set[str]) -> list[str]:
    """The calls of ref(), source() and the project's macros that a model makes only under an
    `{% if %}` or `{% for %}` that depends on a var (directly, or through a `{% set %}` name or loop
    variable computed from one) and makes nowhere else in the file: what dbt records at parse time
    would then depend on the configuration."""
    import jinja2
    from jinja2 import nodes

    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    tree = env.parse(source)
    watched = {"ref", "source"} | macro_names
    tainted: set[str] = set()

    def uses_var(node) -> bool:
        return any(
            (isinstance(n, nodes.Call) and isinstance(n.node, nodes.Name) and n.node.name == "var")
            or (isinstance(n, nodes.Name) and n.name in tainted)
            for n in [node, *node.find_all((nodes.Call, nodes.Name))]
        )

    def call_text(call) -> str:
        args = ", ".join(repr(a.value) if isinstance(a, nodes.Const) else "?" for a in call.args)
        return f"{call.node.name}({args})"

    conditional: list[str] = []
    unconditional: set[str] = set()

    def names(target) -> list[str]:
        """The names a `set` or `for` binds (one name or a tuple of them)."""
        return (
            [target.name] if isinstance(target, nodes.Name) else [n.name for n in target.find_all(nodes.Name)]
        )

    def visit(node, dependent: bool) -> None:
        if isinstance(node, nodes.Assign) and uses_var(node.node):
            tainted.update(names(node.target))
        if isinstance(node, nodes.For) and uses_var(node.iter):
            tainted.update(names(node.target))
        if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name) and node.node.name in watched:
            (conditional.append if dependent else unconditional.add)(call_text(node))
        for field, child in node.iter_fields():
            inner = dependent
            if isinstance(node, nodes.If) and field in ("body", "elif_", "else_") and uses_var(node.test):
                inner = True
            if isinstance(node, nodes.For) and field in ("body", "else_") and uses_var(node.iter):
                inner = True
            for c in child if isinstance(child, list) else [child]:
                if isinstance(c, nodes.Node):
                    visit(c, inner)

    visit(tree, False)
    return sorted({c for c in conditional if c not in unconditional})


def test_no_model_refs_or_calls_a_macro_only_under_a_var():
    """The static side of the parse re-use across configurations: a ref(), source() or project macro
    that a model reaches only when a var says so would be missing from (or left in) a parse made under
    another configuration. Such a call is also made unconditionally (a `-- depends_on:` line, a `set`
    before the `if`)."""
    macro_names = {
        m
        for path in (DBT_PROJECT / "macros").rglob("*.sql")
        for m in re.findall(r"{%-?\s*macro\s+(\w+)", path.read_text(encoding="utf-8"))
    }
    offenders = {
        str(path.relative_to(DBT_PROJECT)): calls
        for folder in ("models", "tests")
        for path in (DBT_PROJECT / folder).rglob("*.sql")
        if "generic" not in path.parts
        and (calls := _var_dependent_calls(path.read_text(encoding="utf-8"), macro_names))
    }
    assert offenders == {}
    # the check finds both kinds it guards against (the two this project had)
    assert _var_dependent_calls(
        "{% set b = var('base_years') %}{% if b | length > 0 %}select * from {{ ref('x') }}{% endif %}", set()
    ) == ["ref('x')"]
    assert _var_dependent_calls(
        "{% set n = var('neutrality') %}{% if n.get('year') %}{{ scopes(n) }}{% endif %}", {"scopes"}
    ) == ["scopes(?)"]
    assert (
        _var_dependent_calls(
            "-- depends_on: {{ ref('x') }}\n{% if var('b') %}{{ ref('x') }}{% endif %}", set()
        )
        == []
    )


def test_a_plain_name_selects_what_dbts_own_comparison_selects():
    """The launcher answers a plain selector (no dot, no wildcard) from an index of name keys
    (dbt_launcher.name_keys); dbt compares it with every node (is_selected_node, with and without the
    package). For every node of the project and every name and fqn segment in it, both agree; and for
    versioned models, which the project has none of, on made-up fqns."""
    from dbt.graph.selector_methods import is_selected_node

    from pipelines.defs.transform.dbt import dbt_project, ensure_manifest
    from pipelines.lib.dbt_launcher import name_keys

    ensure_manifest()
    manifest = json.loads(dbt_project().manifest_path.read_text(encoding="utf-8"))
    nodes = [(n["fqn"], n.get("version") is not None) for n in manifest["nodes"].values()]
    nodes += [(["pkg", "marts", "orders", "v2"], True), (["pkg", "orders", "v1"], True),
              (["pkg", "staging.erp", "stg_orders"], False)]  # fmt: skip
    selectors = sorted({s for fqn, _v in nodes for part in fqn for s in (part, *part.split("."))}
                       | {"orders_v2", "v2", "nothing_is_called_this"})  # fmt: skip
    assert len(nodes) > 350 and len(selectors) > 350  # the project's 384 nodes in December 2026
    differ = [
        (fqn, sel)
        for fqn, versioned in nodes
        for sel in selectors
        if "." not in sel
        and (sel in name_keys(fqn, versioned))
        != (is_selected_node(fqn, sel, versioned) or is_selected_node(fqn[1:], sel, versioned))
    ]
    assert differ == []


def test_the_launchers_name_search_yields_what_dbts_yields():
    """dbt's own search and the launcher's (its index, built once per selection) yield the same nodes in
    the same order, on the project's manifest, for every node name and folder, a wildcard and a dotted
    selector (which go to dbt's own method), and a name nothing has."""
    from dbt.artifacts.schemas.manifest import WritableManifest
    from dbt.contracts.graph.manifest import Manifest
    from dbt.graph.selector_methods import QualifiedNameSelectorMethod

    from pipelines.defs.transform.dbt import dbt_project, ensure_manifest
    from pipelines.lib import dbt_launcher

    ensure_manifest()
    manifest = Manifest.from_writable_manifest(
        WritableManifest.read_and_check_versions(str(dbt_project().manifest_path))
    )
    included = (
        set(manifest.nodes) | set(manifest.sources) | set(manifest.exposures) | set(manifest.unit_tests)
    )
    selectors = sorted({part for n in manifest.nodes.values() for part in n.fqn}
                       | {"fct_*", "marts.inventory", "carbon_ledger.staging", "nothing_is_called_this"})  # fmt: skip
    original = QualifiedNameSelectorMethod.search
    expected = {
        s: list(original(QualifiedNameSelectorMethod(manifest, None, []), included, s)) for s in selectors
    }
    try:
        dbt_launcher._patch_name_selection()
        patched = QualifiedNameSelectorMethod.search
        assert patched is not original
        found = {
            s: list(patched(QualifiedNameSelectorMethod(manifest, None, []), included, s)) for s in selectors
        }
    finally:
        QualifiedNameSelectorMethod.search = original
    assert found == expected
    assert len(expected["fct_emissions"]) == 1 and len(expected["staging"]) > 50 and expected["fct_*"]
