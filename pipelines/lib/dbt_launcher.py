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
"""

from __future__ import annotations

import pprint
import sys

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


def main() -> None:
    _patch_state_check()
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
