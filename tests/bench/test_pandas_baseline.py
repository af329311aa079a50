"""The pandas baseline of the benchmark (bench/pandas_baseline.py) computes the same numbers as fanops' marts
on the bundled sample, and notices when they differ."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from bench.pandas_baseline import COMPUTATIONS, decode, run
from ingestion.config import SAMPLE_LANDING
from tests.expectations.dqlib import sample_warehouse


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_warehouse(tmp_path_factory)


def test_pandas_equals_the_marts_on_the_sample(warehouse: Path) -> None:
    res = run(SAMPLE_LANDING, warehouse, fanops_timing=False)
    assert set(res["computations"]) == set(COMPUTATIONS)
    for name, c in res["computations"].items():
        assert c["compared_rows"] > 5, name
        assert c["mismatches"] == 0, (name, c["mismatch_examples"])
        assert c["pandas"]["wall_s"] > 0
    assert res["ok"]


def _bump_order(landing: Path) -> str:
    """Add 1 yuan to the paid amount of the first coupon order, in every file that holds it."""
    files = sorted((landing / "shop").rglob("订单导出_*.csv"))
    order_id = ""
    for f in files:
        for cells in csv.reader(io.StringIO(decode(f.read_bytes()))):
            if len(cells) > 13 and cells[12].startswith("QH") and cells[2].replace(".", "").isdigit():
                order_id = cells[0]
                break
        if order_id:
            break
    assert order_id
    for f in files:
        data = f.read_bytes()
        text = decode(data)
        if order_id not in text:
            continue
        lines = text.split("\n")
        for i, line in enumerate(lines):
            if line.startswith(order_id + ","):
                cells = next(csv.reader([line]))
                cells[2] = f"{float(cells[2]) + 1:.2f}"
                buf = io.StringIO()
                csv.writer(buf, lineterminator="").writerow(cells)
                lines[i] = buf.getvalue()
        enc = "utf-8" if data.startswith(b"\xef\xbb\xbf") or _is_utf8(data) else "gb18030"
        out = "\n".join(lines).encode(enc)
        f.write_bytes((b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b"") + out.lstrip(b"\xef\xbb\xbf"))
    return order_id


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bump_douyin_total(landing: Path) -> None:
    """Add 1 follower to one Douyin day in every fans file that holds it."""
    files = sorted((landing / "douyin").glob("*/fans/**/*.json"))

    def calls(doc: dict) -> list[dict]:
        return doc.get("calls", [{"response": doc}])

    day = calls(json.loads(files[0].read_text(encoding="utf-8")))[0]["response"]["data"]["result_list"][0]["date"]
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        for call in calls(doc):
            for item in call["response"]["data"]["result_list"]:
                if item["date"] == day:
                    item["total_fans"] += 1
        f.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_a_changed_landing_file_is_reported_as_a_mismatch(warehouse: Path, tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_LANDING, landing)
    _bump_order(landing)
    _bump_douyin_total(landing)
    res = run(landing, warehouse, fanops_timing=False)
    c = res["computations"]
    assert c["campaign_roi"]["mismatches"] >= 1
    assert any(abs((e["gmv_pandas"] or 0) - (e["gmv_fanops"] or 0) - 1) < 1e-6
               for e in c["campaign_roi"]["mismatch_examples"])
    assert c["account_daily"]["mismatches"] == 1
    assert c["content_latest"]["mismatches"] == 0
    assert not res["ok"]
