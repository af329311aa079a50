"""Publishing the marts for BI (orchestration.publish): a read-only DuckDB file swapped in atomically.

On copies of the bundled sample build (tests/expectations/dqlib.sample_warehouse):
- every mart (views materialised) is in the published file with an identical order-independent hash, with
  publish_info (one row), column_docs / table_docs and COMMENTs; the file is 0o444, nothing else is left;
- a failure at any step (a temp path in the way, a mart that cannot be read, the Parquet step, a missing
  mart) leaves the previous publication byte-identical; a publish killed with SIGKILL at random points leaves
  the old or the new file, never a mix, and the next publish cleans up after it;
- the drill: a reader PROCESS querying the published file in a loop during three publishes never errors and
  always sees one publish_info run id whose row counts match the marts it reads;
- `fanops publish` prints the target, the run id and rows per mart; it refuses (exit 1) while a blocking
  data-quality check fails or the last run's dbt/data-quality step did not succeed (--force overrides), and
  when marts are missing.
The Dagster side (a run with a failing blocking check does not publish) is asserted in
tests/orchestration/test_pipeline_run.py, which owns the one in-process sample build.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.cli import main
from orchestration.dbt.project import prepare_manifest
from orchestration.publish.publish import (
    COLUMN_DOCS,
    INFO_TABLE,
    META_TABLES,
    STORAGE_VERSION,
    PublishError,
    clean_stale,
    default_target,
    last_run_blockers,
    publish,
    read_publish_info,
    temp_path,
)
from tests.expectations.dqlib import copy_warehouse, sample_warehouse
from tests.orchestration.pipeline_testlib import mart_hashes

pytestmark = pytest.mark.slow  # the sample build (shared with the data-quality tests of the same worker)

REPO = Path(__file__).resolve().parents[2]
READER_MARTS = ("fct_content", "fct_interactions", "dim_fans")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    prepare_manifest()  # publish checks the marts against the dbt project's
    return sample_warehouse(tmp_path_factory)


@pytest.fixture
def warehouse(sample: Path, tmp_path: Path) -> Path:
    return copy_warehouse(sample, tmp_path / "wh")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def view_hashes(warehouse: Path) -> dict[str, tuple[int, int]]:
    """mart_hashes of the marts.* views (mart_hashes covers base tables only)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        views = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'marts' "
                "and table_type = 'VIEW'"
            ).fetchall()
        ]
        out = {}
        for view in views:
            rows, digest = con.execute(
                f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from marts."{view}" as t'
            ).fetchall()[0]
            out[view] = (int(rows), int(digest))
    return out


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in ("fanops.duckdb", "parquet"))


# ------------------------------------------------------------------------------------------------ content


def test_publish_copies_every_mart_identically_with_info_and_docs(warehouse: Path) -> None:
    source = {**mart_hashes(warehouse), **view_hashes(warehouse)}
    assert "dq_daily" in view_hashes(warehouse)  # a view in the warehouse, a table in the publication
    result = publish(warehouse, run_id="run-1")
    target = default_target(warehouse)
    assert result.target == target == warehouse.parent / "published" / "fanops.duckdb"

    published = mart_hashes(target)  # base tables: every mart is one now
    assert {k: v for k, v in published.items() if k not in META_TABLES} == source
    assert set(META_TABLES) <= set(published)
    assert result.rows == {k: v[0] for k, v in source.items()}
    assert result.bytes == target.stat().st_size > 0 and result.seconds > 0

    assert target.stat().st_mode & 0o777 == 0o444
    assert leftovers(target.parent) == []  # no .wal, no temporary file

    with duckdb.connect(str(target), read_only=True) as con:
        info = con.execute(f"select count(*) from marts.{INFO_TABLE}").fetchall()[0][0]
        assert info == 1
        schemas = {
            r[0]
            for r in con.execute("select distinct table_schema from information_schema.tables").fetchall()
        }
        assert schemas == {"marts"}  # BI sees the marts only
        labels = dict(
            con.execute(
                f"select column_name, label_zh from marts.{COLUMN_DOCS} where table_name = 'fct_account_daily'"
            ).fetchall()
        )
        assert labels["account_day_key"] == "账号日键"
        undocumented = con.execute(
            f"select count(*) from marts.{COLUMN_DOCS} where description is null"
        ).fetchall()[0][0]
        assert undocumented == 0
        comment = con.execute(
            "select comment from duckdb_tables() where table_name = 'dim_accounts'"
        ).fetchall()[0][0]
        assert comment.startswith("自有账号与店铺")
        tags = con.execute("select tags from duckdb_databases() where database_name = current_database()")
        assert tags.fetchall()[0][0]["storage_version"].startswith(STORAGE_VERSION)

    info_row = read_publish_info(target)
    assert info_row is not None
    assert info_row["run_id"] == "run-1" and info_row["source_warehouse"] == str(warehouse.resolve())
    assert json.loads(info_row["rows_per_mart"]) == result.rows
    assert info_row["marts"] == len(result.rows) and info_row["total_rows"] == sum(result.rows.values())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of, days = con.execute(
            "select (select as_of_date from intermediate.int_as_of), max(date_day) from marts.fct_account_daily"
        ).fetchall()[0]
    assert info_row["as_of_date"] == as_of and info_row["account_daily_through"] == days
    assert info_row["interactions_through"] is not None and info_row["sentiment_through"] is not None


def test_republish_replaces_the_file_and_cleans_what_a_killed_publish_left(warehouse: Path) -> None:
    first = publish(warehouse, run_id="run-1", parquet=True)
    folder = first.target.parent
    assert first.parquet_dir == folder / "parquet"
    parquet_names = {p.name for p in first.parquet_dir.iterdir()}
    assert parquet_names == {f"{t}.parquet" for t in [*first.rows, *META_TABLES]}
    with duckdb.connect() as con:
        rows = con.execute(
            f"select * from read_parquet('{first.parquet_dir}/{INFO_TABLE}.parquet')"
        ).fetchall()
    assert len(rows) == 1 and rows[0][0] == "run-1"

    # what a publish killed with SIGKILL leaves: a temp file, its WAL, temp and set-aside Parquet folders
    for stale in (".fanops.duckdb.dead.tmp", ".fanops.duckdb.dead.tmp.wal"):
        (folder / stale).write_bytes(b"half")
    (folder / ".parquet.dead.tmp").mkdir()
    (folder / ".parquet.dead.tmp" / "x.parquet").write_bytes(b"half")
    second = publish(warehouse, run_id="run-2", parquet=True)
    assert leftovers(folder) == []
    assert read_publish_info(second.target)["run_id"] == "run-2"
    assert {p.name for p in second.parquet_dir.iterdir()} == parquet_names

    # killed between the two renames of the Parquet swap: the set-aside folder comes back first
    second.parquet_dir.rename(folder / ".parquet.run-2.old")
    clean_stale(second.target)
    assert {p.name for p in (folder / "parquet").iterdir()} == parquet_names and leftovers(folder) == []
    # a publish without Parquet removes the previous Parquet folder (it would describe an older run)
    third = publish(warehouse, run_id="run-3")
    assert third.parquet_dir is None and not (folder / "parquet").exists() and leftovers(folder) == []
    assert read_publish_info(third.target)["run_id"] == "run-3"


# ------------------------------------------------------------------------------------------------ failures


def _in_the_way_duckdb(warehouse: Path, run_id: str) -> None:
    temp_path(default_target(warehouse), run_id).mkdir()  # a folder where the new file must go


def _unreadable_mart(warehouse: Path, run_id: str) -> None:
    with duckdb.connect(str(warehouse)) as con:  # fails when copied, after the marts before it
        con.execute("create view marts.zz_broken as select error('mart cannot be read') as x")


def _in_the_way_parquet(warehouse: Path, run_id: str) -> None:
    (default_target(warehouse).parent / f".parquet.{run_id}.tmp").write_text("in the way")


def _missing_mart(warehouse: Path, run_id: str) -> None:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.fct_orders")


@pytest.mark.parametrize(
    ("inject", "error"),
    [
        (_in_the_way_duckdb, PublishError),
        (_unreadable_mart, duckdb.Error),
        (_in_the_way_parquet, PublishError),
        (_missing_mart, PublishError),
    ],
    ids=["temp-file-in-the-way", "unreadable-mart", "parquet-step", "missing-mart"],
)
def test_a_failed_publish_leaves_the_previous_publication_byte_identical(
    warehouse: Path, inject, error: type[Exception]
) -> None:
    before = publish(warehouse, run_id="good", parquet=True)
    digest = sha256(before.target)
    parquet = {p.name: sha256(p) for p in before.parquet_dir.iterdir()}
    in_the_way = set(leftovers(before.target.parent))
    inject(warehouse, "bad")
    placed = set(leftovers(before.target.parent)) - in_the_way
    with pytest.raises(error):
        publish(warehouse, run_id="bad", parquet=True)
    assert sha256(before.target) == digest
    assert before.target.stat().st_mode & 0o777 == 0o444
    assert {p.name: sha256(p) for p in before.parquet_dir.iterdir()} == parquet
    assert set(leftovers(before.target.parent)) == placed  # only what the test put in the way
    assert read_publish_info(before.target)["run_id"] == "good"


KILLED_PUBLISHER = """
import sys
from pathlib import Path
from orchestration.publish.publish import publish
warehouse = Path(sys.argv[1])
for i in range(1000):
    publish(warehouse, run_id=f"{sys.argv[2]}-{i}", parquet=True)
    print(f"{sys.argv[2]}-{i}", flush=True)
"""


def test_a_publish_killed_at_random_points_leaves_the_old_or_the_new_file(warehouse: Path) -> None:
    """SIGKILL a process that publishes in a loop (seeded random delays): the published file is always a whole
    publication (one of the run ids done or in flight), and the next publish leaves only the current file."""
    target = publish(warehouse, run_id="base", parquet=True).target
    hashes = {k: v for k, v in mart_hashes(target).items() if k not in META_TABLES}
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    whole = {"base"}  # run ids of complete publications so far (done, or in flight when killed)
    for trial in range(4):
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLED_PUBLISHER, str(warehouse), f"t{trial}"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(0.6 + rng.uniform(0.0, 2.0))  # interpreter start, then somewhere in a publish
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        done = out.split()
        whole |= {*done, f"t{trial}-{len(done)}"}
        info = read_publish_info(target)
        assert info is not None and info["run_id"] in whole
        assert {k: v for k, v in mart_hashes(target).items() if k not in META_TABLES} == hashes
        assert target.stat().st_mode & 0o777 == 0o444
    publish(warehouse, run_id="after", parquet=True)
    assert leftovers(target.parent) == []
    assert read_publish_info(target)["run_id"] == "after"


# ---------------------------------------------------------------------------------------------- the drill

READER = """
import json, sys, time
from pathlib import Path
import duckdb
target, out, stop = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
marts = sys.argv[4].split(",")
with out.open("w") as log:
    while not stop.exists():
        row = {}
        try:
            con = duckdb.connect(str(target), read_only=True)
            try:
                con.execute("BEGIN TRANSACTION")
                first = con.execute("select run_id, rows_per_mart from marts.publish_info").fetchall()
                counts = {m: con.execute(f"select count(*) from marts.{m}").fetchall()[0][0] for m in marts}
                last = con.execute("select run_id from marts.publish_info").fetchall()
                con.execute("COMMIT")
            finally:
                con.close()
            row = {"run_ids": [first[0][0], last[0][0]], "rows": len(first), "expected": json.loads(first[0][1]),
                   "counts": counts}
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {exc}"}
        log.write(json.dumps(row) + "\\n")
        log.flush()
"""


def reads(path: Path) -> list[dict]:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    out = []
    for line in lines:
        with contextlib.suppress(ValueError):  # the line being written
            out.append(json.loads(line))
    return out


def test_a_reader_process_sees_one_whole_publication_during_publishes(
    warehouse: Path, tmp_path: Path
) -> None:
    """Three publishes with different run ids (and different mart contents) while a separate process reads the
    published file in a loop, reconnecting each time: no read fails, every read sees one run id from start to
    end of its transaction, and the marts it counts match that publication's rows_per_mart."""
    target = publish(warehouse, run_id="pub-0").target
    out, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(target), str(out), str(stop), ",".join(READER_MARTS)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )

    def wait_for(run_id: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(r.get("run_ids", [None])[0] == run_id for r in reads(out)):
                return
            assert reader.poll() is None, "the reader died"
            time.sleep(0.05)
        raise AssertionError(f"the reader never saw {run_id}")

    try:
        wait_for("pub-0")
        for i in range(1, 4):
            with duckdb.connect(
                str(warehouse)
            ) as con:  # the next build differs: fewer rows in every mart read
                for mart in READER_MARTS:
                    con.execute(
                        f"delete from marts.{mart} where rowid in (select rowid from marts.{mart} limit {i})"
                    )
            publish(warehouse, run_id=f"pub-{i}")
            wait_for(f"pub-{i}")
    finally:
        stop.touch()
        reader.wait(timeout=60)
    rows = reads(out)
    errors = [r["error"] for r in rows if "error" in r]
    assert not errors, errors[:5]
    assert len(rows) >= 8
    seen = []
    for r in rows:
        first, last = r["run_ids"]
        assert first == last and r["rows"] == 1
        assert r["counts"] == {m: r["expected"][m] for m in READER_MARTS}, r
        if not seen or seen[-1] != first:
            seen.append(first)
    assert seen == ["pub-0", "pub-1", "pub-2", "pub-3"]  # in order, never back to an older one


# ---------------------------------------------------------------------------------------------------- CLI


def test_fanops_publish_prints_target_run_id_and_rows(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish", "--warehouse", str(warehouse), "--parquet"]) == 0
    out = capsys.readouterr().out
    target = default_target(warehouse)
    assert f"published: {target}" in out
    run_id = out.split("run id: ", 1)[1].split()[0]
    assert run_id.startswith("manual-") and run_id.endswith("Z")
    assert read_publish_info(target)["run_id"] == run_id
    assert any(
        ln.split()[:2] == ["fct_orders", str(mart_hashes(warehouse)["fct_orders"][0])]
        for ln in out.splitlines()
    )
    assert (target.parent / "parquet" / "fct_orders.parquet").is_file()


def test_fanops_publish_refuses_while_a_blocking_check_fails(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from expectations import store
    from expectations.model import CheckResult

    assert main(["publish", "--warehouse", str(warehouse)]) == 0
    target = default_target(warehouse)
    digest = sha256(target)
    capsys.readouterr()
    failing = CheckResult(
        run_id="later-run",
        suite="marts.fct_content",
        check="marts.fct_content.engagement_rate_by_views.within_platform_band",
        asset_key="marts/fct_content",
        table_name="marts.fct_content",
        dataset=None,
        expectation_type="expect_column_values_to_be_between",
        column_name="engagement_rate_by_views",
        severity="error",
        success=False,
        observed_value=1,
        element_count=953,
        failing_count=1,
        failing_percent=0.1,
        sample=[],
        engine="sql",
        validated_at=dt.datetime(2099, 1, 1),
        duration_s=0.01,
        label_zh="互动率在平台区间内",
    )
    with duckdb.connect(str(warehouse)) as con:
        store.write_results(con, [failing])
    assert main(["publish", "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and failing.check in err and "--force" in err
    assert sha256(target) == digest  # the previous publication is unchanged

    assert main(["publish", "--warehouse", str(warehouse), "--force"]) == 0
    assert "WARNING (--force)" in capsys.readouterr().err
    assert sha256(target) != digest


def test_fanops_publish_refuses_with_marts_missing(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish", "--warehouse", str(tmp_path / "none" / "fanops.duckdb")]) == 1
    assert "no warehouse" in capsys.readouterr().err
    with duckdb.connect(str(warehouse)) as con:
        con.execute("drop table marts.kpi_scorecard")
    assert main(["publish", "--warehouse", str(warehouse), "--force"]) == 1
    err = capsys.readouterr().err
    assert "missing" in err and "kpi_scorecard" in err
    assert not default_target(warehouse).exists()


def test_fanops_publish_refuses_after_a_run_whose_dbt_step_failed(
    warehouse: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The warehouse's own Dagster history (<folder>/.dagster_home, as `fanops run` keeps it): a run whose
    `dbt_models` step failed blocks a manual publish; a later run whose steps succeeded lifts it. (The real
    dbt failure is in tests/orchestration/test_pipeline_run.py; here a stand-in op of that step name.)"""
    from dagster import DagsterInstance, Failure, job, op

    home = warehouse.parent / ".dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")

    def dbt_job(fail: bool):
        @op(name="dbt_models")
        def dbt_models() -> None:
            if fail:
                raise Failure(description="dbt build failed (exit 1); 1 failing node(s)")

        @job(name="__ephemeral_asset_job__", tags={"fanops/command": "run"})
        def run_job() -> None:
            dbt_models()

        return run_job

    with DagsterInstance.from_config(str(home)) as instance:
        failed = dbt_job(True).execute_in_process(instance=instance, raise_on_error=False)
        assert last_run_blockers(instance) == (failed.run_id, ["dbt_models"])
    assert main(["publish", "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert f"the last run {failed.run_id} did not finish step(s) dbt_models" in err
    assert not default_target(warehouse).exists()

    with DagsterInstance.from_config(str(home)) as instance:
        dbt_job(False).execute_in_process(instance=instance)
        assert last_run_blockers(instance) is None
    assert main(["publish", "--warehouse", str(warehouse)]) == 0
