"""The ingestion run: landing files → manifest, raw tables and quarantine (one writer, idempotent).

Per file: classify the path (§1), hash it (duplicates), detect and decode (§2.2–2.3), locate the header or
walk the JSON records, parse every column, apply the row rules, pseudonymise, and write the rows, the
quarantine records and the manifest row in ONE transaction, so a crash never leaves half a file.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import uuid
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ingestion import portrait
from ingestion.contracts import DatasetDecl, TableDecl, load_contract
from ingestion.extract import Extracted, extract_json, extract_tabular
from ingestion.landing import (
    LandingScan,
    PathInfo,
    classify,
    iter_deliveries,
    read_sidecar,
    scan_landing,
    sha256_file,
)
from ingestion.readers import Document, FileRejected, read_document
from ingestion.rows import FileContext, RowResult, preparse, process_batch
from ingestion.timeutil import shanghai_date, utcnow
from ingestion.warehouse import (
    QUARANTINE_COLUMNS,
    AccountRegistry,
    connect,
    delete_file_rows,
    ensure_manifest_order_column,
    ensure_schema,
    insert_manifest,
    write_rows,
)

ACCOUNTS = "ops/accounts"


@dataclass
class IngestOptions:
    landing: Path
    warehouse: Path
    pii_key: bytes
    key_version: str
    is_sample: bool = False
    datasets: Collection[str] | None = None
    now: datetime | None = None
    # a landing scan to reuse (the per-dataset assets of one run share one walk of the tree); None: walk it
    scan: LandingScan | None = None
    # worker processes that read and parse files (the writer stays in this process); None: automatic
    # (FANOPS_INGEST_WORKERS, else up to two when the new files are many), 0 or 1: in this process only
    workers: int | None = None


@dataclass
class DatasetResult:
    dataset: str
    files_seen: int = 0
    files_new: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_skipped: int = 0
    raw_tables: list[str] = field(default_factory=list)
    rejections: list[str] = field(default_factory=list)


@dataclass
class IngestResult:
    datasets: dict[str, DatasetResult]
    run_id: str = ""

    def totals(self) -> DatasetResult:
        t = DatasetResult("total")
        for d in self.datasets.values():
            t.files_seen += d.files_seen
            t.files_new += d.files_new
            t.rows_read += d.rows_read
            t.rows_loaded += d.rows_loaded
            t.rows_quarantined += d.rows_quarantined
            t.rows_skipped += d.rows_skipped
            for k, v in d.by_status.items():
                t.by_status[k] = t.by_status.get(k, 0) + v
        return t

    def summary_lines(self) -> list[str]:
        lines = [f"{'dataset':32} {'seen':>5} {'new':>5} {'read':>9} {'loaded':>9} {'quar.':>7} {'skip':>5}  status"]
        for d in sorted(self.datasets.values(), key=lambda x: x.dataset):
            st = ", ".join(f"{k} {v}" for k, v in sorted(d.by_status.items()))
            lines.append(
                f"{d.dataset:32} {d.files_seen:5d} {d.files_new:5d} {d.rows_read:9d} {d.rows_loaded:9d} "
                f"{d.rows_quarantined:7d} {d.rows_skipped:5d}  {st}"
            )
        t = self.totals()
        lines.append(
            f"{'TOTAL':32} {t.files_seen:5d} {t.files_new:5d} {t.rows_read:9d} {t.rows_loaded:9d} "
            f"{t.rows_quarantined:7d} {t.rows_skipped:5d}  "
            + ", ".join(f"{k} {v}" for k, v in sorted(t.by_status.items()))
        )
        return lines


# --------------------------------------------------------------------------- reading one file


@dataclass
class FileOutcome:
    """Everything learnt about one file, before anything is written."""

    info: PathInfo
    sha: str
    size: int
    status: str = "loaded"
    reason: str | None = None
    message: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    doc: Document | None = None
    results: list[RowResult] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    export_at: datetime | None = None
    export_source: str = "delivered"
    period: tuple[Any, Any] = (None, None)
    platform: str | None = None
    pending: tuple[Extracted, FileContext, Any] | None = None  # prepared, not yet parsed
    mtime_ns: int | None = None  # the file's modification time when read (a hashing cache, not its identity)
    extracted: int = 0  # records extracted (before parsing): the chunking rule counts these


def _extension(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def read_file(data: bytes, info: PathInfo, **kw: Any) -> FileOutcome:
    """Interpret one delivery completely (no writes): `prepare_file` then `finish_file`. Rejections come
    back as status 'rejected'."""
    return finish_file(prepare_file(data, info, **kw))


def prepare_file(
    data: bytes,
    info: PathInfo,
    *,
    sha: str,
    full_path: Path | None,
    delivered_at: datetime,
    loaded_at: datetime,
    pii_key: bytes,
    registry: AccountRegistry | None,
) -> FileOutcome:
    """Detect, decode and extract one delivery (cells, not yet parsed); `finish_file` completes it."""
    out = FileOutcome(info, sha, len(data))
    ds = info.dataset
    if info.problem or ds is None:
        out.status, out.reason, out.message = "rejected", info.problem or "unknown_dataset", info.message
        return out
    if registry is not None and ds.has_account_folder and not registry.is_registered(info.group, info.account):
        out.status, out.reason = "rejected", "unknown_account"
        out.message = (f"account '{info.account}' is not registered for {info.group} in ops/accounts; "
                       f"register it and the file loads on the next run")
        return out
    out.platform = registry.platform_of(info.group, info.account) if registry else info.group
    if info.group in ("ops", "listening"):
        out.platform = None
    try:
        doc = read_document(data)
        out.meta.update({"file_type": doc.file_type, "encoding": doc.encoding})
        sidecar = read_sidecar(full_path) if full_path is not None else None
        if doc.file_type in ("json", "jsonl"):
            ex = extract_json(doc, ds, info.group or "", info.account)
        else:
            tabs = ds.table_for("tabular")
            if not tabs:
                raise FileRejected(
                    "unsupported_file_type",
                    f"{ds.id} takes JSON/JSONL files; this is a {doc.file_type} file",
                    {},
                )
            ex = extract_tabular(doc, tabs[0])
        del doc
        out.meta.update(ex.meta)
        if ex.export_hint is not None:
            out.export_at, out.export_source = ex.export_hint, "in_file"
        elif sidecar is not None and sidecar.exported_at is not None:
            out.export_at, out.export_source = sidecar.exported_at, "sidecar"
        else:
            out.export_at, out.export_source = delivered_at, "delivered"
        if sidecar is not None and sidecar.error:
            out.meta.setdefault("warnings", []).append(sidecar.error)
        needs = any(t.needs_export_time for t in ds.tables)
        if needs and out.export_source == "delivered":
            raise FileRejected(
                "missing_export_time",
                f"{ds.id} needs the export time from the file or a sidecar <file>.meta.json "
                f"(its snapshot date); none was found",
                {},
            )
        fc = FileContext(
            group=info.group,
            account=info.account,
            platform=out.platform,
            sha=sha,
            path=info.rel,
            dataset=ds.id,
            export_at=out.export_at,
            export_in_file=out.export_source != "delivered",
            loaded_at=loaded_at,
            pii_key=pii_key,
            registry=registry,
        )
        for b in ex.batches:
            if b.table.format == "portrait_json":
                portrait.expand_douyin(b)
            elif b.table.format == "portrait_sheets":
                portrait.finish_wechat_sheet(b)
            if b.table.format.startswith("portrait"):
                b.constants["snapshot_date"] = shanghai_date(fc.export_at)
        out.pending = (ex, fc, sidecar)
        out.extracted = sum(b.n for b in ex.batches)
    except FileRejected as exc:
        out.status, out.reason, out.message, out.detail = "rejected", exc.reason, exc.message, exc.detail
    return out


def finish_file(out: FileOutcome) -> FileOutcome:
    """Parse, check and shape the extracted cells of a prepared file."""
    if out.pending is None:
        return out
    ex, fc, sidecar = out.pending
    out.pending = None
    try:
        out.results = _process(ex, fc)
        row_exports = [r.row_export_max for r in out.results if r.row_export_max is not None]
        if row_exports and out.export_source != "in_file":
            # §1 rule 7(a): a JSONL record's own fetched_at is an export time in the file
            out.export_at, out.export_source = max(row_exports), "in_file"
        starts = [r.period[0] for r in out.results if r.period[0] is not None]
        ends = [r.period[1] for r in out.results if r.period[1] is not None]
        if starts:
            out.period = (min(starts), max(ends))
        elif sidecar is not None:
            out.period = (sidecar.period_start, sidecar.period_end)
    except FileRejected as exc:
        out.status, out.reason, out.message, out.detail = "rejected", exc.reason, exc.message, exc.detail
        out.results = []
    return out


def _process(ex: Extracted, fc: FileContext) -> list[RowResult]:
    results: list[RowResult] = []
    for b in ex.batches:
        t = b.table
        res = process_batch(b, fc)
        if t.format == "portrait_sheets" and "share_reported" in res.rows.column_names:
            share = pc.coalesce(res.rows["share"], res.rows["share_reported"])
            res.rows = res.rows.set_column(res.rows.column_names.index("share"), "share", share)
        results.append(res)
    # merge batches of the same table (metric sheets, portrait sheets)
    merged: dict[str, RowResult] = {}
    for r in results:
        m = merged.get(r.table.name)
        if m is None:
            merged[r.table.name] = r
            continue
        m.rows = pa.concat_tables([m.rows, r.rows])
        m.quarantine += r.quarantine
        m.rows_read += r.rows_read
        m.rows_skipped += r.rows_skipped
        lo = [x for x in (m.period[0], r.period[0]) if x is not None]
        hi = [x for x in (m.period[1], r.period[1]) if x is not None]
        m.period = (min(lo) if lo else None, max(hi) if hi else None)
        for k, v in r.problems_by_reason.items():
            m.problems_by_reason[k] = m.problems_by_reason.get(k, 0) + v
    return list(merged.values())


# --------------------------------------------------------------------------- the run


def _order_key(export_at: datetime | None, delivered_at: datetime, path: str) -> str:
    e = (export_at or delivered_at).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    d = delivered_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"{e}|{d}|{path}"


def _known_for(
    con: duckdb.DuckDBPyConnection, rels: list[str]
) -> tuple[dict[tuple[str, str], tuple[str, str | None, datetime]], dict[tuple[str, int, int], str]]:
    """Manifest rows of the given paths: (path, sha) -> (status, reason, delivered_at), and the stat cache
    (path, size, mtime_ns) -> sha256."""
    known: dict[tuple[str, str], tuple[str, str | None, datetime]] = {}
    stat_cache: dict[tuple[str, int, int], str] = {}
    if not rels:
        return known, stat_cache
    con.register("_sel_paths", pa.table({"path": pa.array(rels, pa.string())}))
    try:
        rows = con.execute(
            "SELECT m.path, m.sha256, m.status, m.reason, m.delivered_at, m.size_bytes, m.mtime_ns "
            "FROM ops.file_manifest AS m SEMI JOIN _sel_paths AS s ON m.path = s.path"
        ).fetchall()
    finally:
        con.unregister("_sel_paths")
    for p, sha, st, r, d, size, mt in rows:
        known[(p, sha)] = (st, r, d.replace(tzinfo=UTC))
        if mt is not None:
            stat_cache[(p, size, mt)] = sha
    return known, stat_cache


def _accepted_shas(con: duckdb.DuckDBPyConnection, shas: set[str]) -> set[str]:
    if not shas:
        return set()
    con.register("_sel_shas", pa.table({"sha": pa.array(sorted(shas), pa.string())}))
    try:
        rows = con.execute(
            "SELECT DISTINCT m.sha256 FROM ops.file_manifest AS m SEMI JOIN _sel_shas AS s ON m.sha256 = s.sha "
            "WHERE m.status IN ('loaded', 'superseded')"
        ).fetchall()
    finally:
        con.unregister("_sel_shas")
    return {r[0] for r in rows}


# files are written in chunks: one transaction per chunk keeps a crash from leaving half a file, and
# amortises DuckDB's per-statement cost over many small files
CHUNK_ROWS = 400_000
CHUNK_FILES = 400
# worker processes pay a start-up cost (imports, the contract) once per process: only for runs with much
# to read; FANOPS_INGEST_WORKERS overrides (0 = read in this process)
WORKERS_ENV = "FANOPS_INGEST_WORKERS"
PARALLEL_MIN_BYTES = 48 * 1024 * 1024
PARALLEL_MIN_FILES = 3_000


@dataclass
class _Pending:
    path: Path
    rel: str
    info: PathInfo
    sha: str
    delivered: datetime
    retry: bool
    size: int = 0


@dataclass
class _Run:
    con: duckdb.DuckDBPyConnection
    opts: IngestOptions
    now: datetime
    run_id: str
    results: dict[str, DatasetResult]
    shas: set[str]  # sha256 of every loaded/superseded/rejected/duplicate file in the manifest
    paths: set[str]  # every path in the manifest


def ingest(opts: IngestOptions) -> IngestResult:
    con = connect(opts.warehouse)
    try:
        return ingest_with(con, opts)
    finally:
        con.close()


def ingest_with(con: duckdb.DuckDBPyConnection, opts: IngestOptions) -> IngestResult:
    ensure_schema(con)
    ensure_manifest_order_column(con)
    contract = load_contract()
    wanted = set(opts.datasets) if opts.datasets is not None else set(contract.datasets)
    landing = opts.landing.resolve()
    now = opts.now or utcnow()
    results = {d: DatasetResult(d, raw_tables=contract.datasets[d].raw_tables) for d in wanted
               if d in contract.datasets}
    scan = opts.scan if opts.scan is not None and opts.scan.root == landing else scan_landing(landing)

    def ds_of(info: PathInfo) -> str | None:
        return info.dataset.id if info.dataset else None

    # files outside every dataset folder are recorded (unknown_dataset) by any run that loads ops/accounts
    # (every full run, and the accounts asset that runs first in the Dagster graph)
    selected = [x for x in scan.entries
                if ds_of(x[2]) in wanted or (ACCOUNTS in wanted and x[2].dataset is None)]
    # the manifest rows of the selected paths only (a per-dataset step reads its own part)
    known, stat_cache = _known_for(con, [rel for _, rel, _ in selected])
    pending: list[_Pending] = []
    for ap, rel, info in selected:
        d = ds_of(info) or "unknown"
        res = results.setdefault(d, DatasetResult(d))
        res.files_seen += 1
        st = os.stat(ap)
        # files already recorded with the same size and modification time are not hashed again: landing
        # files are immutable, and re-reading gigabytes on a run with nothing new would cost minutes
        cached = stat_cache.get((rel, st.st_size, st.st_mtime_ns))
        sha = cached if cached is not None else sha256_file(Path(ap))
        prev = known.get((rel, sha))
        if prev is not None:
            status, reason, delivered = prev
            if status == "rejected" and reason == "unknown_account":
                pending.append(_Pending(Path(ap), rel, info, sha, delivered, True, st.st_size))
            continue
        res.files_new += 1
        pending.append(_Pending(Path(ap), rel, info, sha, now, False, st.st_size))
    # a duplicate repeats bytes that were accepted (loaded/superseded); bytes that were rejected (say, in
    # the wrong folder) are evaluated afresh when delivered again elsewhere. Only the shas and paths of
    # this run's files are ever looked up, so only those are read.
    accepted = _accepted_shas(con, {f.sha for f in pending})
    run = _Run(con, opts, now, uuid.uuid4().hex[:12], results, accepted, {p for (p, _) in known})

    registry = AccountRegistry.load(con)
    accounts = [x for x in pending if ds_of(x.info) == ACCOUNTS]
    if accounts:  # ops/accounts first: every later file is checked against the updated registry
        _run_files(run, accounts, registry)
        registry = AccountRegistry.load(con)
    _run_files(run, [x for x in pending if ds_of(x.info) != ACCOUNTS], registry)
    if accounts:
        _retry_unknown_account_rows(run, registry, landing, wanted)
    # every dataset of the run, not only those with new files: the marking is idempotent, and a run killed
    # between a chunk's commit and this update would otherwise leave those files `loaded` for good
    _mark_superseded(con, wanted)
    for d, r in results.items():
        rows = con.execute(
            "SELECT status, count(*) FROM ops.file_manifest WHERE dataset = ? GROUP BY 1", [d]
        ).fetchall()
        r.by_status = {s: n for s, n in rows}
    con.execute("CHECKPOINT")
    return IngestResult(results, run.run_id)


def _run_files(run: _Run, files: list[_Pending], registry: AccountRegistry) -> None:
    chunk: list[tuple[FileOutcome, _Pending]] = []
    rows = 0
    ordered = sorted(files, key=lambda x: (x.info.dataset.id if x.info.dataset else "", x.rel))
    for out, f in _outcomes(run, ordered, registry):
        chunk.append((out, f))
        rows += out.extracted
        if rows >= CHUNK_ROWS or len(chunk) >= CHUNK_FILES:
            _finish_chunk(run, chunk)
            chunk, rows = [], 0
    if chunk:
        _finish_chunk(run, chunk)


def _outcomes(
    run: _Run, files: list[_Pending], registry: AccountRegistry
) -> Iterator[tuple[FileOutcome, _Pending]]:
    """Each file's outcome, in the given order: prepared here (finished per chunk by `_finish_chunk`), or
    prepared and finished by worker processes, a run of consecutive files at a time. The chunks written and
    their order do not depend on which: the chunking rule counts the records each file yields."""
    workers = _worker_count(run.opts, files) if files else 0
    if workers < 2:
        for f in files:
            out = prepare_file(f.path.read_bytes(), f.info, sha=f.sha, full_path=f.path, delivered_at=f.delivered,
                               loaded_at=run.now, pii_key=run.opts.pii_key, registry=registry)
            out.mtime_ns = f.path.stat().st_mtime_ns
            yield out, f
        return
    yield from _parallel_outcomes(run.opts.pii_key, run.now, registry, files, workers)


def _worker_count(opts: IngestOptions, files: list[_Pending]) -> int:
    if opts.workers is not None:
        return opts.workers
    env = os.environ.get(WORKERS_ENV, "").strip()
    if env:
        try:
            return int(env)
        except ValueError:
            pass
    if (os.cpu_count() or 1) < 2:
        return 0
    size = sum(f.size for f in files)
    return 2 if size >= PARALLEL_MIN_BYTES or len(files) >= PARALLEL_MIN_FILES else 0


# --------------------------------------------------------------------------- worker processes
#
# Workers read, detect, extract, parse and shape files (everything but the writes); this process stays the
# one DuckDB writer. Workers are spawned (not forked: this process may hold DuckDB and Dagster threads),
# reused for the life of the process, and exit on their own when this process dies (a SIGKILL included).

UNIT_FILES = 200
UNIT_BYTES = 16 * 1024 * 1024
_POOL: tuple[int, Any] | None = None


def _units(files: list[_Pending]) -> Iterator[list[_Pending]]:
    unit: list[_Pending] = []
    size = 0
    for f in files:
        unit.append(f)
        size += f.size
        if len(unit) >= UNIT_FILES or size >= UNIT_BYTES:
            yield unit
            unit, size = [], 0
    if unit:
        yield unit


def _pool(workers: int) -> Any:
    global _POOL
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if (_POOL is not None and _POOL[0] == workers and not getattr(_POOL[1], "_broken", False)
            and not getattr(_POOL[1], "_shutdown_thread", False)):
        return _POOL[1]
    had_pool = _POOL is not None
    if _POOL is not None:
        _POOL[1].shutdown(wait=False, cancel_futures=True)
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_worker_init, initargs=(os.getpid(),))
    # a spawned process re-runs the parent's main script unless it is guarded by `if __name__ ==
    # "__main__"`; workers need none of it, so it is hidden while they start (each submit to a new pool
    # starts one, up to `workers`)
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        for _ in range(workers):
            pool.submit(int)
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)
    if not had_pool:
        atexit.register(_close_pool)
    _POOL = (workers, pool)
    return pool


def _close_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL[1].shutdown(wait=True, cancel_futures=True)
        _POOL = None


def _worker_init(parent: int) -> None:
    import threading
    import time

    def watch() -> None:  # the parent died (killed, crashed): this worker has nobody to report to
        while True:
            if os.getppid() != parent:
                os._exit(1)
            time.sleep(0.2)

    threading.Thread(target=watch, name="fanops-parent-watch", daemon=True).start()
    load_contract()


def _parallel_outcomes(
    pii_key: bytes, now: datetime, registry: AccountRegistry, files: list[_Pending], workers: int
) -> Iterator[tuple[FileOutcome, _Pending]]:
    import pickle
    from collections import deque

    pool = _pool(workers)
    ahead: deque[tuple[Any, list[_Pending]]] = deque()
    units = _units(files)
    try:
        while True:
            while len(ahead) < 2 * workers:
                unit = next(units, None)
                if unit is None:
                    break
                items = [(str(f.path), f.rel, f.sha, f.delivered) for f in unit]
                ahead.append((pool.submit(_work_unit, items, registry.rows, pii_key, now), unit))
            if not ahead:
                return
            fut, unit = ahead.popleft()
            outs: list[FileOutcome] = pickle.loads(fut.result())
            for o in outs:
                for r in o.results:
                    r.rows = _from_ipc(r.rows)  # type: ignore[arg-type]
                    r.coverage = _from_ipc(r.coverage) if r.coverage is not None else None  # type: ignore[arg-type]
            yield from zip(outs, unit, strict=True)
    finally:
        for fut, _ in ahead:
            fut.cancel()


def _work_unit(
    items: list[tuple[str, str, str, datetime]], registry_rows: list[tuple[str, str, str | None]],
    pii_key: bytes, now: datetime,
) -> bytes:
    """In a worker: prepare, parse and finish consecutive files; the outcomes pickled with the contract's
    declarations by name (they are the same objects in every process)."""
    import copyreg
    import io
    import pickle

    registry = AccountRegistry(registry_rows)
    outs: list[FileOutcome] = []
    for path, rel, sha, delivered in items:
        p = Path(path)
        out = prepare_file(p.read_bytes(), classify(rel), sha=sha, full_path=p, delivered_at=delivered,
                           loaded_at=now, pii_key=pii_key, registry=registry)
        out.mtime_ns = p.stat().st_mtime_ns
        outs.append(out)
    preparse([o.pending[0].batches for o in outs if o.pending is not None])
    for o in outs:
        finish_file(o)
        for r in o.results:  # Arrow IPC: a slice goes alone (a pickled slice carries its parent's buffers)
            r.rows = _to_ipc(r.rows)  # type: ignore[assignment]
            r.coverage = _to_ipc(r.coverage) if r.coverage is not None else None  # type: ignore[assignment]
    buf = io.BytesIO()
    pk = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    table = copyreg.dispatch_table.copy()
    table[TableDecl] = lambda t: (_table_decl, (t.name,))
    table[DatasetDecl] = lambda d: (_dataset_decl, (d.id,))
    pk.dispatch_table = table  # type: ignore[attr-defined]
    pk.dump(outs)
    return buf.getvalue()


def _to_ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:
        w.write_table(table)
    return sink.getvalue().to_pybytes()


def _from_ipc(data: bytes) -> pa.Table:
    return pa.ipc.open_stream(data).read_all()


def _table_decl(name: str) -> TableDecl:
    return load_contract().table(name)


def _dataset_decl(ds_id: str) -> DatasetDecl:
    return load_contract().datasets[ds_id]


def _finish_chunk(run: _Run, chunk: list[tuple[FileOutcome, _Pending]]) -> None:
    preparse([out.pending[0].batches for out, _ in chunk if out.pending is not None])
    for out, _ in chunk:
        finish_file(out)
    _flush(run, chunk)


def _flush(run: _Run, chunk: list[tuple[FileOutcome, _Pending]]) -> None:
    """Write a chunk of files (manifest, raw rows, quarantine) in one transaction."""
    con = run.con
    manifest: list[dict[str, Any]] = []
    loaded: list[tuple[FileOutcome, _Pending, str]] = []
    for out, f in sorted(chunk, key=lambda x: _order_key(x[0].export_at, x[1].delivered, x[1].rel)):
        order = _order_key(out.export_at, f.delivered, f.rel)
        status = out.status
        warnings: list[str] = list(out.meta.get("warnings", []))
        if not f.retry and out.sha in run.shas:
            status = "duplicate"
        elif not f.retry and f.rel in run.paths:
            warnings.append("path_reused")
        if status == "loaded":
            run.shas.add(out.sha)
        run.paths.add(f.rel)
        manifest.append(_manifest_row(out, status, f.delivered, order, run, warnings))
        d = out.info.dataset.id if out.info.dataset else "unknown"
        r = run.results.setdefault(d, DatasetResult(d))
        if status == "rejected":
            r.rejections.append(f"{out.info.rel}: {out.reason}: {out.message}")
        if status == "loaded":
            loaded.append((out, f, order))
            for rr in out.results:
                r.rows_read += rr.rows_read
                r.rows_loaded += rr.records_loaded
                r.rows_quarantined += len(rr.quarantine)
                r.rows_skipped += rr.rows_skipped
    con.execute("BEGIN TRANSACTION")
    try:
        for out, f in chunk:
            if f.retry:
                con.execute("DELETE FROM ops.file_manifest WHERE path = ? AND sha256 = ?", [f.rel, out.sha])
                if out.info.dataset is not None:
                    delete_file_rows(con, out.sha, out.info.dataset.tables)
        insert_manifest(con, manifest)
        by_table: dict[str, list[pa.Table]] = {}
        cov: dict[str, list[pa.Table]] = {}
        decl: dict[str, TableDecl] = {}
        quarantine: list[dict[str, Any]] = []
        for out, _f, order in loaded:
            for rr in out.results:
                decl[rr.table.name] = rr.table
                dp = order.split("|", 1)[1]  # delivered_at|path: the tie-breakers after each row's export time
                by_table.setdefault(rr.table.name, []).append(
                    rr.rows.append_column("_dp", pa.array([dp] * rr.rows.num_rows, pa.string())))
                if rr.coverage is not None:
                    cov.setdefault(rr.table.name, []).append(
                        rr.coverage.append_column("_dp", pa.array([dp] * rr.coverage.num_rows, pa.string())))
                quarantine.extend(rr.quarantine)
        for name, parts in by_table.items():
            rows = pa.concat_tables(parts, promote_options="permissive")
            c = pa.concat_tables(cov[name]) if name in cov else None
            write_rows(con, decl[name], rows, coverage=c)
        _write_quarantine(con, quarantine)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _manifest_row(
    out: FileOutcome, status: str, delivered: datetime, order: str, run: _Run, warnings: list[str]
) -> dict[str, Any]:
    info = out.info
    counted = status == "loaded"
    reason = out.reason if status == "rejected" else None
    message = out.message if status == "rejected" else None
    if status == "duplicate":
        message = "identical bytes were already delivered (same sha256); nothing loaded"
    detail = dict(out.detail)
    if out.meta.get("apis"):
        detail["apis"] = out.meta["apis"]
    if out.meta.get("delimiter"):
        detail["delimiter"] = out.meta["delimiter"]

    def naive(x: datetime | None) -> datetime | None:
        return x.astimezone(UTC).replace(tzinfo=None) if x is not None else None

    return {
        "path": info.rel,
        "sha256": out.sha,
        "platform": info.group,
        "account": info.account,
        "dataset": info.dataset.id if info.dataset else None,
        "status": status,
        "reason": reason,
        "message": message,
        "rows_read": sum(r.rows_read for r in out.results) if counted else None,
        "rows_loaded": sum(r.records_loaded for r in out.results) if counted else None,
        "rows_quarantined": sum(len(r.quarantine) for r in out.results) if counted else None,
        "rows_skipped": sum(r.rows_skipped for r in out.results) if counted else None,
        "delivered_at": naive(delivered),
        "export_at": naive(out.export_at),
        "export_at_source": out.export_source if out.export_at else None,
        "is_sample": run.opts.is_sample,
        "loaded_at": naive(run.now),
        "file_type": out.meta.get("file_type"),
        "extension": _extension(info.rel),
        "encoding": out.meta.get("encoding"),
        "size_bytes": out.size,
        "sheet": out.meta.get("sheet"),
        "header_row": out.meta.get("header_row"),
        "preamble": out.meta.get("preamble") or None,
        "unmapped_columns": out.meta.get("unmapped_columns") or None,
        "dropped_columns": out.meta.get("dropped_columns") or None,
        "period_start": out.period[0] if counted else None,
        "period_end": out.period[1] if counted else None,
        "key_version": run.opts.key_version,
        "warnings": warnings or None,
        "raw_tables": [r.table.qualified for r in out.results] if counted else None,
        "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        "order_key": order,
        "run_id": run.run_id,
        "mtime_ns": out.mtime_ns,
    }


def _write_quarantine(con: duckdb.DuckDBPyConnection, records: list[dict[str, Any]]) -> None:
    if not records:
        return
    cols = [c for c, _ in QUARANTINE_COLUMNS]
    types = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "VARCHAR[]": pa.list_(pa.string()),
             "TIMESTAMP": pa.timestamp("us")}
    tbl = pa.table({c: pa.array([r.get(c) for r in records], type=types[t]) for c, t in QUARANTINE_COLUMNS})
    con.register("_q", tbl)
    con.execute(f"INSERT INTO ops.quarantine ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _q")
    con.unregister("_q")


def _retry_unknown_account_rows(run: _Run, registry: AccountRegistry, landing: Path, wanted: set[str]) -> None:
    """Ops rows quarantined `unknown_account` are retried when ops/accounts changed (§1 rule 2)."""
    con = run.con
    rows = con.execute(
        "SELECT m.path, m.sha256, m.delivered_at, count(*) FROM ops.quarantine q "
        "JOIN ops.file_manifest m ON m.sha256 = q.file_sha256 AND m.status IN ('loaded', 'superseded') "
        "WHERE q.reason IN ('unknown_account', 'ambiguous_account') GROUP BY ALL ORDER BY 1"
    ).fetchall()
    retry: list[tuple[FileOutcome, _Pending]] = []
    for rel, sha, delivered, before in rows:
        p = landing / rel
        info = classify(rel)
        if info.dataset is None or info.dataset.id not in wanted or not p.exists() or sha256_file(p) != sha:
            continue
        f = _Pending(p, rel, info, sha, delivered.replace(tzinfo=UTC), True)
        out = read_file(p.read_bytes(), info, sha=sha, full_path=p, delivered_at=f.delivered, loaded_at=run.now,
                        pii_key=run.opts.pii_key, registry=registry)
        after = sum(1 for r in out.results for q in r.quarantine
                    if q["reason"] in ("unknown_account", "ambiguous_account"))
        if out.status == "loaded" and after < before:
            retry.append((out, f))
    if retry:
        _flush(run, retry)


def _mark_superseded(con: duckdb.DuckDBPyConnection, wanted: set[str]) -> None:
    """Older files of replaced modes whose rows were all replaced become `superseded` (§1 rule 5)."""
    contract = load_contract()
    for d in wanted:
        ds = contract.datasets.get(d)
        if ds is None or any(t.mode == "snapshot" for t in ds.tables):
            continue
        union = " UNION ALL ".join(f"SELECT DISTINCT _file_sha256 AS sha FROM {t.qualified}" for t in ds.tables)
        con.execute(
            f"UPDATE ops.file_manifest SET status = 'superseded' WHERE dataset = ? AND status = 'loaded' "
            f"AND rows_loaded > 0 AND sha256 NOT IN (SELECT sha FROM ({union}) WHERE sha IS NOT NULL)",
            [d],
        )


# --------------------------------------------------------------------------- helpers for the CLI/sensor


def pending_files(landing: Path, warehouse: Path) -> list[str]:
    """Landing-relative paths of deliveries the manifest does not hold yet: the same (path, size,
    modification time) test `ingest` uses to skip hashing known files; files from before that column
    existed match on (path, size)."""
    landing = landing.resolve()
    rows: list[tuple[str, int, int | None]] = []
    if warehouse.exists():
        try:
            con = duckdb.connect(str(warehouse), read_only=True)
            try:
                rows = con.execute("SELECT path, size_bytes, mtime_ns FROM ops.file_manifest").fetchall()
            finally:
                con.close()
        except duckdb.Error:
            rows = []
    exact = {(p, s, m) for p, s, m in rows if m is not None}
    loose = {(p, s) for p, s, m in rows if m is None}
    out = []
    for p in iter_deliveries(landing):
        rel = p.relative_to(landing).as_posix()
        st = p.stat()
        if (rel, st.st_size, st.st_mtime_ns) not in exact and (rel, st.st_size) not in loose:
            out.append(rel)
    return out


def manifest_summary(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        by_status = con.execute(
            "SELECT status, count(*), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0), "
            "coalesce(sum(rows_skipped), 0) FROM ops.file_manifest GROUP BY 1 ORDER BY 1"
        ).fetchall()
        per_ds = con.execute(
            "SELECT dataset, count(*) FILTER (WHERE status = 'loaded'), count(*) FILTER (WHERE status = 'duplicate'), "
            "count(*) FILTER (WHERE status = 'superseded'), count(*) FILTER (WHERE status = 'rejected'), "
            "coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
            "FROM ops.file_manifest GROUP BY 1 ORDER BY 1"
        ).fetchall()
        reasons = con.execute(
            "SELECT 'file' AS kind, reason, count(*) FROM ops.file_manifest WHERE status = 'rejected' GROUP BY 2 "
            "UNION ALL SELECT 'row', reason, count(*) FROM ops.quarantine GROUP BY 2 ORDER BY 1, 3 DESC"
        ).fetchall()
    finally:
        con.close()
    lines = ["Manifest: files per status"]
    for st, n, rl, rq, rs in by_status:
        lines.append(f"  {st:11} {n:6d} files   rows loaded {rl:9d}   quarantined {rq:7d}   skipped {rs:5d}")
    lines.append("Per dataset (files loaded/duplicate/superseded/rejected; rows loaded/quarantined)")
    for d, lo, du, su, rej, rl, rq in per_ds:
        lines.append(f"  {d!s:30} {lo:4d} {du:4d} {su:4d} {rej:4d}   {rl:9d} {rq:7d}")
    if reasons:
        lines.append("Reasons")
        for kind, reason, n in reasons:
            lines.append(f"  {kind:4} {reason!s:36} {n:6d}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- fanops check


@dataclass
class CheckReport:
    path: str
    dataset: str | None
    outcome: FileOutcome | None
    note: str | None = None

    @property
    def rejected(self) -> bool:
        return self.outcome is None or self.outcome.status == "rejected"

    def render(self, lang: str = "en", limit: int = 20) -> str:
        o = self.outcome
        lines = [f"== {self.path}"]
        if o is None:
            lines.append(f"  cannot read: {self.note}")
            return "\n".join(lines)
        m = o.meta
        lines.append(f"  dataset       {self.dataset or '(unknown)'}" + (f"   [{self.note}]" if self.note else ""))
        lines.append(f"  file type     {m.get('file_type')}   encoding {m.get('encoding')}"
                     + (f"   delimiter {m['delimiter']}" if m.get('delimiter') else ""))
        if o.status == "rejected":
            lines.append(f"  REJECTED      {o.reason}: {o.message}")
            return "\n".join(lines)
        if m.get("sheet"):
            lines.append(f"  sheet         {m.get('sheet')}")
        if m.get("header_row"):
            lines.append(f"  header row    {m.get('header_row')}" +
                         (f"   preamble: {' | '.join(m['preamble'])}" if m.get("preamble") else ""))
        if m.get("apis"):
            lines.append(f"  apis          {', '.join(m['apis'])}")
        lines.append(f"  export time   {o.export_at:%Y-%m-%d %H:%M:%S}Z ({o.export_source})" if o.export_at else "")
        for r in o.results:
            lines.append(f"  -> {r.table.qualified}: read {r.rows_read}, would load {r.rows.num_rows}, "
                         f"quarantine {len(r.quarantine)}, skip {r.rows_skipped}")
            mapping = [f"{src}→{name}" for name, src in r.sources.items()]
            if mapping:
                lines.append("     mapping   " + ", ".join(mapping))
            absent = [c.header or c.name for c in r.table.columns
                      if c.read and not c.drop and not c.internal and c.name not in r.sources
                      and (c.header or c.paths) and r.table.format == "table"]
            if absent:
                lines.append("     absent    " + ", ".join(absent) + " (optional: NULL for the whole file)")
            for q in r.quarantine[:limit]:
                lines.append(f"     row {q['row_number']}: {q['reason']} — {q['message']}")
            if len(r.quarantine) > limit:
                lines.append(f"     … {len(r.quarantine) - limit} more")
        if m.get("unmapped_columns"):
            lines.append(f"  unmapped      {', '.join(m['unmapped_columns'])}")
        if m.get("dropped_columns"):
            lines.append(f"  dropped (PII) {', '.join(m['dropped_columns'])}")
        return "\n".join(x for x in lines if x)


def _guess_dataset(doc: Document) -> DatasetDecl | None:
    """Outside the landing tree: signature columns (tabular) or the wrapper's api names (JSON)."""
    from ingestion.extract import find_header, norm_header

    contract = load_contract()
    if doc.file_type in ("json", "jsonl"):
        objs = [doc.json_value] if doc.file_type == "json" else [o for _, o in (doc.json_lines or [])[:5]]
        if len(objs) == 1 and isinstance(objs[0], list):  # a bare JSON array of responses or records
            objs = [o for o in objs[0][:5] if isinstance(o, dict)]
        for o in objs:
            if isinstance(o, dict) and isinstance(o.get("calls"), list):
                for call in o["calls"]:
                    api = call.get("api") if isinstance(call, dict) else None
                    for d in contract.datasets.values():
                        if any(api in t.apis for t in d.tables):
                            return d
            if isinstance(o, dict):
                keys = set(o)
                if {"platform", "mention_id"} <= keys:
                    return contract.datasets["listening/mentions"]
                if {"conversation_id", "message_id"} <= keys:
                    return contract.datasets["ops/messages"]
                if {"idstr", "created_at", "text"} <= keys:  # one Weibo status or comment per record
                    return contract.datasets["weibo/comments" if "status" in keys else "weibo/posts"]
                for d in contract.datasets.values():
                    for t in d.tables:
                        if t.format == "json" and t.wrapper != "required" and t.records:
                            from ingestion.extract import iter_records

                            if iter_records(o, t.records) is not None:
                                return d
        return None
    from ingestion.readers import delimited

    tables = doc.tables
    if doc.file_type == "csv" and doc.text is not None:
        tables = [delimited(doc.text, ","), delimited(doc.text, "\t")]
    best: tuple[int, DatasetDecl | None] = (0, None)
    for d in contract.datasets.values():
        for t in d.tables:
            if t.format == "metric_sheets" and any(x.name in t.sheets for x in tables):
                return d
            if t.format == "portrait_sheets" and any(x.name in t.sheets for x in tables):
                return d
            if not t.signature:
                continue
            sig = {norm_header(s) for s in t.signature}
            for tab in tables:
                h = find_header(tab.rows, t)
                if h is None:
                    continue
                hits = len(sig & {norm_header(c) for c in tab.rows[h]})
                # every signature column, or else the best partial match of at least two
                score = hits + (100 if hits == len(sig) else 0)
                if hits >= 2 and score > best[0]:
                    best = (score, d)
    return best[1]


def check_files(paths: Sequence[Path], landing: Path | None = None, pii_key: bytes | None = None) -> list[CheckReport]:
    """Explain how each file would be read; writes nothing (account registration is not checked)."""
    key = pii_key or os.environ.get("FANOPS_PII_KEY", "fanops-check-dry-run").encode()
    reports = []
    now = utcnow()
    for path in paths:
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            reports.append(CheckReport(str(path), None, None, str(exc)))
            continue
        import hashlib

        sha = hashlib.sha256(data).hexdigest()
        info = None
        note = None
        if landing is not None:
            try:
                rel = path.resolve().relative_to(landing.resolve()).as_posix()
                info = classify(rel)
            except ValueError:
                info = None
        if info is None or info.dataset is None:
            try:
                doc = read_document(data)
                ds = _guess_dataset(doc)
            except FileRejected as exc:
                fo = FileOutcome(PathInfo(path.name, None, None, None), sha, len(data), "rejected", exc.reason,
                                 exc.message)
                reports.append(CheckReport(str(path), None, fo))
                continue
            if ds is None:
                fo = FileOutcome(PathInfo(path.name, None, None, None), sha, len(data), "rejected",
                                 "unknown_dataset", "no dataset's signature columns or API names match this file")
                fo.meta = {"file_type": doc.file_type, "encoding": doc.encoding}
                reports.append(CheckReport(str(path), None, fo))
                continue
            acct = None
            if info is not None and info.account:
                acct = info.account
            info = PathInfo(path.name, ds.group, acct, ds)
            note = "detected by content"
        out = read_file(data, info, sha=sha, full_path=path, delivered_at=now, loaded_at=now, pii_key=key,
                        registry=None)
        reports.append(CheckReport(str(path), info.dataset.id if info.dataset else None, out, note))
    return reports
