"""Column type declarations (contract §2.1) shared by the declarations, the parsers and the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal[
    "text",  # VARCHAR, trimmed
    "text_masked",  # VARCHAR, trimmed then masked (§4)
    "id",  # VARCHAR identifier (§2.11)
    "key",  # VARCHAR(32) HMAC pseudonym of an id (§4)
    "count",  # BIGINT >= 0, with <col>_is_capped
    "signed",  # BIGINT, negatives allowed, with <col>_is_capped
    "int",  # INTEGER code (no units, no caps): user_source, article_index, period_days
    "num",  # DOUBLE
    "money",  # DECIMAL(18,2) yuan
    "rate",  # DOUBLE fraction in [0, 1]; unit f | %s | %n
    "ratio",  # DOUBLE unbounded quotient
    "dur",  # DOUBLE seconds; unit s | min (bare numbers)
    "date",  # DATE (Asia/Shanghai calendar date, not converted)
    "ts",  # TIMESTAMP UTC + <x>_date (Asia/Shanghai); epoch unit; relative allowed
    "bool",  # BOOLEAN
    "enum",  # VARCHAR code + <col>_raw
    "list",  # VARCHAR[] split on | 、 , ， ; ；
]

RateUnit = Literal["f", "%s", "%n"]
DurUnit = Literal["s", "min"]
EpochUnit = Literal["epoch_s", "epoch_ms"]


@dataclass(frozen=True)
class ColumnType:
    kind: Kind
    # rate: declared unit of bare numbers
    rate_unit: RateUnit | None = None
    # dur: unit of bare numbers
    dur_unit: DurUnit = "s"
    # ts: epoch unit of bare integers (None: bare integers are yyyymmdd/Excel serials like dates)
    epoch: EpochUnit | None = None
    # ts: relative forms (刚刚, 3小时前, 昨天 12:00) and year-less forms are accepted
    allow_relative: bool = False
    # ts: exempt from the plausibility window (planned times)
    planned: bool = False
    # ts: a date-only value means the whole day (end of window) / a minute-only value the whole minute
    end_of_period: bool = False
    # enum: normalised label -> code; ``strict`` enums (ops sheets) reject unknown values,
    # platform enums map them to ``other``
    enum_map: dict[str, str] = field(default_factory=dict)
    strict: bool = False
    # list of enum values (platform lists in ops sheets)
    item_enum: dict[str, str] = field(default_factory=dict)
    # key: pseudonym namespace, with ``{platform}`` substituted from the row/path
    namespace: str | None = None


DUCKDB_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "text_masked": "VARCHAR",
    "id": "VARCHAR",
    "key": "VARCHAR",
    "count": "BIGINT",
    "signed": "BIGINT",
    "int": "INTEGER",
    "num": "DOUBLE",
    "money": "DECIMAL(18,2)",
    "rate": "DOUBLE",
    "ratio": "DOUBLE",
    "dur": "DOUBLE",
    "date": "DATE",
    "ts": "TIMESTAMP",
    "bool": "BOOLEAN",
    "enum": "VARCHAR",
    "list": "VARCHAR[]",
}
