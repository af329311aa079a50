"""Raw suites: one per raw table of the landing contract, generated from its declaration.

The checks come from the same `TableDecl` / `ColumnDecl` objects the reader uses (`ingestion.contracts`):
nothing is declared twice. They are backstops of the reader's own rules, so a failure means a reader or
loader bug (or a hand-edited warehouse), never a bad delivery: bad deliveries are quarantined. Every check
is severity ``error``.

Per table (`raw.<table>`, guarding the ingestion asset of its dataset, ``("raw", *dataset.split("/"))``):

- lineage: ``_file_sha256`` and ``_row_number`` not null;
- required columns (``req``, and key columns that are not ``nullable_key``) not null (reader rule
  ``missing_key`` / ``missing_required_value``);
- natural key unique according to the delivery mode (`key.unique`, see below);
- ``rate`` columns in [0, 1] (``rate_out_of_range``); ``count`` columns >= 0 (``negative_count``);
  metric-sheet tables (Xiaohongshu 涨粉数据) check each sheet's metric by its declared type;
- ``enum`` columns: the stored code is one of the enum's codes, plus ``other`` for platform enums (not
  strict), where the reader codes unknown labels as ``other`` (strict ops-sheet enums quarantine them);
- timestamps (``ts`` columns that are not ``planned``, §2.10 plausibility): the Asia/Shanghai date is not
  before 2009-01-01, and the value is at most one day after the row's export time ``_export_at`` (the
  file's export time, or the row's own for listening ``fetched_at`` / KOL ``数据截至时间``).

**Key uniqueness per delivery mode** (contract §1 rules 5–6, `ingestion.warehouse.write_rows`). The batch
derives ``key_versions``: the number of distinct versions of a natural key, a version being (the file it
came from, every declared value column). It must be at most 1.

- ``series``, ``events``, ``registry`` (replaced modes): for each key (or wider replace unit) only the newest
  delivery's rows survive, so a key has one version in ``raw``. Identical duplicates *within one file* load
  (§5.2 ``conflicting_duplicate_key``: "identical duplicates load, and staging keeps one") and are one
  version; the same key from two files, or twice in one file with different values, is a failure.
- ``snapshot``: every delivery's rows are kept as history (never replaced), so the key repeats across files
  by design; within one file it has one version (again identical duplicates allowed). The partition is
  (key, ``_file_sha256``).

Columns hashed into a version are the declared stored columns outside the key, the same set the reader
compares to tell identical from conflicting duplicates; twins (``_is_capped``, ``_raw``) are left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from expectations.model import Check, Suite, SuiteKind
from ingestion.config import FanopsConfig
from ingestion.contracts import LINEAGE_COLUMNS, ColumnDecl, TableDecl, load_contract, parse_type
from ingestion.types import ColumnType

KIND: SuiteKind = "raw"
# §2.10: event times before 2009-01-01 (Asia/Shanghai) or more than a day after the export time are implausible
PLAUSIBLE_FROM_YEAR = 2009
MAX_DAYS_AFTER_EXPORT = 1.0
LINEAGE_NOT_NULL = ("_file_sha256", "_row_number")
LINEAGE_NAMES = frozenset(n for n, _ in LINEAGE_COLUMNS)
ID_LINEAGE = ("platform", "account")
ROW_LINEAGE = ("_file_sha256", "_row_number")
REPLACED_MODES = ("series", "events", "registry")


# ------------------------------------------------------------------------------------------- SQL helpers


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def dataset_asset_key(dataset_id: str) -> tuple[str, ...]:
    """The ingestion asset of a landing dataset (`orchestration.ingestion.assets.dataset_asset_key`)."""
    return ("raw", *dataset_id.split("/"))


def dataset_slug(dataset_id: str) -> str:
    return dataset_id.replace("/", "_")


def ts_date_column(name: str) -> str:
    """The Asia/Shanghai date twin of a `ts` column (`x_at` -> `x_date`), as the raw DDL names it."""
    stem = name[:-3] if name.endswith("_at") else name
    return f"{stem}_date"


def day_column(t: TableDecl) -> str | None:
    """The date a row belongs to: the period column (its `_date` twin for a `ts` period); None without one."""
    if not t.period:
        return None
    col = t.column(t.period)
    if col.ctype is not None and col.ctype.kind == "ts":
        return ts_date_column(col.name)
    return col.name


def dated_tables(tables: Iterable[TableDecl]) -> list[TableDecl]:
    """Tables whose rows carry a data date (a period column); registries and ops/kol_posts have none."""
    return [t for t in tables if day_column(t) is not None]


def _unique(names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n not in out:
            out.append(n)
    return out


# ------------------------------------------------------------------------------------ declared columns


def _stored(t: TableDecl) -> list[ColumnDecl]:
    return [c for c in t.columns if c.stored and c.ctype is not None]


def required_columns(t: TableDecl) -> list[ColumnDecl]:
    """Columns the reader quarantines when missing: `req`, and key columns that are not `nullable_key`."""
    return [c for c in _stored(t) if c.required or (c.key and not c.nullable_key)]


def columns_of_kind(t: TableDecl, kind: str) -> list[ColumnDecl]:
    return [c for c in _stored(t) if c.ctype is not None and c.ctype.kind == kind]


def plausible_ts_columns(t: TableDecl) -> list[ColumnDecl]:
    """Event-time columns under the §2.10 plausibility rule (planned times are exempt)."""
    return [c for c in columns_of_kind(t, "ts") if c.ctype is not None and not c.ctype.planned]


def enum_codes(ctype: ColumnType) -> list[str]:
    """The codes an enum column may hold: the enum's codes, plus `other` for a platform (non-strict) enum."""
    codes = set(ctype.enum_map.values())
    if not ctype.strict:
        codes.add("other")
    return sorted(codes)


def metric_sheet_types(t: TableDecl) -> list[tuple[str, ColumnType]]:
    """(metric, declared type) of a metric-sheet table (one sheet per metric, values in `value`)."""
    if t.format != "metric_sheets":
        return []
    enums = load_contract().enums
    out = []
    for spec in t.sheets.values():
        metric = str(spec["metric"])
        out.append((metric, parse_type(str(spec.get("type", "num")), enums)))
    return out


def version_columns(t: TableDecl) -> list[str]:
    """The declared stored columns outside the key: what tells two rows of one key apart."""
    return [c.name for c in _stored(t) if c.name not in t.key and c.name not in LINEAGE_NAMES]


def _label(c: ColumnDecl) -> str:
    return c.header or c.name


# ----------------------------------------------------------------------------------------------- suite


def key_partition(t: TableDecl) -> list[str]:
    """The columns within which a natural key has one version: the key (snapshot: the key and the file)."""
    return _unique(list(t.key) + (["_file_sha256"] if t.mode not in REPLACED_MODES else []))


def versioned_rows_sql(t: TableDecl) -> str:
    """The table's rows with `key_versions`: the distinct (file, values) versions of the row's key partition
    (see the module docstring). Only keys with several versions are aggregated into the join; an aggregate
    and a join run faster than a DISTINCT window on large tables."""
    hashed = ", ".join(q(n) for n in ["_file_sha256", *version_columns(t)])
    part = key_partition(t)
    cols = ", ".join(q(n) for n in part)
    on = " AND ".join(f"r.{q(n)} IS NOT DISTINCT FROM v.{q(n)}" for n in part)
    return (
        f"WITH versions AS (\n"
        f"    SELECT {cols}, count(DISTINCT hash({hashed})) AS key_versions\n"
        f"    FROM {t.qualified}\n"
        f"    GROUP BY {cols}\n"
        f"    HAVING count(DISTINCT hash({hashed})) > 1\n"
        f"),\n"
        f"versioned AS (\n"
        f"    SELECT r.*, coalesce(v.key_versions, 1) AS key_versions\n"
        f"    FROM {t.qualified} AS r LEFT JOIN versions AS v ON {on}\n"
        f")"
    )


def raw_suite(t: TableDecl) -> Suite:
    name = f"raw.{t.name}"
    checks: list[Check] = []
    derived: list[tuple[str, str]] = []  # (column alias, SQL expression)
    checked: list[str] = []

    def add(check: Check, column: str | None = None) -> None:
        checks.append(check)
        if column is not None:
            checked.append(column)

    for col in LINEAGE_NOT_NULL:
        add(
            Check(
                name=f"{name}.{col}.not_null",
                expectation_type="expect_column_values_to_not_be_null",
                kwargs={"column": col},
                description=f"Every row names its lineage ({col}): the file it came from and its row there.",
                label_zh=f"血缘列 {col} 不能为空",
            ),
            col,
        )

    mode_rule = (
        "one version per natural key (identical duplicates within one file aside)"
        if t.mode in REPLACED_MODES
        else "one version per natural key within each file (snapshots keep every delivery as history)"
    )
    checked.append("key_versions")
    add(
        Check(
            name=f"{name}.key.unique",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "key_versions", "max_value": 1},
            description=(
                f"Natural key ({', '.join(t.key)}), delivery mode {t.mode}: {mode_rule}. key_versions counts the "
                "distinct (file, values) versions of the row's key."
            ),
            label_zh=f"自然键唯一（{t.mode} 模式：{'每个键一个版本' if t.mode in REPLACED_MODES else '每个文件内每个键一个版本'}）",
        )
    )

    for c in required_columns(t):
        add(
            Check(
                name=f"{name}.{c.name}.not_null",
                expectation_type="expect_column_values_to_not_be_null",
                kwargs={"column": c.name},
                description=f"{c.name} ({_label(c)}) is {'a key' if c.key else 'required'}: the reader "
                "quarantines rows without it (missing_key / missing_required_value).",
                label_zh=f"{_label(c)} 为必填{'（键）' if c.key else ''}，不能为空",
            ),
            c.name,
        )
    for c in columns_of_kind(t, "rate"):
        add(
            Check(
                name=f"{name}.{c.name}.between_0_and_1",
                expectation_type="expect_column_values_to_be_between",
                kwargs={"column": c.name, "min_value": 0, "max_value": 1},
                description=f"{c.name} ({_label(c)}) is a rate stored as a fraction in [0, 1] (§2.8 rate_out_of_range).",
                label_zh=f"{_label(c)} 为比率，须在 0 到 1 之间",
            ),
            c.name,
        )
    for c in columns_of_kind(t, "count"):
        add(
            Check(
                name=f"{name}.{c.name}.non_negative",
                expectation_type="expect_column_values_to_be_between",
                kwargs={"column": c.name, "min_value": 0},
                description=f"{c.name} ({_label(c)}) is a count, never negative (§2.6 negative_count).",
                label_zh=f"{_label(c)} 为计数，不能为负",
            ),
            c.name,
        )
    for metric, ctype in metric_sheet_types(t):
        alias = f"{metric}_value"
        expr = f"CASE WHEN {q('metric')} = {lit(metric)} THEN {q('value')} END"
        if ctype.kind == "rate":
            derived.append((alias, expr))
            add(
                Check(
                    name=f"{name}.{metric}.between_0_and_1",
                    expectation_type="expect_column_values_to_be_between",
                    kwargs={"column": alias, "min_value": 0, "max_value": 1},
                    description=f"Metric {metric} is a rate: its value is a fraction in [0, 1] (§2.8).",
                    label_zh=f"指标 {metric} 为比率，须在 0 到 1 之间",
                )
            )
        elif ctype.kind == "count":
            derived.append((alias, expr))
            add(
                Check(
                    name=f"{name}.{metric}.non_negative",
                    expectation_type="expect_column_values_to_be_between",
                    kwargs={"column": alias, "min_value": 0},
                    description=f"Metric {metric} is a count: its value is never negative (§2.6).",
                    label_zh=f"指标 {metric} 为计数，不能为负",
                )
            )
    for c in columns_of_kind(t, "enum"):
        assert c.ctype is not None
        codes = enum_codes(c.ctype)
        add(
            Check(
                name=f"{name}.{c.name}.in_code_set",
                expectation_type="expect_column_values_to_be_in_set",
                kwargs={"column": c.name, "value_set": codes},
                description=(
                    f"{c.name} ({_label(c)}) holds a code of its enum"
                    + (
                        " (strict: unknown labels are quarantined)."
                        if c.ctype.strict
                        else " or `other` (platform enum: unknown labels are kept as `other`)."
                    )
                ),
                label_zh=f"{_label(c)} 须为已定义的代码",
            ),
            c.name,
        )
    for c in plausible_ts_columns(t):
        year_col = f"{c.name}_local_year"
        after_col = f"{c.name}_days_after_export"
        derived.append((year_col, f"year({q(ts_date_column(c.name))})"))
        derived.append((after_col, f"(epoch_us({q(c.name)}) - epoch_us({q('_export_at')})) / 86400000000.0"))
        add(
            Check(
                name=f"{name}.{c.name}.not_before_2009",
                expectation_type="expect_column_values_to_be_between",
                kwargs={"column": year_col, "min_value": PLAUSIBLE_FROM_YEAR},
                description=f"{c.name} ({_label(c)}) is not before 2009-01-01 Asia/Shanghai (§2.10 implausible_timestamp).",
                label_zh=f"{_label(c)} 不早于 2009-01-01",
            )
        )
        add(
            Check(
                name=f"{name}.{c.name}.not_after_export",
                expectation_type="expect_column_values_to_be_between",
                kwargs={"column": after_col, "max_value": MAX_DAYS_AFTER_EXPORT},
                description=(
                    f"{c.name} ({_label(c)}) is at most one day after the row's export time _export_at "
                    "(§2.10 implausible_timestamp); the column is the difference in days."
                ),
                label_zh=f"{_label(c)} 不晚于导出时间后一天",
            )
        )

    key_cols = [k for k in t.key if k not in ID_LINEAGE]
    id_columns = tuple(_unique([*ID_LINEAGE, *key_cols, *ROW_LINEAGE]))
    select = [q(c) for c in _unique([*id_columns, *checked])]
    select += [f"{expr} AS {q(alias)}" for alias, expr in derived]
    batch_sql = f"{versioned_rows_sql(t)}\nSELECT {', '.join(select)}\nFROM versioned"
    return Suite(
        name=name,
        kind=KIND,
        asset_key=dataset_asset_key(t.dataset),
        table=t.qualified,
        batch_sql=batch_sql,
        checks=tuple(checks),
        id_columns=id_columns,
        dataset=t.dataset,
        description=(
            f"Contract backstops for {t.qualified} ({t.dataset}, mode {t.mode}): required values, key "
            "uniqueness, rates, counts, codes and plausible timestamps."
        ),
    )


def raw_suites(config: FanopsConfig | None = None, tables: Sequence[TableDecl] | None = None) -> list[Suite]:
    """One suite per raw table of the contract (the config does not change them)."""
    del config
    return [raw_suite(t) for t in (tables if tables is not None else load_contract().all_tables())]
