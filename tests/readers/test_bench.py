"""Reader throughput benchmarks. Skipped unless FANOPS_BENCH=1 (``-m bench -s`` to see the numbers)."""

from __future__ import annotations

import csv
import io
import os
import time

import pytest
import xlsxwriter

from ingestion.readers import delimited, read_document

pytestmark = [
    pytest.mark.bench,
    pytest.mark.skipif(os.environ.get("FANOPS_BENCH") != "1", reason="set FANOPS_BENCH=1 to run"),
]


def _row(i: int) -> list[str]:
    return [
        str(4200001234202411110000 + i),
        "2024-11-01 12:30:05",
        "买家已付款,等待卖家发货" if i % 7 == 0 else "交易成功",
        str(i * 37 % 100000),
        "3.14",
        "abc def",
        "",
        "20.6%",
        "1.2万",
        "x" * (i % 13),
        "-",
        str(i % 3),
        "北京",
        "多行\n标题" if i % 101 == 0 else "ok",
        "y",
        str(i),
    ]


def test_csv_throughput() -> None:
    n = int(os.environ.get("FANOPS_BENCH_ROWS", "1000000"))
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"列{i}" for i in range(16)])
    w.writerows(_row(i) for i in range(n))
    data = buf.getvalue().encode("utf-8")
    del buf
    t0, c0 = time.perf_counter(), time.process_time()
    doc = read_document(data)
    t1 = time.perf_counter()
    assert doc.text is not None
    table = delimited(doc.text, ",")
    t2, c2 = time.perf_counter(), time.process_time()
    assert len(table.rows) == n + 1
    mb = len(data) / 1e6
    print(
        f"\nCSV {n} rows x 16 cols, {mb:.1f} MB: detect+decode {t1 - t0:.2f}s, delimited {t2 - t1:.2f}s; "
        f"wall {(n + 1) / (t2 - t0):,.0f} rows/s {mb / (t2 - t0):.1f} MB/s; "
        f"cpu {(n + 1) / (c2 - c0):,.0f} rows/s {mb / (c2 - c0):.1f} MB/s"
    )


def test_xlsx_throughput(tmp_path) -> None:
    n = int(os.environ.get("FANOPS_BENCH_XLSX_ROWS", "200000"))
    path = tmp_path / "bench.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    pct = wb.add_format({"num_format": "0.00%"})
    ws = wb.add_worksheet()
    ws.write_row(0, 0, [f"列{i}" for i in range(16)])
    for i in range(n):
        r = _row(i)
        for c in range(16):
            if c in (3, 11, 15):
                ws.write_number(i + 1, c, float(r[c]))
            elif c == 4:
                ws.write_number(i + 1, c, 0.314, pct)
            else:
                ws.write_string(i + 1, c, r[c])
    wb.close()
    data = path.read_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    doc = read_document(data)
    dt, dc = time.perf_counter() - t0, time.process_time() - c0
    assert len(doc.tables[0].rows) == n + 1
    mb = len(data) / 1e6
    print(
        f"\nxlsx {n} rows x 16 cols ({mb:.1f} MB zipped): wall {dt:.2f}s {(n + 1) / dt:,.0f} rows/s "
        f"{mb / dt:.2f} MB/s; cpu {dc:.2f}s {(n + 1) / dc:,.0f} rows/s {(n + 1) * 16 / dc:,.0f} cells/s"
    )
