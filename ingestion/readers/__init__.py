"""File readers: bytes of one landing file → :class:`Document` (docs/INTERFACES.md, *Readers*)."""

from .csvtext import delimited
from .detect import read_document
from .model import Document, FileRejected, Table

__all__ = ["Document", "FileRejected", "Table", "delimited", "read_document"]
