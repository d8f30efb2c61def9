"""CLV with custrel's fitted-model classes: CDNOW against lifetimes, fast path, units."""

from __future__ import annotations

import math

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import custrel.models as cm
from custrel.data import TimeUnit, summarize_report
from custrel.datasets import load_cdnow
from custrel.errors import ParameterError
from custrel.models import BetaGeo, ModifiedBetaGeo
from custrel.value import clv, clv_frame

#: FHL (2005) BG/NBD on CDNOW, weeks; gamma-gamma of FHL (2005) "RFM and CLV" / note 025.
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "v": 15.44}
#: lifetimes' month for freq="W": 4.345 weeks (utils._customer_lifetime_value).
LIFETIMES_MONTH_W = TimeUnit(name="lifetimes_month", days=4.345 * 7)


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return summarize_report(load_cdnow(), period="W", observation_end="1997-09-30").summary


@attrs.frozen
class Direct:
    """Delegates to a model without being one: forces the direct (unfactorised) path."""

    inner: object

    @property
    def period(self) -> TimeUnit | None:
        return self.inner.period  # type: ignore[attr-defined, no-any-return]

    def expected_purchases(self, summary: pd.DataFrame, /, *, t: float) -> pd.Series:
        return self.inner.expected_purchases(summary, t=t)  # type: ignore[attr-defined, no-any-return]


def _gg_spend(summary: pd.DataFrame) -> pd.Series:
    """Gamma-gamma conditional expected spend (FHL 2005 RFM/CLV eq. 5), for the oracle check."""
    p, q, v = GG["p"], GG["q"], GG["v"]
    x = summary["frequency"].to_numpy(dtype=float)
    m = summary["monetary_value"].to_numpy(dtype=float)
    w = p * x / (p * x + q - 1)
    return pd.Series((1 - w) * p * v / (q - 1) + w * m, index=summary.index)


@pytest.mark.oracle
def test_cdnow_clv_matches_lifetimes_customer_lifetime_value_under_its_convention(
    cdnow_summary: pd.DataFrame,
) -> None:
    """lifetimes: 12 "months" of freq="W" = steps of 4.345 weeks, rate 1% per such month.

    custrel states that convention explicitly: horizon 12 x (4.345 x 7 days), step
    and discount period the same unit, model in weeks (FHL 2005 parameters).
    """
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    s = cdnow_summary
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(BG)
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time  # what fit() sets
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series(GG)
    theirs = ggf.customer_lifetime_value(
        bgf,
        s["frequency"],
        s["recency"],
        s["T"],
        s["monetary_value"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    spend = ggf.conditional_expected_average_profit(s["frequency"], s["monetary_value"])
    np.testing.assert_allclose(spend.to_numpy(), _gg_spend(s).to_numpy(), rtol=1e-12)
    ours = clv(
        BetaGeo(**BG, period="W"),
        spend,
        s,
        horizon=12,
        horizon_period=LIFETIMES_MONTH_W,
        discount_rate=0.01,
        discount_period=LIFETIMES_MONTH_W,
    )
    assert len(ours) == 2357
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-8, atol=1e-9)
    # custrel's own calendar month is 30.4375 / 7 = 4.348 weeks, slightly longer
    ours_m = clv(
        BetaGeo(**BG, period="W"),
        spend,
        s,
        horizon=12,
        horizon_period="M",
        discount_rate=0.01,
        discount_period="M",
    )
    assert 0 < (ours_m - ours).sum() / ours.sum() < 1e-3


def test_factorised_fast_path_equals_direct_evaluation(cdnow_summary: pd.DataFrame) -> None:
    s = cdnow_summary
    models: list[object] = [
        BetaGeo(**BG, period="W"),
        ModifiedBetaGeo(r=0.525, alpha=6.183, a=0.891, b=1.614, period="W"),
    ]
    if hasattr(cm, "ParetoNBD"):
        models.append(cm.ParetoNBD(r=0.553, alpha=10.578, s=0.606, beta=11.669, period="W"))
    for m in models:
        for method in ("discrete", "continuous"):
            kw = {
                "horizon": 1,
                "horizon_period": "Y",
                "step": "M",
                "discount_rate": 0.15,
                "discount_period": "Y",
                "method": method,
            }
            fast = clv_frame(m, 30.0, s, **kw)  # type: ignore[arg-type]
            slow = clv_frame(Direct(m), 30.0, s, **kw)  # type: ignore[arg-type]
            np.testing.assert_allclose(fast.to_numpy(), slow.to_numpy(), rtol=1e-10, atol=1e-12)


def test_bgnbd_finite_continuous_clv_approaches_model_dert(cdnow_summary: pd.DataFrame) -> None:
    """A 40-year continuous horizon at 15% a year is the infinite-horizon DERT (FHL 2005)."""
    m = BetaGeo(**BG, period="W")
    s = cdnow_summary.iloc[:200]
    kw = {"discount_rate": 0.15, "discount_period": "Y", "method": "continuous"}
    inf = clv(m, 1.0, s, horizon=math.inf, **kw)  # type: ignore[arg-type]
    delta = math.log(1.15) * 7 / 365.25
    np.testing.assert_allclose(
        inf.to_numpy(), m.discounted_expected_transactions(s, discount_rate=delta), rtol=1e-12
    )
    long = clv(m, 1.0, s, horizon=40, horizon_period="Y", quadrature_nodes=120, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(long.to_numpy(), inf.to_numpy(), rtol=1e-3)
    assert (long <= inf + 1e-12).all()


def test_discount_zero_is_expected_spend_times_bgnbd_expected_purchases(
    cdnow_summary: pd.DataFrame,
) -> None:
    m = BetaGeo(**BG, period="W")
    s = cdnow_summary
    spend = _gg_spend(s)
    out = clv(m, spend, s, horizon=39, horizon_period="W", discount_rate=0.0)
    expected = spend * m.expected_purchases(s, t=39.0)
    np.testing.assert_allclose(out.to_numpy(), expected.to_numpy(), rtol=1e-10)
    # the published closed-form check: customer 1 (x=2, t_x=30.43, T=38.86) expects 1.226 in 39 weeks
    one = pd.DataFrame(
        {"frequency": [2], "recency": [30.43], "T": [38.86]},
        index=pd.Index([1], name="customer_id"),
    )
    v = clv(m, 1.0, one, horizon=39, horizon_period="W", discount_rate=0.0)
    assert v.iloc[0] == pytest.approx(1.226, abs=1e-3)


@settings(max_examples=12, deadline=None)
@given(
    unit=st.sampled_from(["D", "W", "M", "Y"]),
    method=st.sampled_from(["discrete", "continuous"]),
    annual=st.floats(0.0, 0.4),
)
def test_bgnbd_clv_in_days_weeks_months_years_agree_after_unit_conversion(
    unit: str, method: str, annual: float
) -> None:
    """Same CDNOW-like customers with the model and data re-expressed in another unit."""
    s_w = pd.DataFrame(
        {
            "frequency": [0, 1, 2, 7],
            "recency": [0.0, 3.0, 30.43, 20.0],
            "T": [10.0, 20.0, 38.86, 30.0],
        },
        index=pd.Index(list("abcd"), name="customer_id"),
    )
    m_w = BetaGeo(**BG, period="W")
    kw = {
        "horizon": 2,
        "horizon_period": "Y",
        "step": "Q",
        "discount_rate": annual,
        "discount_period": "Y",
        "method": method,
    }
    ref = clv(m_w, 20.0, s_w, **kw)  # type: ignore[arg-type]
    f = 7.0 / TimeUnit.parse(unit).days
    s_u = s_w.assign(recency=s_w["recency"] * f, T=s_w["T"] * f)
    out = clv(m_w.in_period(unit), 20.0, s_u, **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(out.to_numpy(), ref.to_numpy(), rtol=1e-7)


@pytest.mark.oracle
def test_cdnow_clv_with_custrel_gamma_gamma_matches_lifetimes(cdnow_summary: pd.DataFrame) -> None:
    """custrel's BetaGeo and GammaGamma (published CDNOW parameters) vs lifetimes' CLV."""
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    from custrel.models.gamma_gamma import GammaGamma

    s = cdnow_summary
    bgf = BetaGeoFitter()
    bgf.params_ = pd.Series(BG)
    bgf.predict = bgf.conditional_expected_number_of_purchases_up_to_time
    ggf = GammaGammaFitter()
    ggf.params_ = pd.Series(GG)
    theirs = ggf.customer_lifetime_value(
        bgf,
        s["frequency"],
        s["recency"],
        s["T"],
        s["monetary_value"],
        time=12,
        discount_rate=0.01,
        freq="W",
    )
    gg = GammaGamma(p=GG["p"], q=GG["q"], gamma=GG["v"])
    ours = clv(
        BetaGeo(**BG, period="W"),
        gg,
        s,
        horizon=12,
        horizon_period=LIFETIMES_MONTH_W,
        discount_rate=0.01,
        discount_period=LIFETIMES_MONTH_W,
    )
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), rtol=1e-8, atol=1e-9)
    # the total is what a manager reads: published-parameter CLV of the 2,357 CDNOW customers
    assert ours.sum() == pytest.approx(theirs.sum(), rel=1e-10)


def test_bgbb_discrete_time_clv_per_opportunity_matches_fhs_2010_dert() -> None:
    """BG/BB (FHS 2010 donations parameters, one opportunity a year)."""
    from custrel.models import BetaGeoBetaBinom

    m = BetaGeoBetaBinom(alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, period="Y")
    s = pd.DataFrame(
        {"frequency": [0, 2, 6], "recency": [0, 4, 6], "n_periods": [6, 6, 6]},
        index=pd.Index(["a", "b", "c"], name="customer_id"),
    )
    # discount 0: spend x expected transactions in the next 5 opportunities
    five = clv(m, 10.0, s, horizon=5, horizon_period="Y", discount_rate=0.0)
    np.testing.assert_allclose(five, 10.0 * m.expected_purchases(s, t=5), rtol=1e-12)
    # each opportunity discounted at its end: the sum of per-opportunity expectations
    d = 0.10
    disc = clv(m, 1.0, s, horizon=5, horizon_period="Y", discount_rate=d, discount_period="Y")
    cum = np.column_stack([m.expected_purchases(s, t=k).to_numpy() for k in range(6)])
    np.testing.assert_allclose(disc, (np.diff(cum, axis=1) / 1.1 ** np.arange(1, 6)).sum(axis=1))
    # infinite horizon: the model's DERT with the effective rate per opportunity (eq. 15)
    inf = clv(m, 1.0, s, horizon=math.inf, discount_rate=d, discount_period="Y")
    np.testing.assert_allclose(
        inf, m.discounted_expected_transactions(s, discount_rate=d), rtol=1e-12
    )
    assert (inf > disc).all()
    with pytest.raises(ParameterError, match="discrete transaction opportunities"):
        clv(
            m,
            1.0,
            s,
            horizon=5,
            horizon_period="Y",
            discount_rate=d,
            discount_period="Y",
            method="continuous",
        )


def test_custrel_models_satisfy_the_value_protocols() -> None:
    from custrel.models.gamma_gamma import GammaGamma
    from custrel.value import DiscountedPurchaseModel, PurchaseModel, SpendModel

    bg = BetaGeo(**BG, period="W")
    assert isinstance(bg, PurchaseModel)
    assert isinstance(bg, DiscountedPurchaseModel)
    assert isinstance(GammaGamma(p=6.25, q=3.74, gamma=15.44), SpendModel)
    assert not isinstance(GammaGamma(p=6.25, q=3.74, gamma=15.44), PurchaseModel)
