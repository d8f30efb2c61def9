import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from custrel.errors import MissingDependencyError, ParameterError, SchemaError
from custrel.report import plots, tables


class ConstantModel:
    """P(alive) = 1 / (1 + frequency) and E[purchases] = t / 10: easy to check by hand."""

    def probability_alive(self, summary):
        return pd.Series(1.0 / (1.0 + summary["frequency"].to_numpy()), index=summary.index)

    def expected_purchases(self, summary, *, t):
        return pd.Series(np.full(len(summary), t / 10.0), index=summary.index)


@pytest.fixture
def profile():
    return pd.DataFrame(
        {
            "state": ["current", "current", "lost", "lost", "undetermined"],
            "action": ["maintain", "maintain", "win_back", "release", "review"],
            "stage": ["stability", "decline", "terminated", "terminated", "undetermined"],
            "tier": pd.Categorical(
                ["diamond", "silver", "undetermined", "undetermined", "undetermined"],
                categories=["diamond", "gold", "silver", "undetermined"],
                ordered=True,
            ),
            "silver_action": [None, "upgrade", None, None, None],
            "net_amount": [500.0, 50.0, 300.0, 900.0, -5.0],
            "clv": [200.0, 20.0, 1.0, 2.0, np.nan],
            "dick_basu": ["true", "undetermined", "latent", "undetermined", "undetermined"],
            "dick_basu_reason": [
                None,
                "attitude_missing",
                None,
                "attitude_missing",
                "no_valid_purchase",
            ],
        },
        index=pd.Index(["a", "b", "c", "d", "e"], name="customer_id"),
    )


def test_headline_numbers(profile):
    h = tables.headline_numbers(profile)
    assert h.to_dict() == {
        "customers": 5.0,
        "active": 2.0,
        "at_risk": 1.0,
        "lost": 2.0,
        "state_undetermined": 1.0,
        "customer_equity": 223.0,
    }


def test_label_table_keeps_empty_categories_and_sums_value(profile):
    t = tables.label_table(profile, "tier", value="net_amount")
    assert t["customers"].tolist() == [1, 0, 1, 3]
    assert t.loc["undetermined", "net_amount"] == pytest.approx(1195.0)
    assert t["net_amount_share"].sum() == pytest.approx(1.0, abs=2e-3)


def test_label_table_missing_column_is_a_schema_error(profile):
    with pytest.raises(SchemaError, match=r"label_table needs column\(s\) \['nope'\]"):
        tables.label_table(profile, "nope")


def test_crosstab_counts_totals(profile):
    t = tables.crosstab_counts(profile, "state", "stage")
    assert t.loc["total", "total"] == 5
    assert t.loc["lost", "terminated"] == 2


def test_undetermined_summary_counts_and_hints(profile):
    u = tables.undetermined_summary(profile)
    row = u.set_index("reason").loc["attitude_missing"]
    assert row["customers"] == 2
    assert "survey" in row["would_resolve"]
    assert u["customers"].sum() == 3


def test_win_back_list_keeps_win_back_action_sorted_by_value(profile):
    w = tables.win_back_list(profile)
    assert w.index.tolist() == ["c"]  # d is lost but released
    no_action = profile.drop(columns="action")
    assert tables.win_back_list(no_action).index.tolist() == ["d", "c"]


def test_upgrade_list(profile):
    assert tables.upgrade_list(profile).index.tolist() == ["b"]


def test_probability_alive_matrix_by_hand():
    m = tables.probability_alive_matrix(ConstantModel(), T=10.0, max_frequency=3, n_recency=5)
    assert m.shape == (4, 5)
    assert m.loc[0].iloc[0] == 1.0
    assert np.isnan(m.loc[0].iloc[1:]).all()
    assert m.loc[3].tolist() == [0.25] * 5
    assert m.columns.tolist() == [0.0, 2.5, 5.0, 7.5, 10.0]


def test_holdout_by_frequency_pools_the_tail():
    s = pd.DataFrame({"frequency": [0, 1, 5, 6], "frequency_holdout": [0, 1, 3, 5]})
    t = tables.holdout_by_frequency(s, pd.Series([0.1, 0.9, 3.0, 4.0]), max_frequency=5)
    assert t.index.tolist() == ["0", "1", "5+"]
    assert t.loc["5+"].tolist() == [2, 4.0, 3.5]


def test_every_plot_draws_on_the_given_axes(profile):
    ax = Figure().subplots()
    out = plots.plot_tier_pyramid(tables.label_table(profile, "tier")["customers"].iloc[:3], ax=ax)
    assert out is ax
    assert len(ax.patches) == 3
    ax = plots.plot_label_counts(
        tables.label_table(profile, "stage")["customers"], ax=Figure().subplots(), title="Stages"
    )
    assert ax.get_title() == "Stages"
    assert len(ax.patches) == 4
    ax = plots.plot_probability_alive_matrix(
        ConstantModel(), T=5.0, max_frequency=4, ax=Figure().subplots()
    )
    assert ax.images[0].get_array().shape == (5, 20)
    s = pd.DataFrame({"frequency": [0, 1], "frequency_holdout": [0, 2]})
    ax = plots.plot_holdout_by_frequency(
        tables.holdout_by_frequency(s, pd.Series([0.1, 1.5])), ax=Figure().subplots()
    )
    assert [ln.get_label() for ln in ax.lines] == ["actual", "model"]
    ax = plots.plot_clv_distribution(profile["clv"], ax=Figure().subplots(), bins=5)
    assert sum(p.get_height() for p in ax.patches) == 4  # NaN left out
    mig = pd.DataFrame([[3, 1], [0, 2]], index=["current", "lost"], columns=["current", "lost"])
    ax = plots.plot_migration_matrix(mig, ax=Figure().subplots())
    assert [t.get_text() for t in ax.texts] == ["3", "1", "0", "2"]
    png = plots.figure_png(ax)
    assert png.startswith(b"\x89PNG")


def test_plot_without_ax_uses_pyplot():
    import matplotlib.pyplot as plt

    ax = plots.plot_label_counts(pd.Series([1, 2], index=["x", "y"]))
    try:
        assert ax.figure in [plt.figure(n) for n in plt.get_fignums()]
    finally:
        plt.close("all")


def test_matrix_plot_needs_T_for_a_model():
    with pytest.raises(ParameterError, match="needs T"):
        plots.plot_probability_alive_matrix(ConstantModel(), ax=Figure().subplots())


def test_missing_matplotlib_names_the_plot_extra(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    monkeypatch.setattr("importlib.import_module", lambda name: fake_import(name))
    with pytest.raises(MissingDependencyError, match=r"pip install 'custrel\[plot\]'"):
        plots.plot_label_counts(pd.Series([1], index=["x"]))


def test_tracking_table_on_cdnow_counts_published_repeat_purchases():
    import custrel
    from custrel.datasets import load_cdnow
    from custrel.models import BetaGeo

    tx = custrel.read_transactions(load_cdnow())
    # FHL (2005) BG/NBD parameters, alpha converted from weeks to days
    model = BetaGeo(r=0.243, alpha=4.414 * 7, a=0.793, b=2.426, period="D")
    tab = tables.tracking_table(
        tx, model, calibration_end="1997-09-30", observation_end="1998-06-30", period="D"
    )
    assert tab.loc["1997-09-30", "actual"] == 2457  # calibration repeat purchases
    assert tab.loc["1998-06-30", "actual"] == 2457 + 1882  # plus the holdout
    assert not tab.loc["1997-09-30", "holdout"]
    assert tab.loc["1997-10-01", "holdout"]
    summary = custrel.summarize_report(tx, period="D", observation_end="1997-09-30").summary
    assert len(summary) == 2357
    by_hand = model.expected_purchases_new_customer(summary["T"].to_numpy()).sum()
    assert tab.loc["1997-09-30", "expected"] == pytest.approx(by_hand, rel=1e-12)
    assert (np.diff(tab["expected"].to_numpy()) >= 0).all()


def test_plot_tracking_marks_the_calibration_end():
    idx = pd.DatetimeIndex(["2024-01-07", "2024-01-14", "2024-01-21"], name="period_end")
    tab = pd.DataFrame(
        {"actual": [1, 3, 4], "expected": [1.5, 2.5, 4.0], "holdout": [False, False, True]},
        index=idx,
    )
    ax = plots.plot_tracking(tab, calibration_end="2024-01-14", ax=Figure().subplots())
    assert [ln.get_label() for ln in ax.lines[:2]] == ["actual", "model"]
    assert len(ax.lines) == 3  # plus the vertical calibration line


def test_p_alive_heat_map_names_the_time_unit_and_migration_numbers_are_readable():
    ax = plots.plot_probability_alive_matrix(
        ConstantModel(), T=5.0, max_frequency=4, ax=Figure().subplots(), period="W"
    )
    assert ax.get_xlabel() == "recency (time of last purchase, weeks after the first)"
    assert ax.get_ylabel() == "repeat purchases"
    mig = pd.DataFrame([[3, 1], [0, 2]], index=["current", "lost"], columns=["current", "lost"])
    ax = plots.plot_migration_matrix(mig, ax=Figure().subplots())
    assert min(t.get_fontsize() for t in ax.texts) >= 10
