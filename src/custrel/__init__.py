"""custrel: customer-relationship analytics from transaction logs.

From a transaction log to customer summaries, probabilistic purchase, churn
and spend models, customer lifetime value, lifecycle states and stages, value
tiers, segmentation and loyalty types.

>>> import custrel
>>> sorted(n for n in ("summarize", "read_transactions") if hasattr(custrel, n))
['read_transactions', 'summarize']
"""

from custrel.data import (
    TimeUnit,
    TransactionColumns,
    calibration_holdout,
    read_transactions,
    summarize,
    summarize_report,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "TimeUnit",
    "TransactionColumns",
    "__version__",
    "calibration_holdout",
    "read_transactions",
    "summarize",
    "summarize_report",
]
