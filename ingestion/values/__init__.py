"""Value parsers (contract §2.5–§2.11): one declared column type at a time, vectorised where canonical."""

from .common import CellError, ParseContext, ParsedColumn, is_missing, normalise_header
from .vector import parse_column, parse_column_reference

__all__ = [
    "CellError",
    "ParseContext",
    "ParsedColumn",
    "is_missing",
    "normalise_header",
    "parse_column",
    "parse_column_reference",
]
