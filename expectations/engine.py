"""Validate a suite: GX Core on a pandas batch when the batch is small, the same expectations in DuckDB SQL
when it is big.

Why two paths (``engine="auto"``): GX semantics are the reference, and GX's own pandas execution engine is
correct on the pinned versions, but it needs the batch as a DataFrame; copying a table of millions of rows
out of DuckDB into pandas costs more memory and time than the checks themselves. GX's SQL datasource cannot
be used instead (its SQLAlchemy path on DuckDB is broken). So `validate_suite` first counts the batch rows in
DuckDB (``select count(*) from (<batch_sql>)``, cheap), and

- ``rows <= quality.pandas_max_rows``: pulls only the columns the checks read into pandas and lets GX
  validate an ExpectationSuite built from the checks (``engine="gx_pandas"``);
- otherwise compiles each check to DuckDB SQL computing exactly what GX reports (element_count,
  unexpected_count, unexpected_percent over the non-missing rows, success with ``mostly``, the row count as
  observed_value) in one aggregate query per suite (``engine="sql"``). Parity is tested
  (tests/expectations/test_engine.py).

Both paths return the same `CheckResult`s, take failing-row samples the same way (in SQL, deterministic order,
only for failed checks) and carry a GX ``ExpectationSuiteValidationResult`` for Data Docs (built by GX on the
pandas path, assembled from the SQL figures on the SQL path).

Semantics shared by both paths (GX 1.24.1 on pandas is the reference):

- a value is *missing* when it is NULL; a float NaN counts as missing (pandas ``isnull``), so the SQL path
  reads NaN as NULL in the columns it checks;
- column map expectations (between, in_set, unique) ignore missing values: unexpected_percent is
  unexpected / non-missing x 100 (None when no value is present), success is vacuous when the batch is empty or
  every value is missing, else ``(non_missing - unexpected) / non_missing >= mostly``;
- ``expect_column_values_to_not_be_null`` counts missing values against every row;
- ``expect_column_values_to_be_unique`` flags every row whose value occurs more than once (not only the
  repeats); ``expect_compound_columns_to_be_unique`` likewise on the tuple, NULLs equal to each other, after
  dropping rows per ``ignore_row_if`` (GX default ``all_values_are_missing``);
- ``expect_column_values_to_be_between`` bounds are coerced as GX coerces them (numbers to float; on DATE and
  TIMESTAMP columns ISO strings, dates and datetimes to a naive datetime, midnight for a date - GX itself
  would coerce ``"2024-01-15"`` to a ``date`` that pandas cannot compare with a datetime column); the column
  must be numeric or temporal;
- ``expect_column_values_to_be_in_set`` keeps only set members that can equal a value of the column's type
  (a string never equals a number, as in pandas);
- ``expect_table_row_count_to_be_between``: observed_value = row count, failing_count 0.

`CheckResult.observed_value` is GX's observed_value for the table expectation and the unexpected percent for
the others; `validated_at` is a naive UTC datetime (the `dq.validation_results.validated_at` TIMESTAMP is
UTC); `duration_s` of a check is its share of the suite's evaluation time plus its own queries (uniqueness,
samples).

A check that cannot be evaluated (unknown column, bad kwargs, SQL or GX error) gives ``success=False`` with
``exception`` set and never stops the suite; a batch_sql that fails fails every check with that error.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import functools
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

import duckdb

from expectations.model import (
    GX_SEVERITY,
    SEVERITIES,
    SUPPORTED_EXPECTATIONS,
    Check,
    CheckResult,
    Engine,
    Severity,
    Suite,
)
from ingestion.config import QualityConfig

# GX must never phone home: usage statistics off before great_expectations is first imported.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

EngineChoice = Literal["auto", "gx_pandas", "sql"]

# kwargs each supported expectation accepts (on both paths); anything else cannot be evaluated
_ALLOWED_KWARGS: Mapping[str, frozenset[str]] = {
    "expect_column_values_to_not_be_null": frozenset({"column", "mostly"}),
    "expect_column_values_to_be_between": frozenset(
        {"column", "min_value", "max_value", "strict_min", "strict_max", "mostly"}
    ),
    "expect_column_values_to_be_in_set": frozenset({"column", "value_set", "mostly"}),
    "expect_column_values_to_be_unique": frozenset({"column", "mostly"}),
    "expect_compound_columns_to_be_unique": frozenset({"column_list", "ignore_row_if", "mostly"}),
    "expect_table_row_count_to_be_between": frozenset({"min_value", "max_value", "strict_min", "strict_max"}),
}
_TABLE_EXPECTATIONS = frozenset({"expect_table_row_count_to_be_between"})
_IGNORE_ROW_IF = ("all_values_are_missing", "any_value_is_missing", "never")

_FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE", "REAL", "FLOAT4", "FLOAT8"})
_NUMERIC_PREFIXES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "DECIMAL",
    "FLOAT",
    "DOUBLE",
    "REAL",
)
_TEMPORAL_PREFIXES = ("DATE", "TIMESTAMP")
_STRING_TYPES = frozenset({"VARCHAR"})


# ---------------------------------------------------------------------------------------------- results


@dataclass
class SuiteValidation:
    """One suite validated: a `CheckResult` per check plus GX's validation result for Data Docs."""

    suite: Suite
    results: list[CheckResult]
    engine: Engine
    batch_rows: int | None  # None when the batch could not be read
    duration_s: float
    gx_result: Any  # great_expectations ExpectationSuiteValidationResult (both paths)
    run_id: str = ""
    exception: str | None = None  # the batch itself could not be read (every check failed with it)

    @property
    def blocking_failures(self) -> list[CheckResult]:
        """Failed checks of severity error: they block downstream assets."""
        return [r for r in self.results if r.blocking_failure]

    @property
    def warnings(self) -> list[CheckResult]:
        """Failed checks of severity warn: reported, never blocking."""
        return [r for r in self.results if not r.success and r.severity != "error"]

    @property
    def success(self) -> bool:
        """True when no blocking check failed (warnings allowed): the guarded asset may be used."""
        return not self.blocking_failures

    @property
    def all_passed(self) -> bool:
        """True when every check passed (GX's notion of a successful suite)."""
        return all(r.success for r in self.results)

    @property
    def status(self) -> Literal["pass", "warn", "error"]:
        if self.blocking_failures:
            return "error"
        return "warn" if self.warnings else "pass"


# ---------------------------------------------------------------------------------------------- JSON


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy: dates/timestamps as ISO strings, Decimals as float, NaN/NaT/NA as None,
    numpy scalars and arrays as Python values."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, decimal.Decimal):
        return json_safe(float(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        try:
            return value.isoformat()
        except ValueError:  # NaT
            return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(v) for v in value]
    item = getattr(value, "item", None)  # numpy scalar
    tolist = getattr(value, "tolist", None)  # numpy array
    ndim = getattr(value, "ndim", None)
    if callable(tolist) and ndim:
        return json_safe(tolist())
    if callable(item):
        try:
            return json_safe(item())
        except (ValueError, TypeError):
            pass
    try:
        import pandas as pd

        if value is pd.NaT or value is pd.NA:
            return None
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
    except ImportError:  # pragma: no cover
        pass
    return str(value)


# ---------------------------------------------------------------------------------------------- SQL helpers


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _str_lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _strip_sql(sql: str) -> str:
    sql = sql.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    return sql


def _from_batch(batch_sql: str) -> str:
    # newlines keep a trailing `-- comment` in batch_sql from swallowing the closing parenthesis
    return f"(\n{_strip_sql(batch_sql)}\n)"


def _base_type(sql_type: str) -> str:
    return sql_type.upper().split("(")[0].strip()


def _is_float(sql_type: str) -> bool:
    return _base_type(sql_type) in _FLOAT_TYPES


def _is_numeric(sql_type: str) -> bool:
    t = _base_type(sql_type)
    return not t.endswith("[]") and t.startswith(_NUMERIC_PREFIXES)


def _is_temporal(sql_type: str) -> bool:
    t = _base_type(sql_type)
    return not t.endswith("[]") and t.startswith(_TEMPORAL_PREFIXES)


def _is_tz(sql_type: str) -> bool:
    t = sql_type.upper()
    return "WITH TIME ZONE" in t or t.startswith("TIMESTAMPTZ")


def _describe(con: duckdb.DuckDBPyConnection, batch_sql: str) -> dict[str, str]:
    rows = con.execute(f"describe select * from {_from_batch(batch_sql)} as b").fetchall()
    return {str(r[0]): str(r[1]) for r in rows}


def _count_rows(con: duckdb.DuckDBPyConnection, batch_sql: str) -> int:
    rows = con.execute(f"SELECT count(*) FROM {_from_batch(batch_sql)} AS b").fetchall()
    return int(rows[0][0]) if rows else 0


def _float_lit(value: float) -> str:
    if math.isnan(value):
        return "CAST('nan' AS DOUBLE)"
    if math.isinf(value):
        return "CAST('inf' AS DOUBLE)" if value > 0 else "CAST('-inf' AS DOUBLE)"
    return f"CAST({_str_lit(repr(float(value)))} AS DOUBLE)"  # exact: no DECIMAL literal rounding


def _to_datetime(value: Any, *, tz: bool) -> dt.datetime:
    """A bound for a temporal column as GX compares it: a datetime (midnight for a date); on a TIMESTAMPTZ
    column a naive bound is read as UTC."""
    if isinstance(value, dt.datetime):
        out = value
    elif isinstance(value, dt.date):
        out = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            out = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            import pandas as pd

            out = pd.Timestamp(value).to_pydatetime()
    else:
        raise TypeError(f"bound {value!r} is not a date or timestamp")
    if hasattr(out, "to_pydatetime"):  # pandas Timestamp
        out = out.to_pydatetime()
    if tz:
        return out.replace(tzinfo=dt.UTC) if out.tzinfo is None else out.astimezone(dt.UTC)
    if out.tzinfo is not None:
        out = out.astimezone(dt.UTC).replace(tzinfo=None)
    return out


def _ts_lit(value: dt.datetime, *, tz: bool) -> str:
    if tz:
        return f"CAST({_str_lit(value.isoformat(sep=' '))} AS TIMESTAMPTZ)"
    return f"CAST({_str_lit(value.isoformat(sep=' '))} AS TIMESTAMP)"


# ---------------------------------------------------------------------------------------------- compilation


@dataclass
class _Compiled:
    """A check prepared for evaluation: GX kwargs (coerced) and the SQL that reproduces GX's figures."""

    check: Check
    severity: Severity
    kind: Literal["not_null", "map", "unique", "compound", "row_count"] = "map"
    gx_kwargs: dict[str, Any] = field(default_factory=dict)
    columns: tuple[str, ...] = ()
    mostly: float = 1.0
    nonmissing_sql: str | None = None  # aggregate: non-missing / considered rows
    unexpected_sql: str | None = None  # aggregate: failing rows (map, not_null)
    dup_sql: str | None = None  # scalar query over b: failing rows (unique, compound)
    fail_where: str | None = None  # predicate for samples (map, not_null)
    considered_where: str | None = None  # unique/compound: rows taking part
    bounds: tuple[Any, Any, bool, bool] = (None, None, False, False)  # row count
    error: str | None = None


def _mostly(kwargs: Mapping[str, Any]) -> float:
    mostly = kwargs.get("mostly", 1.0)
    if mostly is None:
        return 1.0
    if isinstance(mostly, bool) or not isinstance(mostly, int | float) or not 0 <= mostly <= 1:
        raise ValueError(f"mostly must be a number in [0, 1], got {mostly!r}")
    return float(mostly)


def _bool_kw(kwargs: Mapping[str, Any], key: str) -> bool:
    value = kwargs.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, got {value!r}")
    return value


def _compile(check: Check, severity: Severity, columns: Mapping[str, str]) -> _Compiled:
    c = _Compiled(check=check, severity=severity)
    try:
        _compile_into(c, columns)
    except Exception as exc:
        c.error = f"{type(exc).__name__}: {exc}"
    return c


def _compile_into(c: _Compiled, columns: Mapping[str, str]) -> None:
    etype = c.check.expectation_type
    kwargs = dict(c.check.kwargs)
    if etype not in SUPPORTED_EXPECTATIONS:
        raise ValueError(f"expectation type {etype!r} is not supported (supported: {SUPPORTED_EXPECTATIONS})")
    unknown = sorted(set(kwargs) - _ALLOWED_KWARGS[etype])
    if unknown:
        raise ValueError(f"unsupported kwargs for {etype}: {unknown}")
    for key, value in kwargs.items():
        if isinstance(value, Mapping):
            raise ValueError(f"suite parameters are not supported ({key}={value!r})")

    if etype == "expect_table_row_count_to_be_between":
        c.kind = "row_count"
        lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
        for key, v in (("min_value", lo), ("max_value", hi)):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)):
                raise ValueError(f"{key} must be a number, got {v!r}")
        lo = None if lo is None else int(lo)  # GX coerces the row-count bounds to int
        hi = None if hi is None else int(hi)
        strict_min, strict_max = _bool_kw(kwargs, "strict_min"), _bool_kw(kwargs, "strict_max")
        c.bounds = (lo, hi, strict_min, strict_max)
        c.gx_kwargs = {"min_value": lo, "max_value": hi}
        if strict_min:
            c.gx_kwargs["strict_min"] = True
        if strict_max:
            c.gx_kwargs["strict_max"] = True
        return

    c.mostly = _mostly(kwargs)
    if etype == "expect_compound_columns_to_be_unique":
        col_list = kwargs.get("column_list")
        if not isinstance(col_list, list | tuple) or len(col_list) < 2:
            raise ValueError("column_list must list at least two columns")
        c.columns = tuple(str(x) for x in col_list)
    else:
        column = kwargs.get("column")
        if not isinstance(column, str) or not column:
            raise ValueError("column is required")
        c.columns = (column,)
    missing = [col for col in c.columns if col not in columns]
    if missing:
        raise KeyError(
            f"column {', '.join(repr(m) for m in missing)} not in the batch (columns: {', '.join(columns)})"
        )
    c.gx_kwargs = {k: v for k, v in kwargs.items() if k != "mostly"}
    if "mostly" in kwargs and kwargs["mostly"] is not None:
        c.gx_kwargs["mostly"] = c.mostly

    if etype == "expect_compound_columns_to_be_unique":
        c.kind = "compound"
        c.gx_kwargs["column_list"] = list(c.columns)
        ignore = kwargs.get("ignore_row_if", "all_values_are_missing")
        if ignore not in _IGNORE_ROW_IF:
            raise ValueError(f"ignore_row_if must be one of {_IGNORE_ROW_IF}, got {ignore!r}")
        nulls = [f"{_ident(col)} IS NULL" for col in c.columns]
        if ignore == "all_values_are_missing":
            c.considered_where = "NOT (" + " AND ".join(nulls) + ")"
        elif ignore == "any_value_is_missing":
            c.considered_where = "NOT (" + " OR ".join(nulls) + ")"
        else:
            c.considered_where = "TRUE"
        keys = ", ".join(_ident(col) for col in c.columns)
        c.nonmissing_sql = f"count(*) FILTER (WHERE {c.considered_where})"
        c.dup_sql = (
            f"SELECT coalesce(sum(__n), 0) FROM (SELECT count(*) AS __n FROM b WHERE {c.considered_where} "
            f"GROUP BY {keys} HAVING count(*) > 1)"
        )
        return

    col = c.columns[0]
    q = _ident(col)
    ctype = columns[col]
    if etype == "expect_column_values_to_not_be_null":
        c.kind = "not_null"
        c.unexpected_sql = f"count(*) FILTER (WHERE {q} IS NULL)"
        c.fail_where = f"{q} IS NULL"
        return

    c.nonmissing_sql = f"count({q})"
    if etype == "expect_column_values_to_be_unique":
        c.kind = "unique"
        c.considered_where = f"{q} IS NOT NULL"
        c.dup_sql = (
            f"SELECT coalesce(sum(__n), 0) FROM (SELECT count(*) AS __n FROM b WHERE {q} IS NOT NULL "
            f"GROUP BY {q} HAVING count(*) > 1)"
        )
        return

    if etype == "expect_column_values_to_be_between":
        cond = _between_condition(c, q, ctype, kwargs)
    else:  # expect_column_values_to_be_in_set
        cond = _in_set_condition(q, ctype, kwargs)
        c.gx_kwargs["value_set"] = list(kwargs["value_set"])  # a tuple or set would not pass GX's model
    c.unexpected_sql = f"count(*) FILTER (WHERE {q} IS NOT NULL AND NOT ({cond}))"
    c.fail_where = f"{q} IS NOT NULL AND NOT ({cond})"


def _between_condition(c: _Compiled, q: str, ctype: str, kwargs: Mapping[str, Any]) -> str:
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    if lo is None and hi is None:
        raise ValueError("min_value and max_value cannot both be None")
    strict_min, strict_max = _bool_kw(kwargs, "strict_min"), _bool_kw(kwargs, "strict_max")
    if _is_numeric(ctype):
        norm: list[Any] = []
        for key, v in (("min_value", lo), ("max_value", hi)):
            if v is None:
                norm.append(None)
            elif isinstance(v, bool | int | float | decimal.Decimal):
                norm.append(float(v))
            elif isinstance(v, str):
                norm.append(float(v))  # GX (pydantic) coerces "5" to 5.0
            else:
                raise TypeError(f"{key} {v!r} cannot bound the numeric column ({ctype})")
        lo_n, hi_n = norm
        lit: Callable[[Any], str] = _float_lit
        expr = q
    elif _is_temporal(ctype):
        tz = _is_tz(ctype)
        lo_n = None if lo is None else _to_datetime(lo, tz=tz)
        hi_n = None if hi is None else _to_datetime(hi, tz=tz)

        lit = functools.partial(_ts_lit, tz=tz)
        expr = q if tz else f"CAST({q} AS TIMESTAMP)"
    else:
        raise TypeError(f"expect_column_values_to_be_between needs a numeric or temporal column, got {ctype}")
    if lo_n is not None and hi_n is not None and lo_n > hi_n:
        raise ValueError("min_value cannot be greater than max_value")
    c.gx_kwargs["min_value"] = lo_n
    c.gx_kwargs["max_value"] = hi_n
    parts = []
    if lo_n is not None:
        parts.append(f"{expr} {'>' if strict_min else '>='} {lit(lo_n)}")
    if hi_n is not None:
        parts.append(f"{expr} {'<' if strict_max else '<='} {lit(hi_n)}")
    return " AND ".join(parts)


def _in_set_condition(q: str, ctype: str, kwargs: Mapping[str, Any]) -> str:
    value_set = kwargs.get("value_set")
    if value_set is None:
        raise ValueError("value_set is required")
    if isinstance(value_set, str) or not isinstance(value_set, Iterable):
        raise ValueError(f"value_set must be a list, got {value_set!r}")
    items = list(value_set)
    lits: list[str] = []
    base = _base_type(ctype)
    if base in _STRING_TYPES:
        lits = [_str_lit(v) for v in items if isinstance(v, str)]
    elif base == "BOOLEAN":
        lits = ["TRUE" if v else "FALSE" for v in items if isinstance(v, bool)]
    elif _is_numeric(ctype):
        lits = [
            _float_lit(float(v))
            for v in items
            if isinstance(v, int | float | decimal.Decimal) and not (isinstance(v, float) and math.isnan(v))
        ]
    elif _is_temporal(ctype):
        tz = _is_tz(ctype)
        lits = [
            _ts_lit(_to_datetime(v, tz=tz), tz=tz)
            for v in items
            if isinstance(v, str | dt.date) and v is not None
        ]
        q = q if tz else f"CAST({q} AS TIMESTAMP)"
    else:
        raise TypeError(f"expect_column_values_to_be_in_set does not support column type {ctype}")
    if not lits:
        return "FALSE"
    return f"{q} IN ({', '.join(dict.fromkeys(lits))})"


def _wrapped_batch(batch_sql: str, columns: Mapping[str, str], used: Iterable[str]) -> str:
    """The batch with NaN read as NULL in the float columns the checks use (pandas: NaN is missing)."""
    floats = [col for col in dict.fromkeys(used) if col in columns and _is_float(columns[col])]
    if not floats:
        return f"SELECT * FROM {_from_batch(batch_sql)} AS __batch"
    repl = ", ".join(
        f"CASE WHEN isnan({_ident(col)}) THEN NULL ELSE {_ident(col)} END AS {_ident(col)}" for col in floats
    )
    return f"SELECT * REPLACE ({repl}) FROM {_from_batch(batch_sql)} AS __batch"


# ---------------------------------------------------------------------------------------------- GX runtime


class _GxRuntime:
    """A process-wide ephemeral GX context with one pandas datasource, dataframe asset and whole-dataframe
    batch definition, reused by every suite (GX's import is the slow part, ~8 s; the context ~10 ms)."""

    _lock = threading.Lock()
    _instance: _GxRuntime | None = None
    timings: dict[str, float] = {}  # noqa: RUF012 - process-wide measurements

    def __init__(self) -> None:
        t0 = time.perf_counter()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        t1 = time.perf_counter()
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        enable = getattr(self.context, "enable_analytics", None)
        if callable(enable):
            enable(False)
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        datasource = self.context.data_sources.add_pandas("fanops")
        asset = datasource.add_dataframe_asset("batch")
        self.batch_definition = asset.add_batch_definition_whole_dataframe("whole")
        t2 = time.perf_counter()
        _GxRuntime.timings.update({"gx_import_s": t1 - t0, "gx_context_s": t2 - t1})
        self.lock = threading.Lock()  # one validation at a time on the shared context

    @classmethod
    def get(cls) -> _GxRuntime:
        with cls._lock:
            if cls._instance is None:
                cls._instance = _GxRuntime()
            return cls._instance


def warm_up() -> dict[str, float]:
    """Import GX and build the shared context now; returns {'gx_import_s', 'gx_context_s'}."""
    _GxRuntime.get()
    return dict(_GxRuntime.timings)


def _gx_expectation_class(expectation_type: str) -> Any:
    import great_expectations.expectations as gxe

    name = "".join(part.capitalize() for part in expectation_type.split("_"))
    return getattr(gxe, name)


def _gx_meta(c: _Compiled) -> dict[str, Any]:
    meta: dict[str, Any] = {"fanops_check": c.check.name, "fanops_severity": c.severity}
    if c.check.label_zh:
        meta["label_zh"] = c.check.label_zh
    if c.check.description:
        meta["description"] = c.check.description
    return meta


def _gx_expectation(c: _Compiled) -> Any:
    cls = _gx_expectation_class(c.check.expectation_type)
    kwargs = {k: v for k, v in c.gx_kwargs.items() if v is not None}
    return cls(**kwargs, severity=GX_SEVERITY[c.severity], meta=_gx_meta(c))


def _gx_config(c: _Compiled) -> Any:
    """The ExpectationConfiguration shown in Data Docs (also for checks GX could not build)."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
    from great_expectations.expectations.metadata_types import FailureSeverity

    if c.error is None:
        try:
            return _gx_expectation(c).configuration
        except Exception:
            pass
    return ExpectationConfiguration(
        type=c.check.expectation_type,
        kwargs=json_safe(dict(c.check.kwargs)),
        meta=_gx_meta(c),
        severity=FailureSeverity(GX_SEVERITY[c.severity]),
    )


def _exception_info(message: str | None) -> dict[str, Any]:
    return {
        "raised_exception": message is not None,
        "exception_message": message,
        "exception_traceback": message,  # GX's renderer needs a string here when raised_exception
    }


def _gx_exception_message(evr: Any) -> str | None:
    info = getattr(evr, "exception_info", None) or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "GX raised an exception")
    for value in info.values():  # metric resolution errors: {metric id: {...}}
        if isinstance(value, Mapping) and value.get("raised_exception"):
            return str(value.get("exception_message") or "GX raised an exception")
    return None


def _suite_result(
    suite: Suite,
    evrs: list[Any],
    run_id: str,
    engine: Engine,
    batch_rows: int | None,
    extra: Mapping[str, Any],
    validated_at: dt.datetime,
) -> Any:
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

    ok = sum(1 for e in evrs if e.success)
    meta = {
        "great_expectations_version": _gx_version(),
        "run_id": {"run_name": run_id, "run_time": validated_at.isoformat() + "Z"},
        "validation_time": validated_at.isoformat() + "Z",
        "expectation_suite_name": suite.name,
        "batch_spec": {
            "data_asset_name": suite.table,
            "engine": engine,
            "batch_rows": batch_rows,
            "asset_key": "/".join(suite.asset_key),
        },
        **extra,
    }
    return ExpectationSuiteValidationResult(
        success=ok == len(evrs),
        results=evrs,
        suite_name=suite.name,
        statistics={
            "evaluated_expectations": len(evrs),
            "successful_expectations": ok,
            "unsuccessful_expectations": len(evrs) - ok,
            "success_percent": (ok / len(evrs) * 100) if evrs else None,
        },
        meta=meta,
    )


def _gx_version() -> str:
    import great_expectations as gx

    return str(gx.__version__)


# ---------------------------------------------------------------------------------------------- pandas batch


def _pandas_batch(con: duckdb.DuckDBPyConnection, batch_sql: str, used: Sequence[str]) -> pd.DataFrame:
    """The columns the checks read, as a DataFrame GX compares vectorised: nullable ints as int64/float64,
    timestamps in ns (DuckDB gives us, which GX 1.24 only compares element by element)."""
    import numpy as np
    import pandas as pd

    cols = list(dict.fromkeys(used))
    select = ", ".join(_ident(col) for col in cols) if cols else "1 AS __row"
    df = con.execute(f"SELECT {select} FROM {_from_batch(batch_sql)} AS b").df()
    for col in df.columns:
        s = df[col]
        dtype = s.dtype
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_integer_dtype(dtype):
            present = s.dropna()
            if len(present) == len(s):
                df[col] = s.astype("int64")
            elif present.empty or int(present.abs().max()) <= 2**53:
                df[col] = s.astype("float64")
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and pd.api.types.is_float_dtype(dtype):
            df[col] = s.astype("float64")
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            is_tz = isinstance(dtype, pd.DatetimeTZDtype)
            unit = dtype.unit if is_tz else np.datetime_data(dtype)[0]
            if unit == "ns":
                continue
            # outside the ns range: left as is, GX compares element by element
            with contextlib.suppress(OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
                df[col] = s.astype(pd.DatetimeTZDtype("ns", dtype.tz) if is_tz else "datetime64[ns]")
    return df


# ---------------------------------------------------------------------------------------------- validation


def _now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _severity(check: Check, quality: QualityConfig) -> Severity:
    level = quality.severity_for(check.name, check.severity)
    return cast(Severity, level) if level in SEVERITIES else check.severity


def _base_result(
    suite: Suite, c: _Compiled, run_id: str, engine: Engine, validated_at: dt.datetime
) -> CheckResult:
    return CheckResult(
        run_id=run_id,
        suite=suite.name,
        check=c.check.name,
        asset_key="/".join(suite.asset_key),
        table_name=suite.table,
        dataset=suite.dataset,
        expectation_type=c.check.expectation_type,
        column_name=c.check.column,
        severity=c.severity,
        success=False,
        observed_value=None,
        element_count=0,
        failing_count=0,
        failing_percent=None,
        engine=engine,
        validated_at=validated_at,
        label_zh=c.check.label_zh,
    )


def _map_success(kind: str, n: int, considered: int | None, unexpected: int, mostly: float) -> bool:
    if kind == "not_null":
        return True if n == 0 else (n - unexpected) / n >= mostly
    if n == 0 or not considered:
        return True  # vacuously true, as in GX
    return (float(considered) - float(unexpected)) / float(considered) >= mostly


def _row_count_success(n: int, bounds: tuple[Any, Any, bool, bool]) -> bool:
    lo, hi, strict_min, strict_max = bounds
    above = True if lo is None else (n > lo if strict_min else n >= lo)
    below = True if hi is None else (n < hi if strict_max else n <= hi)
    return bool(above and below)


def _gx_result_dict(
    kind: str, n: int, considered: int | None, unexpected: int, partial: list[Any]
) -> dict[str, Any]:
    """GX's SUMMARY result fields for a map expectation, from counts (the SQL path)."""
    if kind == "row_count":
        return {"observed_value": n}
    pct_total = unexpected / n * 100 if n else None
    out: dict[str, Any] = {"element_count": n, "unexpected_count": unexpected}
    if kind == "not_null":
        out["unexpected_percent"] = pct_total
    else:
        assert considered is not None
        missing = n - considered
        out["unexpected_percent"] = (unexpected / considered * 100) if (n and considered) else None
        out["missing_count"] = missing
        out["missing_percent"] = missing / n * 100 if n else None
        out["unexpected_percent_total"] = pct_total
        out["unexpected_percent_nonmissing"] = out["unexpected_percent"]
    out["partial_unexpected_list"] = partial
    return out


def _sample_branch(suite: Suite, c: _Compiled, columns: Mapping[str, str], k: int) -> tuple[list[str], str]:
    """The columns and the query of one check's failing rows (id_columns + checked columns), ordered."""
    ids = [col for col in suite.id_columns if col in columns]
    if c.kind in ("unique", "compound"):
        cols = list(dict.fromkeys([*c.columns, *ids]))  # duplicates side by side
        keys = ", ".join(_ident(col) for col in c.columns)
        source = (
            f"(SELECT *, count(*) OVER (PARTITION BY {keys}) AS __fanops_dup FROM b "
            f"WHERE {c.considered_where}) AS s"
        )
        where = "__fanops_dup > 1"
    else:
        cols = list(dict.fromkeys([*ids, *c.columns]))
        source = "b"
        where = c.fail_where or "FALSE"
    select = ", ".join(_ident(col) for col in cols)
    order = ", ".join(f"{_ident(col)} NULLS LAST" for col in cols)
    sql = f"SELECT {select} FROM {source} WHERE {where} ORDER BY {order} LIMIT {int(k)}"
    return cols, sql


def _samples(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    failed: Sequence[_Compiled],
    wrapped: str,
    columns: Mapping[str, str],
    k: int,
) -> dict[str, list[dict[str, Any]]]:
    """Up to k failing rows per failed check, JSON-safe, in a deterministic order: one query for all of a
    suite's failed checks (UNION ALL BY NAME), or one per check if that fails."""
    items = [c for c in failed if c.kind != "row_count" and c.error is None]
    if k <= 0 or not items:
        return {}
    branches = [_sample_branch(suite, c, columns, k) for c in items]
    out: dict[str, list[dict[str, Any]]] = {c.check.name: [] for c in items}

    def rows_of(sql: str) -> list[dict[str, Any]]:
        cur = con.execute(sql)
        names = [d[0] for d in cur.description or []]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    try:
        parts = [
            f"SELECT {j} AS __fanops_check, row_number() OVER (ORDER BY "
            f"{', '.join(f'{_ident(col)} NULLS LAST' for col in cols)}) AS __fanops_ord, * FROM ({sql}) AS t{j}"
            for j, (cols, sql) in enumerate(branches)
        ]
        union = " UNION ALL BY NAME ".join(f"({p})" for p in parts)
        rows = rows_of(
            f"WITH b AS MATERIALIZED ({wrapped}) SELECT * FROM ({union}) AS u "
            f"ORDER BY __fanops_check, __fanops_ord"
        )
        for row in rows:
            j = int(row["__fanops_check"])
            cols = branches[j][0]
            out[items[j].check.name].append({col: json_safe(row.get(col)) for col in cols})
        return out
    except Exception as exc:
        log.debug("suite %s: combined sample query failed (%s); one query per check", suite.name, exc)
    for c, (cols, sql) in zip(items, branches):
        try:
            rows = rows_of(f"WITH b AS ({wrapped}) {sql}")
            out[c.check.name] = [{col: json_safe(row.get(col)) for col in cols} for row in rows]
        except Exception as exc:
            log.warning("sample query failed for %s: %s", c.check.name, exc)
    return out


def _attach_samples(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    compiled: Sequence[_Compiled],
    results: Sequence[CheckResult],
    wrapped: str,
    columns: Mapping[str, str],
    quality: QualityConfig,
) -> None:
    """Failing-row samples of the failed, evaluable checks; the query time is shared among them."""
    failed = [c for c, r in zip(compiled, results) if not r.success and r.exception is None]
    if not failed:
        return
    t = time.perf_counter()
    samples = _samples(con, suite, failed, wrapped, columns, quality.sample_rows)
    share = (time.perf_counter() - t) / len(failed)
    names = {c.check.name for c in failed}
    for r in results:
        if r.check in names:
            r.sample = samples.get(r.check, [])
            r.duration_s += share


def _partial_values(sample: Sequence[Mapping[str, Any]], c: _Compiled) -> list[Any]:
    if c.kind == "compound":
        return [{col: row.get(col) for col in c.columns} for row in sample]
    if c.kind == "row_count" or not c.columns:
        return []
    return [row.get(c.columns[0]) for row in sample]


def _fail_all(
    suite: Suite,
    compiled: Sequence[_Compiled],
    run_id: str,
    engine: Engine,
    validated_at: dt.datetime,
    message: str,
    batch_rows: int | None,
    t0: float,
) -> SuiteValidation:
    results = []
    evrs = []
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

    for c in compiled:
        r = _base_result(suite, c, run_id, engine, validated_at)
        r.exception = message
        r.element_count = batch_rows or 0
        results.append(r)
        evrs.append(
            ExpectationValidationResult(
                success=False,
                expectation_config=_gx_config(c),
                result={},
                exception_info=_exception_info(message),
            )
        )
    duration = time.perf_counter() - t0
    for r in results:
        r.duration_s = duration / max(len(results), 1)
    return SuiteValidation(
        suite=suite,
        results=results,
        engine=engine,
        batch_rows=batch_rows,
        duration_s=duration,
        gx_result=_suite_result(suite, evrs, run_id, engine, batch_rows, {}, validated_at),
        run_id=run_id,
        exception=message,
    )


def validate_suite(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    *,
    run_id: str,
    quality: QualityConfig | None = None,
    engine: EngineChoice = "auto",
) -> SuiteValidation:
    """Validate one suite's batch; one `CheckResult` per check (never raises for a failing check)."""
    quality = quality or QualityConfig()
    if engine not in ("auto", "gx_pandas", "sql"):
        raise ValueError(f"engine must be auto, gx_pandas or sql, got {engine!r}")
    t0 = time.perf_counter()
    validated_at = _now_utc()
    severities = [_severity(ch, quality) for ch in suite.checks]
    try:
        columns = _describe(con, suite.batch_sql)
    except Exception as exc:
        placeholder = [_Compiled(check=ch, severity=sev) for ch, sev in zip(suite.checks, severities)]
        chosen: Engine = "gx_pandas" if engine == "gx_pandas" else "sql"
        return _fail_all(suite, placeholder, run_id, chosen, validated_at, _exc_text(exc), None, t0)
    compiled = [_compile(ch, sev, columns) for ch, sev in zip(suite.checks, severities)]

    batch_rows: int | None = None
    if engine == "auto":
        try:
            batch_rows = _count_rows(con, suite.batch_sql)
        except Exception as exc:
            return _fail_all(suite, compiled, run_id, "sql", validated_at, _exc_text(exc), None, t0)
        engine = "gx_pandas" if batch_rows <= quality.pandas_max_rows else "sql"
    if engine == "gx_pandas":
        return _validate_gx(con, suite, compiled, columns, run_id, quality, validated_at, t0)
    return _validate_sql(con, suite, compiled, columns, run_id, quality, validated_at, t0)


def validate_suites(
    con: duckdb.DuckDBPyConnection,
    suites: Sequence[Suite],
    *,
    run_id: str,
    quality: QualityConfig | None = None,
    engine: EngineChoice = "auto",
) -> list[SuiteValidation]:
    """Validate suites one after the other on one connection (the GX context is shared)."""
    return [validate_suite(con, s, run_id=run_id, quality=quality, engine=engine) for s in suites]


def _exc_text(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not text.startswith(type(exc).__name__) else text


def _used_columns(compiled: Sequence[_Compiled]) -> list[str]:
    return list(dict.fromkeys(col for c in compiled if c.error is None for col in c.columns))


def _validate_gx(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    compiled: Sequence[_Compiled],
    columns: Mapping[str, str],
    run_id: str,
    quality: QualityConfig,
    validated_at: dt.datetime,
    t0: float,
) -> SuiteValidation:
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

    rt = _GxRuntime.get()
    used = _used_columns(compiled)
    try:
        df = _pandas_batch(con, suite.batch_sql, used)
    except Exception as exc:
        return _fail_all(suite, compiled, run_id, "gx_pandas", validated_at, _exc_text(exc), None, t0)
    n = len(df)

    gx_suite = rt.gx.ExpectationSuite(name=suite.name)
    build_errors: dict[int, str] = {}
    for i, c in enumerate(compiled):
        if c.error is not None:
            continue
        try:
            gx_suite.add_expectation(_gx_expectation(c))
        except Exception as exc:
            build_errors[i] = _exc_text(exc)
    t_validate = time.perf_counter()
    by_name: dict[str, Any] = {}
    gx_meta: dict[str, Any] = {}
    suite_error: str | None = None
    if gx_suite.expectations:
        try:
            with rt.lock:
                batch = rt.batch_definition.get_batch(batch_parameters={"dataframe": df})
                gx_out = batch.validate(
                    gx_suite,
                    result_format={"result_format": "BASIC", "partial_unexpected_count": quality.sample_rows},
                )
            for evr in gx_out.results:
                by_name[str((evr.expectation_config.meta or {}).get("fanops_check"))] = evr
            gx_meta = {k: v for k, v in dict(gx_out.meta).items() if k in ("batch_markers", "batch_spec")}
        except Exception as exc:
            suite_error = _exc_text(exc)
    share = (time.perf_counter() - t_validate) / max(len(compiled), 1)

    results: list[CheckResult] = []
    evrs: list[Any] = []
    for i, c in enumerate(compiled):
        r = _base_result(suite, c, run_id, "gx_pandas", validated_at)
        r.element_count = n
        r.duration_s = share
        evr = by_name.get(c.check.name)
        error = c.error or build_errors.get(i) or suite_error
        if error is None and evr is None:
            error = "GX returned no result for this expectation"
        if error is None:
            error = _gx_exception_message(evr)
        if error is not None:
            r.exception = error
            evr = ExpectationValidationResult(
                success=False,
                expectation_config=evr.expectation_config if evr is not None else _gx_config(c),
                result={},
                exception_info=_exception_info(error),
            )
        else:
            res = dict(evr.result or {})
            evr.result = json_safe(res)  # Data Docs cannot render pd.NA / NaT
            r.success = bool(evr.success)
            if c.kind == "row_count":
                r.observed_value = json_safe(res.get("observed_value"))
            else:
                r.element_count = int(res.get("element_count", n) or 0)
                r.failing_count = int(res.get("unexpected_count") or 0)
                pct = res.get("unexpected_percent")
                r.failing_percent = None if pct is None else float(pct)
                r.observed_value = r.failing_percent
        evrs.append(evr)
        results.append(r)
    _attach_samples(
        con, suite, compiled, results, _wrapped_batch(suite.batch_sql, columns, used), columns, quality
    )
    duration = time.perf_counter() - t0
    return SuiteValidation(
        suite=suite,
        results=results,
        engine="gx_pandas",
        batch_rows=n,
        duration_s=duration,
        gx_result=_suite_result(suite, evrs, run_id, "gx_pandas", n, gx_meta, validated_at),
        run_id=run_id,
    )


def _aggregate_sql(wrapped: str, parts: Sequence[_Compiled]) -> tuple[str, list[tuple[int, str]]]:
    """One query: `n`, then per check its non-missing/unexpected counts and scalar duplicate counts."""
    aggs = ["count(*) AS n"]
    scalars: list[str] = []
    aliases: list[tuple[int, str]] = []
    for j, c in enumerate(parts):
        if c.nonmissing_sql:
            aggs.append(f"{c.nonmissing_sql} AS c{j}_considered")
            aliases.append((j, f"c{j}_considered"))
        if c.unexpected_sql:
            aggs.append(f"{c.unexpected_sql} AS c{j}_unexpected")
            aliases.append((j, f"c{j}_unexpected"))
        if c.dup_sql:
            scalars.append(f"CROSS JOIN (SELECT ({c.dup_sql}) AS c{j}_unexpected) AS d{j}")
            aliases.append((j, f"c{j}_unexpected"))
    materialized = "MATERIALIZED " if scalars else ""
    sql = (
        f"WITH b AS {materialized}({wrapped}) "
        f"SELECT * FROM (SELECT {', '.join(aggs)} FROM b) AS a {' '.join(scalars)}"
    )
    return sql, aliases


def _run_aggregate(
    con: duckdb.DuckDBPyConnection, wrapped: str, parts: Sequence[_Compiled]
) -> tuple[int, dict[int, dict[str, int]]]:
    sql, _ = _aggregate_sql(wrapped, parts)
    cur = con.execute(sql)
    names = [d[0] for d in cur.description or []]
    rows = cur.fetchall()  # DuckDB 2.0: a result must be consumed before the next statement
    values = dict(zip(names, rows[0]))
    out: dict[int, dict[str, int]] = {}
    for j in range(len(parts)):
        out[j] = {
            key: int(values[f"c{j}_{key}"] or 0)
            for key in ("considered", "unexpected")
            if f"c{j}_{key}" in values
        }
    return int(values["n"]), out


def _validate_sql(
    con: duckdb.DuckDBPyConnection,
    suite: Suite,
    compiled: Sequence[_Compiled],
    columns: Mapping[str, str],
    run_id: str,
    quality: QualityConfig,
    validated_at: dt.datetime,
    t0: float,
) -> SuiteValidation:
    from great_expectations.core.expectation_validation_result import ExpectationValidationResult

    used = _used_columns(compiled)
    wrapped = _wrapped_batch(suite.batch_sql, columns, used)
    ok = [c for c in compiled if c.error is None]
    counts: dict[str, dict[str, int]] = {}
    errors: dict[str, str] = {}
    n: int | None = None
    t_agg = time.perf_counter()
    try:
        n, by_index = _run_aggregate(con, wrapped, ok)
        counts = {ok[j].check.name: v for j, v in by_index.items()}
    except Exception as exc:
        log.debug("suite %s: combined query failed (%s); evaluating checks one by one", suite.name, exc)
        for c in ok:
            try:
                n_one, one = _run_aggregate(con, wrapped, [c])
                n = n_one
                counts[c.check.name] = one[0]
            except Exception as exc_one:
                errors[c.check.name] = _exc_text(exc_one)
        if n is None:
            try:
                n = _count_rows(con, suite.batch_sql)
            except Exception as exc_n:
                return _fail_all(suite, compiled, run_id, "sql", validated_at, _exc_text(exc_n), None, t0)
    share = (time.perf_counter() - t_agg) / max(len(compiled), 1)
    assert n is not None

    results: list[CheckResult] = []
    considered_of: dict[str, int | None] = {}
    for c in compiled:
        r = _base_result(suite, c, run_id, "sql", validated_at)
        r.element_count = n
        r.duration_s = share
        error = c.error or errors.get(c.check.name)
        if error is not None:
            r.exception = error
        else:
            figures = counts.get(c.check.name, {})
            considered = considered_of[c.check.name] = figures.get("considered")
            unexpected = figures.get("unexpected", 0)
            if c.kind == "row_count":
                r.success = _row_count_success(n, c.bounds)
                r.observed_value = n
            else:
                r.success = _map_success(c.kind, n, considered, unexpected, c.mostly)
                r.failing_count = unexpected
                denominator = n if c.kind == "not_null" else considered
                r.failing_percent = unexpected / denominator * 100 if (n and denominator) else None
                r.observed_value = r.failing_percent
        results.append(r)
    _attach_samples(con, suite, compiled, results, wrapped, columns, quality)
    evrs: list[Any] = []
    for c, r in zip(compiled, results):
        if r.exception is not None:
            evrs.append(
                ExpectationValidationResult(
                    success=False,
                    expectation_config=_gx_config(c),
                    result={},
                    exception_info=_exception_info(r.exception),
                )
            )
            continue
        result = _gx_result_dict(
            c.kind, n, considered_of.get(c.check.name), r.failing_count, _partial_values(r.sample, c)
        )
        evrs.append(
            ExpectationValidationResult(
                success=r.success,
                expectation_config=_gx_config(c),
                result=result,
                exception_info=_exception_info(None),
            )
        )
    duration = time.perf_counter() - t0
    return SuiteValidation(
        suite=suite,
        results=results,
        engine="sql",
        batch_rows=n,
        duration_s=duration,
        gx_result=_suite_result(suite, evrs, run_id, "sql", n, {}, validated_at),
        run_id=run_id,
    )
