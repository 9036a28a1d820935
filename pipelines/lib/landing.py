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
from pipelines.lib.contract import dataset as contract_dataset
from pipelines.paths import SEEDS_DIR

BATCH_SUFFIXES = (".csv", ".xlsx", ".parquet")
MAPPING_FILE = "_mapping.yml"
MALFORMED_COLUMN = "_malformed"  # why a line could not be split into the header's fields
SOURCE_ROW_COLUMN = "_source_row"  # a row's number in its file, set by the reader or the loader


class LandingError(Exception):
    """A problem with a landing file that a person can fix; the message says which file and what."""


@dataclass(frozen=True)
class Mapping:
    """The per-dataset ``_mapping.yml`` (see docs/landing_zone.md)."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    decimal: str = "."  # the decimal mark of the folder's numbers: "." (1,234.5) or "," (1.234,5)

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
        unknown = set(data) - {"columns", "values", "units", "encoding", "decimal"}
        if unknown:
            raise LandingError(
                f"{path}: unknown key(s) {sorted(unknown)}; allowed: columns, values, units, encoding, decimal."
            )
        decimal = str(data.get("decimal", ".")).strip()
        if decimal not in (".", ","):
            raise LandingError(f"{path}: decimal is {decimal!r}; it must be '.' (1,234.5) or ',' (1.234,5).")
        return cls(
            columns={str(k).strip(): str(v).strip() for k, v in (data.get("columns") or {}).items()},
            values={
                str(col): {str(k): str(v) for k, v in (m or {}).items()}
                for col, m in (data.get("values") or {}).items()
            },
            units={str(k): str(v) for k, v in (data.get("units") or {}).items()},
            encoding=data.get("encoding"),
            decimal=decimal,
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
    """Every file of one dataset's folder, in a stable order (by relative path), except those whose
    name starts with ``_`` or ``.`` (the mapping, notes). A file of a type the loader does not read
    (``.tsv``, ``.xls``, …) or a link leading outside the landing folder is still listed:
    :func:`read_batch` refuses it with a reason, so it shows as a finding instead of vanishing."""
    folder = landing / dataset.source / dataset.name
    if not folder.is_dir():
        return []
    files = sorted(
        p for p in folder.iterdir() if not p.name.startswith(("_", ".")) and (p.is_file() or p.is_symlink())
    )
    return [
        LandingFile(dataset.key, p, p.relative_to(landing).as_posix(), _sha256_or_link(p, landing))
        for p in files
    ]


def _sha256_or_link(path: Path, landing: Path) -> str:
    """The file's sha256; for a link leading outside the landing folder (or a broken one), the sha256
    of where it points (the file is refused unread, but a changed link is still a change)."""
    if outside_landing(path, landing) or not path.is_file():
        return hashlib.sha256(("link:" + str(path.resolve())).encode()).hexdigest()
    return sha256_of(path)


def outside_landing(path: Path, landing: Path) -> bool:
    """True when ``path`` (after following links) is not inside the landing folder."""
    try:
        path.resolve().relative_to(landing.resolve())
    except ValueError:
        return True
    return False


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


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_csv_bytes(data: bytes, encoding: str | None) -> str:
    """A byte-order mark decides first (it is the file speaking for itself, even in a folder whose
    mapping says GB18030), then UTF-16 without a mark (every other byte zero); then the mapping's
    encoding; else UTF-8, then GB18030 (a superset of GBK)."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name)
    sample = data[:4096]
    if len(sample) >= 4 and sample.count(0) >= len(sample) // 3:  # NUL bytes: never GB18030 or UTF-8 text
        even_zeros = sample[0::2].count(0)
        return data.decode("utf-16-be" if even_zeros > sample[1::2].count(0) else "utf-16-le")
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def read_batch(file: LandingFile, mapping: Mapping, landing: Path | None = None) -> pl.DataFrame:
    """Read one file into a DataFrame with canonical column names.

    CSV and XLSX columns come back as text; Parquet columns keep their types
    (casting handles both). Raises LandingError, naming the file, for a file
    that cannot be read exactly: a type the loader does not read, a link
    leading outside the landing folder, a header that appears twice, a
    workbook with more than one data sheet, a Parquet column of a nested type.
    """
    suffix = file.path.suffix.lower()
    if landing is not None and outside_landing(file.path, landing):
        raise LandingError(
            f"{file.relative_path}: a link to {file.path.resolve()}, outside the landing folder; "
            "only files inside the landing folder are read (copy the file in)"
        )
    if suffix not in BATCH_SUFFIXES:
        raise LandingError(
            f"{file.relative_path}: {suffix or 'a file without extension'} files are not read; "
            "save it as CSV (comma-separated, UTF-8 or GB18030), XLSX or Parquet, or move it out of the folder"
        )
    try:
        if suffix == ".csv":
            text = decode_csv_bytes(file.path.read_bytes(), mapping.encoding)
            _refuse_repeated_headers(file, next(csv.reader(io.StringIO(text)), []))
            try:
                df = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
            except Exception:  # a malformed line: read line by line, quarantine only the bad lines
                df = _read_csv_lines(text)
            else:
                # Counted apart from the reader: a reader that returns fewer or more rows than the
                # records a second parser finds is not trusted; the file is read line by line instead,
                # so no line is lost unseen.
                if df.height != _csv_records(text):
                    df = _read_csv_lines(text)
        elif suffix == ".xlsx":
            df = _read_workbook(file, mapping)
        else:
            df = pl.read_parquet(file.path)
            nested = [f"{c} ({t})" for c, t in df.schema.items() if t.is_nested() or t == pl.Object]
            if nested:
                raise LandingError(
                    f"{file.relative_path}: column(s) {', '.join(nested)} hold lists or records, not single "
                    "values; write one value per cell"
                )
    except LandingError:
        raise
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


def _csv_records(text: str) -> int:
    """Records after the header, counted by Python's csv module (a second parser, independent of the
    fast reader; quoted line breaks stay inside their record), blank lines not counted."""
    return max(0, sum(1 for record in csv.reader(io.StringIO(text)) if any(f.strip() for f in record)) - 1)


def _read_csv_lines(text: str) -> pl.DataFrame:
    """A CSV that the fast reader refuses (a line with an extra field, an unbalanced quote), read one
    physical line at a time: lines that split into the header's number of fields are rows, every
    other line is a row with only ``_malformed`` set (quarantined with the reason). Rows are numbered
    by line (data row = line - 1); a quoted field spanning lines is malformed in this mode."""
    lines = text.splitlines()
    header = next(csv.reader(lines[:1]), [])
    width = len(header)
    columns: list[list[str | None]] = [[] for _ in header]
    malformed: list[str | None] = []
    rows: list[int] = []
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        try:
            fields = next(csv.reader([line], strict=True))
            problem = (
                None if len(fields) == width else f"the line has {len(fields)} fields, the header {width}"
            )
        except csv.Error as exc:
            fields, problem = [], f"the line cannot be split into fields ({exc})"
        rows.append(number)
        malformed.append(problem)
        for i in range(width):
            columns[i].append(None if problem else fields[i])
    frame = pl.DataFrame({h: pl.Series(h, c, dtype=pl.String) for h, c in zip(header, columns, strict=True)})
    return frame.with_columns(
        pl.Series(MALFORMED_COLUMN, malformed, dtype=pl.String),
        pl.Series(SOURCE_ROW_COLUMN, rows, dtype=pl.Int64),
    )


def _refuse_repeated_headers(file: LandingFile, header: list[str], where: str = "") -> None:
    """A header written twice (two ``quantity`` columns): which one is meant is unknown, so the file
    is refused (polars would rename the second one and load the first silently)."""
    names = [h.strip() for h in header]
    repeated = sorted({h for h in names if h and names.count(h) > 1})
    if repeated:
        raise LandingError(
            f"{file.relative_path}{where}: the header {', '.join(repr(h) for h in repeated)} appears more than "
            "once; keep one column per field"
        )


def _read_workbook(file: LandingFile, mapping: Mapping) -> pl.DataFrame:
    """The one data sheet of a workbook, as text. A sheet is a data sheet when its header row names
    a column of the dataset's contract (after the column mapping); sheets without one (a README,
    a chart) are not data. More than one data sheet, or none, refuses the file naming the sheets."""
    contract = set(contract_dataset(file.dataset_key).column_names)
    sheets = pl.read_excel(
        file.path, engine="calamine", sheet_id=0, infer_schema_length=0, raise_if_empty=False
    )
    data: list[tuple[str, pl.DataFrame]] = []
    for name, sheet in sheets.items():
        headers = [mapping.columns.get(str(c).strip(), str(c).strip()) for c in sheet.columns]
        if contract & set(headers):
            data.append((name, sheet))
    if len(data) != 1:
        found = ", ".join(repr(n) for n, _ in data) if data else "none"
        raise LandingError(
            f"{file.relative_path}: the workbook has sheets {', '.join(repr(n) for n in sheets)} and "
            f"{len(data)} data sheet(s) with contract columns ({found}); one data sheet per workbook "
            "(split the others into their own files)"
        )
    name, df = data[0]
    first_row = pl.read_excel(
        file.path, engine="calamine", sheet_name=name, infer_schema_length=0,
        read_options={"header_row": None, "n_rows": 1},
    )  # fmt: skip
    _refuse_repeated_headers(file, [str(v or "") for v in first_row.row(0)], f", sheet {name!r}")
    return df.with_columns(pl.all().cast(pl.String))
