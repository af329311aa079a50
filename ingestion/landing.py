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


@dataclass
class LandingScan:
    """Every delivery under a landing root with its classification: one walk of the tree, shared by the
    per-dataset ingestion steps of a run (walking and classifying 200,000+ files costs seconds)."""

    root: Path  # resolved
    entries: list[tuple[str, str, PathInfo]]  # (absolute path, landing-relative path, classification)


def scan_landing(landing: Path) -> LandingScan:
    """``iter_deliveries`` + ``classify`` for the whole tree, in the same (sorted, top-down) order.

    Files of one folder share everything ``classify`` derives from the path but the path itself, so a
    folder is classified once (folders whose files have a problem: per file, the message names it)."""
    root = landing.resolve()
    entries: list[tuple[str, str, PathInfo]] = []

    def walk(abs_dir: str, rel_dir: str) -> None:
        try:
            with os.scandir(abs_dir) as it:
                items = list(it)
        except OSError:
            return
        dirs: list[os.DirEntry[str]] = []
        files: list[str] = []
        for e in items:
            try:
                is_dir = e.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                dirs.append(e)
            else:
                files.append(e.name)
        template: PathInfo | None = None
        for name in sorted(files):
            if not is_delivery(name):
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if template is None:
                info = classify(rel)
                if info.problem is None:
                    template = info
            else:
                info = PathInfo(rel, template.group, template.account, template.dataset)
            entries.append((os.path.join(abs_dir, name), rel, info))
        for d in sorted((e for e in dirs if not e.name.startswith(".")), key=lambda e: e.name):
            try:
                if d.is_symlink():  # os.walk does not follow links to folders
                    continue
            except OSError:
                continue
            walk(os.path.join(abs_dir, d.name), f"{rel_dir}/{d.name}" if rel_dir else d.name)

    walk(str(root), "")
    return LandingScan(root, entries)
