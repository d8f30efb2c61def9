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


# --- readability for a marketing manager (report-polish) ---------------------------------


def test_readable_maps_machine_codes_to_plain_words():
    from custrel.report.html import readable

    assert readable("upgrade_or_abandon") == "upgrade or abandon"
    assert readable("win_back") == "win back"
    assert readable("about_to_sleep") == "about to sleep"
    assert readable("dick_basu") == "Dick & Basu loyalty"
    assert readable("not_active_in_window") == "no purchase in the last 365 days"
    assert readable("attitude_missing") == "no survey data on attitude"
    assert readable("an_unknown_code") == "an unknown code"
    assert readable(None) == ""
    assert readable(np.nan) == ""
    # free text: known codes become words, column names the user must supply stay exact
    hint = "driver columns: n_alternatives or market_share; then win_back"
    assert readable(hint) == "driver columns: n_alternatives or market_share; then win back"


def test_tables_scroll_horizontally_inside_their_box():
    from custrel.report.html import _CSS

    out = table_html(pd.DataFrame({"a": [1]}))
    assert out.startswith('<div class="tw"><table>')
    assert out.endswith("</table></div>")
    assert ".tw{overflow-x:auto" in _CSS.replace("\n", "")


def test_per_column_formats_give_percentages_and_whole_days():
    from custrel.report.html import percent

    frame = pd.DataFrame({"share": [0.0204, 1.0], "days": [445.0, 3.0], "x": [1.234, 2.0]})
    out = table_html(frame, index=False, formats={"share": percent, "days": ",.0f"})
    c = _parse(out)
    cells = [t for t in c.text if t.strip()]
    assert cells == ["share", "days", "x", "2.0%", "445", "1.23", "100.0%", "3", "2.00"]
    assert percent(np.nan) == ""


def test_display_makes_labels_readable_but_keeps_customer_ids():
    from custrel.report.html import _display

    frame = pd.DataFrame(
        {
            "action": ["win_back", "upgrade_or_abandon"],
            "days_since_last": [445.0, 12.0],
            "share": [0.5, 0.5],
        },
        index=pd.Index(["cust_01", "cust_02"], name="customer_id"),
    )
    shown, formats = _display(frame, text_index=False)
    assert list(shown.index) == ["cust_01", "cust_02"]  # ids are never rewritten
    assert shown.index.name == "customer id"
    assert list(shown["action"]) == ["win back", "upgrade or abandon"]
    assert list(shown.columns) == ["action", "days since last purchase", "share of all customers"]
    assert set(formats) == {"days since last purchase", "share of all customers"}
    labels, _ = _display(frame.set_index("action"))
    assert list(labels.index) == ["win back", "upgrade or abandon"]


def test_exclusion_notes_are_sentences_without_codes():
    from custrel.report.html import _exclusion_text

    text = _exclusion_text(
        {
            "rows": {"rows_after_observation_end": 303, "weird_rows": 0},
            "customers": {"no_purchase_occasion": 4},
        }
    )
    assert text == [
        "303 transactions after the evaluation date were left out.",
        "4 customers with returns only (no purchase occasion) were left out of the purchase model.",
    ]
