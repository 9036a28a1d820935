"""`carbon-dbt`: dbt's own command line, with one difference in when it re-uses a parse.

dbt re-uses the previous parse of the project (target/partial_parse.msgpack) only when the
connection settings of the profile are unchanged, the DuckDB file's path included. Every warehouse
file therefore paid a full parse of the project (154 models, 425 tests, 548 macros: about 5 s on
2 cores) on its first build, and so did every test that builds a warehouse in a temporary folder.

The path of the warehouse file cannot change what dbt parses: no model, macro or test of this
project reads ``target.path`` (tests/test_dbt_parse_reuse.py checks that, and that a parse re-used
from another warehouse equals a full parse). So this launcher leaves the path out of the profile's
fingerprint; everything else dbt compares (its version, the profile and target names,
the other connection settings, the environment variables that dbt_project.yml reads, every file's
checksum) is compared as before, so a change of code still re-parses what changed.

The same holds for the values of the --vars that carbon.yml sets. dbt re-parses the whole project when
any of them changes (10-15 s on 2 cores), because a var could change what the parse finds: a ref()
inside a loop over a list, a column name in a YAML file. Only ``PARSE_VARS`` do that here: the
reporting currency names the finance marts' columns in their YAML. Every other var is read when a model
is compiled and run, which dbt does anew on each build with the vars of that build; no model reaches a
ref(), source() or macro only when a var says so. So the launcher keys the saved parse on PARSE_VARS
only (with dbt's version and the profile and target names, as dbt does); tests/test_dbt_parse_reuse.py
checks each model's Jinja for such calls, that a parse re-used across every other var changing equals a
full parse under the new vars, and that a change of currency re-parses.

Second difference: how dbt finds the nodes a plain name selects. A build of what changed excludes the
unchanged models, seeds and tests by name (pipelines/lib/dbt_state.py): several hundred names, each of
which dbt compares with every node of the project in Python (3 s of a build of one new month at scale
M, before the first model). The launcher answers a plain name (no dot, no wildcard) from an index of
the nodes built once per selection, with the nodes dbt's own comparison would find, in dbt's order;
any other selector goes to dbt's method as before (tests/test_dbt_parse_reuse.py checks that both
select the same nodes for every name of the project).

Third: in `carbon run`, a dbt process that imported dbt ahead of the build may be waiting for it; the
launcher then hands the build over to it instead of importing dbt itself (pipelines/lib/dbt_warm.py).
"""

from __future__ import annotations

import os
import pprint
import sys

from pipelines.lib import dbt_handover

# The connection settings that may differ between two builds of the same project and code.
IGNORED_CONNECTION_KEYS = frozenset({"path"})
# The vars whose value can change what dbt parses (the finance marts' YAML column names).
PARSE_VARS = frozenset({"reporting_currency"})


def parse_vars(vars_: dict) -> dict:
    """The part of a build's vars that its parse depends on."""
    return {k: v for k, v in vars_.items() if k in PARSE_VARS}


def _patch_state_check() -> None:
    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader
    from dbt.version import __version__

    original = ManifestLoader.build_manifest_state_check
    if getattr(original, "_carbon", False):
        return

    def build_manifest_state_check(self):
        state = original(self)
        config = self.root_project
        # The same expressions as dbt's (dbt/parser/manifest.py), without the ignored keys and vars.
        keys = sorted(
            (k, v) for k, v in config.credentials.connection_info() if k not in IGNORED_CONNECTION_KEYS
        )
        state.profile_hash = FileHash.from_contents(pprint.pformat(keys))
        state.vars_hash = FileHash.from_contents(
            "\x00".join([
                pprint.pformat(parse_vars(config.cli_vars)),
                getattr(config.args, "profile", "") or "",
                getattr(config.args, "target", "") or "",
                __version__,
            ])
        )  # fmt: skip
        return state

    build_manifest_state_check._carbon = True
    ManifestLoader.build_manifest_state_check = build_manifest_state_check


# a selector with one of these is not a plain name: dbt's own method answers it
_NOT_PLAIN = frozenset("*?[].")


def name_keys(fqn: list[str], is_versioned: bool) -> set[str]:
    """The plain selectors (no dot, no wildcard) that dbt's qualified-name method matches with a node
    of this fqn: dbt/graph/selector_methods.py is_selected_node, for the fqn with and without its
    package. Its leaf (a versioned model: its name, or name_version), or the first segment."""
    keys: set[str] = set()
    for part in (fqn, fqn[1:]):
        if not part:
            continue
        if is_versioned:
            if len(part) >= 2:
                keys.add(part[-2])
                keys.add("_".join(part[-2:]))
        else:
            keys.add(part[-1])
        keys.add(part[0].split(".")[0])
    return keys


def _patch_name_selection() -> None:
    from dbt.graph.selector_methods import QualifiedNameSelectorMethod

    original = QualifiedNameSelectorMethod.search
    if getattr(original, "_carbon", False):
        return
    latest: list = []  # [manifest, node set, index] of the latest selection: one at a time

    def search(self, included_nodes, selector: str):
        if not selector or any(c in _NOT_PLAIN for c in selector):
            yield from original(self, included_nodes, selector)
            return
        nodes = frozenset(included_nodes)
        if not latest or latest[0] is not self.manifest or latest[1] != nodes:
            index: dict[str, list] = {}
            for unique_id, node in self.non_source_nodes(included_nodes):
                for name in name_keys(list(node.fqn), bool(node.is_versioned)):
                    index.setdefault(name, []).append(unique_id)
            latest[:] = [self.manifest, nodes, index]
        index = latest[2]
        yield from index.get(selector, ())

    search._carbon = True
    QualifiedNameSelectorMethod.search = search


def patch() -> None:
    """The two differences above, applied to dbt before it runs."""
    _patch_state_check()
    _patch_name_selection()


def run_dbt() -> int:
    """dbt's command line on sys.argv (call patch() first): its exit code."""
    from dbt.cli.main import cli

    try:
        # the program's name in dbt's messages (click would read it from a `python -m` parent otherwise)
        cli(prog_name=os.path.basename(sys.argv[0]))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def main() -> None:
    # In `carbon run`, a dbt process that imported dbt ahead of this build may be waiting for it
    # (pipelines/lib/dbt_warm.py); without one, this process runs dbt itself.
    warm = os.environ.get(dbt_handover.ENV_SOCKET)
    if warm:
        code = dbt_handover.hand_over(warm)
        if code is not None:
            sys.exit(code)
    patch()
    sys.exit(run_dbt())


if __name__ == "__main__":
    main()
