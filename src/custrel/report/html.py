"""Building blocks of the self-contained HTML report.

Everything a report contains is inline: the style sheet is a ``<style>``
element and every image is a base64 PNG in a ``data:`` URI, so the file opens
with no network access and makes no external request. Every piece of text
passes through :func:`escape` (tables, captions, titles), so customer ids,
column names or file names supplied by the user can never inject markup.

Examples
--------
>>> sec = Section(id="demo", title="Totals <&>", body=paragraph("a < b"))
>>> html = render_document("Report", [sec])
>>> "<h2>Totals &lt;&amp;&gt;</h2>" in html and "<p>a &lt; b</p>" in html
True
>>> "http" in html  # no external URL at all
False
"""

from __future__ import annotations

import base64
import html as _html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final

import attrs
import numpy as np
import pandas as pd

from custrel.data import TimeUnit

if TYPE_CHECKING:
    from custrel.report.pipeline import CRMReport
    from custrel.report.privacy import Pseudonymizer

__all__ = [
    "Section",
    "build_report_html",
    "bullet_list",
    "escape",
    "figure_html",
    "headline_html",
    "paragraph",
    "percent",
    "readable",
    "render_document",
    "table_html",
    "unit_text",
]

_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
_CODE_IN_TEXT = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")

_CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2933;
background:#f7f8fa;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#243b53;color:#fff;padding:24px}
header h1{margin:0 0 4px 0;font-size:1.7em}
header p{margin:0;color:#d9e2ec}
section{background:#fff;border-radius:8px;padding:16px 24px;margin:18px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin-top:4px;color:#243b53}
.tw{overflow-x:auto;max-width:100%;margin:8px 0}
table{border-collapse:collapse;font-size:.92em}
th,td{border-bottom:1px solid #e4e7eb;padding:4px 10px;text-align:right}
th{background:#f0f4f8}
td.t,th.t{text-align:left}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{flex:1 1 150px;background:#f0f4f8;border-radius:6px;padding:12px}
.card .v{font-size:1.6em;font-weight:600;color:#102a43}
.card .k{color:#486581;font-size:.9em}
.note{color:#627d98;font-size:.9em}
img{max-width:100%;height:auto}
nav a{margin-right:12px}
"""


_UNIT_WORDS: Final = {"D": "day", "W": "week", "M": "month", "Q": "quarter", "Y": "year"}


def unit_text(amount: float, period: str | float) -> str:
    """A duration as text, e.g. ``"52 weeks"``.

    Examples
    --------
    >>> unit_text(52, "W"), unit_text(1, "year"), unit_text(3, 14)
    ('52 weeks', '1 year', '3 x 14 days')
    """
    unit = TimeUnit.parse(period)
    word = _UNIT_WORDS.get(unit.name)
    if word is None:
        return f"{amount:g} x {unit.days:g} days"
    return f"{amount:g} {word}{'' if amount == 1 else 's'}"


def escape(value: object) -> str:
    """HTML-escape the text form of any value (quotes included)."""
    return _html.escape(str(value), quote=True)


def paragraph(text: str, *, css_class: str | None = None) -> str:
    """A ``<p>`` with escaped ``text``."""
    cls = f' class="{escape(css_class)}"' if css_class else ""
    return f"<p{cls}>{escape(text)}</p>"


def bullet_list(items: Iterable[str]) -> str:
    """An ``<ul>`` of escaped items."""
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def percent(value: float) -> str:
    """A share as a percentage with one decimal (``0.02`` -> ``"2.0%"``; NaN -> ``""``).

    Examples
    --------
    >>> percent(0.02), percent(1.0), percent(float("nan"))
    ('2.0%', '100.0%', '')
    """
    v = float(value)
    return "" if not np.isfinite(v) else f"{100.0 * v:.1f}%"


def _cell(
    value: object, float_format: str, fmt: str | Callable[[float], str] | None = None
) -> tuple[str, bool]:
    """Formatted text of a cell and whether it is text (left-aligned)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "", True
    if isinstance(value, float | np.floating) and np.isnan(value):
        return "", True
    if isinstance(value, bool | np.bool_):
        return str(bool(value)), True
    if fmt is not None and isinstance(value, int | float | np.integer | np.floating):
        return (fmt(float(value)) if callable(fmt) else format(float(value), fmt)), False
    if isinstance(value, int | np.integer):
        return f"{int(value):,}", False
    if isinstance(value, float | np.floating):
        return format(float(value), float_format), False
    if isinstance(value, pd.Timestamp):
        return str(value.date()) if value == value.normalize() else str(value), True
    return str(value), True


def table_html(
    frame: pd.DataFrame | pd.Series,
    *,
    index: bool = True,
    float_format: str = ",.2f",
    max_rows: int | None = None,
    formats: Mapping[str, str | Callable[[float], str]] | None = None,
) -> str:
    """An escaped ``<table>`` of a DataFrame (or Series); at most ``max_rows`` rows.

    The table is wrapped in a ``<div class="tw">`` that scrolls horizontally
    when the table is wider than its section.

    Parameters
    ----------
    frame : DataFrame or Series
        What to show.
    index : bool
        Show the index as the first column.
    float_format : str
        Format spec of float cells (default two decimals with thousands separators).
    max_rows : int, optional
        Show at most this many rows.
    formats : mapping of str to str or callable, optional
        Per-column format of numeric cells, by column name: a format spec
        (``",.0f"``) or a function of the value (e.g. :func:`percent`).

    Examples
    --------
    >>> table_html(pd.DataFrame({"n": [1200], "who": ["<b>"]}, index=pd.Index(["x"], name="k")))
    '<div class="tw"><table><thead><tr><th class="t">k</th><th>n</th><th class="t">who</th></tr></thead><tbody><tr><td class="t">x</td><td>1,200</td><td class="t">&lt;b&gt;</td></tr></tbody></table></div>'
    >>> "<td>2.5%</td>" in table_html(pd.DataFrame({"s": [0.025]}), formats={"s": percent})
    True
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    if max_rows is not None:
        df = df.head(max_rows)
    formats = formats or {}
    text_col = [
        not pd.api.types.is_numeric_dtype(df[c].dtype) or pd.api.types.is_bool_dtype(df[c].dtype)
        for c in df.columns
    ]
    col_formats = [formats.get(str(c)) for c in df.columns]
    head = []
    if index:
        names = [n for n in df.index.names if n is not None]
        head.append(f'<th class="t">{escape(" / ".join(map(str, names)))}</th>')
    for c, is_text in zip(df.columns, text_col, strict=True):
        cls = ' class="t"' if is_text else ""
        head.append(f"<th{cls}>{escape(c)}</th>")
    body = []
    values = df.to_numpy(dtype=object)
    for label, row in zip(df.index, values, strict=True):
        cells = []
        if index:
            # row labels are identifiers (customer ids, segment names): never number-formatted
            lab = " / ".join(map(str, label)) if isinstance(label, tuple) else str(label)
            cells.append(f'<td class="t">{escape(lab)}</td>')
        for v, fmt in zip(row, col_formats, strict=True):
            txt, is_text = _cell(v, float_format, fmt)
            cls = ' class="t"' if is_text else ""
            cells.append(f"<td{cls}>{escape(txt)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        '<div class="tw"><table><thead><tr>'
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table></div>"
    )


def figure_html(png: bytes, *, alt: str, caption: str | None = None) -> str:
    """An ``<img>`` embedding ``png`` as a base64 data URI, with escaped alt text and caption."""
    data = base64.b64encode(png).decode("ascii")
    cap = f"<figcaption>{escape(caption)}</figcaption>" if caption else ""
    return f'<figure><img alt="{escape(alt)}" src="data:image/png;base64,{data}"/>{cap}</figure>'


def headline_html(numbers: Mapping[str, str]) -> str:
    """Headline cards: each key is a caption, each value the (already formatted) number."""
    cards = "".join(
        f'<div class="card"><div class="v">{escape(v)}</div><div class="k">{escape(k)}</div></div>'
        for k, v in numbers.items()
    )
    return f'<div class="cards">{cards}</div>'


@attrs.frozen(kw_only=True)
class Section:
    """One section of the report.

    Parameters
    ----------
    id : str
        Anchor id (lowercase letters, digits and ``-``); tests and links use it.
    title : str
        Heading text (escaped when rendered).
    body : str
        HTML fragment built only with the helpers of this module (which escape
        all text), so it is safe to insert as is.
    """

    id: str = attrs.field()
    title: str
    body: str

    @id.validator
    def _check_id(self, _attr: object, value: str) -> None:
        if not _ID.match(value):
            from custrel.errors import ParameterError

            msg = f"Section.id must match [a-z][a-z0-9-]*; got {value!r}."
            raise ParameterError(msg)


def render_document(
    title: str,
    sections: Sequence[Section],
    *,
    subtitle: str | None = None,
    footer: str | None = None,
) -> str:
    """A complete, self-contained HTML5 document with a navigation bar and the sections."""
    nav = " ".join(f'<a href="#{s.id}">{escape(s.title)}</a>' for s in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"/>',
        '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1>",
        paragraph(subtitle) if subtitle else "",
        "</header><main>",
        f"<nav>{nav}</nav>",
    ]
    parts.extend(
        f'<section id="{s.id}"><h2>{escape(s.title)}</h2>{s.body}</section>' for s in sections
    )
    if footer:
        parts.append(f'<footer class="note">{escape(footer)}</footer>')
    parts.append("</main></body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------------------
# The CRM report
# --------------------------------------------------------------------------------------

_MONEY = "{:,.0f}"


#: Readable text of the machine codes (column names, labels, reasons) shown in the report.
#: ``customers.csv`` and ``models.json`` keep the codes; :func:`readable` looks them up.
_READABLE: Final[Mapping[str, str]] = {
    # columns
    "share": "share of all customers",
    "share_active": "share of active customers",
    "revenue_window": "revenue, last 365 days",
    "revenue_window_share": "share of revenue",
    "last_tier": "last known tier",
    "silver_action": "silver action",
    "p_alive": "P(alive)",
    "expected_purchases": "expected purchases",
    "clv": "CLV",
    "days_since_last": "days since last purchase",
    "net_amount": "total spend to date",
    "rfm_segment": "RFM segment",
    "dick_basu": "Dick & Basu loyalty",
    "sindell": "Sindell loyalty type",
    "behavioural": "behavioural loyalty",
    "emotional": "emotional loyalty",
    "conscious": "conscious loyalty",
    "scheme": "classification",
    "reason": "why undetermined",
    "would_resolve": "data that would resolve it",
    "recommended_action": "recommended action",
    # labels and actions
    "win_back": "win back",
    "upgrade_or_abandon": "upgrade or abandon",
    "about_to_sleep": "about to sleep",
    "at_risk": "at risk",
    "cant_lose_them": "can't lose them",
    "need_attention": "need attention",
    "potential_loyalist": "potential loyalist",
    "new_customers": "new customers",
    # reasons of undetermined labels
    "no_valid_purchase": "returns only, no valid purchase",
    "p_alive_missing": "no P(alive) from a purchase model",
    "p_alive_uninformative": "P(alive) not informative for one-time buyers",
    "p_alive_ambiguous": "P(alive) in the undecided band",
    "state_undetermined": "customer state undetermined",
    "short_history": "history too short",
    "non_positive_spend": "net spend not positive",
    "not_active_in_window": "no purchase in the last 365 days",
    "value_missing": "no value (CLV or revenue)",
    "cost_missing": "no cost data",
    "potential_missing": "no potential-value estimate",
    "attitude_missing": "no survey data on attitude",
    "repeat_patronage_undetermined": "repeat patronage undetermined",
    "price_vs_incentive_ambiguous": "price and incentive promotions not separated",
    "column_missing": "a needed column is missing",
    "insufficient_occasions": "fewer than 3 purchases",
    "low_posterior": "no stage is clearly the most likely",
    "driver_data_missing": "no data on loyalty drivers",
    "carried_forward": "previous label kept until confirmed",
    "not_in_population": "scheme does not apply",
    # data exclusions
    "rows_after_observation_end": "transactions after the evaluation date",
    "no_purchase_occasion": "customers with returns only (no purchase occasion)",
    "first_purchase_after_calibration_end": "customers whose first purchase is after the "
    "calibration period",
}


def readable(code: object) -> str:
    """Readable text of a machine code shown in the report (labels, reasons, column names).

    Known codes come from a fixed table; any other code has its underscores
    replaced by spaces. In free text (e.g. a strategy description) only the
    known codes are replaced, so column names such as ``market_share`` that
    the reader must supply stay as they are. Missing values give ``""``.

    Examples
    --------
    >>> readable("upgrade_or_abandon"), readable("dick_basu"), readable("win_back")
    ('upgrade or abandon', 'Dick & Basu loyalty', 'win back')
    >>> readable("not_active_in_window"), readable("some_new_code"), readable("gold")
    ('no purchase in the last 365 days', 'some new code', 'gold')
    >>> readable("upgrade_or_abandon: add a market_share column")
    'upgrade or abandon: add a market_share column'
    """
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return ""
    text = str(code)
    if text in _READABLE:
        return _READABLE[text]
    if _CODE.fullmatch(text):
        return text.replace("_", " ")
    return _CODE_IN_TEXT.sub(lambda m: _READABLE.get(m.group(0), m.group(0)), text)


#: Display formats of numeric columns (by their code), see :func:`_display`.
_FORMATS: Final[Mapping[str, str | Callable[[float], str]]] = {
    "share": percent,
    "share_active": percent,
    "revenue_window_share": percent,
    "days_since_last": ",.0f",
    "p_alive": ".2f",
    "expected_purchases": ",.2f",
}


def _display(
    frame: pd.DataFrame, *, text_index: bool = True
) -> tuple[pd.DataFrame, dict[str, str | Callable[[float], str]]]:
    """The frame as shown to a reader: readable headers and labels, and the column formats.

    Text and categorical cells (and index labels when ``text_index``) pass
    through :func:`readable`; numeric cells keep their values and get the
    format of :data:`_FORMATS`.
    """
    out = frame.copy()
    for c in out.columns:  # a handful of columns
        col = out[c]
        if not pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(
            col.dtype
        ):
            out[c] = col.astype("object").map(readable, na_action="ignore")
    name = None if out.index.name is None else readable(out.index.name)
    if text_index and not pd.api.types.is_numeric_dtype(out.index.dtype):
        out.index = pd.Index([readable(i) for i in out.index], name=name)
    else:  # identifiers (customer ids) are shown exactly as they are
        out.index = out.index.rename(name)
    formats = {readable(c): f for c, f in _FORMATS.items() if c in out.columns}
    out.columns = pd.Index([readable(c) for c in out.columns])
    return out, formats


def _table(frame: pd.DataFrame, *, index: bool = True, text_index: bool = True) -> str:
    """:func:`table_html` of :func:`_display` of ``frame``."""
    shown, formats = _display(frame, text_index=text_index)
    return table_html(shown, index=index, formats=formats)


def _plot_png(draw: Callable[[Any], object]) -> bytes | None:
    """Run ``draw(ax)`` on a fresh off-screen figure; ``None`` without matplotlib."""
    from custrel.errors import MissingDependencyError

    try:
        from custrel._optional import require

        figure_mod = require("matplotlib.figure", extra="plot", feature="the report's plots")
    except MissingDependencyError:
        return None
    from custrel.report.plots import figure_png

    fig = figure_mod.Figure(figsize=(7.0, 4.2), layout="constrained")
    ax = fig.subplots()
    draw(ax)
    return figure_png(ax)


def _figure(draw: Callable[[Any], object], *, alt: str, caption: str | None = None) -> str:
    png = _plot_png(draw)
    if png is None:
        return paragraph(
            "(Plot omitted: install the plot extra, pip install 'custrel[plot]'.)", css_class="note"
        )
    return figure_html(png, alt=alt, caption=caption)


def _pct(x: float) -> str:
    return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"


def _ids(frame: pd.DataFrame, pseudonymizer: Pseudonymizer | None) -> pd.DataFrame:
    return frame if pseudonymizer is None else pseudonymizer.frame(frame)


def _strategy_text(report: CRMReport) -> dict[str, str]:
    lab = report.labels.get("tier")
    strategies = getattr(getattr(lab, "config", None), "strategies", None) or {}
    out = {}
    for tier, strat in strategies.items():
        text = getattr(strat, "text", None)
        out[str(tier)] = text() if callable(text) else str(strat)
    return out


def _stage_strategies() -> dict[str, str]:
    from custrel.lifecycle import STAGE_STRATEGIES

    out: dict[str, str] = {}
    for stage, strat in STAGE_STRATEGIES.items():
        text = getattr(strat, "text", None)
        if callable(text):
            out[str(stage)] = str(text())
        elif isinstance(strat, str):
            out[str(stage)] = strat
        elif isinstance(strat, Iterable):
            out[str(stage)] = "; ".join(map(str, strat))
        else:
            out[str(stage)] = str(strat)
    return out


def _sec_headline(report: CRMReport) -> Section:
    from custrel.report.tables import headline_numbers

    h = headline_numbers(report.profile)
    cards = {
        "customers": f"{int(h['customers']):,}",
        "active (current)": f"{int(h.get('active', 0)):,}",
        "of the active: at risk (declining)": f"{int(h.get('at_risk', 0)):,}",
        "lost": f"{int(h.get('lost', 0)):,}",
        "customer equity (sum of CLV)": _MONEY.format(h["customer_equity"])
        if "customer_equity" in h
        else "n/a",
    }
    cfg = report.settings.crm
    text = (
        f"Customers evaluated on {report.base.as_of.date()}. Active customers are "
        "those the purchase model (or, where it cannot tell, a 270-day hiatus rule) "
        "considers still buying; at risk are active customers whose spending fell "
        "to less than half of their own earlier level; customer equity is the "
        f"discounted value of every customer's expected purchases over the next "
        f"{unit_text(cfg.horizon, cfg.horizon_period or cfg.period)} "
        f"({cfg.discount_rate:.0%} a year discount rate)."
    )
    return Section(
        id="headline", title="Headline numbers", body=headline_html(cards) + paragraph(text)
    )


def _sec_model(report: CRMReport) -> Section:
    m = report.models
    rows = []
    for c in m["candidates"]:
        fit = c.get("fit") or {}
        hold = c.get("holdout") or {}
        rows.append(
            {
                "model": c["label"],
                "log-likelihood": fit.get("loglik", np.nan),
                "holdout RMSE": hold.get("rmse", np.nan),
                "holdout MAE": hold.get("mae", np.nan),
                "predicted holdout purchases": hold.get("predicted_total", np.nan),
                "actual holdout purchases": hold.get("actual_total", np.nan),
                "note": c.get("error") or "",
            }
        )
    cand = pd.DataFrame(rows).set_index("model")
    if not (cand["note"] != "").any():  # a note only when a candidate could not be fitted
        cand = cand.drop(columns="note")
    cand_formats: dict[str, str | Callable[[float], str]] = {
        "log-likelihood": ",.2f",
        "predicted holdout purchases": ",.1f",
        "actual holdout purchases": ",.0f",
    }
    params = m["purchase_model"].get("params", {})
    ses = m["purchase_model"].get("standard_errors", {})
    ptab = pd.DataFrame(
        {"estimate": pd.Series(params), "standard error": pd.Series(ses, dtype=np.float64)}
    )
    ptab.index.name = "parameter"
    body = (
        paragraph(m["choice"]["reason"])
        + table_html(cand, float_format=",.4f", formats=cand_formats)
        + paragraph(
            f"Parameters of {m['choice']['label']} refitted on all data up to {m['as_of']} "
            f"(time unit {m['period']}; log-likelihood "
            f"{m['purchase_model'].get('loglik', float('nan')):,.2f}):"
        )
        + table_html(ptab, float_format=",.4f")
    )
    return Section(id="model", title="Purchase model: which one and why", body=body)


def _sec_tiers(report: CRMReport) -> Section:
    from custrel.report.plots import plot_tier_pyramid
    from custrel.report.tables import label_table

    prof = report.profile
    if prof["tier"].isna().all():
        return Section(
            id="tiers", title="Value tiers", body=paragraph("Value tiers were not computed.")
        )
    tab = label_table(prof, "tier", value="revenue_window")
    tiered = tab.index.astype(str) != "undetermined"
    n_active = int(tab.loc[tiered, "customers"].sum())
    tab.insert(
        2,
        "share_active",
        np.where(tiered, tab["customers"] / max(n_active, 1), np.nan),
    )
    strategies = _strategy_text(report)
    tab["strategy"] = [strategies.get(str(t), "") for t in tab.index]
    if "clv" in prof:
        tab["mean CLV"] = (
            prof.groupby(prof["tier"], observed=False)["clv"].mean().reindex(tab.index)
        )
    determined = tab.loc[tiered, "customers"]
    top, second = report.settings.crm.tier_cutoffs
    nxt = second - top
    fig = _figure(
        lambda ax: plot_tier_pyramid(determined, ax=ax),
        alt="Customer pyramid: customers per value tier",
    )
    body = (
        paragraph(
            f"The {n_active:,} customers with a purchase in the last 365 days are ranked by "
            f"their revenue in that window: the top {top:.0%} of them are diamond, the next "
            f"{nxt:.0%} gold, the rest silver (see the column 'share of active customers'). "
            "Each tier gets its own service strategy; customers without a purchase in that "
            "window have no tier (undetermined)."
        )
        + fig
        + _table(tab)
    )
    return Section(id="tiers", title="Value tiers and their strategies", body=body)


def _sec_stages(report: CRMReport) -> Section:
    from custrel.report.plots import plot_label_counts
    from custrel.report.tables import label_table

    prof = report.profile
    if prof["stage"].isna().all():
        return Section(
            id="stages",
            title="Lifecycle stages",
            body=paragraph("Lifecycle stages were not computed."),
        )
    tab = label_table(prof, "stage", value="revenue_window")
    strategies = _stage_strategies()
    if strategies:
        tab["strategy"] = [strategies.get(str(s), "") for s in tab.index]
    fig = _figure(
        lambda ax: plot_label_counts(
            tab["customers"], ax=ax, title="Customers per lifecycle stage"
        ),
        alt="Customers per lifecycle stage",
    )
    body = (
        paragraph(
            "Exploration: a first purchase only. Formation: a young, growing relationship. "
            "Stability: a mature relationship at a steady level. Decline: spending fell to less "
            "than half of the customer's own earlier rate. Terminated: the customer is lost."
        )
        + fig
        + _table(tab)
    )
    return Section(id="stages", title="Lifecycle stages", body=body)


def _sec_state_tier(report: CRMReport) -> Section:
    from custrel.report.tables import crosstab_counts

    prof = report.profile
    if prof["state"].isna().all() or prof["tier"].isna().all():
        return Section(id="state-tier", title="State × tier", body=paragraph("Not computed."))
    tab = crosstab_counts(prof, "state", "tier")
    tier_cols = [c for c in tab.columns if str(c) not in ("undetermined", "total")]
    lost_tiered = int(tab.loc[tab.index == "lost", tier_cols].to_numpy().sum())
    body = paragraph(
        "Customers by relationship state (rows) and value tier (columns). Tiers go to every "
        "customer with a purchase in the last 365 days, while the state says whether the "
        "purchase model expects the customer to buy again, so a customer can hold a tier "
        f"and already count as lost ({lost_tiered:,} here). Lost customers' action (win back "
        "or release) depends on their last known tier."
    ) + _table(tab)
    return Section(id="state-tier", title="Customer state × value tier", body=body)


def _sec_migration(report: CRMReport) -> Section:
    from custrel.report.plots import plot_migration_matrix

    if not report.migration:
        why = [n for n in report.notes if n.startswith("Migration")]
        text = why[0] if why else "Migration was not computed."
        return Section(id="migration", title="Migration between two dates", body=paragraph(text))
    d0, d1 = report.migration_dates
    parts = [
        paragraph(
            f"How customers moved between the evaluation on {d0.date()} (rows) and the one on "
            f"{d1.date()} (columns). '(absent)' means not yet a customer at that date."
        )
    ]
    for scheme, mat in report.migration.items():
        parts.append(f"<h3>{escape(readable(scheme))}</h3>")
        if scheme == "stage":

            def draw(ax: Any, m: pd.DataFrame = mat) -> object:
                return plot_migration_matrix(m, ax=ax)

            parts.append(_figure(draw, alt=f"{scheme} migration"))
        parts.append(_table(mat))
    return Section(id="migration", title="Migration between two dates", body="".join(parts))


def _sec_p_alive(report: CRMReport) -> Section:
    from custrel.report.plots import plot_probability_alive_matrix
    from custrel.report.tables import probability_alive_matrix

    if report.model is None:
        return Section(id="p-alive", title="P(alive)", body=paragraph("No purchase model."))
    summ = report.profile.dropna(subset=["T"])
    t_max = float(summ["T"].max())
    q99 = float(summ["frequency"].astype(np.float64).quantile(0.99))
    f_max = int(min(max(q99, 5.0), 40.0))
    matrix = probability_alive_matrix(report.model, T=t_max, max_frequency=f_max)
    fig = _figure(
        lambda ax: plot_probability_alive_matrix(matrix, ax=ax, period=report.models["period"]),
        alt="P(alive) by frequency and recency",
    )
    body = (
        paragraph(
            "The chance that a customer who first bought at the start of the data is still active, "
            "by how many repeat purchases they made (frequency) and when the last one was "
            "(recency). Frequent buyers who stopped buying long ago are the likeliest to be lost."
        )
        + fig
    )
    return Section(id="p-alive", title="P(alive) by frequency and recency", body=body)


def _sec_holdout(report: CRMReport) -> Section:
    from custrel.report.plots import plot_holdout_by_frequency, plot_tracking
    from custrel.report.tables import holdout_by_frequency

    if report.holdout is None:
        text = "The data span was too short for a calibration/holdout check."
        return Section(id="holdout", title="Calibration vs holdout", body=paragraph(text))
    h = report.holdout
    tab = holdout_by_frequency(h, h["predicted_holdout"])
    shown = tab.rename_axis("repeat purchases (calibration)").rename(
        columns={"actual": "actual (mean)", "predicted": "predicted (mean)"}
    )
    fig = _figure(
        lambda ax: plot_holdout_by_frequency(tab, ax=ax), alt="Calibration vs holdout purchases"
    )
    m = report.models
    track = ""
    if report.tracking is not None and len(report.tracking):
        tr = report.tracking
        last = tr.iloc[-1]
        track = paragraph(
            f"Cumulative repeat purchases of the customers acquired by {m['calibration_end']}: "
            f"by {tr.index[-1].date()} they made {int(last['actual']):,}; the model fitted on "
            f"the calibration period expected {last['expected']:,.0f}."
        ) + _figure(
            lambda ax: plot_tracking(tr, calibration_end=m["calibration_end"], ax=ax),
            alt="Tracking of cumulative repeat purchases",
        )
    body = track + (
        paragraph(
            f"The model was fitted on purchases up to {m['calibration_end']} and asked to predict "
            f"each customer's purchases up to {m['holdout_end']}. Mean predicted and actual "
            "holdout purchases, by the number of repeat purchases in the calibration period:"
        )
        + fig
        + table_html(shown, float_format=",.3f")
    )
    return Section(id="holdout", title="Calibration vs holdout tracking", body=body)


def _quantile_label(key: str) -> str:
    """``q50`` -> ``median``, ``q90`` -> ``90th percentile``, ``total`` -> customer equity.

    Examples
    --------
    >>> [_quantile_label(k) for k in ("q10", "q50", "mean", "total")]
    ['10th percentile', 'median', 'mean', 'total (customer equity)']
    """
    if key == "q50":
        return "median"
    if key == "total":
        return "total (customer equity)"
    if key.startswith("q") and key[1:].isdigit():
        return f"{int(key[1:])}th percentile"
    return key


def _sec_clv(report: CRMReport) -> Section:
    from custrel.report.plots import plot_clv_distribution
    from custrel.report.tables import value_quantiles

    prof = report.profile
    if prof["clv"].isna().all():
        return Section(
            id="clv", title="Customer lifetime value", body=paragraph("CLV was not computed.")
        )
    q = value_quantiles(prof["clv"])
    n_missing = int(q.pop("missing"))
    q.index = pd.Index([_quantile_label(str(k)) for k in q.index])
    fig = _figure(lambda ax: plot_clv_distribution(prof["clv"], ax=ax), alt="CLV distribution")
    top = prof["clv"].sort_values(ascending=False)
    n20 = max(round(0.2 * top.notna().sum()), 1)
    share = float(top.head(n20).sum() / top.sum()) if top.sum() else float("nan")
    missing = (
        f" {n_missing:,} customers have no CLV (no purchase model score)." if n_missing else ""
    )
    body = (
        paragraph(
            f"The top 20% of customers by CLV hold {_pct(share)} of the customer equity.{missing}"
        )
        + fig
        + table_html(q.to_frame("CLV"))
    )
    return Section(id="clv", title="Customer lifetime value distribution", body=body)


def _sec_loyalty(report: CRMReport) -> Section:
    from custrel.report.tables import label_table, undetermined_summary

    prof = report.profile
    parts = [
        paragraph(
            "Loyalty has a behavioural side (repeat purchase, visible in transactions) and an "
            "attitudinal side (how customers feel about the firm, only visible in survey data). "
            "custrel never guesses the attitude: without survey data the loyalty type is "
            "'undetermined', with the types still possible and the data that would decide it."
        )
    ]
    for scheme, title in (
        ("dick_basu", "Dick & Basu loyalty"),
        ("sindell", "Sindell loyalty types"),
    ):
        if prof[scheme].isna().all():
            continue
        parts.append(f"<h3>{escape(title)}</h3>")
        parts.append(_table(label_table(prof, scheme)))
    schemes = [
        s
        for s in (
            "state",
            "stage",
            "tier",
            "rfm_segment",
            "dick_basu",
            "sindell",
            "behavioural",
            "emotional",
            "conscious",
        )
        if not prof[s].isna().all()
    ]
    und = undetermined_summary(prof, schemes)
    parts.append("<h3>Undetermined labels and the data that would resolve them</h3>")
    parts.append(_table(und, index=False))
    return Section(id="loyalty", title="Loyalty types", body="".join(parts))


def _sec_lists(report: CRMReport, pseudonymizer: Pseudonymizer | None) -> list[Section]:
    from custrel.report.tables import upgrade_list, win_back_list

    n = report.settings.top_n
    prof = report.profile
    out = []
    if prof["state"].isna().all():
        wb = paragraph("Customer states were not computed.")
    else:
        lst = _ids(win_back_list(prof, n=n), pseudonymizer)
        n_win_back = int((prof["action"].astype("string") == "win_back").sum())
        wb = paragraph(
            "Lost customers worth an active win-back (last known tier diamond or gold), most "
            f"valuable (total spend to date) first; top {n} of {n_win_back:,}."
        ) + _customer_list(lst, action="action", drop=("state", "tier", "silver_action"))
    out.append(Section(id="win-back", title="Win-back list", body=wb))
    if prof["silver_action"].isna().all():
        up = paragraph("Upgrade candidates were not computed.")
    else:
        lst = _ids(upgrade_list(prof, n=n), pseudonymizer)
        total = int((prof["silver_action"].astype("string") == "upgrade").sum())
        up = paragraph(
            "Silver customers whose predicted value (CLV) ranks them with gold or diamond "
            f"customers: develop them. Top {n} of {total:,}, highest CLV first. The recommended "
            "action is the silver tier's action for these customers."
        ) + _customer_list(lst, action="silver_action", drop=("action", "last_tier"))
    out.append(Section(id="upgrade", title="Upgrade list", body=up))
    return out


def _customer_list(lst: pd.DataFrame, *, action: str, drop: Sequence[str]) -> str:
    """A customer list with one ``recommended action`` column first (from ``action``)."""
    shown = lst.drop(columns=[action, *drop], errors="ignore")
    if action in lst.columns:
        shown.insert(0, "recommended_action", lst[action])
    return _table(shown, text_index=False)


def _exclusion_text(exclusions: Mapping[str, Mapping[str, int]]) -> list[str]:
    """Readable sentences of the data exclusions recorded in ``models.json``.

    Examples
    --------
    >>> _exclusion_text({"rows": {"rows_after_observation_end": 303}, "customers": {}})
    ['303 transactions after the evaluation date were left out.']
    """
    out = []
    for kind, counts in exclusions.items():  # rows, customers
        for code, n in counts.items():  # a handful of reasons
            if not n:
                continue
            what = readable(code)
            if kind == "rows" and not what.startswith("transactions"):
                what = f"transactions ({what})"
            elif kind != "rows" and not what.startswith("customers"):
                what = f"customers ({what})"
            where = "" if kind == "rows" else " of the purchase model"
            out.append(f"{int(n):,} {what} were left out{where}.")
    return out


def _sec_notes(report: CRMReport, pseudonymizer: Pseudonymizer | None) -> Section:
    exclusions = report.models.get("data_exclusions")
    items = [n for n in report.notes if not (exclusions and n.startswith("Data notes:"))]
    if exclusions:
        items = _exclusion_text(exclusions) + items
    if pseudonymizer is not None:
        ids = set(report.profile.index.astype(str))
        items = [pseudonymizer.scrub(n, ids) for n in items]
    items.append(
        "custrel made no network request: all computation ran locally and this file "
        "embeds every image."
    )
    if pseudonymizer is not None:
        items.append(
            "Customer ids in this report are pseudonyms (keyed HMAC-SHA256 hashes); the key is "
            "kept separately by the analyst."
        )
    return Section(id="notes", title="Data notes and method", body=bullet_list(items))


def build_report_html(report: CRMReport, /, *, pseudonymizer: Pseudonymizer | None = None) -> str:
    """The full self-contained CRM report of a :class:`~custrel.report.pipeline.CRMReport`.

    Sections (their ``id``): ``headline``, ``model``, ``tiers``, ``stages``,
    ``state-tier``, ``migration``, ``p-alive``, ``holdout``, ``clv``,
    ``loyalty``, ``win-back``, ``upgrade``, ``notes``.
    """
    sections = [
        _sec_headline(report),
        _sec_tiers(report),
        _sec_stages(report),
        _sec_state_tier(report),
        _sec_migration(report),
        _sec_p_alive(report),
        _sec_holdout(report),
        _sec_clv(report),
        _sec_loyalty(report),
        *_sec_lists(report, pseudonymizer),
        _sec_model(report),
        _sec_notes(report, pseudonymizer),
    ]
    subtitle = (
        f"{len(report.profile):,} customers evaluated on {report.base.as_of.date()} "
        f"— generated by custrel"
    )
    return render_document(report.settings.title, sections, subtitle=subtitle)
