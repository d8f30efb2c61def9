"""Transaction ingestion, validation, customer summaries and time units.

The public entry points:

- :func:`read_transactions` validates and normalises a log (DataFrame, CSV or Parquet);
- :func:`summarize` / :func:`summarize_report` give one row per customer
  (``frequency``, ``recency``, ``T``, ``monetary_value``, ...);
- :func:`calibration_holdout` adds holdout outcomes for model evaluation;
- :class:`TimeUnit`, :func:`period_days`, :func:`convert_duration` make time units explicit.
"""

from custrel.data._base import CustomerBase, build_customer_base
from custrel.data._columns import TransactionColumns
from custrel.data._summary import (
    Exclusions,
    SummaryReport,
    calibration_holdout,
    calibration_holdout_report,
    summarize,
    summarize_report,
)
from custrel.data._time import (
    DAYS_PER_MONTH,
    DAYS_PER_YEAR,
    Period,
    TimeUnit,
    convert_duration,
    period_days,
)
from custrel.data._transactions import read_transactions

__all__ = [
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "CustomerBase",
    "Exclusions",
    "Period",
    "SummaryReport",
    "TimeUnit",
    "TransactionColumns",
    "build_customer_base",
    "calibration_holdout",
    "calibration_holdout_report",
    "convert_duration",
    "period_days",
    "read_transactions",
    "summarize",
    "summarize_report",
]
