"""Tables of an HTML page (contract §2.2, "xls that is really HTML") with the stdlib ``html.parser``.

Every ``<table>`` becomes a ``Table`` named ``table N`` (N in order of the opening tags; a nested table
is its own table and its text is not part of the enclosing cell). ``th``/``td`` are cells; ``colspan``
and ``rowspan`` are expanded by repeating the value into every covered position; entities are
unescaped; ``<br>`` becomes a newline; other whitespace is collapsed to single spaces and trimmed per
line. Missing ``</td>``/``</tr>`` end tags are implied as browsers do. Row numbers count ``<tr>`` rows
of the table from 1; fully empty rows keep their number but are left out.
"""

from __future__ import annotations

from html.parser import HTMLParser

from ingestion.cells import Cell

from .model import Table, is_blank_row

_MAX_SPAN = 1000


class _TableState:
    __slots__ = ("cell", "col", "index", "pending", "row", "row_count", "rows")

    def __init__(self, index: int) -> None:
        self.index = index
        self.rows: list[tuple[int, list[Cell]]] = []
        self.row: list[Cell] | None = None
        self.row_count = 0
        self.col = 0
        # column -> (rows still covered, value) for rowspans reaching into later rows
        self.pending: dict[int, tuple[int, str]] = {}
        self.cell: _CellState | None = None


class _CellState:
    __slots__ = ("colspan", "lines", "parts", "rowspan")

    def __init__(self, colspan: int, rowspan: int) -> None:
        self.colspan = colspan
        self.rowspan = rowspan
        self.lines: list[str] = []
        self.parts: list[str] = []

    def text(self) -> str:
        lines = [*self.lines, "".join(self.parts)]
        return "\n".join(" ".join(line.split()) for line in lines)


def _span(value: str | None) -> int:
    try:
        n = int((value or "1").strip())
    except ValueError:
        return 1
    return min(max(n, 1), _MAX_SPAN)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[_TableState] = []
        self.done: list[_TableState] = []
        self.count = 0
        self.skip: str | None = None  # inside <script>/<style>: not cell text

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        # _markupbase raises AssertionError on an unknown "<![keyword[": skip it like a bogus comment.
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            j = self.rawdata.find(">", i)
            return -1 if j < 0 else j + 1

    # -- helpers -------------------------------------------------------------------------------
    def _fill_pending(self, t: _TableState) -> None:
        """Place rowspan carry-overs that sit at the current column."""
        assert t.row is not None
        while t.col in t.pending:
            left, value = t.pending[t.col]
            t.row.append(value)
            if left <= 1:
                del t.pending[t.col]
            else:
                t.pending[t.col] = (left - 1, value)
            t.col += 1

    def _close_cell(self, t: _TableState) -> None:
        c = t.cell
        if c is None:
            return
        t.cell = None
        if t.row is None:
            self._open_row(t)
        assert t.row is not None
        self._fill_pending(t)
        value = c.text()
        for _ in range(c.colspan):
            t.row.append(value)
            if c.rowspan > 1:
                t.pending[t.col] = (c.rowspan - 1, value)
            t.col += 1
            self._fill_pending(t)

    def _open_row(self, t: _TableState) -> None:
        t.row = []
        t.col = 0
        t.row_count += 1

    def _close_row(self, t: _TableState) -> None:
        self._close_cell(t)
        if t.row is None:
            return
        # rowspans from above that extend past the last cell of this row
        if t.pending:
            max_col = max(t.pending)
            while t.col <= max_col:
                if t.col in t.pending:
                    self._fill_pending(t)
                else:
                    t.row.append("")
                    t.col += 1
        t.rows.append((t.row_count, t.row))
        t.row = None

    def _close_table(self) -> None:
        t = self.stack.pop()
        self._close_row(t)
        self.done.append(t)

    # -- HTMLParser callbacks --------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip = tag
            return
        if tag == "table":
            self.count += 1
            self.stack.append(_TableState(self.count))
            return
        if not self.stack:
            return
        t = self.stack[-1]
        if tag == "tr":
            self._close_row(t)
            self._open_row(t)
        elif tag in ("td", "th"):
            self._close_cell(t)
            if t.row is None:
                self._open_row(t)
            a = dict(attrs)
            t.cell = _CellState(_span(a.get("colspan")), _span(a.get("rowspan")))
        elif tag == "br":
            if t.cell is not None:
                t.cell.lines.append("".join(t.cell.parts))
                t.cell.parts = []
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_row(t)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":  # <table/>: an empty table
            self.handle_starttag(tag, attrs)
            self._close_table()
        elif tag in ("td", "th"):
            self.handle_starttag(tag, attrs)
            if self.stack:
                self._close_cell(self.stack[-1])
        elif tag in ("script", "style"):
            return
        else:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == self.skip:
            self.skip = None
            return
        if not self.stack:
            return
        t = self.stack[-1]
        if tag == "table":
            self._close_table()
        elif tag == "tr":
            self._close_row(t)
        elif tag in ("td", "th"):
            self._close_cell(t)
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_row(t)

    def handle_data(self, data: str) -> None:
        if self.stack and self.skip is None:
            c = self.stack[-1].cell
            if c is not None:
                c.parts.append(data)


def read_tables(text: str) -> list[Table]:
    parser = _Parser()
    parser.feed(text)
    parser.close()
    while parser.stack:
        parser._close_table()
    out: list[Table] = []
    for t in sorted(parser.done, key=lambda s: s.index):
        rows: list[list[Cell]] = []
        numbers: list[int] = []
        for number, row in t.rows:
            if row and not is_blank_row(row):
                rows.append(row)
                numbers.append(number)
        out.append(Table(name=f"table {t.index}", rows=rows, row_numbers=numbers))
    return out
