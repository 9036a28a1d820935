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

Fourth: events nobody receives are not rendered. dbt makes a protobuf message of every event when the
event is made, and renders each one as a JSON line before the logger's level drops it: a dozen debug
events per node (each query, connection, commit and compile step), about a third of a build of small
tables. Here an event's message is made on first use, and an event below every logger's level (and
below a warning) is dropped before rendering when no callback but dbt's own tracking of behaviour-change
warnings is registered: what dbt prints (the JSON lines dagster-dbt reads) is unchanged.

Fifth: the Python that Jinja generates from each node's, test's and macro's template is kept on disk
(pipelines/lib/dbt_templates.py), so a build does not lex, parse and generate again what an earlier
build, of any warehouse, generated. tests/test_dbt_launcher.py checks the fourth and the fifth.
"""

from __future__ import annotations

import os
import pprint
import sys

from pipelines.lib import dbt_handover, dbt_templates, shutdown

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


def _behaviour_tracking_only(callback) -> bool:
    # dbt's own callback, which acts on BehaviorChangeEvent (a warning) only
    return (getattr(callback, "__module__", ""), getattr(callback, "__qualname__", "")) == (
        "dbt.tracking", "track_behavior_change_warn")  # fmt: skip


def _patch_quiet_events() -> None:
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.logger import _log_level_map

    original = EventManager.fire_event
    if getattr(original, "_carbon", False):
        return
    warn = _log_level_map[next(level for level in _log_level_map if level.value == "warn")]

    def fire_event(self, e, level=None, node=None, force_warn_or_error_handling=False):
        # An event below every logger's level and below a warning, with no callback but dbt's tracking of
        # behaviour-change warnings, reaches nobody: dbt would build its message and JSON line first.
        if not force_warn_or_error_handling and all(map(_behaviour_tracking_only, self.callbacks)):
            rank = _log_level_map[level or e.level_tag()]
            if (
                rank < warn
                and type(e).__name__ != "PrintEvent"
                and all(rank < _log_level_map[logger.level] for logger in self.loggers)
            ):
                return
        original(self, e, level, node, force_warn_or_error_handling)

    fire_event._carbon = True
    EventManager.fire_event = fire_event


def _patch_lazy_events() -> None:
    from dbt_common.events.base_types import BaseEvent

    original_init = BaseEvent.__init__
    if getattr(original_init, "_carbon", False):
        return

    # dbt turns an event's fields into its protobuf message when the event is made; the message is
    # made on first use instead (by dbt's own constructor), so an event nobody logs costs nothing more.
    def __init__(self, *args, **kwargs):
        object.__setattr__(self, "_carbon_fields", (args, kwargs))

    def message_of(self):
        fields = self.__dict__
        if "pb_msg" not in fields and "_carbon_fields" in fields:
            args, kwargs = fields.pop("_carbon_fields")
            original_init(self, *args, **kwargs)
        return object.__getattribute__(self, "pb_msg")

    def __getattr__(self, key):
        message = message_of(self)
        return message if key == "pb_msg" else getattr(message, key)

    def __setattr__(self, key, value):
        if key == "pb_msg":
            object.__setattr__(self, key, value)
        else:
            setattr(message_of(self), key, value)

    __init__._carbon = True
    BaseEvent.__init__ = __init__
    BaseEvent.__getattr__ = __getattr__
    BaseEvent.__setattr__ = __setattr__


def patch() -> None:
    """The differences above, applied to dbt before it runs."""
    _patch_state_check()
    _patch_name_selection()
    _patch_lazy_events()
    _patch_quiet_events()
    dbt_templates.patch()


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
    shutdown.exit_now(run_dbt())  # dbt has closed its warehouse connections


if __name__ == "__main__":
    main()
