"""How the analyst commands (stats, query, config) print: aligned tables and one-line errors.

A rich table on a terminal and a plain aligned table otherwise, so that piping into `less`, a
file or a mail gives clean text.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Collection, Sequence
from typing import Any

CELL_WIDTH = 60  # longer cells (article bodies) are cut for display, never in --out files


def _cell(value: Any, width: int = CELL_WIDTH) -> str:
    """A value as one line of at most width characters (dates in ISO, lists joined)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = ", ".join(_cell(v, width) for v in value)
    else:
        text = str(value)
    text = " ".join(text.split()) if "\n" in text or "\t" in text else text
    return text if len(text) <= width else text[: width - 1] + "…"


def plain_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    numeric: Collection[int] = (),
    width: int = CELL_WIDTH,
) -> str:
    """Columns aligned with spaces: readable in a pipe, a file or a mail, and easy to cut/awk."""
    cells = [[_cell(v, width) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def fmt(row: Sequence[str]) -> str:
        return "  ".join(
            (v.rjust(w) if i in numeric else v.ljust(w))
            for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    return "\n".join([fmt(headers), fmt(["-" * w for w in widths]), *(fmt(r) for r in cells)])


def is_tty() -> bool:
    """Whether stdout is a terminal (rich tables) rather than a pipe or a file (plain ones)."""
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def print_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    title: str | None = None,
    numeric: Collection[int] = (),
    width: int = CELL_WIDTH,
) -> None:
    """A titled table on stdout: rich on a terminal, plain_table otherwise; numeric columns right-aligned."""
    if is_tty():
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        # Text, not str: a title like "[Analysis] ..." must print as is, not as rich markup.
        table = Table(title=Text(title, style="bold") if title else None, title_justify="left")
        for i, header in enumerate(headers):
            table.add_column(Text(header), justify="right" if i in numeric else "left", overflow="fold")
        for row in rows:
            table.add_row(*(Text(_cell(v, width)) for v in row))
        Console().print(table)
        return
    if title:
        print(title)
    print(plain_table(headers, rows, numeric, width))
    print()


def print_error(message: str) -> None:
    """An 'error: ...' line on stderr, where scripts and people look for it."""
    print(f"error: {message}", file=sys.stderr)


def one_line(exc: BaseException) -> str:
    """DuckDB messages span lines (a caret under the SQL); one line reads better in a terminal."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:299] + "…"
