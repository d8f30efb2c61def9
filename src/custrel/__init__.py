"""custrel: customer-relationship analytics from transaction logs.

From a transaction log to customer summaries, probabilistic purchase, churn
and spend models, customer lifetime value, lifecycle states and stages, value
tiers, segmentation and loyalty types.

The entry points of the data layer are importable from the top level; the
capabilities live in their packages: :mod:`custrel.models`, :mod:`custrel.value`,
:mod:`custrel.lifecycle`, :mod:`custrel.segment`, :mod:`custrel.loyalty`,
:mod:`custrel.migration`, :mod:`custrel.report` and :mod:`custrel.scale`.

>>> import custrel
>>> sorted(n for n in ("summarize", "read_transactions", "calibration_holdout") if hasattr(custrel, n))
['calibration_holdout', 'read_transactions', 'summarize']
"""

from custrel.data import (
    TimeUnit,
    TransactionColumns,
    build_customer_base,
    calibration_holdout,
    calibration_holdout_report,
    read_transactions,
    summarize,
    summarize_report,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "TimeUnit",
    "TransactionColumns",
    "__version__",
    "build_customer_base",
    "calibration_holdout",
    "calibration_holdout_report",
    "read_transactions",
    "summarize",
    "summarize_report",
]
