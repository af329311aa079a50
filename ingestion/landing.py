"""The landing tree: which files are deliveries and which dataset/account a path names (contract §1)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ingestion.contracts import DatasetDecl, load_contract

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,47}$")
_NOT_DELIVERY_SUFFIXES = (".tmp", ".part", ".crdownload", ".meta.json")


def is_delivery(name: str) -> bool:
    """Rule 3: lock files, temporary downloads and sidecars are never deliveries."""
    if name.startswith(".") or name.startswith("~$"):
        return False
    if name == "Thumbs.db":
        return False
    return not name.lower().endswith(_NOT_DELIVERY_SUFFIXES)


def iter_deliveries(landing: Path) -> Iterator[Path]:
    """Every delivery under the landing root, in a stable (sorted) order."""
    for dirpath, dirnames, filenames in os.walk(landing):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if is_delivery(name):
                yield Path(dirpath) / name


@dataclass(frozen=True)
class PathInfo:
    rel: str  # landing-relative, '/' separated
    group: str | None
    account: str | None  # the slug in the path (None for ops/listening)
    dataset: DatasetDecl | None
    problem: str | None = None  # 'unknown_dataset' | 'unknown_account' (slug shape)
    message: str | None = None


def classify(rel: str) -> PathInfo:
    """Rule 1/2: the path decides platform, account and dataset."""
    parts = rel.split("/")
    contract = load_contract()
    group = parts[0] if parts else None
    if group in ("ops", "listening"):
        if len(parts) >= 3:
            ds = contract.datasets.get(f"{group}/{parts[1]}")
            if ds is not None:
                return PathInfo(rel, group, None, ds)
        return PathInfo(
            rel, group, None, None, "unknown_dataset", f"'{rel}' is not in a known {group}/<dataset>/ folder"
        )
    if len(parts) >= 4:
        account, folder = parts[1], parts[2]
        ds = contract.datasets.get(f"{group}/{folder}")
        if ds is not None:
            if not SLUG_RE.match(account):
                return PathInfo(
                    rel,
                    group,
                    account,
                    ds,
                    "unknown_account",
                    f"account folder '{account}' is not a valid slug ^[a-z0-9][a-z0-9_-]{{1,47}}$",
                )
            return PathInfo(rel, group, account, ds)
    where = "directly inside an account folder" if len(parts) == 3 else "not in a known dataset folder"
    return PathInfo(rel, group, parts[1] if len(parts) > 2 else None, None, "unknown_dataset",
                    f"'{rel}' is {where} (expected <platform>/<account>/<dataset>/…)")


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class Sidecar:
    exported_at: datetime | None
    period_start: date | None
    period_end: date | None
    error: str | None = None


def read_sidecar(path: Path) -> Sidecar | None:
    """Rule 7(b): ``<file name>.meta.json`` beside the data file."""
    side = path.with_name(path.name + ".meta.json")
    if not side.exists():
        return None
    try:
        doc = json.loads(side.read_text(encoding="utf-8-sig"))
        exp = doc.get("exported_at")
        exported = datetime.fromisoformat(exp) if exp else None
        if exported is not None and exported.tzinfo is None:
            from ingestion.timeutil import SHANGHAI

            exported = exported.replace(tzinfo=SHANGHAI)
        ps, pe = doc.get("period_start"), doc.get("period_end")
        return Sidecar(
            exported.astimezone(UTC) if exported else None,
            date.fromisoformat(ps) if ps else None,
            date.fromisoformat(pe) if pe else None,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        return Sidecar(None, None, None, f"sidecar {side.name} is not valid: {exc}")
