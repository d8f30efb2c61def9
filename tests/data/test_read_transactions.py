"""read_transactions: column mapping, coercion, policies and validation errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custrel.data import TransactionColumns, read_transactions
from custrel.errors import DataValidationError, DataWarning, ParameterError, SchemaError


def test_maps_user_column_names_and_coerces_types() -> None:
    raw = pd.DataFrame(
        {
            "cust": ["a", "b"],
            "when": ["2024-01-02 10:00", "2024-01-03"],
            "value": ["1.5", "2"],
            "chan": ["web", "store"],
            "disc": [0, 1],
            "cogs": [1.0, 1.2],
        }
    )
    cols = TransactionColumns(
        customer_id="cust",
        date="when",
        amount="value",
        channel="chan",
        discount="disc",
        cost="cogs",
    )
    tx = read_transactions(raw, columns=cols)
    assert list(tx.columns) == ["customer_id", "date", "amount", "discount", "channel", "cost"]
    assert tx["amount"].tolist() == [1.5, 2.0]
    assert tx["date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert tx["discount"].tolist() == [False, True]
    assert str(tx["channel"].dtype) == "category"


def test_timezone_aware_timestamps_keep_their_local_business_date() -> None:
    ts = pd.to_datetime(["2024-03-01 23:30", "2024-03-02 00:30"]).tz_localize("Asia/Shanghai")
    tx = read_transactions(pd.DataFrame({"customer_id": [1, 1], "date": ts, "amount": [1.0, 2.0]}))
    assert tx["date"].dt.tz is None
    assert tx["date"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02")]


def test_yyyymmdd_integer_dates_are_parsed() -> None:
    tx = read_transactions(
        pd.DataFrame({"customer_id": [1], "date": [19970101], "amount": [11.77]})
    )
    assert tx["date"].iloc[0] == pd.Timestamp("1997-01-01")


def test_negative_and_zero_amounts_are_kept() -> None:
    tx = read_transactions(
        pd.DataFrame(
            {"customer_id": [1, 1, 1], "date": ["2024-01-01"] * 3, "amount": [5.0, 0.0, -2.0]}
        )
    )
    assert tx["amount"].tolist() == [5.0, 0.0, -2.0]


def test_exact_duplicates_kept_by_default_and_dropped_with_a_warning() -> None:
    raw = pd.DataFrame(
        {"customer_id": [1, 1, 2], "date": ["2024-01-01"] * 3, "amount": [5.0, 5.0, 1.0]}
    )
    assert len(read_transactions(raw)) == 3
    with pytest.warns(DataWarning, match=r"dropped 1 exact duplicate"):
        assert len(read_transactions(raw, duplicates="drop")) == 2


def test_missing_columns_are_all_named() -> None:
    raw = pd.DataFrame({"id": [1], "d": ["2024-01-01"], "amount": [1.0]})
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'customer_id', 'date'.*available"):
        read_transactions(raw)


def test_every_problem_is_reported_at_once_with_counts_and_examples() -> None:
    raw = pd.DataFrame(
        {
            "customer_id": [1, None, 3, 4, 5],
            "date": ["2024-01-01", "2024-01-02", "not a date", None, "2024-01-05"],
            "amount": ["1", "2", "x", "4", np.inf],
        }
    )
    with pytest.raises(DataValidationError) as info:
        read_transactions(raw)
    msg = str(info.value)
    assert "5 problem(s)" in msg
    assert "'customer_id': customer ids must not be missing; 1 of 5 rows" in msg
    assert (
        "dates must be parseable; 1 of 5 rows violate it (e.g. row 2 with values 'not a date')"
        in msg
    )
    assert "dates must not be missing; 1 of 5 rows" in msg
    assert "amounts must be numeric; 1 of 5 rows violate it (e.g. row 2 with values 'x')" in msg
    assert "amounts must be finite; 1 of 5 rows violate it (e.g. row 4 with values inf)" in msg
    assert len(info.value.problems) == 5


def test_non_finite_amounts_are_rejected() -> None:
    raw = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-01-01"] * 2, "amount": [np.inf, np.nan]}
    )
    with pytest.raises(DataValidationError) as info:
        read_transactions(raw)
    assert "amounts must be finite; 1 of 2 rows" in str(info.value)
    assert "amounts must not be missing; 1 of 2 rows" in str(info.value)


def test_empty_log_is_an_error() -> None:
    with pytest.raises(DataValidationError, match="empty"):
        read_transactions(pd.DataFrame({"customer_id": [], "date": [], "amount": []}))


def test_csv_and_parquet_paths(tmp_path: pytest.TempPathFactory) -> None:
    raw = pd.DataFrame(
        {"customer_id": [1, 2], "date": ["2024-01-01", "2024-01-02"], "amount": [1.0, 2.0]}
    )
    csv = tmp_path / "tx.csv"  # type: ignore[operator]
    raw.to_csv(csv, index=False)
    pq = tmp_path / "tx.parquet"  # type: ignore[operator]
    raw.assign(date=pd.to_datetime(raw["date"])).to_parquet(pq)
    a, b = read_transactions(csv), read_transactions(pq)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    with pytest.raises(SchemaError, match="does not exist"):
        read_transactions(tmp_path / "nope.csv")  # type: ignore[operator]
    (tmp_path / "tx.xlsx").write_bytes(b"")  # type: ignore[operator]
    with pytest.raises(SchemaError, match=r"\.csv, \.tsv or \.parquet"):
        read_transactions(tmp_path / "tx.xlsx")  # type: ignore[operator]


def test_bad_source_type_and_bad_column_config() -> None:
    with pytest.raises(SchemaError, match="DataFrame or a path"):
        read_transactions([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="non-empty column name"):
        TransactionColumns(customer_id="")
