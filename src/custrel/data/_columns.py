"""Column mapping for transaction logs."""

from __future__ import annotations

from typing import Any, Final

import attrs

from custrel.errors import ParameterError

__all__ = ["OPTIONAL_COLUMNS", "TransactionColumns"]

#: Canonical names of the optional transaction columns, in output order.
OPTIONAL_COLUMNS: Final = (
    "order_id",
    "discount",
    "incentive",
    "promo",
    "channel",
    "category",
    "cost",
    "store",
)


def _name(_inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None and attribute.default is None:
        return
    if not isinstance(value, str) or not value:
        msg = f"TransactionColumns.{attribute.name} must be a non-empty column name; got {value!r}."
        raise ParameterError(msg)


@attrs.frozen(kw_only=True)
class TransactionColumns:
    """Names of the columns of a user's transaction log.

    The three required columns default to ``customer_id``, ``date`` and
    ``amount``; every optional column defaults to ``None`` (absent). custrel
    renames them to these canonical names on ingestion.

    Parameters
    ----------
    customer_id, date, amount : str
        Customer key, business date or timestamp, and net amount (negative for returns).
    order_id : str or None
        Order or basket identifier (kept, not used to define occasions).
    discount, incentive, promo : str or None
        Flags (bool) or amounts (> 0 means flagged) for price discounts,
        loyalty-programme incentives, and generic promotions.
    channel, category, store : str or None
        Categorical attributes of each line.
    cost : str or None
        Cost of goods per row, for margins and profit.

    Examples
    --------
    >>> cols = TransactionColumns(customer_id="cust", date="ts", amount="value")
    >>> cols.rename_map()
    {'cust': 'customer_id', 'ts': 'date', 'value': 'amount'}
    """

    customer_id: str = attrs.field(default="customer_id", validator=_name)
    date: str = attrs.field(default="date", validator=_name)
    amount: str = attrs.field(default="amount", validator=_name)
    order_id: str | None = attrs.field(default=None, validator=_name)
    discount: str | None = attrs.field(default=None, validator=_name)
    incentive: str | None = attrs.field(default=None, validator=_name)
    promo: str | None = attrs.field(default=None, validator=_name)
    channel: str | None = attrs.field(default=None, validator=_name)
    category: str | None = attrs.field(default=None, validator=_name)
    cost: str | None = attrs.field(default=None, validator=_name)
    store: str | None = attrs.field(default=None, validator=_name)

    def rename_map(self) -> dict[str, str]:
        """Map from the user's column names to the canonical names (given columns only).

        Returns
        -------
        dict of str to str
            User column name -> canonical name, for every column that is not ``None``.

        Examples
        --------
        >>> TransactionColumns(customer_id="cust", amount="net", channel="src").rename_map()
        {'cust': 'customer_id', 'date': 'date', 'net': 'amount', 'src': 'channel'}
        """
        out: dict[str, str] = {}
        for field in attrs.fields(TransactionColumns):
            user = getattr(self, field.name)
            if user is not None:
                out[user] = field.name
        return out
