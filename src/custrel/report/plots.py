"""Plots of the report, usable on their own in a notebook (the ``plot`` extra).

Every function draws one table of :mod:`custrel.report.tables` (it computes
nothing else), takes an optional matplotlib ``ax`` and returns the ``Axes``
it drew on. matplotlib is imported only when a plot is drawn; without it a
:class:`~custrel.errors.MissingDependencyError` names the extra to install
(``pip install 'custrel[plot]'``).

Examples
--------
>>> from matplotlib.figure import Figure
>>> ax = Figure().subplots()
>>> counts = pd.Series([12, 40, 148], index=["diamond", "gold", "silver"], name="customers")
>>> plot_tier_pyramid(counts, ax=ax).get_title()
'Value tiers (customers)'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from custrel._optional import require
from custrel.report.tables import PurchaseModel, probability_alive_matrix

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "figure_png",
    "plot_clv_distribution",
    "plot_holdout_by_frequency",
    "plot_label_counts",
    "plot_migration_matrix",
    "plot_probability_alive_matrix",
    "plot_tier_pyramid",
    "plot_tracking",
]

_PALETTE = ("#102a43", "#334e68", "#486581", "#627d98", "#829ab1", "#9fb3c8", "#bcccdc")


def _axes(ax: Axes | None, feature: str) -> Axes:
    if ax is not None:
        return ax
    plt = require("matplotlib.pyplot", extra="plot", feature=feature)
    _, new_ax = plt.subplots()
    out: Axes = new_ax
    return out


def figure_png(ax: Axes, /, *, dpi: int = 90) -> bytes:
    """The figure holding ``ax`` as PNG bytes (for embedding in the HTML report)."""
    import io

    buf = io.BytesIO()
    fig: Any = ax.get_figure()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def plot_tier_pyramid(
    counts: pd.Series, /, *, ax: Axes | None = None, title: str = "Value tiers (customers)"
) -> Axes:
    """Customers per value tier drawn as a pyramid, the first (most valuable) tier on top.

    Parameters
    ----------
    counts : Series
        Customers per tier in tier order (most valuable first), e.g. the
        ``customers`` column of :func:`~custrel.report.tables.label_table`
        without the ``undetermined`` row.
    ax : Axes, optional
        Where to draw; a new figure by default.
    title : str
        Axes title.
    """
    ax = _axes(ax, "plot_tier_pyramid")
    values = counts.to_numpy(dtype=np.float64)[::-1]
    names = [str(i) for i in counts.index][::-1]
    y = np.arange(values.size, dtype=np.float64)
    width = np.sqrt(np.maximum(values, 0.0))  # area-like widths keep small tiers visible
    width = width / max(float(width.max()), 1e-12) if values.size else width
    colors = [_PALETTE[min(i, len(_PALETTE) - 1)] for i in range(values.size)][::-1]
    ax.barh(y, width, left=-width / 2, color=colors, height=0.9)
    for yi, name, v in zip(y, names, values, strict=True):
        ax.text(
            0.0,
            float(yi),
            f"{name}: {int(v):,}",
            ha="center",
            va="center",
            color="white",
            fontsize=9,
        )
    ax.set_yticks([])
    ax.set_xticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title)
    return ax


def plot_label_counts(
    counts: pd.Series, /, *, ax: Axes | None = None, title: str | None = None
) -> Axes:
    """Bar chart of customers per label (e.g. lifecycle stages, loyalty types)."""
    ax = _axes(ax, "plot_label_counts")
    names = [str(i) for i in counts.index]
    vals = counts.to_numpy(dtype=np.float64)
    colors = ["#bcccdc" if n == "undetermined" else "#334e68" for n in names]
    ax.bar(np.arange(vals.size), vals, color=colors)
    ax.set_xticks(np.arange(vals.size))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_ylabel("customers")
    if title:
        ax.set_title(title)
    return ax


def plot_probability_alive_matrix(
    model: PurchaseModel | pd.DataFrame,
    /,
    *,
    T: float | None = None,
    max_frequency: int = 20,
    ax: Axes | None = None,
    period: str | float | None = None,
) -> Axes:
    """Heat map of P(alive) by frequency and recency (Fader, Hardie & Lee 2005).

    Parameters
    ----------
    model : PurchaseModel or DataFrame
        A fitted model (then ``T`` is required and the grid is computed by
        :func:`~custrel.report.tables.probability_alive_matrix`) or that table.
    T : float, optional
        Tenure of the grid, in the model's time unit.
    max_frequency : int
        Largest frequency shown.
    ax : Axes, optional
        Where to draw.
    period : str or float, optional
        Time unit of recency and ``T`` (e.g. ``"W"``), named in the axis label;
        default the model's ``period`` when it has one.
    """
    if period is None:
        own = getattr(model, "period", None)
        period = own if isinstance(own, str | int | float) else getattr(own, "name", None)
    if isinstance(model, pd.DataFrame):
        matrix = model
    else:
        if T is None:
            from custrel.errors import ParameterError

            msg = "plot_probability_alive_matrix needs T when given a model."
            raise ParameterError(msg)
        matrix = probability_alive_matrix(model, T=T, max_frequency=max_frequency)
    ax = _axes(ax, "plot_probability_alive_matrix")
    rec = matrix.columns.to_numpy(dtype=np.float64)
    freq = matrix.index.to_numpy(dtype=np.float64)
    img = ax.imshow(
        matrix.to_numpy(dtype=np.float64),
        origin="lower",
        aspect="auto",
        vmin=0.0,
        vmax=1.0,
        cmap="viridis",
        extent=(rec[0], rec[-1], freq[0] - 0.5, freq[-1] + 0.5),
    )
    unit = "" if period is None else f", {_unit_plural(period)} after the first"
    ax.set_xlabel(f"recency (time of last purchase{unit})")
    ax.set_ylabel("repeat purchases")
    ax.set_title("Probability a customer is still active")
    fig: Any = ax.get_figure()
    fig.colorbar(img, ax=ax, label="P(alive)")
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return ax


def _unit_plural(period: str | float) -> str:
    """``"weeks"``, ``"days"``, ... for a time unit (``"14-day periods"`` for odd lengths)."""
    from custrel.data import TimeUnit

    unit = TimeUnit.parse(period)
    words = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
    return words.get(unit.name, f"{unit.days:g}-day periods")


def plot_holdout_by_frequency(table: pd.DataFrame, /, *, ax: Axes | None = None) -> Axes:
    """Actual vs predicted mean holdout purchases by calibration frequency.

    ``table`` is :func:`~custrel.report.tables.holdout_by_frequency`.
    """
    ax = _axes(ax, "plot_holdout_by_frequency")
    x = np.arange(len(table))
    ax.plot(x, table["actual"].to_numpy(dtype=np.float64), "o-", color="#102a43", label="actual")
    ax.plot(
        x,
        table["predicted"].to_numpy(dtype=np.float64),
        "s--",
        color="#e12d39",
        label="model",
    )
    ax.set_xticks(x)
    ax.set_xticklabels([str(i) for i in table.index])
    ax.set_xlabel("purchases in the calibration period")
    ax.set_ylabel("mean purchases in the holdout period")
    ax.set_title("Calibration vs holdout: does the model track reality?")
    ax.legend()
    return ax


def plot_clv_distribution(
    clv: pd.Series, /, *, ax: Axes | None = None, bins: int = 40, clip_quantile: float = 0.99
) -> Axes:
    """Histogram of customer lifetime value (values above ``clip_quantile`` pooled at the edge)."""
    ax = _axes(ax, "plot_clv_distribution")
    v = clv.to_numpy(dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size:
        hi = float(np.quantile(v, clip_quantile))
        ax.hist(np.minimum(v, hi), bins=bins, color="#334e68")
    ax.set_xlabel("customer lifetime value")
    ax.set_ylabel("customers")
    ax.set_title("Distribution of customer lifetime value")
    return ax


def plot_migration_matrix(matrix: pd.DataFrame, /, *, ax: Axes | None = None) -> Axes:
    """Heat map of a migration matrix (rows: label before, columns: label after)."""
    ax = _axes(ax, "plot_migration_matrix")
    vals = matrix.to_numpy(dtype=np.float64)
    ax.imshow(vals, cmap="Blues", aspect="auto")
    ax.set_xticks(np.arange(vals.shape[1]))
    ax.set_xticklabels([str(c) for c in matrix.columns], rotation=30, ha="right")
    ax.set_yticks(np.arange(vals.shape[0]))
    ax.set_yticklabels([str(i) for i in matrix.index])
    top = float(np.nanmax(vals)) if vals.size else 0.0
    size = 12 if max(vals.shape, default=0) <= 6 else 10
    for (i, j), v in np.ndenumerate(vals):  # cells of a small label × label table
        color = "white" if top and v > top / 2 else "black"
        ax.text(j, i, f"{v:,.0f}", ha="center", va="center", color=color, fontsize=size)
    ax.set_xlabel("after")
    ax.set_ylabel("before")
    ax.set_title("Migration between evaluations")
    return ax


def plot_tracking(
    table: pd.DataFrame, /, *, calibration_end: object = None, ax: Axes | None = None
) -> Axes:
    """Cumulative repeat purchases, actual vs model (``table`` is :func:`~custrel.report.tables.tracking_table`).

    A dashed vertical line marks ``calibration_end`` when given.
    """
    ax = _axes(ax, "plot_tracking")
    x = table.index.to_numpy()
    ax.plot(x, table["actual"].to_numpy(dtype=np.float64), "-", color="#102a43", label="actual")
    ax.plot(x, table["expected"].to_numpy(dtype=np.float64), "--", color="#e12d39", label="model")
    if calibration_end is not None:
        ax.axvline(pd.Timestamp(calibration_end), color="#829ab1", linestyle=":")  # type: ignore[arg-type]
    ax.set_xlabel("date")
    ax.set_ylabel("cumulative repeat purchases")
    ax.set_title("Tracking: cumulative repeat purchases of the calibration cohort")
    ax.legend()
    fig: Any = ax.get_figure()
    fig.autofmt_xdate()
    return ax
