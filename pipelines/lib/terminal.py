"""Terminal output that fits the terminal: tables and text lines of ``carbon trace`` and the run summary.

The width is the ``COLUMNS`` environment variable when it is set, else the terminal's own width, else
(output to a file or a pipe) a fixed default that keeps logs as they were.

Tables are laid out here, not by rich: rich narrows a table that is too wide by cutting its columns
("…") or folding cells character by character, numbers included. :func:`print_table` instead

- never breaks a number, an identifier or the content of a ``no_wrap`` column (factor ids, sha256,
  timestamps): a right-aligned (numeric) column wraps only between words, a ``no_wrap`` column not at all;
- wraps text columns between words, after a ``/`` of a path (so a file name and its row number stay
  whole) and between Chinese characters;
- gives each column at least its longest unbreakable piece and shares the rest of the width by what
  each column would need on one line;
- draws the table without its outer border, or without a box, when that is what makes it fit, and when
  even that cannot fit (or a cell would wrap to more than ``MAX_CELL_LINES`` lines), prints each row as
  ``key: value`` lines instead of cutting anything.

:func:`print_text` wraps a free-text line (a finding, a check) the same way, with a hanging indent.
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import IO

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

MIN_WIDTH = 20  # narrower COLUMNS are taken as 20
MAX_CELL_LINES = 6  # a table whose cells would wrap to more lines than this is printed as key: value rows


class TerminalConsole(Console):
    """A rich console that knows whether long text lines are to be wrapped (a terminal, or ``COLUMNS``)
    or written whole (a file or a pipe, as before: a log keeps one finding per line)."""

    def __init__(self, *, hard_wrap: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hard_wrap = hard_wrap


def _columns_env() -> int | None:
    value = os.environ.get("COLUMNS", "").strip()
    return max(int(value), MIN_WIDTH) if value.isdigit() and int(value) > 0 else None


def width(default: int, file: IO[str] | None = None) -> int:
    """``COLUMNS`` if set, else the terminal's width when ``file`` (standard output) is one, else ``default``."""
    env = _columns_env()
    if env is not None:
        return env
    out = file if file is not None else sys.stdout
    if _isatty(out):
        return max(shutil.get_terminal_size((default, 24)).columns, MIN_WIDTH)
    return default


def console(default: int, file: IO[str] | None = None) -> TerminalConsole:
    """The console of a command: as wide as :func:`width`; text lines are wrapped to it on a terminal or
    when ``COLUMNS`` is set, and written whole into a file or a pipe."""
    out = file if file is not None else sys.stdout
    hard = _columns_env() is not None or _isatty(out)
    return TerminalConsole(hard_wrap=hard, width=width(default, out), file=file)


def _isatty(out) -> bool:
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):
        return False


# ---------------------------------------------------------------- wrapping

ATOMIC, WORDS, TEXT = "atomic", "words", "text"  # how a cell may break: never, between words, as text


def _wide(ch: str) -> bool:
    return cell_len(ch) > 1


def atoms(word: str, mode: str = TEXT) -> list[str]:
    """The unbreakable pieces of one word (no spaces), in order: the word itself unless it is text, whose
    pieces end after a '/' (not between two digits) and around each Chinese character."""
    if mode != TEXT:
        return [word]
    out: list[str] = []
    cur = ""
    for i, ch in enumerate(word):
        if _wide(ch):
            if cur:
                out.append(cur)
            out.append(ch)
            cur = ""
            continue
        cur += ch
        nxt = word[i + 1] if i + 1 < len(word) else ""
        if ch == "/" and nxt and not (cur[:-1][-1:].isdigit() and nxt.isdigit()):
            out.append(cur)
            cur = ""
    if cur:
        out.append(cur)
    return out


def _pieces(line: str, mode: str) -> list[tuple[str, str]]:
    """(atom, whitespace after it) for one line of text; a no-wrap line is one piece."""
    if mode == ATOMIC:
        return [(line.strip(), "")] if line.strip() else []
    pieces: list[tuple[str, str]] = []
    for word in line.split(" "):
        if not word:
            if pieces:  # keep runs of spaces inside a line
                atom, space = pieces[-1]
                pieces[-1] = (atom, space + " ")
            continue
        parts = atoms(word, mode)
        pieces.extend((p, "") for p in parts[:-1])
        pieces.append((parts[-1], " "))
    if pieces:
        pieces[-1] = (pieces[-1][0], "")
    return pieces


def min_width(text: str, mode: str = TEXT) -> int:
    """The width of the longest piece of ``text`` that cannot be broken."""
    return max((cell_len(a) for line in text.split("\n") for a, _ in _pieces(line, mode)), default=0)


def line_width(text: str) -> int:
    return max((cell_len(line) for line in text.split("\n")), default=0)


def _fold(atom: str, size: int) -> list[str]:
    """Last resort (a piece wider than the whole space): cut it every ``size`` cells."""
    out, cur = [], ""
    for ch in atom:
        if cur and cell_len(cur + ch) > size:
            out.append(cur)
            cur = ""
        cur += ch
    return [*out, cur] if cur else out


def wrap(text: str, size: int, mode: str = TEXT, indent: str = "", hanging: str | None = None) -> list[str]:
    """``text`` as lines of at most ``size`` cells: broken only between its pieces (see :func:`atoms`),
    the first line after ``indent``, the others after ``hanging`` (default: ``indent``)."""
    hanging = indent if hanging is None else hanging
    lines: list[str] = []
    for raw in text.split("\n"):
        lines += _pack(_pieces(raw, mode), size, indent, hanging)
    return lines


def _pack(
    pieces: list[tuple[str, str]], size: int, indent: str, hanging: str, line: str | None = None
) -> list[str]:
    """Pieces laid out greedily on lines of at most ``size`` cells; ``line`` is a line already begun."""
    lines: list[str] = []
    line, has = (indent, False) if line is None else (line, True)
    for atom, space in pieces:
        if has and cell_len(line) + cell_len(atom) > size:
            lines.append(line.rstrip(" "))
            line, has = hanging, False
        while cell_len(line) + cell_len(atom) > size:  # wider than a whole line: cut it
            head = _fold(atom, max(size - cell_len(line), 1))[0]
            lines.append(line + head)
            line, atom = hanging, atom[len(head) :]
        line += atom + space
        has = True
    lines.append(line.rstrip(" "))
    return lines


# ---------------------------------------------------------------- tables


def _plain(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        return Text.from_markup(cell).plain
    return str(cell)


def _mode(column) -> str:
    if column.no_wrap:
        return ATOMIC
    return WORDS if column.justify == "right" else TEXT


# The layouts tried in turn, each narrower than the one before: rich's box with its outer border; without
# it; no box at all, one space between columns and a rule under the header.
_LAYOUTS = (
    dict(show_edge=True, pad_edge=True),
    dict(show_edge=False, pad_edge=False),
    dict(show_edge=False, pad_edge=False, box=box.SIMPLE_HEAD, padding=0),
)


def _overhead(n: int, layout: dict) -> int:
    """Borders and padding of a rich table of ``n`` columns in ``layout``."""
    borders = n + 1 if layout["show_edge"] else n - 1
    padding = 0 if layout.get("padding") == 0 else 2 * n - (0 if layout["pad_edge"] else 2)
    return borders + padding


def _share(lo: list[int], hi: list[int], room: int) -> list[int]:
    """Column widths between ``lo`` and ``hi`` adding up to at most ``room``. The space above the minimums
    is shared fairly (max-min): a column that lacks little to fit on one line gets it all, the columns
    that lack more share the rest equally."""
    widths = list(lo)
    spare = room - sum(lo)
    wanting = sorted((i for i in range(len(lo)) if hi[i] > lo[i]), key=lambda i: hi[i] - lo[i])
    for k, i in enumerate(wanting):
        give = min(hi[i] - lo[i], spare // (len(wanting) - k))
        widths[i] += give
        spare -= give
    for i in reversed(wanting):  # what equal shares leave over (less than one cell each)
        if spare and widths[i] < hi[i]:
            widths[i] += 1
            spare -= 1
    return widths


def print_table(console: Console, table: Table, packed: bool = False) -> None:
    """Print ``table`` within ``console.width``: wrapped, never cut; as ``key: value`` rows when it cannot
    fit, one field a line (the labels aligned) or, ``packed``, as many fields a line as fit."""
    size = console.width
    columns = table.columns
    # how each cell may break: by its column, or never for a cell given as Text(..., no_wrap=True)
    modes = [[ATOMIC if isinstance(v, Text) and v.no_wrap else _mode(c) for v in c.cells] for c in columns]
    headers = [_plain(c.header) if table.show_header else "" for c in columns]
    cells = [[_plain(v) for v in c.cells] for c in columns]
    lo = [
        max([min_width(h, TEXT), 1] + [min_width(v, m) for v, m in zip(col, ms, strict=True)])
        for h, col, ms in zip(headers, cells, modes, strict=True)
    ]
    hi = [
        max([line_width(h)] + [line_width(v) for v in col] + [1])
        for h, col in zip(headers, cells, strict=True)
    ]
    for layout in _LAYOUTS:
        room = size - _overhead(len(columns), layout)
        if sum(lo) > room:
            continue
        widths = _share(lo, hi, room)
        tallest = max(
            (
                len(wrap(v, w, m))
                for col, ms, w in zip(cells, modes, widths, strict=True)
                for v, m in zip(col, ms, strict=True)
            ),
            default=1,
        )
        if tallest <= MAX_CELL_LINES:  # else so narrow a column is harder to read than key: value lines
            _print_grid(console, table, widths, headers, cells, modes, layout)
            return
    _print_title(console, table)
    if packed:
        _print_packed(console, table, headers, cells, modes)
    else:
        _print_rows(console, table, headers, cells, modes)


def _print_grid(console, table, widths, headers, cells, modes, layout: dict) -> None:
    out = Table(title=table.title, title_justify=table.title_justify, title_style=table.title_style,
                show_header=table.show_header, header_style=table.header_style, show_lines=table.show_lines,
                **{"box": table.box, **layout})  # fmt: skip
    for column, w, header in zip(table.columns, widths, headers, strict=True):
        out.add_column(Text("\n".join(wrap(header, w, TEXT))), justify=column.justify, style=column.style,
                       header_style=column.header_style, width=w, no_wrap=True, overflow="fold")  # fmt: skip
    for r, row in enumerate(table.rows):
        out.add_row(*(Text("\n".join(wrap(col[r], w, m[r]))) for col, w, m in zip(cells, widths, modes, strict=True)),
                    style=row.style, end_section=row.end_section)  # fmt: skip
    console.print(out)


def _print_rows(console, table, headers, cells, modes) -> None:
    """Each row as ``key: value`` lines, a rule between rows: for a table too wide for the terminal."""
    size = console.width
    labels = [" ".join(h.split()) for h in headers]
    key = min(max((cell_len(label) for label in labels), default=0), size // 2)
    for r, row in enumerate(table.rows):
        console.print("─" * size, style="dim", markup=False, highlight=False, soft_wrap=True)
        for label, col, col_modes in zip(labels, cells, modes, strict=True):
            mode = col_modes[r]
            value = col[r]
            if not value.strip():
                continue
            lines = _field(label, value, mode, key, size)
            for line in lines:
                console.print(line, style=row.style, markup=False, soft_wrap=True)


def _print_title(console, table) -> None:
    if table.title:
        for line in wrap(_plain(table.title), console.width, TEXT):
            console.print(line, style=table.title_style or "table.title", markup=False, highlight=False,
                          soft_wrap=True)  # fmt: skip


def _print_packed(console, table, headers, cells, modes) -> None:
    """Each row as ``key: value`` fields, as many a line as fit (a field is not split when it fits on a
    line of its own), the row's later lines indented."""
    size = console.width
    labels = [" ".join(h.split()) for h in headers]
    for r, row in enumerate(table.rows):
        lines: list[str] = []
        for label, col, col_modes in zip(labels, cells, modes, strict=True):
            mode = col_modes[r]
            value = " ".join(col[r].split("\n"))
            if not value.strip():
                continue
            pieces = _pieces(f"{label}:", TEXT) if label else []
            if pieces:
                pieces[-1] = (pieces[-1][0], " ")
            pieces += _pieces(value, mode)
            field = "".join(a + sp for a, sp in pieces).rstrip(" ")
            if lines and cell_len(lines[-1]) + 3 + cell_len(field) <= size:
                lines[-1] += " · " + field
            elif cell_len(("  " if lines else "") + field) <= size:
                lines.append(("  " if lines else "") + field)
            else:  # longer than a line: from a line of its own, wrapped
                lines += _pack(pieces, size, "  " if lines else "", "    ")
        for line in lines:
            console.print(line, style=row.style, markup=False, soft_wrap=True)


def _field(label: str, value: str, mode: str, key: int, size: int) -> list[str]:
    """``label: value``, the value beside the label when it fits there, else below it, indented."""
    head = f"{label}:" if label else ""
    beside = size - key - 2
    if label and cell_len(label) <= key and min_width(value, mode) <= beside:
        pad = " " * (key - cell_len(label))
        lines = wrap(value, size, mode, indent=f"{head}{pad} ", hanging=" " * (key + 2))
        return lines
    if not label:
        return wrap(value, size, mode, indent="  ")
    return [*wrap(head, size, TEXT), *wrap(value, size, mode, indent="  ")]


def print_text(console: Console, text: str, indent: str = "", hanging: str | None = None, style=None) -> None:
    """One line of free text: wrapped to the console's width between its pieces (a number is never
    split), continuation lines indented by ``hanging``; written whole when the output is not a terminal."""
    if not getattr(console, "hard_wrap", True):
        console.print(indent + text, markup=False, soft_wrap=True, style=style)
        return
    for line in wrap(text, console.width, TEXT, indent=indent, hanging=hanging):
        console.print(line, markup=False, soft_wrap=True, style=style)
