"""From a decoded document to column batches: header location and mapping (§2.4), summary rows (§2.12),
JSON wrappers and record paths (§2.14). Generic: everything dataset-specific comes from the declarations."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from ingestion.cells import Cell, Num
from ingestion.contracts import ColumnDecl, DatasetDecl, TableDecl
from ingestion.readers import Document, FileRejected, Table, delimited
from ingestion.timeutil import SHANGHAI
from ingestion.types import ColumnType
from ingestion.values import normalise_header

HEADER_SEARCH_ROWS = 20
SUMMARY_WORDS = {"合计", "总计", "汇总", "小计", "总数", "平均", "平均值", "均值", "total", "sum", "average"}
FOOTER_PREFIXES = ("注：", "说明：", "数据来源：", "导出时间：", "注:", "说明:", "数据来源:", "导出时间:")
EXPORT_TIME_RE = re.compile(r"导出时间[:：]\s*(.+)")


def norm_header(value: object) -> str:
    """§2.4 normalisation: NFKC, drop BOM/zero-width, drop all whitespace, lowercase ASCII."""
    return _norm_text(cell_text(value))


_norm_text = lru_cache(maxsize=65536)(normalise_header)  # headers repeat across thousands of files


def cell_text(value: Cell | object) -> str:
    if value is None:
        return ""
    if isinstance(value, Num):
        v = value.value
        return str(int(v)) if v == int(v) and abs(v) < 1e15 else repr(v)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def is_blank(value: Cell | object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class PreRow:
    """A record quarantined before value parsing (too_many_fields, invalid_json_line)."""

    row_number: int
    reason: str
    message: str
    row: dict[str, Any]


@dataclass
class Batch:
    """Cells of one raw table from one file, column by column."""

    table: TableDecl
    row_numbers: list[int] = field(default_factory=list)
    cells: dict[str, list[Any]] = field(default_factory=dict)  # canonical name -> cells
    sources: dict[str, str] = field(default_factory=dict)  # canonical name -> header/path as delivered
    rows_read: int = 0
    rows_skipped: int = 0
    pre: list[PreRow] = field(default_factory=list)
    row_export_at: list[datetime | None] | None = None  # per-record export time (JSON call fetched_at)
    coverage: list[date] = field(default_factory=list)  # requested dates (datacube summary)
    overrides: dict[str, Any] = field(default_factory=dict)  # column -> ColumnType override (sheets)
    constants: dict[str, Any] = field(default_factory=dict)  # column -> constant value for all rows
    meta: dict[str, Any] = field(default_factory=dict)
    preparsed: dict[str, Any] = field(default_factory=dict)  # column -> ParsedColumn parsed across files

    @property
    def n(self) -> int:
        return len(self.row_numbers)


@dataclass
class Extracted:
    batches: list[Batch]
    meta: dict[str, Any]
    export_hint: datetime | None = None  # 导出时间 in the file or the wrapper's fetched_at


# --------------------------------------------------------------------------- header handling


_HEADER_INDEX: dict[str, dict[str, ColumnDecl]] = {}


def header_index(table: TableDecl) -> dict[str, ColumnDecl]:
    cached = _HEADER_INDEX.get(table.name)
    if cached is not None:
        return cached
    idx: dict[str, ColumnDecl] = {}
    for c in table.columns:
        if c.derived is not None:
            continue
        for h in c.headers():
            idx[norm_header(h)] = c
        idx.setdefault(norm_header(c.name), c)  # canonical English names are aliases too
    _HEADER_INDEX[table.name] = idx
    return idx


def find_header(rows: list[list[Cell]], table: TableDecl) -> int | None:
    """Index (into rows) of the first row holding at least two known header names."""
    idx = header_index(table)
    known = set(idx) | {norm_header(h) for h in table.reject_headers}
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = {norm_header(c) for c in row if not is_blank(c)} & known
        if len(hits) >= 2:
            return i
    return None


_EXPORT_TS = ColumnType("ts", planned=True)


def parse_export_time(text: str) -> datetime | None:
    """导出时间 values, parsed by the same timestamp rules as every `ts` column (naive = Asia/Shanghai)."""
    from ingestion.values import CellError, ParseContext
    from ingestion.values.dates import ref_ts

    try:
        utc_us, _precision = ref_ts(text.strip(), _EXPORT_TS, ParseContext("导出时间", None, False))
    except CellError:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=utc_us)


def _export_hint_in(rows: list[list[Cell]]) -> datetime | None:
    for row in rows:
        for c in row:
            if isinstance(c, str) and "导出时间" in c:
                m = EXPORT_TIME_RE.search(unicodedata.normalize("NFKC", c).replace(":", "：", 1))
                if m:
                    t = parse_export_time(m.group(1))
                    if t:
                        return t
    return None


def _is_summary(row: list[Cell]) -> bool:
    for c in row:
        if is_blank(c):
            continue
        text = cell_text(c).strip().lstrip("`").strip()
        if text.lower() in SUMMARY_WORDS:
            return True
        return text.startswith(FOOTER_PREFIXES)
    return False


@dataclass
class Mapping:
    positions: dict[str, int]  # canonical -> column index
    sources: dict[str, str]
    unmapped: list[str]
    dropped: list[str]


def map_header(header: list[Cell], table: TableDecl, where: str) -> Mapping:
    idx = header_index(table)
    positions: dict[str, int] = {}
    sources: dict[str, str] = {}
    seen: dict[str, int] = {}
    unmapped: list[str] = []
    dropped: list[str] = []
    for i, h in enumerate(header):
        if is_blank(h):
            continue
        n = norm_header(h)
        shown = cell_text(h).strip()
        for bad, reason in table.reject_headers.items():
            if n == norm_header(bad):
                raise FileRejected(
                    reason,
                    f"{where}: column '{shown}' marks a different export layout "
                    f"(e.g. a 子订单 line-item file); this dataset takes main-order exports",
                    {"column": shown},
                )
        if n in seen:
            raise FileRejected(
                "ambiguous_header", f"{where}: header '{shown}' appears twice (columns {seen[n] + 1} and {i + 1})",
                {"columns": [shown]},
            )
        seen[n] = i
        col = idx.get(n)
        if col is None:
            unmapped.append(shown)
            continue
        if col.name in positions:
            raise FileRejected(
                "ambiguous_header",
                f"{where}: columns '{sources[col.name]}' and '{shown}' both map to {col.name}",
                {"columns": [sources[col.name], shown]},
            )
        positions[col.name] = i
        sources[col.name] = shown
        if col.drop:
            dropped.append(shown)
    missing = [c.header or c.name for c in table.columns if c.required and c.read and c.name not in positions
               and not c.paths and c.header]
    if missing:
        raise FileRejected(
            "missing_required_column",
            f"{where}: required column(s) missing: {', '.join(missing)}",
            {"missing": missing},
        )
    return Mapping(positions, sources, unmapped, dropped)


def _key_position(table: TableDecl, m: Mapping) -> int | None:
    for k in table.key:
        if k in m.positions:
            return m.positions[k]
    for c in table.columns:
        if c.required and c.name in m.positions:
            return m.positions[c.name]
    return None


def rows_to_batch(tab: Table, hdr: int, table: TableDecl, m: Mapping, batch: Batch) -> None:
    """Data rows below the header into ``batch`` (appending), with summary/footer skipping."""
    width = len(tab.rows[hdr])
    keypos = _key_position(table, m)
    read_cols = [(name, pos) for name, pos in m.positions.items() if not table.column(name).drop]
    for name, _ in read_cols:
        batch.cells.setdefault(name, [])
    skipping = False
    for row, rn in zip(tab.rows[hdr + 1 :], tab.row_numbers[hdr + 1 :]):
        if all(is_blank(c) for c in row):
            continue
        batch.rows_read += 1
        if _is_summary(row):
            batch.rows_skipped += 1
            skipping = True
            continue
        if skipping:
            if keypos is None or keypos >= len(row) or is_blank(row[keypos]):
                batch.rows_skipped += 1
                continue
            skipping = False
        extra = [c for c in row[width:] if not is_blank(c)]
        if extra:
            batch.pre.append(
                PreRow(
                    rn,
                    "too_many_fields",
                    f"row {rn} has {len(row)} fields but the header has {width}; "
                    f"non-empty extra value(s): {', '.join(repr(cell_text(x)) for x in extra[:3])}",
                    {name: (row[pos] if pos < len(row) else None) for name, pos in read_cols},
                )
            )
            continue
        batch.row_numbers.append(rn)
        for name, pos in read_cols:
            batch.cells[name].append(row[pos] if pos < len(row) else None)


# --------------------------------------------------------------------------- tabular documents


def _csv_tables(doc: Document, table: TableDecl) -> tuple[Table, int, str]:
    """Comma, or tab if only a tab split of the header line yields the required columns (§2.2)."""
    assert doc.text is not None
    comma = delimited(doc.text, ",")
    hdr = find_header(comma.rows, table)
    if hdr is not None:
        try:
            map_header(comma.rows[hdr], table, "header")
            return comma, hdr, ","
        except FileRejected as exc:
            if exc.reason != "missing_required_column" or "\t" not in doc.text[:65536]:
                raise
    if "\t" in doc.text[:65536]:
        tab = delimited(doc.text, "\t")
        thdr = find_header(tab.rows, table)
        if thdr is not None:
            return tab, thdr, "\t"
    if hdr is not None:
        return comma, hdr, ","
    raise _header_not_found(doc, table)


def _header_not_found(doc: Document, table: TableDecl) -> FileRejected:
    if doc.encoding == "gb18030":
        return FileRejected(
            "encoding_suspect",
            "the file decodes as GB18030 but no header row was found in it: the bytes are probably in "
            "another encoding; re-export as UTF-8 or GBK",
            {},
        )
    wanted = [c.header for c in table.columns if c.required and c.header]
    return FileRejected(
        "header_not_found",
        f"no row in the first {HEADER_SEARCH_ROWS} rows holds two known column names; "
        f"expected e.g. {', '.join(wanted[:6])}",
        {"expected": wanted},
    )


def extract_tabular(doc: Document, table: TableDecl) -> Extracted:
    if table.format == "metric_sheets":
        return _extract_metric_sheets(doc, table)
    if table.format == "portrait_sheets":
        return _extract_portrait_sheets(doc, table)
    if doc.file_type == "csv":
        tab, hdr, delim = _csv_tables(doc, table)
        tabs = [(tab, hdr)]
        meta: dict[str, Any] = {"delimiter": "tab" if delim == "\t" else "comma"}
    else:
        found = None
        for t in (t for t in doc.tables if not t.hidden):  # hidden sheets only when named
            h = find_header(t.rows, table)
            if h is not None:
                found = (t, h)
                break
        if found is None:
            raise _header_not_found(doc, table)
        tabs = [found]
        meta = {}
    tab, hdr = tabs[0]
    m = map_header(tab.rows[hdr], table, "header")
    batch = Batch(table, sources=dict(m.sources))
    batch.meta["sheet"] = tab.name if doc.file_type == "xlsx" or doc.file_type == "xls" else None
    rows_to_batch(tab, hdr, table, m, batch)
    preamble = [" ".join(cell_text(c) for c in r if not is_blank(c)) for r in tab.rows[:hdr]]
    footer_hint = _export_hint_in(tab.rows[hdr + 1 :][-5:]) if len(tab.rows) > hdr + 1 else None
    meta.update(
        {
            "sheet": tab.name,
            "header_row": tab.row_numbers[hdr],
            "preamble": preamble,
            "unmapped_columns": m.unmapped,
            "dropped_columns": m.dropped,
        }
    )
    return Extracted([batch], meta, _export_hint_in(tab.rows[:hdr]) or footer_hint)


def _sheet_by_name(doc: Document, name: str) -> Table | None:
    want = norm_header(name)
    for t in doc.tables:
        if t.name is not None and norm_header(t.name) == want:
            return t
    return None


def _extract_metric_sheets(doc: Document, table: TableDecl) -> Extracted:
    """Xiaohongshu 涨粉数据: one sheet per metric, `日期` plus exactly one value column (§3.10)."""
    from ingestion.contracts import parse_type

    missing = [s for s, spec in table.sheets.items() if spec.get("req") and _sheet_by_name(doc, s) is None]
    if missing:
        raise FileRejected(
            "missing_required_sheet",
            f"workbook lacks the required sheet(s) {', '.join(missing)} (sheets present: "
            f"{', '.join(str(t.name) for t in doc.tables)})",
            {"missing": missing},
        )
    batches: list[Batch] = []
    preamble: list[str] = []
    hint = None
    for sname, spec in table.sheets.items():
        tab = _sheet_by_name(doc, sname)
        if tab is None:
            continue
        hdr = None
        for i, row in enumerate(tab.rows[:HEADER_SEARCH_ROWS]):
            if any(norm_header(c) == "日期" for c in row):
                hdr = i
                break
        if hdr is None:
            raise FileRejected("header_not_found", f"sheet {sname}: no header row with 日期", {"sheet": sname})
        header = tab.rows[hdr]
        date_pos = next(i for i, c in enumerate(header) if norm_header(c) == "日期")
        others = [i for i, c in enumerate(header) if i != date_pos and not is_blank(c)]
        if len(others) != 1:
            raise FileRejected(
                "ambiguous_header",
                f"sheet {sname}: expected 日期 and exactly one value column, found {len(others)} others",
                {"sheet": sname},
            )
        vpos = others[0]
        b = Batch(table, sources={"stat_date": "日期", "value": cell_text(header[vpos])})
        b.constants["metric"] = spec["metric"]
        b.overrides["value"] = parse_type(spec.get("type", "count"), {})
        # the one positional rule of the contract (§3.10): the value column is the column that is not 日期
        m = Mapping({"stat_date": date_pos, "value": vpos}, b.sources, [], [])
        rows_to_batch(tab, hdr, table, m, b)
        b.meta["sheet"] = sname
        batches.append(b)
        preamble += [" ".join(cell_text(c) for c in r if not is_blank(c)) for r in tab.rows[:hdr]]
        hint = hint or _export_hint_in(tab.rows[:hdr])
    return Extracted(
        batches,
        {"sheet": ",".join(table.sheets), "header_row": None, "preamble": preamble,
         "unmapped_columns": [], "dropped_columns": []},
        hint,
    )


def _extract_portrait_sheets(doc: Document, table: TableDecl) -> Extracted:
    """WeChat portrait workbook: sheets 性别分布/年龄分布/地域分布 with `<dim>|人数|占比` (§3.18)."""
    batches: list[Batch] = []
    hint = None
    for sname, spec in table.sheets.items():
        tab = _sheet_by_name(doc, sname)
        if tab is None:
            continue
        heads = [spec["header"], *spec.get("aliases", [])]
        want = {norm_header(h) for h in heads}
        hdr = None
        for i, row in enumerate(tab.rows[:HEADER_SEARCH_ROWS]):
            if any(norm_header(c) in want for c in row):
                hdr = i
                break
        if hdr is None:
            raise FileRejected("header_not_found", f"sheet {sname}: no header row with {spec['header']}", {})
        header = [norm_header(c) for c in tab.rows[hdr]]
        bpos = next(i for i, h in enumerate(header) if h in want)
        fpos = header.index("人数") if "人数" in header else None
        spos = header.index("占比") if "占比" in header else None
        if fpos is None and spos is None:
            raise FileRejected("missing_required_column", f"sheet {sname}: neither 人数 nor 占比", {})
        b = Batch(table, sources={"bucket_raw": spec["header"], "fans": "人数", "share_reported": "占比"})
        b.constants["dimension"] = spec["dimension"]
        b.cells = {"bucket_raw": [], "fans": [], "share_reported": []}
        b.meta["sheet_spec"] = spec
        b.meta["sheet"] = sname
        for row, rn in zip(tab.rows[hdr + 1 :], tab.row_numbers[hdr + 1 :]):
            if all(is_blank(c) for c in row):
                continue
            b.rows_read += 1
            if _is_summary(row):
                b.rows_skipped += 1
                continue
            b.row_numbers.append(rn)

            def at(p: int | None, row: list[Cell] = row) -> Cell:
                return row[p] if p is not None and p < len(row) else None

            b.cells["bucket_raw"].append(at(bpos))
            b.cells["fans"].append(at(fpos))
            b.cells["share_reported"].append(at(spos))
        batches.append(b)
        hint = hint or _export_hint_in(tab.rows[:hdr])
    if not batches:
        raise FileRejected(
            "missing_required_sheet",
            f"workbook has none of the portrait sheets {', '.join(table.sheets)}",
            {"missing": list(table.sheets)},
        )
    return Extracted(batches, {"sheet": ",".join(table.sheets), "header_row": None, "preamble": [],
                               "unmapped_columns": [], "dropped_columns": []}, hint)


# --------------------------------------------------------------------------- JSON documents

_MISSING = object()


def get_path(obj: Any, path: str) -> Any:
    cur = obj
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return _MISSING
    return cur


def parse_fetched_at(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return parse_export_time(value)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=SHANGHAI)
    return dt.astimezone(UTC)


def api_error(group: str, response: Any) -> tuple[str, str] | None:
    """§2.14 error envelopes. Returns (code, message) or None."""
    if not isinstance(response, dict):
        return None
    if group == "wechat":
        code = response.get("errcode")
        if code not in (None, 0, "0"):
            return str(code), str(response.get("errmsg", ""))
    elif group == "douyin":
        data = response.get("data")
        extra = response.get("extra")
        for part in (data, extra):
            if isinstance(part, dict) and part.get("error_code") not in (None, 0, "0"):
                return str(part.get("error_code")), str(part.get("description", ""))
    elif group == "kuaishou":
        if "result" in response and response.get("result") not in (1, "1"):
            return str(response.get("result")), str(response.get("error_msg", response.get("error", "")))
    elif group == "weibo" and "error_code" in response:
        return str(response.get("error_code")), str(response.get("error", ""))
    return None


@dataclass
class _Rec:
    obj: Any
    parents: list[Any]
    request: dict[str, Any]
    fetched_at: datetime | None


def _walk(node: Any, parts: list[str], level: int, parents: list[Any]) -> Iterator[tuple[Any, list[Any]]]:
    items = node if isinstance(node, list) else [node]
    for it in items:
        if level + 1 < len(parts):
            sub = get_path(it, parts[level + 1]) if isinstance(it, dict) else _MISSING
            if sub is _MISSING or sub is None:
                continue
            yield from _walk(sub, parts, level + 1, [*parents, it])
        else:
            yield it, parents


def iter_records(response: Any, paths: tuple[str, ...]) -> Iterator[tuple[Any, list[Any]]] | None:
    """Records under a response for the first record path that resolves (None when none does).

    Paths look like ``data.list`` or ``list[].details[]`` (records nested in list items; the outer item
    is the record's parent, reachable from a column path as ``^field``)."""
    for p in paths:
        parts = [seg.removesuffix("[]") for seg in p.split("[].")]
        first = get_path(response, parts[0])
        if first is _MISSING or first is None:
            continue
        return _walk(first, parts, 0, [])
    return None


def _column_values(recs: list[_Rec], col: ColumnDecl) -> list[Any]:
    """One column's cells from all records (first present, non-null path wins). Hot loop: plain
    comprehensions over pre-split paths."""
    out: list[Any] = [None] * len(recs)
    todo = list(range(len(recs)))
    for path in col.paths:
        if not todo:
            break
        if path.startswith("@request."):
            key = path[len("@request.") :]
            vals = [recs[i].request.get(key) if isinstance(recs[i].request, dict) else None for i in todo]
        elif path.startswith("^"):
            sub = path[1:]
            vals = [(_none(get_path(recs[i].parents[-1], sub)) if recs[i].parents else None) for i in todo]
        elif "." not in path:
            vals = [o.get(path) if type(o) is dict else None for o in (recs[i].obj for i in todo)]
        else:
            vals = [_none(get_path(recs[i].obj, path)) for i in todo]
        rest = []
        for i, v in zip(todo, vals):
            if v is None:
                rest.append(i)
            else:
                out[i] = v
        todo = rest
    return out


def _none(v: Any) -> Any:
    return None if v is _MISSING else v


def extract_json(
    doc: Document, ds: DatasetDecl, group: str, account: str | None, *, columnar: bool = True
) -> Extracted:
    """Records of a JSON/JSONL document into batches (``columnar=False``: always record by record, the
    reference for the column-at-a-time path of bare-record JSONL)."""
    tables = ds.table_for("json")
    if not tables:
        raise FileRejected(
            "unsupported_file_type",
            f"{ds.id} takes {', '.join(sorted({t.format for t in ds.tables}))} files, not JSON",
            {},
        )
    units: list[tuple[int | None, Any]]
    if doc.file_type == "jsonl":
        units = list(doc.json_lines or [])
    else:
        v = doc.json_value
        units = [(None, v)]
    if (columnar and doc.file_type == "jsonl" and all(not t.records and t.wrapper != "required" and t.format == "json"
                                         for t in tables)
            and not any("fanops_api_dump" in unit for _, unit in units)):
        return _extract_bare_lines(doc, tables, group, units)
    recs: dict[str, list[_Rec]] = {t.name: [] for t in tables}
    rownums: dict[str, list[int]] = {t.name: [] for t in tables}
    coverage: dict[str, list[date]] = {t.name: [] for t in tables}
    pre: list[PreRow] = []
    hint: datetime | None = None
    ordinal = 0
    apis_seen: list[str] = []
    wrapper_required = any(t.wrapper == "required" for t in tables)
    wrappers_only = all(t.wrapper == "required" for t in tables)
    bare_records_table = next((t for t in tables if not t.records), None)  # JSONL of records (messages...)

    def add(table: TableDecl, obj: Any, parents: list[Any], request: dict[str, Any], fetched: datetime | None,
            line: int | None) -> None:
        nonlocal ordinal
        ordinal += 1
        recs[table.name].append(_Rec(obj, parents, request, fetched))
        rownums[table.name].append(line if line is not None and doc.file_type == "jsonl" and not is_wrapper_doc
                                   else ordinal)

    is_wrapper_doc = False
    for line, unit in units:
        if isinstance(unit, dict) and "fanops_api_dump" in unit:
            is_wrapper_doc = True
            if unit.get("fanops_api_dump") != 1:
                raise FileRejected("missing_wrapper", "fanops_api_dump must be 1", {})
            fetched = parse_fetched_at(unit.get("fetched_at"))
            if fetched is None:
                raise FileRejected("missing_wrapper", "the wrapper lacks a valid fetched_at", {})
            hint = hint or fetched
            for key, want in (("platform", group), ("account", account)):
                got = unit.get(key)
                if got is not None and want is not None and str(got) != want:
                    raise FileRejected(
                        "account_mismatch",
                        f"the wrapper says {key} '{got}' but the file is under '{want}'",
                        {key: got},
                    )
            calls = unit.get("calls")
            if not isinstance(calls, list) or not calls:
                raise FileRejected("missing_wrapper", "the wrapper has no calls[]", {})
            for call in calls:
                if not isinstance(call, dict):
                    raise FileRejected("missing_wrapper", "a call is not an object", {})
                api = str(call.get("api", ""))
                table = next((t for t in tables if api in t.apis), None)
                if table is None:
                    allowed = sorted({a for t in tables for a in t.apis})
                    raise FileRejected(
                        "unsupported_api", f"api '{api}' is not accepted for {ds.id} (allowed: {', '.join(allowed)})",
                        {"api": api},
                    )
                apis_seen.append(api)
                request = call.get("request")
                if not isinstance(request, dict):
                    request = {}
                missing = [p for p in table.request if request.get(p) in (None, "")]
                if missing:
                    raise FileRejected(
                        "missing_request_param",
                        f"call {api} lacks request parameter(s) {', '.join(missing)}",
                        {"api": api, "missing": missing},
                    )
                response = call.get("response")
                err = api_error(group, response)
                if err:
                    raise FileRejected(
                        "api_error", f"call {api} returned error {err[0]}: {err[1]}",
                        {"api": api, "code": err[0], "message": err[1]},
                    )
                call_fetched = parse_fetched_at(call.get("fetched_at")) or fetched
                if table.coverage == "requested_dates":
                    coverage[table.name].extend(_date_range(request.get("begin_date"), request.get("end_date")))
                it = iter_records(response, table.records)
                got = [_Rec(obj, parents, request, call_fetched) for obj, parents in it or []]
                recs[table.name].extend(got)
                rownums[table.name].extend(range(ordinal + 1, ordinal + 1 + len(got)))
                ordinal += len(got)
        else:
            if wrappers_only:
                raise FileRejected(
                    "missing_wrapper",
                    f"{ds.id} needs the fanops wrapper (request parameters say which item/range the data "
                    f"belongs to); got a bare response",
                    {},
                )
            items = unit if isinstance(unit, list) else [unit]
            for item in items:
                err = api_error(group, item)
                if err:
                    raise FileRejected("api_error", f"response error {err[0]}: {err[1]}",
                                       {"code": err[0], "message": err[1]})
                matched = False
                for table in tables:
                    if table.wrapper == "required" or not table.records:
                        continue
                    it = iter_records(item, table.records)
                    if it is not None:
                        matched = True
                        for obj, parents in it:
                            add(table, obj, parents, {}, None, line)
                        break
                if matched:
                    continue
                t2 = bare_records_table or next((t for t in tables if t.bare_items_are_records), None)
                if t2 is not None and isinstance(item, dict):
                    add(t2, item, [], {}, None, line)
                    continue
                if wrapper_required and not any(t.wrapper != "required" for t in tables):
                    raise FileRejected("missing_wrapper", f"{ds.id} needs the fanops wrapper", {})
                if isinstance(item, dict) and not item:
                    continue
                raise FileRejected(
                    "invalid_json",
                    f"the JSON does not have the shape of {ds.id} (no "
                    f"{' / '.join(p for t in tables for p in t.records) or 'record'} found)",
                    {},
                )
    for ln, msg in doc.bad_lines:
        ordinal += 1
        pre.append(PreRow(ln, "invalid_json_line", f"line {ln} is not one JSON object: {msg}", {}))
    batches: list[Batch] = []
    for t in tables:
        b = Batch(t)
        b.row_numbers = rownums[t.name]
        b.rows_read = len(b.row_numbers)
        b.coverage = coverage[t.name]
        b.row_export_at = [r.fetched_at for r in recs[t.name]]
        for c in t.columns:
            if c.derived is not None or c.drop or not c.paths:
                continue
            b.cells[c.name] = _column_values(recs[t.name], c)
            b.sources[c.name] = c.paths[0]
        b.meta["records"] = recs[t.name] if t.format == "portrait_json" else None
        batches.append(b)
    if pre:
        # invalid lines belong to the dataset's first table (they cannot be routed)
        batches[0].pre.extend(pre)
        batches[0].rows_read += len(pre)
    meta = {"apis": sorted(set(apis_seen)), "wrapper": is_wrapper_doc, "sheet": None, "header_row": None,
            "preamble": [], "unmapped_columns": [], "dropped_columns": []}
    return Extracted(batches, meta, hint)


def _extract_bare_lines(doc: Document, tables: list[TableDecl], group: str, units: list[Any]) -> Extracted:
    """JSONL of bare records (listening mentions, ops messages): what the general loop of `extract_json`
    does for such a file (every record to the first table, its physical line as its row number, no request
    or parent), column by column instead of record by record."""
    objs = [unit for _, unit in units]
    if group in ("wechat", "douyin", "kuaishou", "weibo"):
        for item in objs:
            err = api_error(group, item)
            if err:
                raise FileRejected("api_error", f"response error {err[0]}: {err[1]}",
                                   {"code": err[0], "message": err[1]})
    batches: list[Batch] = []
    for k, t in enumerate(tables):
        mine = objs if k == 0 else []
        b = Batch(t)
        b.row_numbers = [line for line, _ in units] if k == 0 else []
        b.rows_read = len(b.row_numbers)
        b.coverage = []
        b.row_export_at = [None] * len(mine)
        for c in t.columns:
            if c.derived is not None or c.drop or not c.paths:
                continue
            b.cells[c.name] = _bare_column_values(mine, c)
            b.sources[c.name] = c.paths[0]
        b.meta["records"] = None
        batches.append(b)
    pre = [PreRow(ln, "invalid_json_line", f"line {ln} is not one JSON object: {msg}", {}) for ln, msg in doc.bad_lines]
    if pre:
        batches[0].pre.extend(pre)
        batches[0].rows_read += len(pre)
    meta = {"apis": [], "wrapper": False, "sheet": None, "header_row": None,
            "preamble": [], "unmapped_columns": [], "dropped_columns": []}
    return Extracted(batches, meta, None)


def _bare_column_values(objs: list[dict[str, Any]], col: ColumnDecl) -> list[Any]:
    """`_column_values` for records that are JSON objects without request or parent."""
    paths = [p for p in col.paths if not p.startswith(("@request.", "^"))]  # always None for bare records
    if not paths:
        return [None] * len(objs)
    first = paths[0]
    out = ([o.get(first) for o in objs] if "." not in first
           else [_none(get_path(o, first)) for o in objs])
    for path in paths[1:]:
        todo = [i for i, v in enumerate(out) if v is None]
        if not todo:
            break
        for i in todo:
            v = objs[i].get(path) if "." not in path else _none(get_path(objs[i], path))
            if v is not None:
                out[i] = v
    return out


def _date_range(begin: Any, end: Any) -> list[date]:
    try:
        b = date.fromisoformat(str(begin).strip())
        e = date.fromisoformat(str(end).strip())
    except ValueError:
        return []
    out: list[date] = []
    d = b
    while d <= e and len(out) < 400:
        out.append(d)
        d += timedelta(days=1)
    return out
