"""Follower portraits (§3.18): distribution lists/sheets to (dimension, bucket, fans, share) rows."""

from __future__ import annotations

from typing import Any

from ingestion.extract import Batch, cell_text, is_blank

DOUYIN_LISTS = {
    "gender_distributions": "gender",
    "age_distributions": "age",
    "geographical_distributions": "region",
    "active_days_distributions": "active_days",
    "device_distributions": "device",
    "interest_distributions": "interest",
}
GENDER = {"1": "male", "2": "female"}


def expand_douyin(b: Batch) -> None:
    """Rows from data.fans_data: one record per delivered {item, value} element; plus `other` remainders."""
    recs = b.meta.get("records") or []
    cells: dict[str, list[Any]] = {k: [] for k in
                                   ("dimension", "bucket", "bucket_raw", "fans", "share", "all_fans", "is_computed_other")}
    rownums: list[int] = []
    n_read = 0
    ordinal = 0
    for rec in recs:
        fd = rec.obj if isinstance(rec.obj, dict) else {}
        total = fd.get("all_fans_num")
        total_num = total if isinstance(total, (int, float)) and not isinstance(total, bool) else None
        for key, dim in DOUYIN_LISTS.items():
            items = fd.get(key)
            if not isinstance(items, list):
                continue
            seen_sum = 0
            all_numeric = True
            for it in items:
                ordinal += 1
                n_read += 1
                item = it.get("item") if isinstance(it, dict) else None
                value = it.get("value") if isinstance(it, dict) else None
                raw = cell_text(item) if item is not None else None
                bucket = (GENDER.get(raw or "", "unknown") if dim == "gender" else raw)
                rownums.append(ordinal)
                cells["dimension"].append(dim)
                cells["bucket"].append(bucket)
                cells["bucket_raw"].append(raw)
                cells["fans"].append(value)
                cells["all_fans"].append(total)
                cells["is_computed_other"].append(False)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    seen_sum += int(value)
                    cells["share"].append(value / total_num if total_num else None)
                else:
                    all_numeric = False
                    cells["share"].append(None)
            if total_num is not None and all_numeric and items and seen_sum < total_num:
                ordinal += 1
                rownums.append(ordinal)
                rest = int(total_num) - seen_sum
                cells["dimension"].append(dim)
                cells["bucket"].append("other")
                cells["bucket_raw"].append(None)
                cells["fans"].append(rest)
                cells["all_fans"].append(total)
                cells["is_computed_other"].append(True)
                cells["share"].append(rest / total_num)
    b.cells = cells
    b.row_numbers = rownums
    b.rows_read = n_read
    b.sources = {k: k for k in cells}


def finish_wechat_sheet(b: Batch) -> None:
    """Bucket codes and share = 人数 / Σ人数 of the sheet (else the delivered 占比)."""
    spec = b.meta.get("sheet_spec") or {}
    mapping = spec.get("buckets") or {}
    other = spec.get("other_bucket")
    raws = b.cells.get("bucket_raw", [])
    fans = b.cells.get("fans", [])
    buckets: list[str | None] = []
    for r in raws:
        t = cell_text(r).strip() if not is_blank(r) else None
        if t is None:
            buckets.append(None)
        elif mapping:
            buckets.append(mapping.get(t, other or t))
        else:
            buckets.append(t)
    b.cells["bucket"] = buckets
    nums: list[float | None] = []
    for f in fans:
        try:
            nums.append(float(cell_text(f).replace(",", "")) if not is_blank(f) else None)
        except ValueError:
            nums.append(None)
    total = sum(x for x in nums if x is not None)
    if any(x is not None for x in nums) and total > 0:
        b.cells["share"] = [x / total if x is not None else None for x in nums]
    else:
        b.cells["share"] = [None] * len(raws)
        b.meta["share_from_reported"] = True
    b.cells["bucket_raw"] = [cell_text(r).strip() if not is_blank(r) else None for r in raws]
    b.sources.setdefault("bucket", b.sources.get("bucket_raw", "bucket"))
