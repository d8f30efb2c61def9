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
from collections.abc import Iterable, Mapping, Sequence

import attrs
import numpy as np
import pandas as pd

__all__ = [
    "Section",
    "bullet_list",
    "escape",
    "figure_html",
    "headline_html",
    "paragraph",
    "render_document",
    "table_html",
]

_ID = re.compile(r"^[a-z][a-z0-9-]*$")

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
table{border-collapse:collapse;margin:8px 0;font-size:.92em}
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


def _cell(value: object, float_format: str) -> tuple[str, bool]:
    """Formatted text of a cell and whether it is text (left-aligned)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return "", True
    if isinstance(value, float | np.floating) and np.isnan(value):
        return "", True
    if isinstance(value, bool | np.bool_):
        return str(bool(value)), True
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
) -> str:
    """An escaped ``<table>`` of a DataFrame (or Series); at most ``max_rows`` rows.

    Examples
    --------
    >>> table_html(pd.DataFrame({"n": [1200], "who": ["<b>"]}, index=pd.Index(["x"], name="k")))
    '<table><thead><tr><th class="t">k</th><th>n</th><th class="t">who</th></tr></thead><tbody><tr><td class="t">x</td><td>1,200</td><td class="t">&lt;b&gt;</td></tr></tbody></table>'
    """
    df = frame.to_frame() if isinstance(frame, pd.Series) else frame
    if max_rows is not None:
        df = df.head(max_rows)
    text_col = [
        not pd.api.types.is_numeric_dtype(df[c].dtype) or pd.api.types.is_bool_dtype(df[c].dtype)
        for c in df.columns
    ]
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
            lab = " / ".join(map(str, label)) if isinstance(label, tuple) else label
            cells.append(f'<td class="t">{escape(_cell(lab, float_format)[0])}</td>')
        for v in row:
            txt, is_text = _cell(v, float_format)
            cls = ' class="t"' if is_text else ""
            cells.append(f"<td{cls}>{escape(txt)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        "<table><thead><tr>"
        + "".join(head)
        + "</tr></thead><tbody>"
        + "".join(body)
        + "</tbody></table>"
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
