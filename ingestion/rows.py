"""Batch → typed rows + quarantine: value parsing, derivations, row rules, pseudonyms, lineage (§2, §4, §5.2)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from ingestion import pii
from ingestion.cells import Cell
from ingestion.contracts import ColumnDecl, TableDecl
from ingestion.derive import REGISTRY as DERIVES
from ingestion.derive import DeriveContext
from ingestion.extract import Batch, cell_text, is_blank
from ingestion.types import ColumnType
from ingestion.values import CellError, ParseContext, ParsedColumn, parse_column
from ingestion.values.dates import ref_ts

ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "text_masked": pa.string(),
    "id": pa.string(),
    "key": pa.string(),
    "count": pa.int64(),
    "signed": pa.int64(),
    "int": pa.int32(),
    "num": pa.float64(),
    "money": pa.decimal128(18, 2),
    "rate": pa.float64(),
    "ratio": pa.float64(),
    "dur": pa.float64(),
    "date": pa.date32(),
    "ts": pa.timestamp("us"),
    "bool": pa.bool_(),
    "enum": pa.string(),
    "list": pa.list_(pa.string()),
}

_EIGHT_HOURS = pa.scalar(timedelta(hours=8), type=pa.duration("us"))


@dataclass
class Problem:
    column: str | None
    reason: str
    message: str
    raw: Any


@dataclass
class FileContext:
    group: str | None
    account: str | None
    platform: str | None  # lineage platform (shop: the shop's platform)
    sha: str
    path: str
    dataset: str
    export_at: datetime  # effective export time (tz-aware UTC)
    export_in_file: bool
    loaded_at: datetime
    pii_key: bytes
    registry: Any


@dataclass
class RowResult:
    table: TableDecl
    rows: pa.Table
    quarantine: list[dict[str, Any]]
    rows_read: int
    rows_skipped: int
    coverage: pa.Table | None = None
    period: tuple[Any, Any] = (None, None)
    problems_by_reason: dict[str, int] = field(default_factory=dict)
    computed_rows: int = 0  # loaded rows that are not delivered records (portrait `other` remainders)
    row_export_max: datetime | None = None  # newest per-record export time (JSONL fetched_at, 数据截至时间)
    sources: dict[str, str] = field(default_factory=dict)  # canonical column -> header / JSON path as delivered

    @property
    def records_loaded(self) -> int:
        return self.rows.num_rows - self.computed_rows


class LazyCols(Mapping[str, list[Any]]):
    """Python lists of parsed columns, converted from arrow only when a derivation asks."""

    def __init__(self, arrays: dict[str, pa.Array]):
        self.arrays = arrays
        self.cache: dict[str, list[Any]] = {}

    def __getitem__(self, k: str) -> list[Any]:
        if k not in self.cache:
            self.cache[k] = self.arrays[k].to_pylist()
        return self.cache[k]

    def __setitem__(self, k: str, v: list[Any]) -> None:
        self.cache[k] = v

    def __iter__(self) -> Iterator[str]:
        return iter(set(self.arrays) | set(self.cache))

    def __len__(self) -> int:
        return len(set(self.arrays) | set(self.cache))

    def get(self, k: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[k] if (k in self.arrays or k in self.cache) else default


def _ctype(t: TableDecl, b: Batch, c: ColumnDecl) -> ColumnType:
    override = b.overrides.get(c.name)
    assert c.ctype is not None or override is not None
    return override or c.ctype  # type: ignore[return-value]


def _null_array(kind: str, n: int) -> pa.Array:
    return pa.nulls(n, type=ARROW_TYPES[kind])


def _as_array(values: list[Any], kind: str) -> pa.Array:
    return pa.array(values, type=ARROW_TYPES[kind])


def _mergeable(c: ColumnDecl) -> bool:
    ct = c.ctype
    return ct is not None and c.read and not c.drop and not (ct.kind == "ts" and ct.allow_relative)


def preparse(files: list[list[Batch]]) -> None:
    """Parse each column once across many small files of the same table and header layout.

    Parsing has a fixed cost per call, and landing trees hold thousands of small files, so cells are
    concatenated across files and parsed together. Only the export-time-dependent part of timestamp
    parsing (the plausibility upper bound) is left for `process_batch`, per file; relative-time columns
    are parsed per file.
    """
    groups: dict[tuple[str, frozenset[tuple[str, str]]], list[Batch]] = {}
    for batches in files:
        for b in batches:
            if b.n == 0 or b.overrides or b.constants:
                continue
            groups.setdefault((b.table.name, frozenset(b.sources.items())), []).append(b)
    for group in groups.values():
        if len(group) < 2:
            continue
        t = group[0].table
        offsets = [0]
        for b in group:
            offsets.append(offsets[-1] + b.n)
        for c in t.columns:
            if not _mergeable(c) or c.name not in group[0].cells:
                continue
            assert c.ctype is not None
            cells: list[Any] = []
            for b in group:
                cells.extend(b.cells[c.name])
            ctx = ParseContext(column=group[0].sources.get(c.name, c.header or c.name), export_at=None,
                               export_at_in_file=False)
            parsed = parse_column(cells, c.ctype, ctx)
            for k, b in enumerate(group):
                lo, hi = offsets[k], offsets[k + 1]
                b.preparsed[c.name] = ParsedColumn(
                    values=parsed.values.slice(lo, hi - lo),
                    capped=parsed.capped.slice(lo, hi - lo) if parsed.capped is not None else None,
                    precision=parsed.precision.slice(lo, hi - lo) if parsed.precision is not None else None,
                    raw=parsed.raw.slice(lo, hi - lo) if parsed.raw is not None else None,
                    errors={i - lo: e for i, e in parsed.errors.items() if lo <= i < hi},
                )


def _upper_plausibility(parsed: ParsedColumn, ct: ColumnType, fc: FileContext, source: str,
                        cells: list[Any]) -> ParsedColumn:
    """The per-file half of §2.10 plausibility: more than a day after the export time."""
    if ct.kind != "ts" or ct.planned:
        return parsed
    limit = (fc.export_at + timedelta(days=1)).astimezone(UTC).replace(tzinfo=None)
    late = pc.greater(parsed.values, pa.scalar(limit, pa.timestamp("us")))
    if not pc.any(late).as_py():
        return parsed
    idx = pc.indices_nonzero(pc.fill_null(late, False)).to_pylist()
    errors = dict(parsed.errors)
    for i in idx:
        errors[i] = ("implausible_timestamp",
                     f"column {source}: {cell_text(cells[i])!r} is more than a day after the export time")
    late_set = set(idx)
    mask = pa.array([i in late_set for i in range(len(parsed.values))])
    values = pc.if_else(mask, pa.scalar(None, parsed.values.type), parsed.values)
    precision = parsed.precision
    if precision is not None:
        precision = pc.if_else(mask, pa.scalar(None, pa.string()), precision)
    return ParsedColumn(values=values, capped=parsed.capped, precision=precision, raw=parsed.raw, errors=errors)


def process_batch(b: Batch, fc: FileContext) -> RowResult:
    t = b.table
    n = b.n
    problems: dict[int, list[Problem]] = {}

    def add(i: int, p: Problem) -> None:
        problems.setdefault(i, []).append(p)

    arrays: dict[str, pa.Array] = {}
    twins: dict[str, pa.Array] = {}
    # row-level export time (listening fetched_at, kol_posts metrics_as_of)
    row_export: list[datetime | None] | None = None
    row_export_max: datetime | None = None
    order = [c for c in t.columns if c.read and not c.drop and c.ctype is not None]
    if t.row_export_time:
        first = t.column(t.row_export_time)
        order = [first] + [c for c in order if c.name != first.name]
    for c in order:
        if c.name in b.constants:
            arrays[c.name] = _as_array([b.constants[c.name]] * n, _ctype(t, b, c).kind)
            continue
        ct = _ctype(t, b, c)
        cells = b.cells.get(c.name)
        source = b.sources.get(c.name, c.header or c.name)
        if cells is None:
            arrays[c.name] = _null_array(ct.kind, n)
            if ct.kind in ("count", "signed"):
                twins[f"{c.name}_is_capped"] = pa.nulls(n, pa.bool_())
            continue
        if c.name in b.preparsed and not b.overrides:
            parsed = _upper_plausibility(b.preparsed.pop(c.name), ct, fc, source, cells)
        elif ct.kind == "ts" and ct.allow_relative and row_export is not None:
            parsed = _parse_grouped(cells, ct, source, row_export, fc)
        else:
            pctx = ParseContext(column=source, export_at=fc.export_at, export_at_in_file=fc.export_in_file)
            parsed = parse_column(cells, ct, pctx)
        vals = parsed.values
        if vals.type != ARROW_TYPES[ct.kind]:
            vals = vals.cast(ARROW_TYPES[ct.kind])
        if c.default is not None:
            missing_mask = [v is None or is_blank(v) for v in cells]
            if any(missing_mask):
                filled = vals.to_pylist()
                for i, m in enumerate(missing_mask):
                    if m and i not in parsed.errors:
                        filled[i] = c.default
                vals = _as_array(filled, ct.kind)
        arrays[c.name] = vals
        for i, (reason, msg) in parsed.errors.items():
            add(i, Problem(c.name, reason, msg, cells[i]))
        if ct.kind in ("count", "signed"):
            twins[f"{c.name}_is_capped"] = parsed.capped if parsed.capped is not None else pa.nulls(n, pa.bool_())
        if ct.kind == "enum":
            twins[f"{c.name}_raw"] = parsed.raw if parsed.raw is not None else pa.nulls(n, pa.string())
        if ct.kind == "ts" and parsed.precision is not None:
            twins[f"{c.name}_precision"] = parsed.precision
        if t.row_export_time and c.name == t.row_export_time:
            row_export = [
                v.replace(tzinfo=UTC) if v is not None else None for v in arrays[c.name].to_pylist()
            ]
            known_exports = [v for v in row_export if v is not None]
            row_export_max = max(known_exports) if known_exports else None
            row_export = [v or fc.export_at if fc.export_in_file else v for v in row_export]

    # derivations (ids still in clear text)
    lazy = LazyCols(arrays)
    dctx = DeriveContext(t, fc.group, fc.account, lazy, n, fc.registry)  # type: ignore[arg-type]
    done: set[str] = set()
    for c in t.columns:
        if c.derived is None or c.name in done:
            continue
        out = DERIVES[c.derived](dctx, c)
        for name, values in out.items():
            col = t.column(name)
            assert col.ctype is not None
            arrays[name] = _as_array(values, col.ctype.kind)
            lazy.cache.pop(name, None)
            done.add(name)
    for i, plist in dctx.problems.items():
        for column, reason, msg, raw in plist:
            add(i, Problem(column, reason, msg, raw))

    # row rules
    _required(t, b, arrays, add, problems)
    _table_checks(t, b, arrays, lazy, fc, add, row_export)
    if problems is not None:
        _conflicting_duplicates(t, arrays, problems, add)

    # personal data: pseudonymise keys (namespace per row where needed)
    for c in t.columns:
        if c.stored and c.ctype is not None and c.ctype.kind == "key":
            arrays[c.name] = pii.pseudonymise(arrays[c.name], _namespaces(c, arrays, fc, n), fc.pii_key)

    bad = sorted(problems)
    quarantine = [_quarantine_record(t, b, i, problems[i], fc, arrays) for i in bad]
    quarantine += [_pre_record(t, p, fc) for p in b.pre]
    keep = pa.array([i not in problems for i in range(n)], type=pa.bool_()) if problems else None

    cols: dict[str, pa.Array] = {}
    lineage_platform = _lineage(t, "platform", arrays, fc.platform, n)
    lineage_account = _lineage(t, "account", arrays, fc.account, n)
    cols["platform"] = lineage_platform
    cols["account"] = lineage_account
    cols["_file_sha256"] = pa.array([fc.sha] * n, pa.string())
    cols["_row_number"] = pa.array(b.row_numbers, pa.int64())
    cols["_loaded_at"] = pa.array([fc.loaded_at.replace(tzinfo=None)] * n, pa.timestamp("us"))
    if row_export is not None:
        exp = [(v or fc.export_at).astimezone(UTC).replace(tzinfo=None) for v in row_export]
    elif b.row_export_at and len(b.row_export_at) == n and any(b.row_export_at):
        conv = {v: (v or fc.export_at).astimezone(UTC).replace(tzinfo=None) for v in set(b.row_export_at)}
        exp = [conv[v] for v in b.row_export_at]
    else:
        exp = [fc.export_at.astimezone(UTC).replace(tzinfo=None)] * n
    cols["_export_at"] = pa.array(exp, pa.timestamp("us"))
    for c in t.columns:
        if not c.stored or c.ctype is None or c.name in ("platform", "account"):
            continue
        arr = twins[c.name] if c.name in twins else arrays.get(c.name)
        if arr is None:
            arr = _null_array(c.ctype.kind, n)
        elif arr.type != ARROW_TYPES[c.ctype.kind]:
            arr = arr.cast(ARROW_TYPES[c.ctype.kind])
        cols[c.name] = arr
        if c.ctype.kind in ("count", "signed"):
            cols[f"{c.name}_is_capped"] = twins.get(f"{c.name}_is_capped", pa.nulls(n, pa.bool_()))
        if c.ctype.kind == "enum":
            cols[f"{c.name}_raw"] = twins.get(f"{c.name}_raw", pa.nulls(n, pa.string()))
        if c.ctype.kind == "ts":
            stem = c.name[:-3] if c.name.endswith("_at") else c.name
            cols[f"{stem}_date"] = pc.cast(pc.add(arr, _EIGHT_HOURS), pa.date32())
            if c.ctype.allow_relative:
                cols[f"{c.name}_precision"] = twins.get(f"{c.name}_precision", pa.nulls(n, pa.string()))
    table = pa.table(cols)
    if keep is not None:
        table = table.filter(keep)
    period = _period(t, table)
    cov = None
    if t.coverage == "requested_dates":
        dates = sorted(set(b.coverage))
        cov = pa.table(
            {
                "platform": pa.array([fc.platform] * len(dates), pa.string()),
                "account": pa.array([fc.account] * len(dates), pa.string()),
                "stat_date": pa.array(dates, pa.date32()),
                "_file_sha256": pa.array([fc.sha] * len(dates), pa.string()),
                "_loaded_at": pa.array([fc.loaded_at.replace(tzinfo=None)] * len(dates), pa.timestamp("us")),
                "_export_at": pa.array([fc.export_at.astimezone(UTC).replace(tzinfo=None)] * len(dates),
                                       pa.timestamp("us")),
            }
        )
        if dates:
            period = (min([*dates, *(d for d in [period[0]] if d)]), max([*dates, *(d for d in [period[1]] if d)]))
    by_reason: dict[str, int] = {}
    for q in quarantine:
        by_reason[q["reason"]] = by_reason.get(q["reason"], 0) + 1
    computed = 0
    if "is_computed_other" in table.column_names:
        computed = int(pc.sum(pc.cast(table["is_computed_other"], pa.int64())).as_py() or 0)
    return RowResult(t, table, quarantine, b.rows_read, b.rows_skipped, cov, period, by_reason, computed,
                     row_export_max, dict(b.sources))


def _parse_grouped(
    cells: list[Cell], ct: ColumnType, source: str, row_export: list[datetime | None], fc: FileContext
) -> ParsedColumn:
    """Relative times resolved against each row's own export time (listening `fetched_at`).

    The whole column is parsed once without an export time (absolute forms need none); only the cells
    that need one (relative and year-less forms) are parsed again, grouped by their row's export time.
    The "more than a day after the export time" bound is then applied per row."""
    first = parse_column(cells, ct, ParseContext(column=source, export_at=None, export_at_in_file=False))
    values: list[Any] = first.values.to_pylist()
    precision: list[Any] = first.precision.to_pylist() if first.precision is not None else [None] * len(cells)
    errors = dict(first.errors)
    groups: dict[datetime | None, list[int]] = {}
    for i, (reason, _msg) in first.errors.items():
        if reason == "relative_time_without_export_time":
            groups.setdefault(row_export[i], []).append(i)
    epoch = datetime(1970, 1, 1)
    for exp, idx in groups.items():
        in_file = exp is not None or fc.export_in_file
        ctx = ParseContext(column=source, export_at=exp or fc.export_at, export_at_in_file=in_file)
        for i in idx:  # few cells per export time: the reference parser directly, no arrays
            errors.pop(i, None)
            try:
                utc_us, prec = ref_ts(cells[i], ct, ctx)
            except CellError as e:
                errors[i] = (e.reason, e.message)
                continue
            values[i] = epoch + timedelta(microseconds=utc_us)
            precision[i] = prec
    if not ct.planned:
        for i, v in enumerate(values):
            if v is None:
                continue
            exp = row_export[i] or fc.export_at
            if v > (exp + timedelta(days=1)).astimezone(UTC).replace(tzinfo=None):
                values[i] = precision[i] = None
                errors[i] = ("implausible_timestamp",
                             f"column {source}: {cell_text(cells[i])!r} is more than a day after the export time")
    return ParsedColumn(
        values=pa.array(values, pa.timestamp("us")),
        capped=None,
        precision=pa.array(precision, pa.string()),
        raw=None,
        errors=errors,
    )


def _lineage(t: TableDecl, name: str, arrays: dict[str, pa.Array], fallback: str | None, n: int) -> pa.Array:
    if name in arrays and any(c.name == name for c in t.columns):
        return arrays[name].cast(pa.string())
    return pa.array([fallback] * n, pa.string())


def _namespaces(c: ColumnDecl, arrays: dict[str, pa.Array], fc: FileContext, n: int) -> str | list[str]:
    ns = c.ctype.namespace if c.ctype else None
    if not ns:
        return f"{fc.group}:user"
    if "{platform}" in ns:
        plats = arrays.get("platform")
        if plats is None:
            return ns.replace("{platform}", str(fc.platform))
        return [ns.replace("{platform}", str(p)) for p in plats.to_pylist()]
    if "{shop_platform}" in ns:
        sp = fc.platform or "shop"
        if sp in ("tmall", "taobao"):
            sp = "taobao"  # taobao and tmall share buyer ids (§4)
        return ns.replace("{shop_platform}", sp)
    return ns


def _required(
    t: TableDecl, b: Batch, arrays: dict[str, pa.Array], add: Any, problems: dict[int, list[Problem]]
) -> None:
    for c in t.columns:
        if not (c.required or (c.key and not c.nullable_key)) or c.drop:
            continue
        arr = arrays.get(c.name)
        if arr is None:
            continue
        nulls = pc.is_null(arr)
        if not pc.any(nulls).as_py():
            continue
        reason = "missing_key" if c.key else "missing_required_value"
        cells = b.cells.get(c.name)
        for i in pc.indices_nonzero(nulls).to_pylist():
            raw = cells[i] if cells is not None else None
            if any(p.column == c.name for p in problems.get(i, ())):
                continue  # a parse error was already recorded for this cell
            shown = c.header or (c.paths[0] if c.paths else c.name)
            if c.derived:
                msg = f"{c.name} could not be derived (e.g. no parseable id/URL/time): the row has no key"
            else:
                msg = f"column {shown}: required value is missing"
            add(i, Problem(c.name, reason, msg, raw))


def _table_checks(
    t: TableDecl, b: Batch, arrays: dict[str, pa.Array], lazy: LazyCols, fc: FileContext, add: Any,
    row_export: list[datetime | None] | None,
) -> None:
    n = b.n
    if "incomplete_period" in t.checks and "stat_date" in arrays:
        from ingestion.timeutil import shanghai_date

        export_day = shanghai_date(fc.export_at)
        for i, d in enumerate(lazy["stat_date"]):
            if d is not None and d >= export_day:
                add(i, Problem("stat_date", "incomplete_period",
                               f"stat_date {d} is on or after the export day {export_day}: the day was not "
                               f"complete when exported", str(d)))
    if "missing_agent_id" in t.checks:
        dirs, agents, autos = lazy["direction"], lazy["agent_id"], lazy["is_auto_reply"]
        for i in range(n):
            if dirs[i] == "out" and not autos[i] and agents[i] is None:
                add(i, Problem("agent_id", "missing_agent_id",
                               "an outgoing, non-automatic message needs agent_id (the ops/team 成员ID)", None))
    if "published_needs_time" in t.checks:
        st, pub = lazy["status"], lazy["published_at"]
        for i in range(n):
            if st[i] == "published" and pub[i] is None:
                add(i, Problem("published_at", "missing_required_value",
                               "column 实际发布时间: required when 状态 is 已发布", None))
    if "foreign_author" in t.checks and fc.registry is not None:
        own = fc.registry.platform_account_id(fc.group, fc.account)
        if own:
            for i, a in enumerate(lazy["author_platform_id"]):
                if a is not None and str(a) != own:
                    add(i, Problem("author_platform_id", "foreign_author",
                                   f"post authored by user {pii.pseudonymise([str(a)], 'weibo:user', fc.pii_key)[0]}"
                                   f", not the account's 平台账号ID", None))
    if t.row_account and fc.registry is not None:
        plats, accts = lazy["platform"], lazy["account"]
        for i in range(n):
            if plats[i] is not None and accts[i] is not None and not fc.registry.has(plats[i], accts[i]):
                add(i, Problem("account", "unknown_account",
                               f"account '{accts[i]}' is not registered in ops/accounts for {plats[i]}",
                               accts[i]))
    if t.account_refs and fc.registry is not None and t.account_refs.get("column") in ("accounts",):
        for i, refs in enumerate(lazy["accounts"]):
            for ref in refs or []:
                res = fc.registry.resolve(ref)
                if isinstance(res, str):
                    add(i, Problem("accounts", res,
                                   f"账号 '{ref}' " + ("matches several platforms: write <platform>/<slug>"
                                                       if res == "ambiguous_account"
                                                       else "is not registered in ops/accounts"), ref))
                    break


def _hashable(value: Any) -> Any:
    """A cell value for comparing rows: list columns (matched_keywords) come back as lists."""
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


def _conflicting_duplicates(
    t: TableDecl, arrays: dict[str, pa.Array], problems: dict[int, list[Problem]], add: Any
) -> None:
    """Same natural key twice in one file with different values → all of those rows (§5.2)."""
    keys = [k for k in t.key if k in arrays]
    if not keys or not arrays:
        return
    n = len(next(iter(arrays.values())))
    if n < 2:
        return
    key_lists = [arrays[k].to_pylist() for k in keys]
    if n < 20_000:
        seen: set[tuple[Any, ...]] = set()
        dup_keys: set[tuple[Any, ...]] = set()
        for kt in zip(*key_lists):
            (dup_keys if kt in seen else seen).add(kt)
    else:
        idx = pa.array(range(n), pa.int64())
        tbl = pa.table({**{f"k{j}": arrays[k] for j, k in enumerate(keys)}, "_i": idx})
        counts = tbl.group_by([f"k{j}" for j in range(len(keys))]).aggregate([("_i", "count")])
        dup = counts.filter(pc.greater(counts["_i_count"], 1))
        dup_keys = {tuple(r[f"k{j}"] for j in range(len(keys))) for r in dup.to_pylist()}
    if not dup_keys:
        return
    value_cols = [c.name for c in t.columns if c.stored and c.name in arrays and c.name not in keys]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i in range(n):
        kt = tuple(kl[i] for kl in key_lists)
        if kt in dup_keys and all(v is not None for v in kt):
            groups.setdefault(kt, []).append(i)
    for kt, rows in groups.items():
        values = {tuple(_hashable(arrays[v][i].as_py()) for v in value_cols) for i in rows}
        if len(values) <= 1:
            continue  # identical duplicates load; staging keeps one
        key_txt = ", ".join(f"{k}={v}" for k, v in zip(keys, kt))
        for i in rows:
            add(i, Problem(keys[-1], "conflicting_duplicate_key",
                           f"natural key ({key_txt}) appears {len(rows)} times in this file with different values",
                           kt[-1]))


def _protect(c: ColumnDecl | None, raw: Any, fc: FileContext, arrays: dict[str, pa.Array], i: int) -> str | None:
    """The raw value as it may be stored: pseudonymised (key columns) or masked (free text)."""
    if raw is None:
        return None
    text = cell_text(raw)
    if c is not None and c.ctype is not None:
        if c.ctype.kind == "key":
            ns = _namespaces(c, arrays, fc, 1)
            nsv = ns[i] if isinstance(ns, list) else ns
            return str(pii.pseudonymise([text.strip().lstrip("`").strip()], nsv, fc.pii_key)[0])
        if c.ctype.kind in ("text_masked",):
            return pii.mask_text(text)
    return pii.mask_text(text) if c is None or (c.ctype and c.ctype.kind in ("text",)) else text


def _protect_message(c: ColumnDecl | None, p: Problem, fc: FileContext, arrays: dict[str, pa.Array], i: int) -> str:
    """Messages quote the offending value: for personal-data columns quote its pseudonym instead (§4)."""
    msg = p.message
    if c is not None and c.ctype is not None and c.ctype.kind == "key" and p.raw is not None:
        raw = cell_text(p.raw)
        prot = _protect(c, p.raw, fc, arrays, i) or ""
        # longest first, in a fixed order (a set's order varies between processes): the quoted form of
        # the value goes as a whole
        for variant in sorted({raw, raw.strip(), repr(raw), repr(raw.strip())}, key=lambda v: (-len(v), v)):
            if variant:
                msg = msg.replace(variant, f"<pseudonym {prot}>")
    return pii.mask_text(msg) if p.reason != "foreign_author" else msg


def _row_json(t: TableDecl, b: Batch, i: int, fc: FileContext, arrays: dict[str, pa.Array]) -> str:
    row: dict[str, Any] = {}
    for name, cells in b.cells.items():
        try:
            c: ColumnDecl | None = t.column(name)
        except KeyError:
            c = None
        if c is not None and (c.drop or c.internal):
            continue  # internal cells (e.g. a mention URL with the author's uid) are shown as derived below
        row[name] = _protect(c, cells[i], fc, arrays, i)
    for c in t.columns:
        if c.derived and c.stored and c.name in arrays and c.name not in row:
            v = arrays[c.name][i].as_py()
            row[c.name] = v if not isinstance(v, str) else pii.mask_text(v)
    for k, v in b.constants.items():
        row[k] = v
    return json.dumps(row, ensure_ascii=False, default=str)


def _quarantine_record(
    t: TableDecl, b: Batch, i: int, plist: list[Problem], fc: FileContext, arrays: dict[str, pa.Array]
) -> dict[str, Any]:
    pos = {c.name: k for k, c in enumerate(t.columns)}
    plist = sorted(plist, key=lambda p: pos.get(p.column or "", 10_000))
    first = plist[0]
    col = None
    if first.column:
        try:
            col = t.column(first.column)
        except KeyError:
            col = None
    shown = (col.header or (col.paths[0] if col and col.paths else None) or first.column) if col else first.column
    return {
        "file_sha256": fc.sha,
        "row_number": b.row_numbers[i],
        "dataset": fc.dataset,
        "raw_table": t.qualified,
        "column_name": b.sources.get(first.column or "", shown) if first.column else None,
        "raw_value": _protect(col, first.raw, fc, arrays, i),
        "reason": first.reason,
        "all_reasons": [p.reason for p in plist],
        "message": _protect_message(col, first, fc, arrays, i),
        "row_json": _row_json(t, b, i, fc, arrays),
        "path": fc.path,
        "sheet": b.meta.get("sheet"),
        "quarantined_at": fc.loaded_at.replace(tzinfo=None),
    }


def _pre_record(t: TableDecl, p: Any, fc: FileContext) -> dict[str, Any]:
    row = {k: (pii.mask_text(cell_text(v)) if v is not None else None) for k, v in p.row.items()}
    return {
        "file_sha256": fc.sha,
        "row_number": p.row_number,
        "dataset": fc.dataset,
        "raw_table": t.qualified,
        "column_name": None,
        "raw_value": None,
        "reason": p.reason,
        "all_reasons": [p.reason],
        "message": pii.mask_text(p.message),
        "row_json": json.dumps(row, ensure_ascii=False),
        "path": fc.path,
        "quarantined_at": fc.loaded_at.replace(tzinfo=None),
    }


def _period(t: TableDecl, table: pa.Table) -> tuple[Any, Any]:
    if not t.period or table.num_rows == 0:
        return (None, None)
    col = t.period
    if col not in table.column_names:
        return (None, None)
    arr = table[col]
    if pa.types.is_timestamp(arr.type):
        stem = col[:-3] if col.endswith("_at") else col
        arr = table[f"{stem}_date"]
    mm = pc.min_max(arr).as_py()
    return (mm["min"], mm["max"])
