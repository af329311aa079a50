"""Lint-time stand-ins for the project macros in dbt_project/macros/fanops.sql (sqlfluff jinja templater)."""


def safe_divide(n, d):
    return f"(cast({n} as double) / nullif(cast({d} as double), 0))"


def to_local_ts(ts):
    return f"({ts} + interval 8 hour)"


def to_local_date(ts):
    return f"cast({to_local_ts(ts)} as date)"


def local_to_utc(ts):
    return f"({ts} - interval 8 hour)"


def local_day_start_utc(day):
    return local_to_utc(f"cast({day} as timestamp)")


def percentile_cont(expr, fraction):
    return f"percentile_cont({fraction}) within group (order by {expr})"


def minutes_between(a, b):
    return f"(cast(date_diff('second', {a}, {b}) as double) / 60.0)"


def plan_start_date():
    return "cast('2026-07-01' as date)"


def as_of_date():
    return "cast('2026-11-12' as date)"


def as_of_end_utc():
    return "cast('2026-11-12 16:00:00' as timestamp)"


def has_window():
    return False


def in_window(date_expr):
    return f"{date_expr} between cast('2026-01-01' as date) and cast('2026-01-02' as date)"


def __getattr__(name):
    # Area macros (macros/<area>.sql) render as a plain function call.
    def _macro(*args, **kwargs):
        return f"{name}({', '.join(str(a) for a in args)})"

    return _macro
