"""JSON and JSONL documents (contract §2.2, §2.14).

JSON when the whole text parses; otherwise JSONL when every non-empty line begins with ``{`` (each
line that is not exactly one JSON object becomes a ``bad_lines`` entry with its 1-based physical line
number; blank lines are skipped); otherwise ``invalid_json`` with the byte offset of the error.

orjson parses by default. It keeps integers up to 64 bits exactly but silently turns larger ones into
floats, so any text holding a run of 19+ digits is parsed with the stdlib ``json`` module instead
(which keeps every integer exact). NaN/Infinity and overflowing floats are rejected either way.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import orjson

from .model import Document, FileRejected

_LONG_DIGITS = re.compile(r"\d{19,}")
_LONG_DIGITS_B = re.compile(rb"\d{19,}")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(s: str) -> float:
    f = float(s)
    if math.isinf(f):
        raise ValueError(f"number {s[:40]} is infinity when parsed as double")
    return f


_STDLIB = json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE_ESCAPE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v) is not None:
                return True
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _stdlib_loads(s: str) -> Any:
    """The stdlib parser, as strict as orjson about escaped lone UTF-16 surrogates (``"\\ud83d"``): a string
    holding one is not Unicode text (it cannot be encoded as UTF-8), so the JSON is invalid."""
    value = _STDLIB.decode(s)
    if _SURROGATE_ESCAPE.search(s) is not None and _has_lone_surrogate(value):
        m = _LONE_SURROGATE_ESCAPE.search(s)
        raise json.JSONDecodeError("lone UTF-16 surrogate escape in a string", s, m.start() if m else 0)
    return value


def _loads(s: str, exact: bool) -> Any:
    if exact:
        return _stdlib_loads(s)
    return orjson.loads(s)


def _error_pos(text: str) -> tuple[int, str]:
    """Character position and message of the first error in ``text`` per the stdlib parser."""
    try:
        _stdlib_loads(text)
    except json.JSONDecodeError as exc:
        return exc.pos, exc.msg
    except ValueError as exc:  # a rejected constant / infinite float: position unknown to json
        return 0, str(exc)
    except RecursionError:
        return 0, "nesting too deep"
    return len(text), "unexpected content"


def try_json_bytes(data: bytes, bom_len: int) -> Document | None:
    """Fast path: parse UTF-8 JSON straight from the bytes (no decoded copy of the file).

    orjson validates UTF-8 strictly, so success means the §2.3 encoding is utf-8 (or utf-8-sig). Texts with
    19+ digit runs (possible integers beyond 64 bits) and everything orjson rejects take the slow path.
    """
    if _LONG_DIGITS_B.search(data) is not None:
        return None
    try:
        value = orjson.loads(memoryview(data)[bom_len:])
    except orjson.JSONDecodeError:
        return None
    return Document(file_type="json", encoding="utf-8-sig" if bom_len else "utf-8", json_value=value)


def read_json(text: str, encoding: str, bom_len: int, *, whole_tried: bool = False) -> Document:
    """``whole_tried``: the bytes fast path already failed on this UTF-8 text without long digit runs."""
    exact = _LONG_DIGITS.search(text) is not None
    if not (whole_tried and not exact and encoding in ("utf-8", "utf-8-sig")):
        try:
            value = _loads(text, exact)
        except (ValueError, RecursionError):
            pass
        else:
            return Document(file_type="json", encoding=encoding, json_value=value)

    # JSONL? every non-empty line must begin with '{'. Lines are split at \r\n, \r or \n (the last piece
    # after a final break is empty, hence blank); each line is parsed as it is read, and the result is
    # dropped when a later line shows the text is not JSONL.
    lines = _LINE_BREAK.split(text) if "\r" in text else text.split("\n")
    is_jsonl = True
    nonblank = 0
    records: list[tuple[int, object]] = []
    bad: list[tuple[int, str]] = []
    fast = orjson.loads
    for line_no, line in enumerate(lines, 1):
        if line[:1] != "{":
            stripped = line.strip()
            if not stripped:
                continue
            if not stripped.startswith("{"):
                is_jsonl = False
                break
        nonblank += 1
        try:
            obj = _loads(line, True) if exact and _LONG_DIGITS.search(line) is not None else fast(line)
        except RecursionError:
            bad.append((line_no, "line is not valid JSON: nesting too deep"))
            continue
        except ValueError:
            cpos, msg = _error_pos(line)
            bad.append((line_no, f"line is not valid JSON: {msg} (column {cpos + 1})"))
            continue
        if not isinstance(obj, dict):
            bad.append((line_no, f"line is JSON {type(obj).__name__}, not one JSON object"))
            continue
        records.append((line_no, obj))
    # a one-line file reads the same either way (§2.2): one line that is not one JSON object is a JSON
    # file that does not parse (say, a compact API dump cut mid-array), rejected, not a quarantined line
    if is_jsonl and nonblank and (records or nonblank > 1):
        return Document(file_type="jsonl", encoding=encoding, json_lines=records, bad_lines=bad)

    cpos, msg = _error_pos(text)
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    offset = bom_len + len(text[:cpos].encode(codec))
    line_no = len(_LINE_BREAK.findall(text, 0, cpos)) + 1
    raise FileRejected(
        "invalid_json",
        f"file starts like JSON but is neither JSON nor JSONL: {msg} at byte offset {offset} (line {line_no})",
        {"offset": offset, "line": line_no},
    )
