"""The landing folder being written: paths, per-dataset row counts, seeded random streams."""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipelines.generate.writers import write_csv, write_parquet, write_xlsx
from pipelines.lib.contract import DATASETS, DATASETS_BY_KEY

# What a previous run may have left in a dataset folder (and this run rewrites).
_OWNED_SUFFIXES = {".csv", ".xlsx", ".parquet"}


@dataclass
class Landing:
    root: Path
    seed: int
    progress: Callable[[str], None] | None = None
    rows: dict[str, int] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    # The deliberate defects as actually planted (checked against KNOWN_DEFECTS).
    defects: list[dict] = field(default_factory=list)

    def rng(self, stream: str) -> np.random.Generator:
        """An independent random stream per purpose, so adding rows to one dataset
        (or a bigger scale) never shifts the values of another."""
        return np.random.default_rng([self.seed, zlib.crc32(stream.encode())])

    def folder(self, key: str) -> Path:
        ds = DATASETS_BY_KEY[key]
        return self.root / ds.source / ds.name

    def clean(self) -> None:
        """Empty every dataset folder of batch files and mappings from an earlier run.

        Only the contract's dataset folders are touched, and in them only
        ``*.csv``, ``*.xlsx``, ``*.parquet`` and ``_mapping.yml``.
        """
        for ds in DATASETS:
            folder = self.root / ds.source / ds.name
            if not folder.is_dir():
                continue
            for p in sorted(folder.iterdir()):
                if p.is_file() and (p.suffix in _OWNED_SUFFIXES or p.name == "_mapping.yml"):
                    p.unlink()

    def _done(self, key: str, path: Path, n: int) -> int:
        self.rows[key] = self.rows.get(key, 0) + n
        self.files.append(path)
        return n

    def csv(
        self,
        key: str,
        name: str,
        rows: Iterable[Sequence[object]],
        header: Sequence[str] | None = None,
        encoding: str = "utf-8",
    ) -> int:
        path = self.folder(key) / name
        header = list(header) if header is not None else DATASETS_BY_KEY[key].column_names
        return self._done(key, path, write_csv(path, header, rows, encoding=encoding))

    def xlsx(self, key: str, name: str, sheet: str, rows: Iterable[Sequence[object]]) -> int:
        path = self.folder(key) / name
        return self._done(key, path, write_xlsx(path, sheet, DATASETS_BY_KEY[key].column_names, rows))

    def parquet(self, key: str, name: str, table: pa.Table) -> int:
        if table.column_names != DATASETS_BY_KEY[key].column_names:
            raise ValueError(f"{key}/{name}: columns {table.column_names} are not the contract's")
        path = self.folder(key) / name
        return self._done(key, path, write_parquet(path, table))

    def text(self, key: str, name: str, content: str) -> None:
        """A non-batch file (``_mapping.yml``) in a dataset folder."""
        path = self.folder(key) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8"))
        self.files.append(path)

    def say(self, message: str) -> None:
        if self.progress is not None:
            self.progress(message)
