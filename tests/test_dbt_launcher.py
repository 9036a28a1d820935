"""What `carbon-dbt` changes in how dbt logs and compiles (pipelines/lib/dbt_launcher.py, fourth and fifth):
an event is made into a message only when something receives it, what a logger writes is what dbt
writes, and the Python generated from a template is kept and re-used with nothing else changed.

The patches are applied to this test process's dbt and taken off again after each test."""

from __future__ import annotations

import io
import json

import pytest

from pipelines.lib import dbt_launcher, dbt_templates


@pytest.fixture()
def unpatched():
    """dbt's own event and Jinja classes, restored after the test."""
    from dbt_common.clients.jinja import MacroFuzzEnvironment
    from dbt_common.events.base_types import BaseEvent
    from dbt_common.events.event_manager import EventManager

    saved = [
        (BaseEvent, name, BaseEvent.__dict__[name]) for name in ("__init__", "__getattr__", "__setattr__")
    ]
    saved += [(EventManager, "fire_event", EventManager.__dict__["fire_event"])]
    saved += [(MacroFuzzEnvironment, "compile", MacroFuzzEnvironment.compile)]
    restore = [(owner, name, value) for owner, name, value in saved]
    yield
    for owner, name, value in restore:
        setattr(owner, name, value)
    if "compile" in MacroFuzzEnvironment.__dict__:
        del MacroFuzzEnvironment.compile  # it was jinja2.Environment's


def _manager(level: str, callbacks=()):
    """An event manager with one JSON logger at `level` writing to a string buffer."""
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.event_manager import EventManager
    from dbt_common.events.functions import get_stdout_config
    from dbt_common.events.logger import LineFormat

    out = io.StringIO()
    config = get_stdout_config(LineFormat.Json, False, EventLevel(level), False)
    config.output_stream = out
    config.name = f"carbon_test_{level}_{id(out)}"
    manager = EventManager()
    manager.add_logger(config)
    for callback in callbacks:
        manager.add_callback(callback)
    return manager, out


def _events():
    from dbt.adapters.events.types import SQLQuery
    from dbt_common.events.types import Note, PrintEvent

    return [
        SQLQuery(conn_name="model.x", sql="select 1 as n", node_info={}),  # debug: one per query
        Note(msg="an info line"),
        PrintEvent(msg="printed"),
    ]


def _lines(out: io.StringIO) -> list[tuple[str, str, str]]:
    return [
        (e["info"]["name"], e["info"]["level"], e["info"]["msg"])
        for e in map(json.loads, out.getvalue().splitlines())
    ]


def test_what_a_logger_writes_is_what_dbt_writes(unpatched):
    """At level info and at level debug, the patched event manager writes the same lines as dbt's own
    (name, level, message); at info the debug event is left unmade: no protobuf message exists."""
    expected = {}
    for level in ("info", "debug"):
        manager, out = _manager(level)
        for event in _events():
            manager.fire_event(event)
        expected[level] = _lines(out)
    assert [name for name, _l, _m in expected["debug"]] == ["SQLQuery", "Note", "PrintEvent"]
    assert [name for name, _l, _m in expected["info"]] == ["Note", "PrintEvent"]

    dbt_launcher._patch_lazy_events()
    dbt_launcher._patch_quiet_events()
    for level in ("info", "debug"):
        manager, out = _manager(level)
        events = _events()
        for event in events:
            manager.fire_event(event)
        assert _lines(out) == expected[level]
        made = "pb_msg" in events[0].__dict__
        assert made is (level == "debug")  # the SQL line's message is made only when it is written


def test_a_callback_still_receives_every_event(unpatched):
    """With a callback registered (dbtRunner's callbacks), events below the logger's level still reach it,
    as in dbt; dbt's own behaviour-change tracking alone does not count as one."""
    from dbt.tracking import track_behavior_change_warn

    dbt_launcher._patch_lazy_events()
    dbt_launcher._patch_quiet_events()
    received = []
    manager, out = _manager("info", callbacks=[track_behavior_change_warn, received.append])
    for event in _events():
        manager.fire_event(event)
    assert [m.info.name for m in received] == ["SQLQuery", "Note", "PrintEvent"]
    assert received[0].data.sql == "select 1 as n" and received[0].info.msg == "On model.x: select 1 as n"
    assert [name for name, _l, _m in _lines(out)] == ["Note", "PrintEvent"]


def test_a_lazy_event_reads_and_writes_its_fields_as_dbts_does(unpatched):
    """A lazily made event answers its fields, its message and its dict as dbt's event does, and a field
    set on it is kept."""
    from dbt.adapters.events.types import SQLQuery

    before = SQLQuery(conn_name="c", sql="select 2", node_info={})
    dbt_launcher._patch_lazy_events()
    after = SQLQuery(conn_name="c", sql="select 2", node_info={})
    assert "pb_msg" not in after.__dict__
    assert (after.sql, after.conn_name, after.message()) == (before.sql, before.conn_name, before.message())
    assert after.to_dict() == before.to_dict()
    after.sql = "select 3"
    assert after.pb_msg.sql == "select 3" and after.message() == "On c: select 3"


def _packed(folder):
    return {k: v for pack in folder.glob("*.pack") for k, v in map(json.loads, pack.read_text().splitlines())}


def test_generated_python_is_kept_and_reused(unpatched, tmp_path):
    """A template compiled twice is generated once (a line in the store) and renders the same; the native
    environment (another code generator) keeps its own; a new process reads the store and compiles from
    it (a changed entry changes the output, so it is read and not generated again)."""
    from dbt_common.clients.jinja import MacroFuzzEnvironment, get_template

    text = "{% set n = 2 %}select {{ n * 3 }} as six, '{{ name | upper }}' as who"
    expected = get_template(text, {}).render({"name": "ab"})
    expected_native = get_template("{{ 1 + 2 }}", {}, native=True).render({})

    folder = tmp_path / "cache"
    dbt_templates.patch(folder)
    first = get_template(text, {}).render({"name": "ab"})
    assert first == expected == "select 6 as six, 'AB' as who" and len(_packed(folder)) == 1
    assert get_template(text, {}).render({"name": "cd"}) == "select 6 as six, 'CD' as who"
    assert len(_packed(folder)) == 1
    assert get_template("{{ 1 + 2 }}", {}, native=True).render({}) == expected_native
    assert get_template("{{ 1 + 2 }}", {}).render({}) == "3"
    packed = _packed(folder)
    assert len(packed) == 3  # the native and the text environment apart
    ((key, generated),) = [(k, v) for k, v in packed.items() if "as who" in v]
    assert generated.count("as who") == 1

    # another process: its store reads the packs (here: one entry changed on disk, a line cut short)
    (pack,) = folder.glob("*.pack")
    lines = [json.dumps([k, v.replace("as who", "as whom")]) for k, v in packed.items()]
    pack.write_text("\n".join(lines) + '\n["cut short', encoding="utf-8")
    del MacroFuzzEnvironment.compile
    dbt_templates.patch(folder)
    assert len(MacroFuzzEnvironment.compile.store.entries) == 3
    assert get_template(text, {}).render({"name": "ab"}) == "select 6 as six, 'AB' as whom"


def test_a_store_that_cannot_be_written_only_costs_time(unpatched, tmp_path):
    """A store folder where a file stands (a read-only checkout alike) compiles every template as dbt does."""
    from dbt_common.clients.jinja import get_template

    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder would be", encoding="utf-8")
    dbt_templates.patch(blocked)
    assert get_template("select {{ 7 }}", {}).render({}) == "select 7"
    assert get_template("select {{ 7 }}", {}).render({}) == "select 7"


def test_the_store_is_bounded(unpatched, tmp_path, monkeypatch):
    """Past MAX_PACKS packs a new process merges them into one with every entry; past SIZE_LIMIT bytes
    it starts again from nothing."""
    folder = tmp_path / "cache"
    folder.mkdir()
    for i in range(dbt_templates.MAX_PACKS + 1):
        (folder / f"{i}.pack").write_text(json.dumps([f"k{i}", f"v{i}"]) + "\n", encoding="utf-8")
    store = dbt_templates.Store(folder)
    assert len(store.entries) == dbt_templates.MAX_PACKS + 1
    assert len(list(folder.glob("*.pack"))) == 1 and len(_packed(folder)) == dbt_templates.MAX_PACKS + 1
    monkeypatch.setattr(dbt_templates, "SIZE_LIMIT", 10)
    assert dbt_templates.Store(folder).entries == {} and list(folder.glob("*.pack")) == []
