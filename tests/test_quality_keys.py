"""The across-files duplicate key of a batch, computed column by column (key_texts), is the row-by-row
key_text of every row: the same text for the same key, None for an empty key."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.lib.quality.batch import key_text, key_texts

FRAME = pl.DataFrame(
    {
        "meter_id": ["A", None, "", "B", "C", "A"],
        "reading_start": [
            dt.datetime(2024, 1, 1),
            dt.datetime(2024, 1, 1, 0, 15),
            None,
            dt.datetime(2024, 1, 1, 0, 0, 0, 5),
            dt.datetime(2023, 5, 6, 7, 8, 9),
            dt.datetime(2024, 1, 1),
        ],  # fmt: skip
        "invoice_date": [
            dt.date(2024, 1, 1),
            None,
            None,
            dt.date(2020, 2, 29),
            dt.date(2021, 1, 1),
            dt.date(2024, 1, 1),
        ],  # fmt: skip
        "year": [2021, None, None, 3, 4, 2021],
        "amount": [2021.0, 1.5, None, float("nan"), 3.0, 2021.0],
        "is_estimated": [True, None, None, False, True, True],
    }
)


@pytest.mark.parametrize("arrow_strings", [False, True])
@pytest.mark.parametrize(
    "cols",
    [["meter_id", "reading_start"], ["meter_id", "invoice_date"], ["year"], ["amount", "meter_id"],
     ["is_estimated", "meter_id"], ["meter_id"], ["reading_start"], ["invoice_date", "year", "amount"]],
)  # fmt: skip
def test_key_texts_equal_key_text_row_by_row(cols, arrow_strings):
    frame = FRAME.to_pandas(use_pyarrow_extension_array=arrow_strings)[cols]
    expected = [key_text(row) for row in frame.itertuples(index=False, name=None)]
    assert key_texts(frame) == expected
    # the hand-made expectations of the first rows
    if cols == ["meter_id", "reading_start"]:
        assert expected[:4] == [
            "A | 2024-01-01",
            " | 2024-01-01 00:15:00",
            None,
            "B | 2024-01-01 00:00:00.000005",
        ]


def test_a_million_keys_take_a_vector_pass():
    n = 1_000_000
    frame = pl.DataFrame(
        {
            "meter_id": ["EM-1"] * n,
            "reading_start": pl.datetime_range(
                dt.datetime(2024, 1, 1),
                dt.datetime(2024, 1, 1) + dt.timedelta(minutes=15 * (n - 1)),
                interval="15m",
                eager=True,
            ),
        }  # fmt: skip
    ).to_pandas()
    keys = key_texts(frame)
    assert len(keys) == n == len(set(keys))
    assert keys[1] == "EM-1 | 2024-01-01 00:15:00" and keys[96] == "EM-1 | 2024-01-02"
