"""The reconciliation suite on ops.file_manifest (expectations/suites/ops.py): the clean sample reconciles; each
seeded bookkeeping defect fails exactly its (blocking) check."""

from __future__ import annotations

from pathlib import Path

import pytest

from expectations.model import CheckResult
from expectations.suites import suites_by_kind
from expectations.suites.ops import lineage_relations
from ingestion.contracts import load_contract
from tests.expectations.dqlib import (
    assert_new_failures,
    dq_config,
    execute,
    failures,
)

pytestmark = pytest.mark.slow

# a loaded file that quarantined rows: the 28 Douyin video exports hold 5 quarantined rows
QUARANTINING_FILE = (
    "(SELECT min(sha256) FROM ops.file_manifest WHERE status = 'loaded' AND rows_quarantined > 0 "
    "AND dataset = 'douyin/videos')"
)
LOADED_FILE = "(SELECT min(sha256) FROM ops.file_manifest WHERE status = 'loaded' AND dataset = 'weibo/fans')"


def test_one_blocking_suite_on_the_manifest() -> None:
    [s] = suites_by_kind(dq_config(), "ops")
    assert (s.name, s.asset_key, s.table) == (
        "ops.file_manifest",
        ("ops", "file_manifest"),
        "ops.file_manifest",
    )
    assert len(s.checks) == 7 and all(c.severity == "error" for c in s.checks)


def test_every_raw_relation_is_traced() -> None:
    relations = set(lineage_relations())
    for t in load_contract().all_tables():
        assert t.qualified in relations
        if t.mode == "registry":
            assert f"raw.{t.name}_history" in relations
    assert "raw.wechat_user_source_coverage" in relations


def test_clean_sample_reconciles_on_both_engines(clean: Path) -> None:
    config = dq_config()
    suites = suites_by_kind(config, "ops")
    assert failures(clean, suites, config) == {}
    assert failures(clean, suites, config, engine="gx_pandas") == {}


def test_counts_that_do_not_add_up(seeded: Path, baseline: dict[str, CheckResult]) -> None:
    execute(seeded, f"UPDATE ops.file_manifest SET rows_read = rows_read + 1 WHERE sha256 = {LOADED_FILE}")
    new = assert_new_failures(
        seeded, dq_config(), {"ops.file_manifest.rows.reconcile": ("error", 1)}, baseline
    )
    [row] = new["ops.file_manifest.rows.reconcile"].sample
    assert row["dataset"] == "weibo/fans" and row["status"] == "loaded" and row["reconciliation_gap"] == 1


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            # a quarantine record lost: the file says 1 more than ops.quarantine holds
            "DELETE FROM ops.quarantine WHERE rowid = (SELECT min(rowid) FROM ops.quarantine WHERE file_sha256 = "
            f"{QUARANTINING_FILE})",
            {"ops.file_manifest.quarantine.reconcile": ("error", 1)},
            id="quarantine-record-lost",
        ),
        pytest.param(
            # a counted file without its counts
            f"UPDATE ops.file_manifest SET rows_skipped = NULL WHERE sha256 = {LOADED_FILE}",
            {"ops.file_manifest.counts.present": ("error", 1)},
            id="counts-missing",
        ),
        pytest.param(
            "UPDATE ops.file_manifest SET reason = NULL WHERE rowid = "
            "(SELECT min(rowid) FROM ops.file_manifest WHERE status = 'rejected')",
            {"ops.file_manifest.rejected.reason_present": ("error", 1)},
            id="rejected-without-reason",
        ),
        pytest.param(
            "UPDATE ops.file_manifest SET status = 'lost' WHERE rowid = "
            "(SELECT min(rowid) FROM ops.file_manifest WHERE status = 'duplicate')",
            {"ops.file_manifest.status.known": ("error", 1)},
            id="unknown-status",
        ),
        pytest.param(
            # a file recorded twice (same path and bytes) as a duplicate of itself: both rows fail
            "INSERT INTO ops.file_manifest SELECT * REPLACE ('duplicate' AS status, NULL AS rows_read, "
            "NULL AS rows_loaded, NULL AS rows_quarantined, NULL AS rows_skipped) "
            f"FROM ops.file_manifest WHERE sha256 = {LOADED_FILE}",
            {"ops.file_manifest.file.unique": ("error", 2)},
            id="file-twice",
        ),
        pytest.param(
            # raw rows of a file the manifest does not hold (3 rows of one unknown sha256: one orphan row)
            "UPDATE raw.weibo_comments SET _file_sha256 = 'not-in-the-manifest' WHERE rowid < 3",
            {"ops.file_manifest.rows.have_counted_file": ("error", 1)},
            id="raw-rows-of-unknown-file",
        ),
        pytest.param(
            # raw rows of a rejected file: loaded data from a file that should have loaded nothing
            "UPDATE raw.weibo_fans SET _file_sha256 = (SELECT min(sha256) FROM ops.file_manifest "
            "WHERE status = 'rejected' AND sha256 NOT IN (SELECT sha256 FROM ops.file_manifest "
            "WHERE status IN ('loaded', 'superseded'))) WHERE rowid = 0",
            {"ops.file_manifest.rows.have_counted_file": ("error", 1)},
            id="raw-rows-of-rejected-file",
        ),
        pytest.param(
            "UPDATE ops.quarantine SET file_sha256 = 'not-in-the-manifest' WHERE rowid = 0",
            {
                "ops.file_manifest.rows.have_counted_file": ("error", 1),
                # its own file now holds one record fewer than it counted
                "ops.file_manifest.quarantine.reconcile": ("error", 1),
            },
            id="quarantine-of-unknown-file",
        ),
    ],
)
def test_bookkeeping_defects(
    seeded: Path, baseline: dict[str, CheckResult], sql: str, expected: dict[str, tuple[str, int]]
) -> None:
    execute(seeded, sql)
    assert_new_failures(seeded, dq_config(), expected, baseline)
