"""Cell values as file readers hand them to the value parsers.

Readers never interpret a cell beyond what the file format itself says. A cell is one of:

- ``None``: an absent JSON key, JSON ``null``, or an empty spreadsheet cell;
- ``str``: text exactly as delivered (CSV, HTML tables, JSON strings, xlsx string cells);
- ``bool`` / ``int`` / ``float``: JSON scalars (JSON integers stay exact Python ints);
- :class:`Num`: a numeric spreadsheet cell (xlsx ``<v>`` without a string type, or a BIFF number),
  with the display format family the workbook gives it.

Value parsers (``ingestion.values``) decide what a cell means for a declared column type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NumFormat = Literal["general", "percent", "date", "time", "datetime"]


@dataclass(frozen=True, slots=True)
class Num:
    """A numeric spreadsheet cell.

    ``fmt`` is the family of the cell's number format: ``percent`` means the stored value is already a
    fraction (0.206 shown as 20.6%); ``date``/``datetime``/``time`` mean the value is an Excel serial
    (days since 1899-12-30, or since 1904-01-01 when ``date1904``); a ``time`` value is a fraction of a day.
    """

    value: float
    fmt: NumFormat = "general"
    date1904: bool = False


Cell = None | str | bool | int | float | Num
