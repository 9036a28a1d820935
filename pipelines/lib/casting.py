"""Cast a landing batch to the contract's types, vectorised, and say which cells failed.

Input: a DataFrame with canonical column names (``landing.read_batch``).
Output: the typed contract columns plus ``_row_number`` and ``_extra_json``,
and a frame of failures (one row per failing cell) with a reason a person can
act on. Nothing here touches the warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import polars as pl

from pipelines.lib.contract import Column, Dataset
from pipelines.lib.landing import MALFORMED_COLUMN, SOURCE_ROW_COLUMN, Mapping, builtin_unit_synonyms

# Stable codes of the contract checks (the data quality plan adds its own).
CODE_MISSING_COLUMN = "DQ-CONTRACT-001"
CODE_REQUIRED_EMPTY = "DQ-CONTRACT-002"
CODE_BAD_TYPE = "DQ-CONTRACT-003"
CODE_MALFORMED_LINE = "DQ-CONTRACT-004"
CODE_FUTURE = "DQ-CONTRACT-005"

# The columns that date an activity (when it happened): a value after the run date is refused —
# activity cannot have happened yet (a period typed 2031 for 2021 would make a 2031 inventory).
# Master data (a facility closing next year), factors valid from next year and registries are not
# activity and are not judged.
ACTIVITY_DATE_COLUMNS = frozenset({"period", "reading_start", "reading_end", "invoice_date", "date", "year"})

TRUE_WORDS = ("true", "t", "1", "yes", "y", "是", "真")
FALSE_WORDS = ("false", "f", "0", "no", "n", "否", "假")

POLARS_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "decimal": pl.Float64(),
    "integer": pl.Int64(),
    "date": pl.Date(),
    "timestamp": pl.Datetime("us"),
    "period": pl.String(),
    "bool": pl.Boolean(),
}

TYPE_WORDS = {
    "decimal": "a number",
    "integer": "a whole number",
    "date": "a date (YYYY-MM-DD)",
    "timestamp": "a timestamp (ISO 8601, e.g. 2024-01-31T23:45:00)",
    "period": "a period (YYYY-MM or YYYY)",
    "bool": "a boolean (true/false, 1/0, 是/否)",
}

FAILURE_SCHEMA = {
    "_row_number": pl.Int64(),
    "column_name": pl.String(),
    "raw_value": pl.String(),
    "check_code": pl.String(),
    "reason": pl.String(),
}


@dataclass
class CastResult:
    frame: pl.DataFrame  # typed contract columns + _row_number + _extra_json, every input row
    failures: pl.DataFrame  # FAILURE_SCHEMA, one row per failing cell


def _clean_text(expr: pl.Expr) -> pl.Expr:
    s = expr.cast(pl.String).str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


# A number as written in the folder's locale (``decimal`` in _mapping.yml): the decimal mark, and
# thousands separators only in groups of three. Anything else — "1234,5" or "1.234,5" under the
# default point, a bare "NaN" or "inf" — is not a number: refused, never rescaled.
_NUMBER_PATTERNS = {
    ".": r"^[+-]?(?:\d+|\d{1,3}(?:,\d{3})+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$",
    ",": r"^[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+)?(?:,\d+)?(?:[eE][+-]?\d+)?$",
}


def _parse_number(s: pl.Expr, decimal: str) -> pl.Expr:
    """Text to a finite float under the locale's decimal mark; anything else -> null."""
    thousands = "," if decimal == "." else "."
    plain = s.str.replace_all(thousands, "", literal=True)
    if decimal == ",":
        plain = plain.str.replace(",", ".", literal=True)
    f = plain.cast(pl.Float64, strict=False)
    well_formed = s.str.contains(_NUMBER_PATTERNS[decimal]) & s.str.contains(r"\d")
    return pl.when(well_formed & f.is_finite()).then(f).otherwise(None)


def _number_reason(raw: pl.Expr, type_word: str, decimal: str) -> pl.Expr:
    """Why a numeric cell was refused, in words a person can act on."""
    low = raw.str.to_lowercase().str.strip_chars("+-")
    other = "," if decimal == "." else "."
    return (
        pl.when(low.is_in(["nan", "inf", "infinity"]))
        .then(pl.lit("'") + raw + pl.lit(f"' is not {type_word}: only finite numbers are accepted"))
        .when(raw.str.contains(other, literal=True) | raw.str.contains(decimal, literal=True))
        .then(
            pl.lit("'") + raw + pl.lit(
                f"' is not {type_word} with '{decimal}' as the decimal mark"
                + (" (',' only separates thousands, in groups of three); declare decimal: ',' in the "
                   "folder's _mapping.yml for decimal commas" if decimal == "." else
                   " ('.' only separates thousands, in groups of three), as the folder's _mapping.yml "
                   "declares")
            )
        )
        .otherwise(pl.lit("'") + raw + pl.lit(f"' is not {type_word}"))
    )  # fmt: skip


def _parse_text_as(s: pl.Expr, type_: str, decimal: str = ".") -> pl.Expr:
    """Parse cleaned text to the contract type; unparseable -> null."""
    if type_ == "text":
        return s
    if type_ in ("decimal", "integer"):
        f = _parse_number(s, decimal)
        if type_ == "decimal":
            return f
        return pl.when(f == f.round(0)).then(f).otherwise(None).cast(pl.Int64, strict=False)
    if type_ == "date":
        d = s.str.replace(r"^(\d{4}-\d{2}-\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$", "${1}")
        return d.str.to_date("%Y-%m-%d", strict=False)
    if type_ == "timestamp":
        t = s.str.replace(r"(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?:Z|[+-]\d{2}:?\d{2})$", "${1}").str.replace(
            " ", "T"
        )
        return pl.coalesce(
            t.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False, time_unit="us"),
            t.str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us"),
            t.str.to_datetime("%Y-%m-%dT%H:%M", strict=False, time_unit="us"),
            t.str.to_date("%Y-%m-%d", strict=False).cast(pl.Datetime("us")),
        )
    if type_ == "period":
        # "2018.01" is a period; "2018.1" (an Excel number cell: October or January?) is not
        p = (
            s.str.replace(r"^(\d{4})\.(\d{2})$", "${1}-${2}")
            .str.replace_all(r"[/年]", "-")
            .str.replace(r"月$", "")
            .str.replace(r"^(\d{4})(\d{2})$", "${1}-${2}")
        )
        year = p.str.extract(r"^(\d{4})(?:-(\d{1,2}))?$", 1)
        month = p.str.extract(r"^(\d{4})-(\d{1,2})$", 2).cast(pl.Int32, strict=False)
        return (
            pl.when(year.is_not_null() & month.is_null() & ~p.str.contains("-"))
            .then(year)
            .when(year.is_not_null() & month.is_between(1, 12))
            .then(year + pl.lit("-") + month.cast(pl.String).str.zfill(2))
            .otherwise(None)
        )
    if type_ == "bool":
        low = s.str.to_lowercase()
        return (
            pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS)).then(False).otherwise(None)
        )
    raise ValueError(type_)


def _cast_column(df: pl.DataFrame, col: Column, mapping: Mapping) -> tuple[pl.Expr, pl.Expr]:
    """(the cleaned source value as text, the typed value)."""
    dtype = df.schema[col.name]
    target = POLARS_TYPES[col.type]
    already_typed = (
        (col.type == "decimal" and dtype.is_numeric())
        or (col.type == "integer" and dtype.is_integer())
        or (col.type == "bool" and dtype == pl.Boolean)
        or (col.type == "date" and dtype == pl.Date)
        or (col.type == "timestamp" and isinstance(dtype, pl.Datetime))
    )
    if already_typed:
        raw = pl.col(col.name).cast(pl.String)
        if col.type == "timestamp" and dtype.time_zone is not None:  # type: ignore[union-attr]
            return raw, pl.col(col.name).dt.replace_time_zone(None).cast(target)
        if col.type == "decimal" and dtype.is_float():  # NaN and inf in a typed file are refused too
            return raw, pl.when(pl.col(col.name).is_finite()).then(pl.col(col.name)).otherwise(None).cast(
                target
            )
        return raw, pl.col(col.name).cast(target)
    raw = _clean_text(pl.col(col.name))
    s = raw
    if col.name in mapping.values:
        s = s.replace(mapping.values[col.name])
    if col.is_unit:
        synonyms = dict(builtin_unit_synonyms())
        synonyms.update({k.strip().lower(): v for k, v in mapping.units.items()})
        lowered = s.str.to_lowercase()
        s = lowered.replace_strict(synonyms, default=s, return_dtype=pl.String)
    return raw, _parse_text_as(s, col.type, mapping.decimal)


def _bad_type_reason(raw: pl.Expr, type_: str, decimal: str) -> pl.Expr:
    word = TYPE_WORDS.get(type_, type_)
    if type_ in ("decimal", "integer"):
        return _number_reason(raw, word, decimal)
    if type_ == "period":
        return (
            pl.when(raw.str.contains(r"^\d{4}\.\d$"))
            .then(pl.lit("'") + raw + pl.lit(f"' is not {word}: a number like 2018.1 may mean 2018-01 or "
                                            "2018-10; write the period as text"))
            .otherwise(pl.lit("'") + raw + pl.lit(f"' is not {word}"))
        )  # fmt: skip
    return pl.lit("'") + raw + pl.lit(f"' is not {word}")


def _after_today(value: pl.Expr, type_: str, today: date) -> pl.Expr:
    """True where the typed activity date lies after the run date (a period: its first day)."""
    if type_ == "period":
        start = pl.when(value.str.len_chars() == 4).then(value + "-01-01").otherwise(value + "-01")
        return start.str.to_date("%Y-%m-%d", strict=False) > pl.lit(today)
    if type_ == "date":
        return value > pl.lit(today)
    if type_ == "timestamp":
        # a reading may end at midnight after the run date's last interval
        return value > pl.lit(datetime.combine(today + timedelta(days=1), datetime.min.time()))
    if type_ == "integer":
        return value > today.year
    return pl.lit(False)


def cast_to_contract(
    df: pl.DataFrame,
    dataset: Dataset,
    mapping: Mapping,
    today: date | None = None,
    carry: tuple[str, ...] = (),
) -> CastResult:
    """Cast ``df`` to the contract of ``dataset``; ``today`` (the run date) bounds activity dates.

    ``carry`` names columns passed through unchanged to the frame and to every failure (the loader
    casts many files at once and carries each row's file), so a row is ``(*carry, _row_number)``."""
    today = today or date.today()
    n = df.height
    if SOURCE_ROW_COLUMN in df.columns:  # read line by line: rows keep their line's number
        df = df.rename({SOURCE_ROW_COLUMN: "_row_number"})
    else:
        df = df.with_row_index("_row_number", offset=1).with_columns(pl.col("_row_number").cast(pl.Int64))
    malformed = df.get_column(MALFORMED_COLUMN) if MALFORMED_COLUMN in df.columns else None
    contract_names = set(dataset.column_names)
    extras = [
        c
        for c in df.columns
        if c not in contract_names and c not in ("_row_number", MALFORMED_COLUMN, *carry)
    ]
    row_key = ["_row_number", *carry]

    typed: list[pl.Expr] = []
    failure_frames: list[pl.DataFrame] = []
    checks: list[pl.Expr] = []
    for col in dataset.columns:
        target = POLARS_TYPES[col.type]
        if col.name not in df.columns:
            typed.append(pl.lit(None, dtype=target).alias(col.name))
            if col.required and n:
                failure_frames.append(
                    df.select(
                        *row_key,
                        pl.lit(col.name).alias("column_name"),
                        pl.lit(None, dtype=pl.String).alias("raw_value"),
                        pl.lit(CODE_MISSING_COLUMN).alias("check_code"),
                        pl.lit(f"the required column '{col.name}' is missing from the file").alias("reason"),
                    )
                )
            continue
        raw, value = _cast_column(df, col, mapping)
        typed.append(value.alias(col.name))
        bad_type = raw.is_not_null() & value.is_null()
        checks.append(
            pl.when(bad_type)
            .then(
                pl.struct(
                    pl.lit(col.name).alias("column_name"),
                    raw.alias("raw_value"),
                    pl.lit(CODE_BAD_TYPE).alias("check_code"),
                    _bad_type_reason(raw, col.type, mapping.decimal).alias("reason"),
                )
            )
            .alias(f"__fail_type_{col.name}")
        )
        if col.name in ACTIVITY_DATE_COLUMNS and dataset.source != "reference":
            checks.append(
                pl.when(_after_today(value, col.type, today))
                .then(
                    pl.struct(
                        pl.lit(col.name).alias("column_name"),
                        raw.alias("raw_value"),
                        pl.lit(CODE_FUTURE).alias("check_code"),
                        (pl.lit("'") + raw + pl.lit(f"' lies after the run date {today.isoformat()}: "
                                                    "activity cannot be reported before it happens")).alias("reason"),
                    )
                )
                .alias(f"__fail_future_{col.name}")
            )  # fmt: skip
        if col.required:
            checks.append(
                pl.when(raw.is_null())
                .then(
                    pl.struct(
                        pl.lit(col.name).alias("column_name"),
                        pl.lit(None, dtype=pl.String).alias("raw_value"),
                        pl.lit(CODE_REQUIRED_EMPTY).alias("check_code"),
                        pl.lit(f"the required field '{col.name}' is empty").alias("reason"),
                    )
                )
                .alias(f"__fail_req_{col.name}")
            )

    if checks:
        fails = df.select(*row_key, *checks)
        # one pass says which checks failed anywhere; a clean file (the common case) stops here
        failed = fails.select(pl.all().exclude(*row_key).is_not_null().any()).row(0, named=True)
        for name in [c for c, any_failed in failed.items() if any_failed]:
            failure_frames.append(
                fails.select(*row_key, name).filter(pl.col(name).is_not_null()).unnest(name)
            )
    if malformed is not None and malformed.null_count() < len(malformed):
        bad = df.select(*row_key, malformed.alias("reason")).filter(pl.col("reason").is_not_null())
        # a malformed line fails for that reason alone (its fields are unknown, not empty)
        failure_frames = [f.join(bad.select(row_key), on=row_key, how="anti") for f in failure_frames]
        failure_frames.append(
            bad.select(
                *row_key,
                pl.lit(None, dtype=pl.String).alias("column_name"),
                pl.lit(None, dtype=pl.String).alias("raw_value"),
                pl.lit(CODE_MALFORMED_LINE).alias("check_code"),
                "reason",
            )
        )
    carried = {c: df.schema[c] for c in carry}
    failures = (
        pl.concat([f.select(*carry, *FAILURE_SCHEMA).cast(FAILURE_SCHEMA | carried) for f in failure_frames])
        if failure_frames
        else pl.DataFrame(schema=carried | FAILURE_SCHEMA)
    ).sort(*carry, "_row_number", "column_name")

    extra_json = (
        pl.struct([pl.col(c).cast(pl.String) for c in extras]).struct.json_encode()
        if extras
        else pl.lit(None, dtype=pl.String)
    )
    frame = df.select("_row_number", *carry, *typed, extra_json.alias("_extra_json"))
    return CastResult(frame=frame, failures=failures)
