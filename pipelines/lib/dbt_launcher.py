"""`carbon-dbt`: dbt's own command line, with one difference in when it re-uses a parse.

dbt re-uses the previous parse of the project (target/partial_parse.msgpack) only when the
connection settings of the profile are unchanged, the DuckDB file's path included. Every warehouse
file therefore paid a full parse of the project (154 models, 425 tests, 548 macros: about 5 s on
2 cores) on its first build, and so did every test that builds a warehouse in a temporary folder.

The path of the warehouse file cannot change what dbt parses: no model, macro or test of this
project reads ``target.path`` (tests/test_dbt_parse_reuse.py checks that, and that a parse re-used
from another warehouse equals a full parse). So this launcher leaves the path out of the profile's
fingerprint; everything else dbt compares (its version, the --vars, the profile and target names,
the other connection settings, the environment variables that dbt_project.yml reads, every file's
checksum) is compared as before, so a change of configuration or code still re-parses what changed.
"""

from __future__ import annotations

import pprint
import sys

# The connection settings that may differ between two builds of the same project and code.
IGNORED_CONNECTION_KEYS = frozenset({"path"})


def _patch_state_check() -> None:
    from dbt.contracts.files import FileHash
    from dbt.parser.manifest import ManifestLoader

    original = ManifestLoader.build_manifest_state_check
    if getattr(original, "_carbon", False):
        return

    def build_manifest_state_check(self):
        state = original(self)
        # The same expression as dbt's (dbt/parser/manifest.py), without the ignored keys.
        keys = sorted(
            (k, v)
            for k, v in self.root_project.credentials.connection_info()
            if k not in IGNORED_CONNECTION_KEYS
        )
        state.profile_hash = FileHash.from_contents(pprint.pformat(keys))
        return state

    build_manifest_state_check._carbon = True
    ManifestLoader.build_manifest_state_check = build_manifest_state_check


def main() -> None:
    _patch_state_check()
    from dbt.cli.main import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
