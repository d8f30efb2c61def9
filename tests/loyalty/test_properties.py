"""Hypothesis properties of the loyalty classifiers (domain.md P2, §10.7).

Every customer gets exactly one label per scheme, results do not depend on
row order, and labels move monotonically where the rules imply it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from custrel.data import build_customer_base
from custrel.labels import UNDETERMINED
from custrel.lifecycle import StateRules
from custrel.loyalty import (
    DICK_BASU_TYPES,
    AttitudeRules,
    DickBasu,
    LoyaltyDimensions,
    LoyaltyProfitability,
    RepeatPatronageRules,
    SindellRules,
)
from tests.strategies import transaction_logs

AS_OF = pd.Timestamp("2023-12-31")
RP1 = RepeatPatronageRules(min_population=1)
SINDELL = SindellRules(dick_basu=DickBasu(repeat=RP1))
QUADRANT = {("high", "high"): "true", ("low", "high"): "latent"}
QUADRANT |= {("high", "low"): "spurious", ("low", "low"): "none"}


@st.composite
def surveys(draw: st.DrawFn, n_customers: int = 12) -> pd.DataFrame:
    """Survey/attribute frames for int ids 0..n-1, with missing values and some absent rows."""
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    rng = np.random.default_rng(seed)
    ids = np.flatnonzero(rng.random(n_customers) < 0.8)
    n = ids.size

    def score(lo: int, hi: int, p_missing: float) -> np.ndarray:
        vals = rng.integers(lo, hi + 1, n).astype(float)
        vals[rng.random(n) < p_missing] = np.nan
        return vals

    frame = pd.DataFrame(
        {
            "attitude": score(1, 7, 0.3),
            "differentiation": score(1, 7, 0.5),
            "recommend": score(0, 10, 0.5),
            "satisfaction": score(1, 7, 0.3),
            "repurchase_intent": score(1, 7, 0.3),
            "share_of_wallet": np.where(rng.random(n) < 0.3, rng.random(n), np.nan),
            "n_alternatives": score(0, 3, 0.5),
            "distance_km": np.where(rng.random(n) < 0.5, rng.random(n) * 5, np.nan),
        },
        index=pd.Index(ids, name="customer_id"),
    )
    if draw(st.booleans()):
        types = np.array(["premium", "price", "inertia", None], dtype=object)
        frame["stated_reason"] = types[rng.integers(0, 4, n)]
    return frame


def _base(tx: pd.DataFrame, survey: pd.DataFrame):
    return build_customer_base(tx, as_of=AS_OF, attributes=survey)


def _all_labels(base) -> dict[str, pd.DataFrame]:
    dims = LoyaltyDimensions(repeat=RP1).classify(base)
    return {
        "rp": RP1.classify(base).frame,
        "ra": AttitudeRules().classify(base).frame,
        "dick_basu": DickBasu(repeat=RP1).classify(base).frame,
        "sindell": SINDELL.classify(base).frame,
        "sindell_strict": SindellRules(dick_basu=DickBasu(repeat=RP1), require_driver_data=True)
        .classify(base)
        .frame,
        "dimensions": dims.frame(),
    }


@settings(max_examples=15, deadline=None)
@given(tx=transaction_logs(), survey=surveys())
def test_every_customer_exactly_one_label_per_scheme(tx, survey):
    base = _base(tx, survey)
    n = len(base.customers)
    for name, frame in _all_labels(base).items():
        assert len(frame) == n, name
        assert frame.index.is_unique, name
        assert frame.index.equals(base.customers), name
        label_cols = (
            ["behavioural", "emotional", "conscious"] if name == "dimensions" else ["label"]
        )
        for col in label_cols:
            assert not frame[col].isna().any(), name
            undetermined = frame[col] == UNDETERMINED
            reason_col = f"{col}_reason" if name == "dimensions" else "reason"
            # every undetermined label carries a reason
            assert not frame.loc[undetermined, reason_col].isna().any(), name


@settings(max_examples=12, deadline=None)
@given(tx=transaction_logs(), survey=surveys(), seed=st.integers(0, 2**16))
def test_row_order_invariance(tx, survey, seed):
    rng = np.random.default_rng(seed)
    shuffled_tx = tx.iloc[rng.permutation(len(tx))].reset_index(drop=True)
    shuffled_survey = survey.iloc[rng.permutation(len(survey))]
    a = _all_labels(_base(tx, survey))
    b = _all_labels(_base(shuffled_tx, shuffled_survey))
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


@settings(max_examples=25, deadline=None)
@given(tx=transaction_logs(), survey=surveys())
def test_dick_basu_quadrant_follows_its_two_dimensions(tx, survey):
    f = DickBasu(repeat=RP1).classify(_base(tx, survey)).frame
    for (rp, ra), quad in QUADRANT.items():
        both = (f["rp"] == rp) & (f["ra"] == ra)
        assert (f.loc[both, "label"] == quad).all()
    either_und = (f["rp"] == UNDETERMINED) | (f["ra"] == UNDETERMINED)
    assert (f.loc[either_und, "label"] == UNDETERMINED).all()
    assert set(f["label"].astype(str)) <= {*DICK_BASU_TYPES, UNDETERMINED}


@settings(max_examples=25, deadline=None)
@given(tx=transaction_logs(allow_returns=False), survey=surveys())
def test_purchase_on_as_of_never_lowers_repeat_patronage(tx, survey):
    """With a fixed rate cut-off and the hiatus state rule, a purchase on as_of only helps."""
    rules = RepeatPatronageRules(rate_high=0.5, states=StateRules(method="hiatus"))
    before = rules.classify(_base(tx, survey)).frame["label"]
    extra = pd.DataFrame({"customer_id": tx["customer_id"].unique(), "date": AS_OF, "amount": 5.0})
    after = rules.classify(_base(pd.concat([tx, extra]), survey)).frame["label"]
    was_high = before == "high"
    assert (after[was_high] == "high").all()


@settings(max_examples=60, deadline=None)
@given(
    att=st.lists(st.integers(1, 7), min_size=1, max_size=20),
    bump=st.lists(st.integers(0, 6), min_size=20, max_size=20),
    diff=st.lists(st.one_of(st.none(), st.integers(1, 7)), min_size=20, max_size=20),
)
def test_raising_attitude_never_lowers_relative_attitude(att, bump, diff):
    n = len(att)
    ids = pd.Index(range(n), name="customer_id")
    d = np.array([np.nan if v is None else v for v in diff[:n]], dtype=float)
    low = pd.DataFrame({"attitude": np.array(att, float), "differentiation": d}, index=ids)
    high = low.assign(attitude=np.minimum(low["attitude"] + np.array(bump[:n]), 7))
    before = AttitudeRules().classify(low).frame["label"]
    after = AttitudeRules().classify(high).frame["label"]
    assert (after[before == "high"] == "high").all()


@settings(max_examples=40, deadline=None)
@given(
    rp=st.lists(st.sampled_from(["high", "low", UNDETERMINED]), min_size=1, max_size=15),
    data=st.data(),
)
def test_raising_discount_share_keeps_price_label(rp, data):
    n = len(rp)
    ra = data.draw(st.lists(st.sampled_from(["high", "low", UNDETERMINED]), min_size=n, max_size=n))
    disc = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    up = data.draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    ev = pd.DataFrame({"rp": rp, "ra": ra, "discount_share": disc})
    more = ev.assign(discount_share=np.maximum(ev["discount_share"], up))
    a = SindellRules().classify_evidence(ev).frame["label"]
    b = SindellRules().classify_evidence(more).frame["label"]
    assert (b[a == "price"] == "price").all()


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.tuples(
            st.floats(0, 100).map(lambda v: round(v, 6)),  # no subnormals: scaling stays exact
            st.floats(-100, 100).map(lambda v: round(v, 6)),
        ),
        min_size=1,
        max_size=30,
    ),
    exponent=st.integers(-10, 10),
)
def test_loyalty_profitability_is_scale_invariant(values, exponent):
    """Median splits do not depend on the unit; powers of two scale floats exactly."""
    scale = 2.0**exponent
    lon = pd.Series([v[0] for v in values])
    pro = pd.Series([v[1] for v in values])
    rules = LoyaltyProfitability(min_population=1)
    a = rules.classify(lon, pro).frame["label"]
    b = rules.classify(lon * scale, pro * scale).frame["label"]
    pd.testing.assert_series_equal(a, b)
