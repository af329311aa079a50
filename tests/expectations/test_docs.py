"""Data Docs: GX-rendered pages per suite plus a fanops index, offline, swapped in atomically."""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import duckdb
import pytest

from expectations.docs import build_data_docs, suite_page
from expectations.engine import SuiteValidation, validate_suite
from expectations.model import Check, Suite


def _suite(name: str, checks: tuple[Check, ...], sql: str = "select * from t") -> Suite:
    return Suite(name, "mart", ("marts", name), f"marts.{name}", sql, checks, id_columns=("id",))


@pytest.fixture(scope="module")
def validations(tmp_path_factory: pytest.TempPathFactory) -> list[SuiteValidation]:
    con = duckdb.connect(str(tmp_path_factory.mktemp("docs") / "wh.duckdb"))
    con.execute(
        "create table t as select * from (values (1, 0.2, 'a'), (2, 1.7, 'b'), (2, null, null)) v(id, rate, s)"
    )
    failing = _suite(
        "marts.fct_content",
        (
            Check(
                "marts.fct_content.rate_range",
                "expect_column_values_to_be_between",
                {"column": "rate", "min_value": 0, "max_value": 1},
                label_zh="互动率在 0 到 1 之间",
            ),
            Check(
                "marts.fct_content.id_unique", "expect_column_values_to_be_unique", {"column": "id"}, "warn"
            ),
            Check("marts.fct_content.s_missing", "expect_column_values_to_not_be_null", {"column": "nope"}),
        ),
    )
    passing = _suite(
        "raw.douyin_posts",
        (Check("raw.douyin_posts.rows", "expect_table_row_count_to_be_between", {"min_value": 1}),),
    )
    warning = _suite(
        "volume.raw",
        (
            Check(
                "volume.raw.s_set",
                "expect_column_values_to_be_in_set",
                {"column": "s", "value_set": ["a"]},
                "warn",
            ),
        ),
    )
    broken = _suite(
        "ops.file_manifest",
        (Check("ops.file_manifest.rows", "expect_table_row_count_to_be_between", {"min_value": 1}),),
        sql="select * from missing_table",
    )
    return [
        validate_suite(con, failing, run_id="run-1", engine="gx_pandas"),
        validate_suite(con, passing, run_id="run-1", engine="sql"),
        validate_suite(con, warning, run_id="run-1", engine="sql"),
        validate_suite(con, broken, run_id="run-1"),
    ]


def test_site_has_index_and_one_page_per_suite(validations: list[SuiteValidation], tmp_path: Path) -> None:
    site = tmp_path / "dq" / "data_docs"
    t0 = time.perf_counter()
    index = build_data_docs(validations, site, run_id="run-1")
    assert time.perf_counter() - t0 < 5
    assert index == site / "index.html" and index.is_file()
    text = index.read_text(encoding="utf-8")
    for v in validations:
        page = suite_page(site, v.suite.name)
        assert page.is_file(), page
        assert f'href="validations/{page.name}"' in text
    assert "marts.fct_content.rate_range" in text and "互动率在 0 到 1 之间" in text
    assert "阻断" in text and "警告" in text and "通过" in text
    assert "run-1" in text
    # the status order puts blocking suites first
    assert text.index("marts.fct_content") < text.index("volume.raw") < text.index("raw.douyin_posts")

    page = suite_page(site, "marts.fct_content").read_text(encoding="utf-8")
    assert "marts.fct_content.rate_range" in page and "互动率在 0 到 1 之间" in page
    assert "Expectation Validation Result" in page  # GX's own page body
    assert '"rate": 1.7' in html.unescape(page)  # the failing-row sample
    assert "missing_table" in suite_page(site, "ops.file_manifest").read_text(encoding="utf-8")


def test_pages_are_offline(validations: list[SuiteValidation], tmp_path: Path) -> None:
    site = tmp_path / "docs"
    build_data_docs(validations, site, run_id="run-1")
    for page in [site / "index.html", *(site / "validations").iterdir()]:
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"<script\b", text, re.IGNORECASE), page
        assert not re.search(
            r"(src|href)=\"(https?:)?//", text.replace('href="https://greatexpectations.io', "")
        ), page
        assert "url(http" not in text


def test_english_labels(validations: list[SuiteValidation], tmp_path: Path) -> None:
    text = build_data_docs(validations, tmp_path / "en", run_id="run-1", lang="en").read_text(
        encoding="utf-8"
    )
    assert "Blocking" in text and "Warning" in text and "Passed" in text and "阻断" not in text
    with pytest.raises(ValueError):
        build_data_docs(validations, tmp_path / "fr", run_id="run-1", lang="fr")


def test_rebuild_replaces_the_whole_site(validations: list[SuiteValidation], tmp_path: Path) -> None:
    site = tmp_path / "site"
    build_data_docs(validations, site, run_id="run-1")
    stale = suite_page(site, "marts.fct_content")
    assert stale.exists()
    build_data_docs(validations[1:2], site, run_id="run-2")
    assert not stale.exists()  # pages of the previous build are gone
    assert "run-2" in (site / "index.html").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no temp or old folders left


def test_suite_page_is_deterministic(tmp_path: Path) -> None:
    assert suite_page(tmp_path, "marts.fct_content") == tmp_path / "validations" / "marts.fct_content.html"
    assert suite_page(tmp_path, "weird name/with:chars").parent == tmp_path / "validations"
    assert suite_page(tmp_path, "weird name/with:chars").name == "weird_name_with_chars.html"
