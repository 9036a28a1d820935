"""Terminal tables and text that fit the terminal's width (pipelines/lib/terminal.py)."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipelines.lib import terminal


def _render(width: int, table: Table, packed: bool = False) -> str:
    buf = io.StringIO()
    terminal.print_table(Console(width=width, file=buf), table, packed=packed)
    return buf.getvalue()


def _table() -> Table:
    t = Table(title="Factors 排放因子", title_justify="left")
    t.add_column("factor_id", no_wrap=True)
    t.add_column("value", justify="right")
    t.add_column("source document")
    t.add_column("file")
    t.add_row("other_reference_values:ipcc2006_stationary_manufacturing_coal_n2o", "0.0015",
              "IPCC 2006 GL Vol.2 Table 2.3; 工业其他行业企业温室气体排放核算方法与报告指南（试行）",
              "erp/fuel_consumption/S200_2023.csv#216")  # fmt: skip
    t.add_row("cn_fuel_defaults:natural_gas", "21.62188809", "GB/T 32150-2015 Appendix B",
              "procurement/supplier_footprints/supplier_footprints.csv#1-2976")  # fmt: skip
    return t


def test_wrap_breaks_text_between_words_after_a_slash_and_between_chinese_characters_never_in_a_number():
    text = "2575.83 t × 0.43971 t CO2/t = 1132.6182093 t CO2e from erp/process_activity/S500_2023.csv#5 指南（试行）"
    for size in (16, 20, 33):
        lines = terminal.wrap(text, size)
        assert all(cell_len(line) <= size for line in lines), lines
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")  # nothing lost
        for whole in ("2575.83", "0.43971", "1132.6182093", "S500_2023.csv#5"):
            assert any(whole in line for line in lines), (size, whole, lines)
    assert terminal.wrap("指南（试行）", 6) == ["指南（", "试行）"]
    assert terminal.wrap("erp/process_activity/S500_2023.csv#5", 22) == [
        "erp/process_activity/",
        "S500_2023.csv#5",
    ]
    assert terminal.wrap("1/2 CO2/t", 4) == ["1/2", "CO2/", "t"]  # never between two digits
    assert terminal.wrap("a cn_fuel_defaults:natural_gas b", 40, terminal.WORDS) == [
        "a cn_fuel_defaults:natural_gas b"
    ]
    # a no-wrap cell is one piece: a table gives its column that much room
    assert terminal.min_width("cn_fuel_defaults:natural_gas = 1", terminal.ATOMIC) == 32
    assert terminal.min_width("cn_fuel_defaults:natural_gas = 1", terminal.WORDS) == 28


def test_a_table_that_fits_is_printed_as_rich_prints_it():
    buf = io.StringIO()
    Console(width=300, file=buf).print(_table())
    assert _render(300, _table()) == buf.getvalue()


@pytest.mark.parametrize("width", [80, 100, 140, 200])
def test_a_table_is_wrapped_or_laid_out_as_key_value_rows_never_cut(width):
    out = _render(width, _table())
    assert max(cell_len(line) for line in out.splitlines()) <= width
    assert "…" not in out
    for whole in ("other_reference_values:ipcc2006_stationary_manufacturing_coal_n2o", "cn_fuel_defaults:natural_gas",
                  "0.0015", "21.62188809", "S200_2023.csv#216", "supplier_footprints.csv#1-2976", "32150-2015"):  # fmt: skip
        assert whole in out, (width, whole)
    if width < 110:  # too narrow for a grid (the id alone is 66 cells): one field a line, the labels aligned
        assert "\nvalue:           21.62188809\n" in out
        assert ("\nfactor_id:\n  other_reference_values:" in out) == (
            width < 85
        )  # below its label if need be
    else:
        assert "┃ factor_id" in out
        assert any(
            line.startswith("│ cn_fuel_defaults:natural_gas ") and "│ 21.62188809 │" in line
            for line in out.splitlines()
        )


def test_packed_rows_put_several_fields_on_a_line_and_keep_a_cell_given_as_no_wrap_whole():
    t = Table(title="Inventory")
    for col in ("year", "approach", "scope 1", "scope 2", "note"):
        t.add_column(col, justify="right" if col.startswith("scope") else "left")
    t.add_row("2023", "operational_control", "56,156.4", "71,817.3", Text("all 1,369 rows", no_wrap=True))
    out = _render(30, t, packed=True)
    assert out.splitlines() == [
        "Inventory",
        "year: 2023",
        "  approach:",
        "    operational_control",
        "  scope 1: 56,156.4",
        "  scope 2: 71,817.3",
        "  note: all 1,369 rows",
    ]


def test_the_width_is_columns_else_the_terminal_else_the_default(monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    into_a_file = terminal.console(default=160, file=io.StringIO())
    assert into_a_file.width == 160 and into_a_file.hard_wrap is False  # a log keeps its lines whole
    monkeypatch.setenv("COLUMNS", "97")
    narrow = terminal.console(default=160, file=io.StringIO())
    assert narrow.width == 97 and narrow.hard_wrap is True
    buf = io.StringIO()
    terminal.print_text(
        terminal.console(default=160, file=buf), "✓ a check: expected 56156.41568108406, got 56156.41568108406 " * 3,
        indent="  ", hanging="    ",
    )  # fmt: skip
    lines = buf.getvalue().splitlines()
    assert all(cell_len(line) <= 97 for line in lines) and len(lines) > 1
    assert all(line.startswith("    ") for line in lines[1:])
    assert buf.getvalue().count("56156.41568108406") == 6
