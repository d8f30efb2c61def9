"""End-to-end tests of the ``custrel`` command (subprocess with ``sys.executable -m custrel``)."""

import json
import os
import re
import stat
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from custrel.cli import _horizon, _Progress, main
from custrel.datasets import simulate_transactions
from custrel.errors import ParameterError
from custrel.report.profile import PROFILE_COLUMNS

SECTIONS = {
    "headline",
    "tiers",
    "stages",
    "state-tier",
    "migration",
    "p-alive",
    "holdout",
    "clv",
    "loyalty",
    "win-back",
    "upgrade",
    "model",
    "notes",
}
REQUIRED = [
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "expected_purchases",
    "clv",
    "state",
    "action",
    "stage",
    "tier",
    "rfm_code",
    "rfm_segment",
    "dick_basu",
    "sindell",
    "state_reason",
    "stage_reason",
    "tier_reason",
    "rfm_segment_reason",
    "dick_basu_reason",
    "sindell_reason",
]
OUTPUTS = ("customers.csv", "models.json", "segments.csv", "report.html")


def _run(*args, cwd=None):
    env = {**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"}
    return subprocess.run(
        [sys.executable, "-m", "custrel", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
        check=False,
    )


class _Doc(HTMLParser):
    def __init__(self):
        super().__init__()
        self.sections, self.urls, self.tags = [], [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.add(tag)
        if tag == "section":
            self.sections.append(a["id"])
        for key in ("src", "href", "action", "data"):
            if key in a:
                self.urls.append(a[key])


def _check_self_contained(html_text):
    doc = _Doc()
    doc.feed(html_text)
    assert set(doc.sections) == SECTIONS
    assert doc.urls, "expected embedded images and in-page links"
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in doc.urls)
    assert not {"script", "link", "iframe", "object"} & doc.tags
    assert "http://" not in html_text
    assert "https://" not in html_text
    assert "url(" not in html_text
    return doc


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo") / "custrel-demo"
    res = _run("demo", "--out", str(out))
    assert res.returncode == 0, res.stderr
    return out, res


def test_demo_writes_the_four_files_with_one_row_per_cdnow_customer(demo_dir):
    out, res = demo_dir
    for name in OUTPUTS:
        assert (out / name).stat().st_size > 0
        assert str(out / name) in res.stdout
    prof = pd.read_csv(out / "customers.csv", index_col="customer_id")
    assert len(prof) == 2357
    assert prof.index.is_unique
    assert list(prof.columns[: len(PROFILE_COLUMNS)]) == list(PROFILE_COLUMNS)
    for col in REQUIRED:
        assert col in prof.columns
    assert prof["frequency"].sum() == 2457 + 1882  # calibration + holdout repeat purchases
    assert prof["p_alive"].between(0, 1).all()
    assert (prof["clv"] >= 0).all()
    assert prof["state"].isin(["current", "lost"]).all()
    assert (prof["action"].dropna() != "").all()


def test_demo_models_json_reports_candidates_choice_and_holdout(demo_dir):
    out, _ = demo_dir
    m = json.loads((out / "models.json").read_text())
    assert m["calibration_end"] == "1997-09-30"
    assert m["holdout_end"] == "1998-06-30"
    assert m["choice"]["model"] in {"bgnbd", "mbgnbd", "paretonbd"}
    assert "holdout" in m["choice"]["reason"]
    bg = next(c for c in m["candidates"] if c["key"] == "bgnbd")
    # the published BG/NBD fit of Fader, Hardie & Lee (2005) on the CDNOW calibration data
    assert bg["fit"]["params"]["r"] == pytest.approx(0.243, abs=1e-3)
    assert bg["fit"]["params"]["alpha"] == pytest.approx(4.414, abs=1e-3)
    assert bg["fit"]["loglik"] == pytest.approx(-9582.4292, abs=1e-3)
    assert bg["holdout"]["actual_total"] == 1882
    assert set(bg["fit"]["standard_errors"]) == {"r", "alpha", "a", "b"}
    assert m["purchase_model"]["params"]
    assert m["customers"] == 2357
    assert m["pseudonymized"] is False


def test_demo_report_is_self_contained_with_every_section(demo_dir):
    out, _ = demo_dir
    text = (out / "report.html").read_text()
    _check_self_contained(text)
    assert text.count("data:image/png;base64,") >= 5


def test_demo_segments_cover_every_customer_per_scheme(demo_dir):
    out, _ = demo_dir
    seg = pd.read_csv(out / "segments.csv")
    assert {"scheme", "segment", "customers", "revenue_share", "customer_equity"} <= set(
        seg.columns
    )
    per_scheme = seg.groupby("scheme")["customers"].sum()
    assert (per_scheme == 2357).all()
    assert {"state", "stage", "tier", "rfm_segment"} <= set(per_scheme.index)


def test_demo_prints_progress_lines_when_not_a_terminal(demo_dir):
    _, res = demo_dir
    lines = res.stderr.strip().splitlines()
    assert lines[0].startswith("custrel: [1/")
    assert "Traceback" not in res.stderr


@pytest.fixture(scope="module")
def own_csv(tmp_path_factory):
    """A simulated log with the user's own column names and distinctive string ids."""
    sim = simulate_transactions(300, seed=11)
    tx = sim.transactions.loc[:, ["customer_id", "date", "amount"]].copy()
    tx["customer_id"] = tx["customer_id"].map(lambda i: f"KUNDE-{i:05d}")
    tx = tx.rename(columns={"customer_id": "Kunde", "date": "Datum", "amount": "Betrag"})
    path = tmp_path_factory.mktemp("own") / "orders.csv"
    tx.to_csv(path, index=False)
    return path, sorted(tx["Kunde"].unique())


def test_report_on_own_columns_pseudonymized_leaks_no_id_and_is_stable(own_csv, tmp_path):
    path, ids = own_csv
    key = tmp_path / "secret.key"
    args = [
        "report",
        str(path),
        "--customer-col",
        "Kunde",
        "--date-col",
        "Datum",
        "--amount-col",
        "Betrag",
        "--period",
        "week",
        "--pseudonymize",
        "--key-file",
        str(key),
        "--title",
        "<script>alert('x')</script> & Co",
    ]
    res = _run(*args, "--out", str(tmp_path / "run1"))
    assert res.returncode == 0, res.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key_hex = key.read_text().strip()
    for name in OUTPUTS:
        text = (tmp_path / "run1" / name).read_text()
        assert key_hex not in text
        leaked = [i for i in ids if i in text]
        assert leaked == [], f"{name} leaks {leaked[:3]}"
    html_text = (tmp_path / "run1" / "report.html").read_text()
    _check_self_contained(html_text)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; Co" in html_text
    prof1 = pd.read_csv(tmp_path / "run1" / "customers.csv", index_col="customer_id")
    assert len(prof1) == len(ids)
    assert prof1.index.str.match(r"^c_[0-9a-f]{24}$").all()
    assert json.loads((tmp_path / "run1" / "models.json").read_text())["pseudonymized"] is True
    # same key, same pseudonyms (in-process run of the same command)
    assert main([*args, "--out", str(tmp_path / "run2"), "--quiet"]) == 0
    prof2 = pd.read_csv(tmp_path / "run2" / "customers.csv", index_col="customer_id")
    assert list(prof2.index) == list(prof1.index)
    np.testing.assert_allclose(prof2["clv"], prof1["clv"])
    assert list(tmp_path.glob("run*/*.key")) == []


def test_key_file_inside_the_output_directory_is_refused(own_csv, tmp_path, capsys):
    path, _ = own_csv
    out = tmp_path / "out"
    code = main(
        [
            "report",
            str(path),
            "--customer-col",
            "Kunde",
            "--date-col",
            "Datum",
            "--amount-col",
            "Betrag",
            "--pseudonymize",
            "--key-file",
            str(out / "k.key"),
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert code == 2
    assert "must not be inside the output directory" in capsys.readouterr().err


BAD_INPUTS = [
    ("cust,day,value\nA,2024-01-01,3\n", ["--date-col", "date"], "missing column(s) 'date'"),
    ("cust,day,value\nA,2024-01-01,3\nB,2024-13-45,4\n", [], "dates must be parseable"),
    ("cust,day,value\nA,2024-01-01,3\nB,2024-01-02,abc\n", [], "amounts must be numeric"),
]
BAD_IDS = ["missing-column", "bad-date", "non-numeric-amount"]
COLS = ["--customer-col", "cust", "--date-col", "day", "--amount-col", "value"]


def test_bad_input_in_a_subprocess_exits_2_with_one_line_and_no_traceback(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_INPUTS[1][0])
    res = _run("report", str(path), *COLS, "--out", str(tmp_path / "o"), "--quiet")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    err = res.stderr.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("custrel: error: invalid transaction log: column 'day'")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(("content", "extra", "needle"), BAD_INPUTS, ids=BAD_IDS)
def test_bad_input_exits_2_with_one_line_naming_the_problem(
    tmp_path, capsys, content, extra, needle
):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    code = main(["report", str(path), *COLS, *extra, "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("custrel: error: ")
    assert needle in err[0]
    assert captured.out == ""
    assert not (tmp_path / "o").exists()


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["report", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for opt in (
        "--customer-col",
        "--date-col",
        "--amount-col",
        "--as-of",
        "--period",
        "--horizon",
        "--discount-rate",
        "--attributes",
        "--model",
        "--pseudonymize",
        "--key-file",
        "--calibration-end",
        "--out",
        "--title",
        "--top",
        "--quiet",
    ):
        assert opt in out
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    demo = capsys.readouterr().out
    assert "--out" in demo
    assert "CDNOW" in demo


def test_missing_file_and_bad_options_are_one_line_errors(tmp_path, capsys):
    assert main(["report", str(tmp_path / "none.csv"), "--out", str(tmp_path), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err
    args = ["report", str(tmp_path / "x.csv"), "--out", str(tmp_path), "--quiet"]
    assert main([*args, "--horizon", "12X"]) == 2
    assert "--horizon unit" in capsys.readouterr().err
    assert main([*args, "--as-of", "someday"]) == 2
    assert "as_of must be a date" in capsys.readouterr().err


def test_horizon_parsing():
    assert _horizon("52") == (52.0, None)
    assert _horizon("12M") == (12.0, "M")
    assert _horizon(" 1.5 Y ") == (1.5, "Y")
    with pytest.raises(ParameterError, match="--horizon must be a number"):
        _horizon("W52")


def test_progress_bar_on_a_terminal_and_lines_otherwise():
    class Tty:
        def __init__(self, tty):
            self.buf, self.tty = [], tty

        def write(self, s):
            self.buf.append(s)

        def flush(self):
            pass

        def isatty(self):
            return self.tty

    tty = Tty(True)
    p = _Progress(4, tty)
    p("step one")
    p("step two")
    p.finish()
    assert tty.buf[0].startswith("\r[")
    assert "2/4 step two" in tty.buf[1]
    assert tty.buf[-1].endswith("\n")
    plain = Tty(False)
    q = _Progress(2, plain)
    q("loading")
    assert plain.buf == [plain.buf[0]]
    assert plain.buf[0].startswith("custrel: [1/2] loading")
    assert plain.buf[0].endswith("\n")
    silent = Tty(True)
    _Progress(2, silent, enabled=False)("x")
    assert silent.buf == []


def test_model_override_is_recorded(own_csv, tmp_path):
    path, _ = own_csv
    cols = ["--customer-col", "Kunde", "--date-col", "Datum", "--amount-col", "Betrag"]
    assert (
        main(["report", str(path), *cols, "--model", "bgnbd", "--out", str(tmp_path), "--quiet"])
        == 0
    )
    m = json.loads((tmp_path / "models.json").read_text())
    assert m["choice"]["model"] == "bgnbd"
    assert "requested" in m["choice"]["reason"]
    assert [c["key"] for c in m["candidates"]] == ["bgnbd"]
    assert Path(tmp_path / "report.html").exists()


# --- polish of the outputs (report-polish) ------------------------------------------------


def test_demo_progress_counter_ends_exactly_at_its_total(demo_dir):
    _, res = demo_dir
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("custrel: [")]
    counts = [re.match(r"custrel: \[(\d+)/(\d+)\]", ln).groups() for ln in lines]
    totals = {int(t) for _, t in counts}
    assert totals == {10}  # 1 read + 3 models + final fit + score + migration + classify + ...
    assert [int(d) for d, _ in counts] == list(range(1, 11))


def test_demo_summary_counts_at_risk_within_the_active(demo_dir):
    _, res = demo_dir
    line = next(ln for ln in res.stdout.splitlines() if "customers:" in ln)
    assert line.strip() == "customers: 2,357  active: 694 (of which at risk: 175)  lost: 1,663"


def test_demo_customers_csv_columns_are_all_documented_and_floats_are_clean(demo_dir):
    out, _ = demo_dir
    prof = pd.read_csv(out / "customers.csv", index_col="customer_id")
    assert list(prof.columns) == list(PROFILE_COLUMNS)  # no undocumented extras
    row = next(ln for ln in (out / "customers.csv").read_text().splitlines() if ln.startswith("1,"))
    assert ",100.5," in row  # not 100.50000000000001
    assert prof.loc[1, "net_amount"] == 100.5


def test_demo_models_json_counts_are_integers_and_clv_method_is_recorded(demo_dir):
    out, _ = demo_dir
    text = (out / "models.json").read_text()
    m = json.loads(text)
    assert '"n_customers": 2357,' in text
    assert m["purchase_model"]["n_customers"] == 2357
    assert type(m["purchase_model"]["iterations"]) is int
    assert all(type(c["holdout"]["customers"]) is int for c in m["candidates"])
    assert m["clv"]["method"] == "discrete"
    assert m["clv"]["step"] == "W"


def test_progress_total_is_exact_with_a_given_model(own_csv, tmp_path, capsys):
    path, _ = own_csv
    cols = ["--customer-col", "Kunde", "--date-col", "Datum", "--amount-col", "Betrag"]
    assert main(["report", str(path), *cols, "--model", "bgnbd", "--out", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    counts = re.findall(r"\[(\d+)/(\d+)\]", err)
    assert counts[-1] == ("8", "8")
    assert {t for _, t in counts} == {"8"}
