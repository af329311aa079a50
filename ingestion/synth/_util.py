"""Deterministic helpers for the synthetic landing generator: seeded RNGs, time formats, file writers.

Every writer produces byte-identical output for identical input (fixed workbook timestamps, insertion-ordered
JSON, no time-of-day dependence), so the committed sample can be regenerated and compared byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

# Fixed creation timestamp written into every workbook (docProps/core.xml); zip entries are 1980-01-01.
WORKBOOK_CREATED = datetime(2026, 1, 1, 0, 0, 0)
EPOCH_LOCAL = datetime(1970, 1, 1, 8, 0, 0)  # Unix epoch expressed in Asia/Shanghai wall time
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rng(seed: int, *keys: object) -> random.Random:
    """An independent RNG per (seed, keys): generation order never changes the values."""
    h = hashlib.sha256(("|".join([str(seed), *map(str, keys)])).encode()).digest()
    return random.Random(int.from_bytes(h[:8], "big"))


def hexid(seed: int, n: int, *keys: object) -> str:
    return hashlib.sha256(("|".join([str(seed), *map(str, keys)])).encode()).hexdigest()[:n]


def digits(seed: int, n: int, *keys: object, first: str = "") -> str:
    h = int(hexid(seed, 32, *keys), 16)
    body = str(h).rjust(n, "7")[: n - len(first)]
    return first + body


def poisson(r: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(r.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


# ----------------------------------------------------------------------------------------------- times
def epoch_s(local: datetime) -> int:
    return int((local - EPOCH_LOCAL).total_seconds())


def iso_local(local: datetime) -> str:
    return local.strftime("%Y-%m-%dT%H:%M:%S") + "+08:00"


def iso_z(local: datetime, millis: bool = True) -> str:
    utc = local - timedelta(hours=8)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "Z")


def weibo_time(local: datetime) -> str:
    return (
        f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local.day:02d} "
        f"{local:%H:%M:%S} +0800 {local.year}"
    )


def ts(local: datetime) -> str:
    return local.strftime("%Y-%m-%d %H:%M:%S")


def ts_min(local: datetime) -> str:
    return local.strftime("%Y-%m-%d %H:%M")


def cn_datetime(local: datetime) -> str:
    return local.strftime("%Y年%m月%d日%H时%M分%S秒")


def cn_date(d: date) -> str:
    return d.strftime("%Y年%m月%d日")


def excel_serial(d: date | datetime) -> float:
    if isinstance(d, datetime):
        delta = d - datetime(1899, 12, 30)
        return round(delta.days + delta.seconds / 86400.0, 7)
    return float((d - date(1899, 12, 30)).days)


def wan(n: int, unit: str = "万") -> str:
    """1.2万 style display (one decimal, trailing .0 dropped)."""
    v = f"{n / 10000:.1f}".rstrip("0").rstrip(".")
    return v + unit


def thousands(n: int) -> str:
    return f"{n:,}"


def money(x: float) -> str:
    return f"{x:.2f}"


def money_k(x: float) -> str:
    return f"{x:,.2f}"


def mmss(sec: float) -> str:
    s = round(sec)
    return f"{s // 60:02d}:{s % 60:02d}"


def hhmmss(sec: float) -> str:
    s = round(sec)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


# --------------------------------------------------------------------------------------------- writers
class Out:
    """The landing root plus the per-dataset record counters returned by ``generate``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.counts: dict[str, int] = {}
        self.files = 0

    def path(self, rel: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        return p

    def count(self, dataset: str, n: int) -> None:
        self.counts[dataset] = self.counts.get(dataset, 0) + n

    def write_bytes(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)
        self.files += 1

    def write_text(self, rel: str, text: str, encoding: str = "utf-8") -> None:
        self.write_bytes(rel, text.encode(encoding))

    def write_csv(
        self, rel: str, header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
    ) -> None:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
        self.write_text(rel, buf.getvalue(), encoding)

    def stream_csv(
        self, rel: str, header: Sequence[str], rows: Iterable[Sequence[Any]], encoding: str = "utf-8"
    ) -> int:
        """Like write_csv, but rows are written as they come (bounded memory); returns the row count."""
        n = 0
        with open(self.path(rel), "w", encoding=encoding, newline="") as fh:
            w = csv.writer(fh, lineterminator="\r\n")
            w.writerow(header)
            for row in rows:
                w.writerow(["" if v is None else v for v in row])
                n += 1
        self.files += 1
        return n

    def write_json(self, rel: str, obj: Any) -> None:
        self.write_text(rel, json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")

    def write_jsonl(self, rel: str, objs: Iterable[Any]) -> None:
        self.write_text(rel, "".join(json.dumps(o, ensure_ascii=False, separators=(",", ":")) + "\n" for o in objs))

    def write_xlsx(self, rel: str, sheets: Sequence[tuple[str, Sequence[Sequence[Any]]]]) -> None:
        """Cells: str/int/float/None, ('pct', x) percent-formatted number, ('date', d) date-formatted."""
        import xlsxwriter

        p = self.path(rel)
        wb = xlsxwriter.Workbook(str(p), {"strings_to_numbers": False, "strings_to_formulas": False,
                                          "strings_to_urls": False})
        wb.set_properties({"created": WORKBOOK_CREATED, "author": "fanops synth"})
        pct = wb.add_format({"num_format": "0.0%"})
        dfmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for name, rows in sheets:
            ws = wb.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, v in enumerate(row):
                    if v is None:
                        continue
                    if isinstance(v, tuple):
                        kind, x = v
                        if kind == "pct":
                            ws.write_number(r, c, x, pct)
                        elif kind == "date":
                            ws.write_number(r, c, excel_serial(x), dfmt)
                        else:
                            ws.write_number(r, c, x)
                    elif isinstance(v, (int, float)):
                        ws.write_number(r, c, v)
                    else:
                        ws.write_string(r, c, v)
        wb.close()
        self.files += 1

    def write_xls(self, rel: str, sheet: str, rows: Sequence[Sequence[Any]]) -> None:
        """Old binary BIFF8 workbook (xlwt); numbers become floats, as in real WeChat exports."""
        import xlwt

        wb = xlwt.Workbook(encoding="utf-8")
        ws = wb.add_sheet(sheet)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        buf = io.BytesIO()
        wb.save(buf)
        self.write_bytes(rel, buf.getvalue())

    def write_html_xls(
        self, rel: str, titles: Sequence[str], header: Sequence[str], rows: Iterable[Sequence[Any]],
        encoding: str = "gb18030",
    ) -> None:
        """An `.xls` that is really an HTML table (WeChat 用户分析 export), GBK with a gb2312 meta tag."""
        charset = "gb2312" if encoding in ("gb18030", "gbk") else "utf-8"
        ncol = len(header)
        parts = [
            "<html>\r\n<head>\r\n",
            f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">\r\n',
            "</head>\r\n<body>\r\n<table border=\"1\">\r\n",
        ]
        for t in titles:
            parts.append(f'<tr><td colspan="{ncol}">{escape(t, quote=False)}</td></tr>\r\n')
        parts.append("<tr>" + "".join(f"<th>{escape(h, quote=False)}</th>" for h in header) + "</tr>\r\n")
        for row in rows:
            cells = "".join(f"<td>{escape('' if v is None else str(v), quote=False)}</td>" for v in row)
            parts.append(f"<tr>{cells}</tr>\r\n")
        parts.append("</table>\r\n</body>\r\n</html>\r\n")
        self.write_text(rel, "".join(parts), encoding)


class JsonlChunks:
    """Streams JSON lines into numbered part files of at most ``per_file`` lines (bounded memory)."""

    def __init__(self, out: Out, rel_stem: str, per_file: int) -> None:
        self.out, self.stem, self.per_file = out, rel_stem, per_file
        self.part, self.n, self.total = 0, 0, 0
        self.fh: io.BufferedWriter | None = None

    def add(self, obj: Any) -> None:
        if self.fh is None or self.n >= self.per_file:
            self._rotate()
        assert self.fh is not None
        self.fh.write((json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n").encode())
        self.n += 1
        self.total += 1

    def _rotate(self) -> None:
        if self.fh is not None:
            self.fh.close()
        suffix = "" if self.part == 0 else f"_part{self.part + 1:03d}"
        p = self.out.path(f"{self.stem}{suffix}.jsonl")
        self.fh = open(p, "wb")  # noqa: SIM115 - closed in _rotate/close
        self.out.files += 1
        self.part += 1
        self.n = 0

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
