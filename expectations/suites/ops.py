"""The reconciliation suite on ``ops.file_manifest`` (kind ``ops``, asset ``ops/file_manifest``): blocking.

"Nothing is dropped silently" (contract §5): every delivered file has one manifest row, and every record
read from a counted file is loaded, quarantined or skipped. Semantics as `ingestion.engine` writes them:

- statuses: ``loaded`` and ``superseded`` files are *counted* (row counts set; a superseded file keeps the
  counts it was loaded with); ``duplicate`` and ``rejected`` files have NULL counts and load nothing;
- ``rows_read = rows_loaded + rows_quarantined + rows_skipped`` for each counted file;
- ``rows_quarantined`` is the number of ``ops.quarantine`` records of the file (one record per rejected row,
  however many problems it has), joined by ``file_sha256``;
- every row of a raw table (registry ``_history`` tables and the WeChat user-source coverage included)
  names a counted file in ``_file_sha256``, and so does every quarantine record. Identical bytes delivered
  again are one sha256 with a ``duplicate`` row beside the counted one.

The batch is one row per manifest row (``record = 'file'``) plus one row per (relation, sha256) whose raw or
quarantine rows name no counted file (``record = 'orphan'``, ``orphan_rows`` > 0). Each check reads a
column derived for its rule, NULL where the rule does not apply (GX ignores NULLs), so each defect fails
exactly one check. All checks are ``error``: a file or row unaccounted for means lost or invented data.
"""

from __future__ import annotations

from expectations.model import Check, Suite, SuiteKind
from expectations.suites.raw import lit
from ingestion.config import FanopsConfig
from ingestion.contracts import load_contract
from ingestion.warehouse import COVERAGE_TABLE

KIND: SuiteKind = "ops"
STATUSES = ("loaded", "duplicate", "superseded", "rejected")
COUNTED = ("loaded", "superseded")
MISSING_STATUS = "(missing)"


def lineage_relations() -> list[str]:
    """Every raw relation whose rows carry `_file_sha256`."""
    out: list[str] = []
    for t in load_contract().all_tables():
        out.append(t.qualified)
        if t.mode == "registry":
            out.append(f"raw.{t.name}_history")
        if t.coverage == "requested_dates":
            out.append(f"raw.{COVERAGE_TABLE}")
    return list(dict.fromkeys(out))


def manifest_suite(config: FanopsConfig | None = None) -> Suite:
    del config
    name = "ops.file_manifest"
    counted = ", ".join(lit(s) for s in COUNTED)
    orphan_parts = [
        f"SELECT {lit(rel)} AS relation, _file_sha256 AS sha256, count(*) AS n FROM {rel} AS r "
        "WHERE NOT EXISTS (SELECT 1 FROM counted AS c WHERE c.sha256 = r._file_sha256) GROUP BY _file_sha256"
        for rel in lineage_relations()
    ]
    orphan_parts.append(
        "SELECT 'ops.quarantine' AS relation, file_sha256 AS sha256, count(*) AS n FROM ops.quarantine AS r "
        "WHERE NOT EXISTS (SELECT 1 FROM counted AS c WHERE c.sha256 = r.file_sha256) GROUP BY file_sha256"
    )
    orphans = "\n    UNION ALL\n    ".join(orphan_parts)
    batch = f"""
WITH counted AS (
    SELECT DISTINCT sha256 FROM ops.file_manifest WHERE status IN ({counted})
),
quarantined AS (
    SELECT file_sha256 AS sha256, count(*) AS quarantine_rows FROM ops.quarantine GROUP BY file_sha256
),
orphans AS (
    {orphans}
)
SELECT 'file' AS record, 'ops.file_manifest' AS relation, m.path, m.sha256, m.dataset, m.status, m.reason,
       m.rows_read, m.rows_loaded, m.rows_quarantined, m.rows_skipped,
       coalesce(m.status, '{MISSING_STATUS}') AS status_code,
       m.path || '|' || m.sha256 AS file_id,
       CASE WHEN m.status IN ({counted}) THEN
           CASE WHEN m.rows_read IS NULL OR m.rows_loaded IS NULL OR m.rows_quarantined IS NULL
                     OR m.rows_skipped IS NULL THEN 1 ELSE 0 END END AS counts_missing,
       CASE WHEN m.status IN ({counted}) THEN
           m.rows_read - (m.rows_loaded + m.rows_quarantined + m.rows_skipped) END AS reconciliation_gap,
       CASE WHEN m.status IN ({counted}) THEN m.rows_quarantined - coalesce(q.quarantine_rows, 0) END
           AS quarantine_gap,
       CASE WHEN m.status = 'rejected' THEN
           CASE WHEN nullif(trim(coalesce(m.reason, '')), '') IS NULL THEN 1 ELSE 0 END END AS reason_missing,
       CAST(NULL AS BIGINT) AS orphan_rows
FROM ops.file_manifest AS m
LEFT JOIN quarantined AS q ON q.sha256 = m.sha256
UNION ALL
SELECT 'orphan' AS record, o.relation, NULL AS path, o.sha256, NULL AS dataset, NULL AS status, NULL AS reason,
       NULL AS rows_read, NULL AS rows_loaded, NULL AS rows_quarantined, NULL AS rows_skipped,
       NULL AS status_code, NULL AS file_id, NULL AS counts_missing, NULL AS reconciliation_gap,
       NULL AS quarantine_gap, NULL AS reason_missing, o.n AS orphan_rows
FROM orphans AS o
"""
    checks = (
        Check(
            name=f"{name}.status.known",
            expectation_type="expect_column_values_to_be_in_set",
            kwargs={"column": "status_code", "value_set": list(STATUSES)},
            description="Every delivered file has a status: loaded, duplicate, superseded or rejected.",
            label_zh="每个文件都有状态（已加载/重复/被取代/拒收）",
        ),
        Check(
            name=f"{name}.file.unique",
            expectation_type="expect_column_values_to_be_unique",
            kwargs={"column": "file_id"},
            description="One manifest row per delivered file (path and sha256): a file recorded twice counts "
            "its rows twice.",
            label_zh="每个交付文件只登记一次",
        ),
        Check(
            name=f"{name}.rejected.reason_present",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "reason_missing", "max_value": 0},
            description="A rejected file names its reason (contract §5.1).",
            label_zh="拒收文件须注明原因",
        ),
        Check(
            name=f"{name}.counts.present",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "counts_missing", "max_value": 0},
            description="A loaded or superseded file records rows_read, rows_loaded, rows_quarantined and "
            "rows_skipped.",
            label_zh="已加载文件须记录读取/加载/隔离/跳过行数",
        ),
        Check(
            name=f"{name}.rows.reconcile",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "reconciliation_gap", "min_value": 0, "max_value": 0},
            description="rows_read = rows_loaded + rows_quarantined + rows_skipped for every loaded or "
            "superseded file (contract §5): no row dropped silently. The column is the difference.",
            label_zh="读取行数 = 加载 + 隔离 + 跳过",
        ),
        Check(
            name=f"{name}.quarantine.reconcile",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "quarantine_gap", "min_value": 0, "max_value": 0},
            description="rows_quarantined equals the file's ops.quarantine records (one per rejected row). "
            "The column is rows_quarantined - records.",
            label_zh="隔离行数与隔离记录数一致",
        ),
        Check(
            name=f"{name}.rows.have_counted_file",
            expectation_type="expect_column_values_to_be_between",
            kwargs={"column": "orphan_rows", "max_value": 0},
            description="Every raw row and every quarantine record names (in _file_sha256 / file_sha256) a "
            "file the manifest holds as loaded or superseded. The column counts the rows of an unknown file.",
            label_zh="每条原始行和隔离记录都能追溯到已登记文件",
        ),
    )
    return Suite(
        name=name,
        kind=KIND,
        asset_key=("ops", "file_manifest"),
        table="ops.file_manifest",
        batch_sql=batch.strip(),
        checks=checks,
        id_columns=("record", "relation", "path", "sha256", "dataset", "status"),
        description="Reconciliation: every delivered file accounted for, every record read loaded, "
        "quarantined or skipped.",
    )


def ops_suites(config: FanopsConfig | None = None) -> list[Suite]:
    return [manifest_suite(config)]
