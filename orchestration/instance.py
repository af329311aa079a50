"""The Dagster instance of `fanops` commands: run history in a warehouse-local DAGSTER_HOME."""

from __future__ import annotations

import sqlite3
from typing import Any

_installed = False


def relax_sqlite_sync() -> None:
    """Commit Dagster's SQLite run and event storage with `PRAGMA synchronous=NORMAL`.

    Dagster stores every event in its own transaction (a run here logs ~1,000: planned and done
    materialisations, one per dbt test ...), and its SQLite storage runs in WAL mode with the default
    synchronous=FULL, i.e. one fsync per event: 6-16 ms each on this machine's disk, up to a minute per run.
    In WAL mode NORMAL stays corruption-safe; a power cut may lose the last events of the run history, never
    warehouse data (DuckDB is not touched by this). Process-wide, idempotent; only sqlite3 connections.
    """
    global _installed
    if _installed:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.close()

    event.listen(Engine, "connect", _on_connect)
    _installed = True
