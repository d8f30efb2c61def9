from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from custrel.errors import ParameterError
from custrel.report.html import (
    Section,
    bullet_list,
    escape,
    figure_html,
    headline_html,
    paragraph,
    render_document,
    table_html,
)

EVIL = '<script>alert("x")</script>'


class _Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def _parse(doc):
    c = _Collector()
    c.feed(doc)
    return c


def test_escape_quotes_and_markup():
    assert escape('a<b>&"c"') == "a&lt;b&gt;&amp;&quot;c&quot;"


def test_table_escapes_headers_index_and_cells():
    df = pd.DataFrame(
        {EVIL: [EVIL, "ok"], "n": [1.5, np.nan]}, index=pd.Index([EVIL, "b"], name=EVIL)
    )
    out = table_html(df)
    assert "<script>" not in out
    c = _parse(out)
    assert not any(t == "script" for t, _ in c.tags)
    assert EVIL in "".join(c.text)  # shown as text
    assert "1.50" in out


def test_table_formats_and_limits_rows():
    df = pd.DataFrame({"n": np.arange(10), "when": pd.to_datetime(["2024-01-02"] * 10)})
    out = table_html(df, max_rows=3, index=False)
    assert out.count("<tr>") == 4  # header + 3 rows
    assert "2024-01-02" in out
    assert "00:00" not in out


def test_figure_is_an_embedded_data_uri():
    out = figure_html(b"\x89PNG fake", alt=EVIL, caption=EVIL)
    c = _parse(out)
    (img,) = [a for t, a in c.tags if t == "img"]
    assert img["src"].startswith("data:image/png;base64,")
    assert img["alt"] == EVIL  # parser unescapes the attribute: it was escaped in the source
    assert "<script>" not in out


def test_document_has_sections_nav_and_no_external_urls():
    secs = [
        Section(id="one", title=EVIL, body=paragraph(EVIL) + bullet_list([EVIL])),
        Section(id="two", title="Two", body=headline_html({"customers": "1,000", EVIL: EVIL})),
    ]
    doc = render_document(EVIL, secs, subtitle=EVIL, footer=EVIL)
    assert "<script>" not in doc
    assert "http://" not in doc
    assert "https://" not in doc
    assert "//" not in doc.replace("<!DOCTYPE", "")
    c = _parse(doc)
    ids = [a.get("id") for t, a in c.tags if t == "section"]
    assert ids == ["one", "two"]
    links = [a["href"] for t, a in c.tags if t == "a"]
    assert links == ["#one", "#two"]


def test_section_id_is_validated():
    with pytest.raises(ParameterError, match=r"Section\.id"):
        Section(id="Bad id", title="x", body="")
