"""The event log storage of the warehouse's Dagster instance: Dagster's SQLite storage, kept connected.

Dagster's ``SqliteEventLogStorage`` opens a new SQLAlchemy engine and a new SQLite connection for every
event it stores and closes them again, and every commit waits for the disk. A ``carbon run`` stores
about two thousand events (every dbt model's materialization, every dbt test's check result, the
planned events of each asset), so that alone cost 10-20 s of CPU a run on a 2-core machine.

This subclass changes only how it connects: one engine per database file (the run's shard, the index),
kept while the process lives (the most recent few, so a long-lived ``carbon ui`` does not hold every
run's file open), and ``synchronous=NORMAL`` on Dagster's WAL journal (a commit no longer waits for an
fsync; a crash of the process loses nothing, a power cut may lose the last events of a run's history,
never warehouse data). Tables, migrations and every query are Dagster's own, so the UI and any Dagster
tool read the files as usual; ``dagster.yaml`` names the class (pipelines/lib/dagster_home.py).
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

# Engines kept open at once: the index and the runs being written or watched.
KEEP_ENGINES = 8


def _tune(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """Dagster's SQLite event log storage with one long-lived engine per database file."""

    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    def has_table(self, table_name: str) -> bool:
        """Dagster asks before most asset and check events whether an optional table of its index exists,
        each time through a new engine and connection (about 1 s of a sample run). A table that exists
        stays (migrations only add tables), so a yes is remembered; a no is asked again. No lock: Dagster
        calls this inside its own connections."""
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> sa.Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        engine = sa.create_engine(
            self.conn_string_for_shard(shard),
            poolclass=sa.pool.QueuePool,
            pool_size=1,
            max_overflow=4,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        sa.event.listen(engine, "connect", _tune)
        self._engines[shard] = engine
        while len(self._engines) > KEEP_ENGINES:
            _, oldest = self._engines.popitem(last=False)
            oldest.dispose()
        return engine

    @contextlib.contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn, conn.begin():
                yield conn

    def _close_engines(self) -> None:
        with self._db_lock:
            for engine in self._engines.values():
                engine.dispose()
            self._engines.clear()

    def dispose(self) -> None:
        self._close_engines()
        super().dispose()

    def wipe(self) -> None:
        self._close_engines()  # Dagster deletes the runs' files: close them first
        super().wipe()
