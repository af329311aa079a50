"""Raw suites (expectations/suites/raw.py) on a real DuckDB build of the bundled sample.

Also holds the helpers the other suite tests import (`sample_warehouse`, `copy_warehouse`, `dq_config`,
`failures`, `assert_new_failures`): the sample is built once per test process by `fanops run` (ingestion
and dbt, ~1 min) and every test works on a copy.

- every raw table of the contract has a suite, and every required / rate / count / enum / event-time column
  of its declaration is covered (derived from the contract, not listed here);
- the clean sample passes every error check; its warn failures are exactly the documented findings;
- seeded defects make exactly the expected checks fail, with the expected severity and failing count.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from expectations.model import SUPPORTED_EXPECTATIONS, CheckResult, Suite
from expectations.suites import all_suites, suites_by_kind
from expectations.suites.raw import (
    LINEAGE_NOT_NULL,
    columns_of_kind,
    dataset_asset_key,
    enum_codes,
    metric_sheet_types,
    plausible_ts_columns,
    required_columns,
)
from ingestion.config import QualityConfig
from ingestion.contracts import load_contract
from tests.expectations.dqlib import CLEAN_WARNINGS, assert_new_failures, dq_config, execute, failures

# -------------------------------------------------------------------------------------- generated coverage


def test_every_raw_table_has_a_suite_guarding_its_dataset() -> None:
    raw = {s.name: s for s in suites_by_kind(dq_config(), "raw")}
    tables = load_contract().all_tables()
    assert set(raw) == {f"raw.{t.name}" for t in tables}
    for t in tables:
        s = raw[f"raw.{t.name}"]
        assert s.asset_key == dataset_asset_key(t.dataset) == ("raw", *t.dataset.split("/"))
        assert s.table == t.qualified and s.dataset == t.dataset and s.kind == "raw"


def _checks_on(suite: Suite) -> dict[tuple[str, str], dict]:
    return {(c.expectation_type, str(c.kwargs.get("column"))): dict(c.kwargs) for c in suite.checks}


def test_declared_columns_are_all_covered() -> None:
    raw = {s.name: s for s in suites_by_kind(dq_config(), "raw")}
    for t in load_contract().all_tables():
        s = raw[f"raw.{t.name}"]
        checks = _checks_on(s)
        for col in LINEAGE_NOT_NULL:
            assert ("expect_column_values_to_not_be_null", col) in checks
        for c in required_columns(t):
            assert ("expect_column_values_to_not_be_null", c.name) in checks, (t.name, c.name)
        for c in columns_of_kind(t, "rate"):
            assert checks[("expect_column_values_to_be_between", c.name)] == {
                "column": c.name,
                "min_value": 0,
                "max_value": 1,
            }
        for c in columns_of_kind(t, "count"):
            assert checks[("expect_column_values_to_be_between", c.name)] == {
                "column": c.name,
                "min_value": 0,
            }
        for c in columns_of_kind(t, "enum"):
            assert c.ctype is not None
            kw = checks[("expect_column_values_to_be_in_set", c.name)]
            assert set(kw["value_set"]) == set(c.ctype.enum_map.values()) | (
                set() if c.ctype.strict else {"other"}
            )
        for c in plausible_ts_columns(t):
            assert ("expect_column_values_to_be_between", f"{c.name}_local_year") in checks
            assert ("expect_column_values_to_be_between", f"{c.name}_days_after_export") in checks
        for metric, ctype in metric_sheet_types(t):
            if ctype.kind in ("rate", "count"):
                assert ("expect_column_values_to_be_between", f"{metric}_value") in checks
        assert ("expect_column_values_to_be_between", "key_versions") in checks
        # every check is a supported GX expectation, error by default, named after its suite, labelled
        for check in s.checks:
            assert check.expectation_type in SUPPORTED_EXPECTATIONS
            assert check.severity == "error" and check.name.startswith(s.name + ".")
            assert check.description and check.label_zh


def test_planned_times_are_exempt_and_platform_enums_accept_other() -> None:
    contract = load_contract()
    calendar = contract.table("ops_content_calendar")
    assert "planned_at" not in {c.name for c in plausible_ts_columns(calendar)}
    assert "published_at" in {c.name for c in plausible_ts_columns(calendar)}
    platform = contract.table("listening_mentions").column("platform")
    strict = contract.table("ops_campaigns").column("status")
    assert platform.ctype is not None and strict.ctype is not None
    assert "other" in enum_codes(platform.ctype)
    assert enum_codes(strict.ctype) == ["cancelled", "ended", "planned", "running"]


def test_suites_are_built_without_a_database_and_names_are_unique() -> None:
    suites = all_suites(dq_config())
    names = [c.name for s in suites for c in s.checks]
    assert len(names) == len(set(names))
    assert {s.kind for s in suites} == {"raw", "ops", "volume", "freshness", "mart"}
    # names never depend on thresholds
    other = dataclasses.replace(dq_config(), quality=QualityConfig(identity_tolerance=0.5))
    assert [c.name for s in all_suites(other) for c in s.checks] == names
    with pytest.raises(ValueError):
        suites_by_kind(dq_config(), "nope")


# ------------------------------------------------------------------------------------------ clean sample


def test_clean_sample_passes_every_error_check(baseline: dict[str, CheckResult]) -> None:
    assert [n for n, r in baseline.items() if r.severity == "error"] == []
    assert {n: r.failing_count for n, r in baseline.items()} == CLEAN_WARNINGS
    assert all(r.severity == "warn" for r in baseline.values())


def test_clean_raw_suites_pass_on_gx_pandas(clean: Path) -> None:
    config = dq_config()
    assert failures(clean, suites_by_kind(config, "raw"), config, engine="gx_pandas") == {}


# --------------------------------------------------------------------------------------- seeded defects

DUP_WHERE = "account = 'qinghe_wb' AND stat_date = DATE '2026-09-15'"


def test_duplicated_key_in_a_series_table(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    # the same (account, stat_date) twice with different values: the original and the copy fail
    execute(
        seeded,
        "INSERT INTO raw.weibo_fans SELECT * REPLACE (followers_new + 1 AS followers_new, "
        f"_row_number + 1000 AS _row_number) FROM raw.weibo_fans WHERE {DUP_WHERE}",
    )
    new = assert_new_failures(seeded, dq_config(), {"raw.weibo_fans.key.unique": ("error", 2)}, baseline)
    sample = new["raw.weibo_fans.key.unique"].sample
    assert {row["stat_date"] for row in sample} == {"2026-09-15"}


def test_identical_duplicates_within_a_file_are_allowed(
    seeded: Path, baseline: dict[str, CheckResult]
) -> None:
    # contract §5.2: identical duplicates in one file load (staging keeps one)
    execute(
        seeded,
        "INSERT INTO raw.weibo_fans SELECT * REPLACE (_row_number + 1000 AS _row_number) "
        f"FROM raw.weibo_fans WHERE {DUP_WHERE}",
    )
    assert_new_failures(seeded, dq_config(), {}, baseline)


def test_same_series_key_from_two_files_fails(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    # a replaced mode keeps the newer delivery only: the key from a second (counted) file is a second version
    execute(
        seeded,
        "INSERT INTO raw.weibo_fans SELECT * REPLACE ((SELECT min(_file_sha256) FROM raw.weibo_fans "
        f"WHERE NOT ({DUP_WHERE})) AS _file_sha256) FROM raw.weibo_fans WHERE {DUP_WHERE}",
    )
    assert_new_failures(seeded, dq_config(), {"raw.weibo_fans.key.unique": ("error", 2)}, baseline)


def test_snapshot_keys_repeat_across_files_but_not_within_one(
    seeded: Path, baseline: dict[str, CheckResult]
) -> None:
    # the post with the most snapshots: repeated across files by design; a conflicting copy in one file fails
    pick = (
        "(account, post_ref) = (SELECT (account, post_ref) FROM raw.douyin_videos GROUP BY ALL "
        "ORDER BY count(*) DESC, 1, 2 LIMIT 1)"
    )
    execute(
        seeded,
        "INSERT INTO raw.douyin_videos SELECT * REPLACE (likes + 5 AS likes, _row_number + 1000 AS _row_number) "
        f"FROM raw.douyin_videos WHERE {pick} ORDER BY _export_at DESC, _file_sha256 LIMIT 1",
    )
    assert_new_failures(seeded, dq_config(), {"raw.douyin_videos.key.unique": ("error", 2)}, baseline)


def test_rate_of_1_7_in_a_raw_rate_column(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    execute(
        seeded,
        "UPDATE raw.douyin_videos SET completion_rate = 1.7 WHERE rowid = (SELECT min(rowid) FROM raw.douyin_videos)",
    )
    new = assert_new_failures(
        seeded, dq_config(), {"raw.douyin_videos.completion_rate.between_0_and_1": ("error", 1)}, baseline
    )
    assert [
        row["completion_rate"] for row in new["raw.douyin_videos.completion_rate.between_0_and_1"].sample
    ] == [1.7]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "UPDATE raw.weibo_comments SET text_masked = NULL WHERE rowid < 3",
            {"raw.weibo_comments.text_masked.not_null": ("error", 3)},
            id="required-null",
        ),
        pytest.param(
            "UPDATE raw.wechat_article_daily SET shares = -4 WHERE rowid = 0",
            {"raw.wechat_article_daily.shares.non_negative": ("error", 1)},
            id="negative-count",
        ),
        pytest.param(
            "UPDATE raw.shop_orders SET status = 'lost_in_transit' WHERE rowid = 0",
            {"raw.shop_orders.status.in_code_set": ("error", 1)},
            id="unknown-code",
        ),
        pytest.param(
            # a platform enum keeps unknown labels as `other`: allowed
            "UPDATE raw.listening_mentions SET platform = 'other' WHERE rowid = 0",
            {},
            id="platform-enum-other",
        ),
        pytest.param(
            "UPDATE raw.weibo_posts SET published_at = TIMESTAMP '2008-12-31 15:59:59', "
            "published_date = DATE '2008-12-31' WHERE rowid = 0",
            {"raw.weibo_posts.published_at.not_before_2009": ("error", 1)},
            id="before-2009",
        ),
        pytest.param(
            "UPDATE raw.douyin_comments SET created_at = _export_at + INTERVAL 25 HOUR WHERE rowid = 0",
            {"raw.douyin_comments.created_at.not_after_export": ("error", 1)},
            id="after-export",
        ),
        pytest.param(
            # exactly one day after the export time is still plausible (§2.10: "more than a day")
            "UPDATE raw.douyin_comments SET created_at = _export_at + INTERVAL 24 HOUR WHERE rowid = 0",
            {},
            id="one-day-after-export",
        ),
        pytest.param(
            "UPDATE raw.xiaohongshu_fans SET value = 1.7 WHERE rowid = "
            "(SELECT min(rowid) FROM raw.xiaohongshu_fans WHERE metric = 'profile_follow_rate')",
            {"raw.xiaohongshu_fans.profile_follow_rate.between_0_and_1": ("error", 1)},
            id="metric-sheet-rate",
        ),
        pytest.param(
            "UPDATE raw.ops_kols SET _row_number = NULL WHERE rowid = 0",
            {"raw.ops_kols._row_number.not_null": ("error", 1)},
            id="lineage-null",
        ),
    ],
)
def test_contract_backstops(
    seeded: Path, baseline: dict[str, CheckResult], sql: str, expected: dict[str, tuple[str, int]]
) -> None:
    execute(seeded, sql)
    assert_new_failures(seeded, dq_config(), expected, baseline)
