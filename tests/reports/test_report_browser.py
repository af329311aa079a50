"""The report renders in headless Chromium (Debian's `chromium` package): a full-page screenshot kept as a
test artefact (tests/reports/artifacts/, git-ignored), every chart's <svg> in the DOM Chromium built, and the
PDF export. Skipped, visibly, only when no Chromium binary is on PATH."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from orchestration.reports import ReportResult, write_report
from orchestration.reports.i18n import SECTION_IDS
from orchestration.reports.pdf import BROWSERS, dump_dom, find_browser, html_to_pdf, screenshot
from tests.expectations.dqlib import copy_warehouse, sample_warehouse

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_browser() is None,
        reason=f"no Chromium on PATH ({', '.join(BROWSERS)}): `apt-get install -y chromium` to run the render check",
    ),
]

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
PAGE_WIDTH = 1280
PAGE_HEIGHT = 16000  # the sample's zh week report is about 12,000 px tall at this width
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHART_ID = re.compile(r'<svg class="chart" data-chart="([^"]+)"')


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> ReportResult:
    wh = copy_warehouse(sample_warehouse(tmp_path_factory), tmp_path_factory.mktemp("browser_wh"))
    return write_report(wh, tmp_path_factory.mktemp("browser_out"), period="week", lang="zh", pdf=False)


def test_screenshot_is_taken_and_kept(report: ReportResult, tmp_path: Path) -> None:
    png = tmp_path / "report_week_zh.png"
    proc = screenshot(report.html_path, png, width=PAGE_WIDTH, height=PAGE_HEIGHT)
    assert png.exists(), proc.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (PAGE_WIDTH, PAGE_HEIGHT)
    assert len(data) > 100_000  # a rendered page of text and charts, not a blank canvas
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy2(png, ARTIFACTS / png.name)
    shutil.copy2(report.html_path, ARTIFACTS / "report_week_zh.html")


def test_every_chart_is_in_the_rendered_dom(report: ReportResult) -> None:
    html = report.html_path.read_text(encoding="utf-8")
    dom = dump_dom(report.html_path)
    expected = CHART_ID.findall(html)
    assert len(expected) >= 8 and len(set(expected)) == len(expected)
    rendered = CHART_ID.findall(dom)
    assert rendered == expected
    assert dom.count("<svg") == html.count("<svg")
    for section in SECTION_IDS:
        assert f'<section id="{section}"' in dom


def test_pdf_export(report: ReportResult, tmp_path: Path) -> None:
    outcome = html_to_pdf(report.html_path, tmp_path / "report.pdf")
    assert outcome.path is not None, outcome.message
    data = outcome.path.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 50_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy2(outcome.path, ARTIFACTS / "report_week_zh.pdf")
