"""run_report on simulated data: model choice, outputs, pseudonymisation, short spans."""

import json

import numpy as np
import pandas as pd
import pytest

from custrel.datasets import simulate_transactions
from custrel.errors import ParameterError
from custrel.report.pipeline import CRMReport, ReportSettings, run_report
from custrel.report.privacy import Pseudonymizer
from custrel.report.profile import CRMConfig


@pytest.fixture(scope="module")
def tx():
    t = simulate_transactions(400, seed=3).transactions
    t["customer_id"] = t["customer_id"].map(lambda i: f"<b>ID{i:04d}</b>")  # markup in ids
    return t


@pytest.fixture(scope="module")
def report(tx):
    steps = []
    rep = run_report(tx, settings=ReportSettings(title="Sim"), progress=steps.append)
    return rep, steps


def test_auto_choice_is_the_smallest_holdout_rmse(report):
    rep, _ = report
    cands = [c for c in rep.models["candidates"] if c["fit"] is not None]
    assert len(cands) >= 2
    best = min(cands, key=lambda c: c["holdout"]["rmse"])
    assert rep.models["choice"]["model"] == best["key"]
    assert f"{best['holdout']['rmse']:.4f}" in rep.models["choice"]["reason"]
    for c in cands:
        h = c["holdout"]
        assert h["rmse"] >= h["mae"] > 0
        assert h["customers"] <= 400


def test_default_calibration_end_is_two_thirds_into_the_data(report, tx):
    rep, _ = report
    first, last = tx["date"].min(), tx["date"].max()
    expected = first + pd.Timedelta(days=round((last - first).days * 2 / 3))
    assert rep.models["calibration_end"] == str(expected.date())
    assert rep.holdout is not None
    assert {"frequency_holdout", "predicted_holdout"} <= set(rep.holdout.columns)


def test_profile_rows_scores_and_steps(report, tx):
    rep, steps = report
    assert len(rep.profile) == tx["customer_id"].nunique()
    assert rep.profile["p_alive"].notna().sum() > 300
    assert (rep.profile["clv"].dropna() >= 0).all()
    assert steps[0] == "reading and validating transactions"
    assert any(s.startswith("classifying") for s in steps)
    assert rep.migration_dates
    assert set(rep.migration) >= {"state", "stage", "tier"}


def test_models_json_is_serialisable_and_complete(report, tmp_path):
    rep, _ = report
    paths = rep.write(tmp_path)
    m = json.loads(paths["models"].read_text())
    pm = m["purchase_model"]
    assert set(pm["params"]) == set(pm["standard_errors"])
    assert all(v is None or v > 0 for v in pm["standard_errors"].values())
    assert np.isfinite(pm["loglik"])
    assert m["clv"] == {"horizon": 52.0, "horizon_period": "W", "discount_rate": 0.1,
                        "discount_period": "Y", "method": "discrete", "step": "W"}  # fmt: skip
    assert m["spend_model"]
    # counts are JSON integers, not floats (2357, not 2357.0)
    for key in ("n_customers", "n_patterns", "iterations"):
        if key in pm:
            assert type(pm[key]) is int, (key, pm[key])
    assert pm["n_customers"] == 400
    fitted = [c for c in m["candidates"] if c["holdout"]]
    assert fitted
    for c in fitted:
        assert type(c["holdout"]["customers"]) is int
        assert type(c["holdout"]["actual_total"]) is int
    assert m["data_exclusions"] == {"rows": {}, "customers": {}}


def test_write_pseudonymized_hides_ids_everywhere(report, tmp_path, tx):
    rep, _ = report
    p = Pseudonymizer(key=bytes(range(16, 48)))
    paths = rep.write(tmp_path, pseudonymizer=p)
    ids = tx["customer_id"].unique()
    for path in paths.values():
        text = path.read_text()
        assert not [i for i in ids if i in text]
    prof = pd.read_csv(paths["customers"], index_col="customer_id")
    assert list(prof.index) == list(p.pseudonymize(rep.profile.index))


def test_html_lists_show_pseudonyms_when_asked(report):
    rep, _ = report
    p = Pseudonymizer(key=bytes(range(32)))
    html_text = rep.to_html(pseudonymizer=p)
    lost = rep.profile.index[rep.profile["action"].astype(str) == "win_back"]
    if len(lost):
        assert p.pseudonymize(lost[:1])[0] in html_text or len(lost) > rep.settings.top_n
    assert "ID0001" not in html_text


def test_customer_ids_with_markup_are_escaped_in_the_html(report):
    rep, _ = report
    html_text = rep.to_html()
    assert "<b>ID" not in html_text
    from custrel.report.tables import win_back_list

    listed = win_back_list(rep.profile, n=rep.settings.top_n).index
    assert len(listed) > 0
    assert "&lt;b&gt;" + listed[0][3:-4] + "&lt;/b&gt;" in html_text


def test_short_span_has_no_holdout_and_no_migration():
    t = simulate_transactions(150, seed=5, days=60, acquisition_days=30).transactions
    rep = run_report(t, settings=ReportSettings(model="bgnbd", crm=CRMConfig(min_population=1)))
    assert isinstance(rep, CRMReport)
    assert rep.holdout is None
    assert rep.models["calibration_end"] is None
    assert rep.models["choice"]["reason"] == "BG/NBD was requested (--model bgnbd)."
    assert rep.migration == {}
    assert any("Migration not shown" in n for n in rep.notes)
    html_text = rep.to_html()
    assert 'id="holdout"' in html_text
    assert "too short" in html_text


def test_bad_settings_are_parameter_errors(tx):
    with pytest.raises(ParameterError, match=r"ReportSettings\.model must be one of"):
        ReportSettings(model="magic")
    with pytest.raises(ParameterError, match=r"ReportSettings\.top_n must be an int >= 1; got 0"):
        ReportSettings(top_n=0)
    with pytest.raises(ParameterError, match="as_of must be a date"):
        ReportSettings(as_of="soon")
    with pytest.raises(ParameterError, match="calibration_end"):
        run_report(tx, settings=ReportSettings(calibration_end="2030-01-01"))


def test_notebook_display_is_short_and_escaped(report):
    rep, _ = report
    text = repr(rep)
    assert text.startswith("CRMReport(customers=400, as_of=")
    assert len(text) < 300
    html_text = rep._repr_html_()
    assert "<strong>CRMReport</strong>" in html_text
    assert "customer equity" in html_text


def test_short_span_auto_choice_is_by_log_likelihood_on_all_data():
    t = simulate_transactions(200, seed=8, days=70, acquisition_days=35).transactions
    rep = run_report(t, settings=ReportSettings(crm=CRMConfig(min_population=1)))
    fitted = [c for c in rep.models["candidates"] if c["fit"] is not None]
    assert fitted
    best = max(fitted, key=lambda c: c["fit"]["loglik"])
    assert rep.models["choice"]["model"] == best["key"]
    assert "log-likelihood on all data" in rep.models["choice"]["reason"]
    assert "too short" in rep.models["choice"]["reason"]
    assert all(c["holdout"] == {} for c in fitted)
    # the chosen candidate was fitted on all data and is reused, not refitted
    assert rep.models["purchase_model"]["loglik"] == best["fit"]["loglik"]


# --- the report as a marketing manager reads it (report-polish) ---------------------------


def _section(html_text, sec_id):
    import re

    m = re.search(rf'<section id="{sec_id}">(.*?)</section>', html_text, re.S)
    assert m, sec_id
    return m.group(1)


def _visible_text(fragment):
    import re

    return re.sub(r"<[^>]+>", " ", fragment)


def test_html_shows_readable_labels_not_machine_codes(report):
    rep, _ = report
    text = _visible_text(rep.to_html())
    for code in (
        "upgrade_or_abandon",
        "win_back",
        "about_to_sleep",
        "not_active_in_window",
        "attitude_missing",
        "dick_basu",
        "rows_after_observation_end",
        "days_since_last",
    ):
        assert code not in text, code
    assert "Dick &amp; Basu loyalty" in text
    assert "upgrade or abandon" in text
    # the machine codes stay in the profile (customers.csv)
    assert (rep.profile["tier_objective"].astype(str) == "upgrade_or_abandon").any()


def test_state_tier_text_counts_the_lost_customers_the_table_shows_with_a_tier(report):
    from custrel.report.tables import crosstab_counts

    rep, _ = report
    tab = crosstab_counts(rep.profile, "state", "tier")
    lost_tiered = int(tab.loc["lost", ["diamond", "gold", "silver"]].sum())
    assert lost_tiered > 0  # the case the old text denied
    sec = _section(rep.to_html(), "state-tier")
    assert "no current tier" not in sec
    assert f"already count as lost ({lost_tiered:,} here)" in sec


def test_tier_shares_are_percentages_over_the_same_base_as_the_text(report):
    rep, _ = report
    sec = _section(rep.to_html(), "tiers")
    assert "share of all customers" in sec
    assert "share of active customers" in sec
    active = rep.profile["tier"].astype(str) != "undetermined"
    diamond = (rep.profile["tier"].astype(str) == "diamond").sum()
    assert f"{100 * diamond / active.sum():.1f}%" in sec
    assert f"{100 * diamond / len(rep.profile):.1f}%" in sec


def test_customer_lists_have_one_recommended_action_and_whole_days(report):
    import re

    rep, _ = report
    html_text = rep.to_html()
    for sec_id, action in (("upgrade", "upgrade"), ("win-back", "win back")):
        sec = _section(html_text, sec_id)
        if "<table" not in sec:
            continue
        heads = re.findall(r"<th[^>]*>(.*?)</th>", sec)
        assert heads.count("recommended action") == 1
        assert "silver action" not in heads
        assert "action" not in heads
        rows = re.findall(r"<tr>(.*?)</tr>", sec)[1:]
        col = heads.index("days since last purchase")
        for row in rows:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            assert cells[heads.index("recommended action")] == action
            assert re.fullmatch(r"[\d,]+", cells[col]), cells[col]


def test_model_table_shows_counts_as_integers_and_no_empty_note(report):
    rep, _ = report
    sec = _section(rep.to_html(), "model")
    fitted = [c for c in rep.models["candidates"] if c["holdout"]]
    actual = fitted[0]["holdout"]["actual_total"]
    assert f"<td>{actual:,}</td>" in sec
    assert f"{actual:,}.0000" not in sec
    if all(c["error"] is None for c in rep.models["candidates"]):
        assert ">note<" not in sec


def test_excluded_rows_are_recorded_in_models_json_and_explained_in_the_report(tmp_path):
    t = simulate_transactions(150, seed=3).transactions
    as_of = pd.Timestamp("2024-09-30")
    n_after = int((t["date"] > as_of).sum())
    assert n_after > 0
    rep = run_report(t, settings=ReportSettings(as_of=as_of, migration=False))
    assert rep.models["data_exclusions"]["rows"] == {"rows_after_observation_end": n_after}
    notes = _visible_text(_section(rep.to_html(), "notes"))
    assert f"{n_after:,} transactions after the evaluation date were left out." in notes
    assert "rows_after_observation_end" not in notes
    m = json.loads(rep.write(tmp_path)["models"].read_text())
    assert any("rows_after_observation_end" in n for n in m["notes"])  # codes kept in JSON


def test_customers_csv_floats_have_no_binary_noise(report, tmp_path):
    rep, _ = report
    path = rep.write(tmp_path)["customers"]
    text = path.read_text()
    assert "00000000001" not in text
    assert "99999999999" not in text
    back = pd.read_csv(path, index_col="customer_id")
    for col in ("net_amount", "p_alive", "clv", "recency", "T"):
        np.testing.assert_allclose(
            back[col].to_numpy(dtype=float),
            rep.profile[col].to_numpy(dtype=float),
            rtol=1e-11,
            atol=0,
        )


def test_progress_steps_match_the_calls_on_every_path(report, tx, tmp_path):
    rep, steps = report
    assert len(steps) + 1 == rep.settings.progress_steps  # write() reports the last step
    short = simulate_transactions(200, seed=8, days=70, acquisition_days=35).transactions
    small = CRMConfig(min_population=1)
    cases = [
        (tx, ReportSettings(model="bgnbd")),  # holdout, one model, migration
        (short, ReportSettings(crm=small)),  # no holdout, migration asked but skipped
        (short, ReportSettings(model="mbgnbd", migration=False, crm=small)),
    ]
    seen = []
    for i, (data, settings) in enumerate(cases):
        calls: list[str] = []
        r = run_report(data, settings=settings, progress=calls.append)
        r.write(tmp_path / str(i), progress=calls.append)
        assert len(calls) == settings.progress_steps, (i, calls)
        seen.append(calls)
    assert [len(c) for c in seen] == [8, 10, 7]
    assert "skipping the migration (data span too short)" in seen[1]


def test_clv_quantiles_are_labelled_in_words(report):
    rep, _ = report
    sec = _visible_text(_section(rep.to_html(), "clv"))
    assert "median" in sec
    assert "90th percentile" in sec
    assert "q50" not in sec
    assert "missing" not in sec
    total = float(np.nansum(rep.profile["clv"].to_numpy(dtype=float)))
    assert "total (customer equity)" in sec
    assert f"{total:,.2f}" in sec
