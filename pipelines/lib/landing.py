"""Reading the landing zone: find batches, decode them, apply the column mapping.

This module only reads files into polars DataFrames of text columns with the
canonical column names. Casting to contract types lives in ``casting``; writing
to DuckDB lives in ``loader``.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import polars as pl
import yaml

from pipelines.lib.contract import Dataset
from pipelines.paths import SEEDS_DIR

BATCH_SUFFIXES = (".csv", ".xlsx", ".parquet")
MAPPING_FILE = "_mapping.yml"


class LandingError(Exception):
    """A problem with a landing file that a person can fix; the message says which file and what."""


@dataclass(frozen=True)
class Mapping:
    """The per-dataset ``_mapping.yml`` (see docs/landing_zone.md)."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None

    @classmethod
    def load(cls, folder: Path) -> Mapping:
        path = folder / MAPPING_FILE
        if not path.exists():
            return cls()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise LandingError(f"{path.name} in {folder}: not readable YAML ({exc}).") from None
        if not isinstance(data, dict):
            raise LandingError(f"{path}: expected a mapping with keys columns/values/units/encoding.")
        unknown = set(data) - {"columns", "values", "units", "encoding"}
        if unknown:
            raise LandingError(
                f"{path}: unknown key(s) {sorted(unknown)}; allowed: columns, values, units, encoding."
            )
        return cls(
            columns={str(k).strip(): str(v).strip() for k, v in (data.get("columns") or {}).items()},
            values={
                str(col): {str(k): str(v) for k, v in (m or {}).items()}
                for col, m in (data.get("values") or {}).items()
            },
            units={str(k): str(v) for k, v in (data.get("units") or {}).items()},
            encoding=data.get("encoding"),
        )


@dataclass(frozen=True)
class LandingFile:
    dataset_key: str
    path: Path
    relative_path: str  # relative to the landing root, with forward slashes
    sha256: str


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def discover(landing: Path, dataset: Dataset) -> list[LandingFile]:
    """The batches of one dataset, in a stable order (by relative path)."""
    folder = landing / dataset.source / dataset.name
    if not folder.is_dir():
        return []
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in BATCH_SUFFIXES and not p.name.startswith(("_", "."))
    )
    return [LandingFile(dataset.key, p, p.relative_to(landing).as_posix(), sha256_of(p)) for p in files]


@lru_cache(maxsize=1)
def builtin_unit_synonyms() -> dict[str, str]:
    """Lower-cased synonym -> unit code, from ``seeds/unit_synonyms.csv`` (also a dbt seed)."""
    path = SEEDS_DIR / "unit_synonyms.csv"
    out: dict[str, str] = {}
    if path.exists():
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out[row["synonym"].strip().lower()] = row["unit"].strip()
    units_path = SEEDS_DIR / "units.csv"
    if units_path.exists():
        with units_path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                out.setdefault(row["unit"].strip().lower(), row["unit"].strip())
    return out


def decode_csv_bytes(data: bytes, encoding: str | None) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK), unless told."""
    if encoding:
        return data.decode(encoding)
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_batch(file: LandingFile, mapping: Mapping) -> pl.DataFrame:
    """Read one file into a DataFrame with canonical column names.

    CSV and XLSX columns come back as text; Parquet columns keep their types
    (casting handles both). Raises LandingError for a file that cannot be read.
    """
    suffix = file.path.suffix.lower()
    try:
        if suffix == ".csv":
            text = decode_csv_bytes(file.path.read_bytes(), mapping.encoding)
            df = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
        elif suffix == ".xlsx":
            df = pl.read_excel(file.path, engine="calamine", infer_schema_length=0)
            df = df.with_columns(pl.all().cast(pl.String))
        else:
            df = pl.read_parquet(file.path)
    except (UnicodeDecodeError, LookupError) as exc:
        raise LandingError(f"{file.relative_path}: cannot decode the file ({exc}).") from None
    except Exception as exc:  # polars/fastexcel raise many types; all mean the same to a user
        raise LandingError(
            f"{file.relative_path}: cannot read the file as {suffix[1:].upper()} ({exc})."
        ) from None
    names = [mapping.columns.get(c.strip(), c.strip()) for c in df.columns]
    dupes = sorted({c for c in names if names.count(c) > 1})
    if dupes:
        raise LandingError(
            f"{file.relative_path}: column(s) {dupes} appear more than once after the column mapping."
        )
    df.columns = names
    return df
