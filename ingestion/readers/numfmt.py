"""Number-format families (``ingestion.cells.NumFormat``) from Excel format ids and format codes."""

from __future__ import annotations

import re

from ingestion.cells import NumFormat

# Built-in format ids (ECMA-376 §18.8.30), plus the East Asian built-ins Excel writes without a
# <numFmt> definition in zh-CN/ja-JP workbooks (27–36, 50–58: 年/月/日 dates and 时/分 times).
_BUILTIN: dict[int, NumFormat] = {
    9: "percent",
    10: "percent",
    14: "date",
    15: "date",
    16: "date",
    17: "date",
    22: "datetime",
    18: "time",
    19: "time",
    20: "time",
    21: "time",
    45: "time",
    46: "time",
    47: "time",
    **{i: "date" for i in (27, 28, 29, 30, 31, 36, 50, 51, 52, 53, 54, 57, 58)},
    **{i: "time" for i in (32, 33, 34, 35, 55, 56)},
}

_QUOTED = re.compile(r'"[^"]*"?')
_ESCAPED = re.compile(r"\\.|[_*].", re.DOTALL)
_BRACKET = re.compile(r"\[([^\]]*)\]?")
_SCIENTIFIC = re.compile(r"e[+-]")
_ELAPSED = re.compile(r"^(?:h+|m+|s+)$", re.IGNORECASE)


def builtin_family(fmt_id: int) -> NumFormat:
    return _BUILTIN.get(fmt_id, "general")


def _first_section(code: str) -> str:
    """The first ';'-separated section, ignoring ';' inside quotes/brackets."""
    depth_quote = False
    depth_bracket = False
    i = 0
    while i < len(code):
        ch = code[i]
        if ch == "\\" and not depth_quote:
            i += 2
            continue
        if ch == '"' and not depth_bracket:
            depth_quote = not depth_quote
        elif not depth_quote:
            if ch == "[":
                depth_bracket = True
            elif ch == "]":
                depth_bracket = False
            elif ch == ";" and not depth_bracket:
                return code[:i]
        i += 1
    return code


def classify_code(code: str) -> NumFormat:
    """Family of a custom format code.

    ``%`` → percent; y/d (or e/g/b year/era) date tokens → date, or datetime when h/s also appear;
    only h/m/s → time. Quoted literals, ``\\x`` escapes, ``_x``/``*x`` padding and bracketed sections
    (``[Red]``, ``[$-804]``, ``[DBNum1]``, ``[>100]``) are ignored, except elapsed-time ``[h]``/``[mm]``/``[ss]``.
    """
    if not code:
        return "general"
    section = _first_section(code)
    section = _QUOTED.sub("", section)
    section = _ESCAPED.sub("", section)
    elapsed = False

    def _bracket(m: re.Match[str]) -> str:
        nonlocal elapsed
        if _ELAPSED.match(m.group(1)):
            elapsed = True
        return ""

    section = _BRACKET.sub(_bracket, section)
    low = section.lower()
    if "%" in low:
        return "percent"
    if low.strip() in ("general", "@", ""):
        return "time" if elapsed else "general"
    low = low.replace("general", "")
    low = _SCIENTIFIC.sub("", low)
    low = low.replace("am/pm", "h").replace("a/p", "h").replace("上午/下午", "h")
    has_date = any(ch in low for ch in "ydeb") or "g" in low
    has_time = elapsed or "h" in low or "s" in low
    if has_date:
        return "datetime" if has_time else "date"
    if has_time:
        return "time"
    if "m" in low:  # month alone ("mmm", "mm")
        return "date"
    return "general"
