"""Dataset declarations: the single source of truth for every landing dataset (contract §3).

``datasets.yaml`` is loaded once into typed objects; the reader, the raw DDL, the Dagster assets and the
(later) dbt sources and data-quality suites all read these objects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ingestion.types import DUCKDB_TYPES, ColumnType

CONTRACT_FILE = Path(__file__).with_name("datasets.yaml")

GROUPS = ("wechat", "douyin", "kuaishou", "xiaohongshu", "weibo", "shop", "ops", "listening")
PLATFORM_GROUPS = ("wechat", "douyin", "kuaishou", "xiaohongshu", "weibo")

LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("platform", "VARCHAR"),
    ("account", "VARCHAR"),
    ("_file_sha256", "VARCHAR"),
    ("_row_number", "BIGINT"),
    ("_loaded_at", "TIMESTAMP"),
    ("_export_at", "TIMESTAMP"),
)


class ContractError(ValueError):
    """The declaration file itself is inconsistent (a programming error, caught by tests)."""


@dataclass(frozen=True)
class ColumnDecl:
    name: str
    ctype: ColumnType | None  # None for dropped columns
    header: str | None = None
    aliases: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()  # JSON paths, first present wins
    required: bool = False
    key: bool = False
    nullable_key: bool = False
    default: Any = None
    drop: bool = False
    derived: str | None = None
    args: dict[str, str] = field(default_factory=dict)
    internal: bool = False  # read and used by derive functions, never stored
    check: str | None = None

    @property
    def stored(self) -> bool:
        return not self.drop and not self.internal

    @property
    def read(self) -> bool:
        """Read from the file (as opposed to derived)."""
        return self.derived is None

    def headers(self) -> tuple[str, ...]:
        out: list[str] = []
        if self.header:
            out.append(self.header)
        out.extend(self.aliases)
        return tuple(out)


@dataclass(frozen=True)
class TableDecl:
    name: str  # raw table name without schema, e.g. wechat_user_growth
    dataset: str
    format: str  # table | json | metric_sheets | portrait_sheets | portrait_json
    mode: str  # series | snapshot | events | registry
    key: tuple[str, ...]
    columns: tuple[ColumnDecl, ...]
    period: str | None = None
    checks: tuple[str, ...] = ()
    signature: tuple[str, ...] = ()
    wrapper: str = "none"  # required | optional | none
    apis: tuple[str, ...] = ()
    request: tuple[str, ...] = ()
    records: tuple[str, ...] = ()
    bare_items_are_records: bool = False
    replace_unit: tuple[str, ...] = ()
    coverage: str | None = None
    needs_export_time: bool = False
    reject_headers: dict[str, str] = field(default_factory=dict)
    account_refs: dict[str, str] = field(default_factory=dict)
    row_export_time: str | None = None
    row_account: bool = False
    row_platform: bool = False
    sheets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"raw.{self.name}"

    def column(self, name: str) -> ColumnDecl:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")

    def stored_columns(self) -> list[tuple[str, str]]:
        """(name, DuckDB type) of the raw table's declared columns, extra columns included."""
        out: list[tuple[str, str]] = []
        names = {n for n, _ in LINEAGE_COLUMNS}
        for c in self.columns:
            if not c.stored or c.ctype is None or c.name in names:
                continue
            out.append((c.name, DUCKDB_TYPES[c.ctype.kind]))
            if c.ctype.kind in ("count", "signed"):
                out.append((f"{c.name}_is_capped", "BOOLEAN"))
            if c.ctype.kind == "enum":
                out.append((f"{c.name}_raw", "VARCHAR"))
            if c.ctype.kind == "ts":
                stem = c.name[:-3] if c.name.endswith("_at") else c.name
                out.append((f"{stem}_date", "DATE"))
                if c.ctype.allow_relative:
                    out.append((f"{c.name}_precision", "VARCHAR"))
        return out

    def ddl_columns(self) -> list[tuple[str, str]]:
        cols = list(LINEAGE_COLUMNS)
        seen = {n for n, _ in cols}
        for n, t in self.stored_columns():
            if n not in seen:
                cols.append((n, t))
                seen.add(n)
        return cols


@dataclass(frozen=True)
class DatasetDecl:
    id: str  # 'wechat/user_growth'
    group: str  # 'wechat'
    folder: str  # 'user_growth'
    title: str
    tables: tuple[TableDecl, ...]

    @property
    def raw_tables(self) -> list[str]:
        return [t.qualified for t in self.tables]

    @property
    def has_account_folder(self) -> bool:
        return self.group not in ("ops", "listening")

    def table_for(self, fmt_family: str) -> list[TableDecl]:
        """Tables fed by a document family: 'tabular' or 'json'."""
        tab = {"table", "metric_sheets", "portrait_sheets"}
        if fmt_family == "tabular":
            return [t for t in self.tables if t.format in tab]
        return [t for t in self.tables if t.format not in tab]


@dataclass(frozen=True)
class Contract:
    datasets: dict[str, DatasetDecl]
    enums: dict[str, dict[str, str]]

    def table(self, name: str) -> TableDecl:
        for d in self.datasets.values():
            for t in d.tables:
                if t.name == name:
                    return t
        raise KeyError(name)

    def all_tables(self) -> list[TableDecl]:
        return [t for d in self.datasets.values() for t in d.tables]


_TYPE_RE = re.compile(r"^(?P<kind>[a-z_]+)(?P<strict>!)?(?:\((?P<arg>[^)]*)\))?$")


def norm_label(value: str) -> str:
    """Normalisation of enum labels: the value parsers' own (NFKC, trim, lowercase ASCII, `，`)."""
    from ingestion.values.scalars import norm_label as _norm

    return _norm(value)


def _enum_map(enums: dict[str, dict[str, str]], name: str) -> dict[str, str]:
    if name not in enums:
        raise ContractError(f"unknown enum {name!r}")
    out: dict[str, str] = {}
    for label, code in enums[name].items():
        out[norm_label(str(label))] = code
        out[norm_label(code)] = code  # English codes are accepted too
    return out


def parse_type(spec: str, enums: dict[str, dict[str, str]]) -> ColumnType:
    m = _TYPE_RE.match(spec.replace(" ", ""))
    if not m:
        raise ContractError(f"bad type {spec!r}")
    kind, strict, arg = m["kind"], bool(m["strict"]), m["arg"]
    args = [a for a in (arg or "").split(",") if a]
    if kind == "rate":
        if args not in (["f"], ["%s"], ["%n"]):
            raise ContractError(f"rate needs a unit: {spec}")
        return ColumnType("rate", rate_unit=args[0])  # type: ignore[arg-type]
    if kind == "dur":
        return ColumnType("dur", dur_unit="min" if args == ["min"] else "s")
    if kind == "ts":
        epoch = next((a for a in args if a.startswith("epoch_")), None)
        return ColumnType(
            "ts",
            epoch=epoch,  # type: ignore[arg-type]
            allow_relative="relative" in args,
            planned="planned" in args,
            end_of_period="end" in args,
        )
    if kind == "enum":
        return ColumnType("enum", enum_map=_enum_map(enums, args[0]), strict=strict)
    if kind == "list":
        return ColumnType("list", item_enum=_enum_map(enums, args[0]) if args else {}, strict=bool(args))
    if kind == "key":
        return ColumnType("key", namespace=args[0] if args else None)
    if kind not in DUCKDB_TYPES:
        raise ContractError(f"unknown type {spec!r}")
    return ColumnType(kind)  # type: ignore[arg-type]


def _column(raw: dict[str, Any], enums: dict[str, dict[str, str]]) -> ColumnDecl:
    path = raw.get("path")
    paths = tuple(path) if isinstance(path, list) else ((path,) if path else ())
    drop = bool(raw.get("drop"))
    ctype = None if drop and "type" not in raw else parse_type(str(raw.get("type", "text")), enums)
    default = raw.get("default")
    return ColumnDecl(
        name=raw["name"],
        ctype=ctype,
        header=raw.get("header"),
        aliases=tuple(raw.get("aliases", ())),
        paths=paths,
        required=bool(raw.get("req")),
        key=bool(raw.get("key")),
        nullable_key=bool(raw.get("nullable_key")),
        default=default,
        drop=drop,
        derived=raw.get("derived"),
        args=dict(raw.get("args", {})),
        internal=bool(raw.get("internal")),
        check=raw.get("check"),
    )


def _as_tuple(v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str):
        return (v,)
    return tuple(str(x) for x in v)


@cache
def load_contract(path: Path = CONTRACT_FILE) -> Contract:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    enums = {k: {str(a): str(b) for a, b in v.items()} for k, v in doc["enums"].items()}
    datasets: dict[str, DatasetDecl] = {}
    for ds_id, ds in doc["datasets"].items():
        group, folder = ds_id.split("/")
        if group not in GROUPS:
            raise ContractError(f"unknown group in {ds_id}")
        tables = []
        for tname, t in ds["tables"].items():
            cols = tuple(_column(c, enums) for c in t["columns"])
            names = [c.name for c in cols]
            if len(set(names)) != len(names):
                raise ContractError(f"{tname}: duplicate column names")
            key = tuple(t["key"])
            for k in key:
                if k not in names and k not in ("account", "platform"):
                    raise ContractError(f"{tname}: key column {k} not declared")
            tables.append(
                TableDecl(
                    name=tname,
                    dataset=ds_id,
                    format=t["format"],
                    mode=t["mode"],
                    key=key,
                    columns=cols,
                    period=t.get("period"),
                    checks=_as_tuple(t.get("checks")),
                    signature=_as_tuple(t.get("signature")),
                    wrapper=t.get("wrapper", "none"),
                    apis=_as_tuple(t.get("apis")),
                    request=_as_tuple(t.get("request")),
                    records=_as_tuple(t.get("records")),
                    bare_items_are_records=bool(t.get("bare_items_are_records")),
                    replace_unit=_as_tuple(t.get("replace_unit")),
                    coverage=t.get("coverage"),
                    needs_export_time=bool(t.get("needs_export_time")),
                    reject_headers=dict(t.get("reject_headers", {})),
                    account_refs=dict(t.get("account_refs", {})),
                    row_export_time=t.get("row_export_time"),
                    row_account=bool(t.get("row_account")),
                    row_platform=bool(t.get("row_platform")),
                    sheets=dict(t.get("sheets", {})),
                )
            )
        datasets[ds_id] = DatasetDecl(ds_id, group, folder, ds.get("title", ds_id), tuple(tables))
    return Contract(datasets, enums)


def all_datasets() -> list[DatasetDecl]:
    return list(load_contract().datasets.values())


def dataset(ds_id: str) -> DatasetDecl:
    return load_contract().datasets[ds_id]
