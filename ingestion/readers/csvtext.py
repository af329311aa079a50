"""RFC 4180 delimited text (contract §2.13) on the C ``csv`` module.

Row numbers: every record the csv reader yields (a quoted multi-line record is one record, a blank
line is a record of its own) takes the next 1-based number; fully empty records keep their number but
are left out of ``rows``. Rows are neither padded nor truncated (the engine handles short rows and
``too_many_fields``). An unterminated quote rejects the whole text ``malformed_csv`` with the physical
line on which the quote opened.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import chain

from ingestion.cells import Cell

from .model import FileRejected, Table, gc_paused

_CHUNK = 1 << 20  # characters per block handed to str.splitlines
# Characters str.splitlines() breaks on besides CR/LF; CSV line ends are only CR, LF and CRLF.
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BREAK = re.compile(r"\r\n|\r|\n")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")
# Appended after the last line: if a quote is still open the reader swallows it into the field.
# It carries its own line end so that "the sentinel alone" and "an open quoted field that swallowed the
# sentinel" can never look alike (the swallowed one keeps the "\n").
_SENTINEL = "\ufdd0\ufdd1\ufdd2\ufdd3\ufdd4"  # Unicode noncharacters: never a delimiter
_SENTINEL_LINE = _SENTINEL + "\n"
_FIELD_LIMIT = 2**31 - 1


def _blocks(text: str) -> Iterator[list[str]]:
    """Lists of physical lines (CR / LF / CRLF ends kept), about 1 MiB of text at a time."""
    n = len(text)
    pos = 0
    while pos < n:
        end = pos + _CHUNK
        if end >= n:
            end = n
        else:
            m = _BREAK.search(text, end)
            end = m.end() if m else n
        block = text[pos:end]
        # str.splitlines() also breaks on VT, FF, FS/GS/RS, NEL, U+2028/9: use the slower regex split
        # for the (rare) blocks holding one of those.
        yield _LINE.findall(block) if _OTHER_BREAKS.search(block) else block.splitlines(True)
        pos = end


def iter_lines(text: str) -> Iterator[str]:
    """Physical lines of ``text`` with their CR / LF / CRLF ends kept, without copying it whole."""
    return chain.from_iterable(_blocks(text))


def _count_breaks(s: str) -> int:
    return len(_BREAK.findall(s))


def delimited(text: str, delimiter: str) -> Table:
    """Parse ``text`` (already decoded, BOM-free) as RFC 4180 records split on ``delimiter``."""
    if len(delimiter) != 1 or delimiter in '\r\n"' or delimiter in _SENTINEL:
        raise ValueError(f"delimiter must be one character other than CR, LF and '\"': {delimiter!r}")
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)
    reader = csv.reader(
        chain(iter_lines(text), (_SENTINEL_LINE,)),
        delimiter=delimiter,
        quotechar='"',
        doublequote=True,
        skipinitialspace=False,
        strict=False,
    )
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    append_row = rows.append
    append_num = numbers.append
    number = 0
    with gc_paused():
        for number, row in enumerate(reader, 1):
            if row and (row[0].strip() or "".join(row).strip()):
                append_row(row)  # type: ignore[arg-type]
                append_num(number)
    # The sentinel is always the last record: alone when every quote closed, inside a field otherwise.
    if rows and numbers[-1] == number and rows[-1] == [_SENTINEL]:
        rows.pop()
        numbers.pop()
        return Table(name=None, rows=rows, row_numbers=numbers)
    last = rows[-1] if rows and numbers[-1] == number else []
    tail = last[-1] if last and isinstance(last[-1], str) else ""
    if not tail.endswith(_SENTINEL_LINE):  # pragma: no cover - defensive
        raise FileRejected("malformed_csv", "could not parse the delimited text", {})
    tail = tail[: -len(_SENTINEL_LINE)]
    n_lines = _count_breaks(text) + (0 if text[-1] in "\r\n" else 1)
    breaks = _count_breaks(tail)
    line = n_lines - breaks + (1 if text[-1] in "\r\n" else 0)
    line = max(1, min(line, n_lines))
    raise FileRejected(
        "malformed_csv",
        f"unterminated quoted field: the quote opened on line {line} is never closed",
        {"line": line, "record": number},
    )
