"""Relationship states by a hidden Markov model (Netzer, Lattin & Srinivasan 2008), simplified.

See :class:`RelationshipHMM` (domain.md §4).
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy import special

from custrel.data import CustomerBase
from custrel.errors import DataValidationError, ParameterError
from custrel.labels import UNDETERMINED, Labels, Reason
from custrel.lifecycle._checks import finite, int_in, one_of, unit_open
from custrel.lifecycle._common import Decider

__all__ = ["HMMParameters", "HMMResult", "RelationshipHMM"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Emission = Literal["poisson", "bernoulli"]
_TINY = 1e-300


def _state_names(k: int) -> list[str]:
    return [f"state_{i + 1}" for i in range(k)]


def _float_array(value: ArrayLike) -> FloatArray:
    return np.array(value, dtype=np.float64)


def _as_counts(counts: ArrayLike, lengths: ArrayLike | None) -> tuple[FloatArray, IntArray]:
    y = np.asarray(counts, dtype=np.float64)
    if y.ndim == 1:
        y = y[None, :]
    if y.ndim != 2 or y.shape[1] == 0:
        msg = f"counts must be a 2-d array (customers x periods); got shape {y.shape}."
        raise DataValidationError(msg)
    n, t_max = y.shape
    if lengths is None:
        ln = np.full(n, t_max, dtype=np.int64)
    else:
        ln = np.asarray(lengths, dtype=np.int64)
        if ln.shape != (n,) or (ln < 1).any() or (ln > t_max).any():
            msg = f"lengths must be {n} integers in [1, {t_max}]."
            raise DataValidationError(msg)
    real = np.arange(t_max)[None, :] < ln[:, None]
    bad = real & ~(np.isfinite(y) & (y >= 0) & (y == np.round(y)))
    if bad.any():
        rows = np.flatnonzero(bad.any(axis=1))
        msg = (
            f"counts must be whole numbers >= 0; {rows.size} of {n} sequences violate it "
            f"(e.g. rows {rows[:5].tolist()})."
        )
        raise DataValidationError(msg)
    return np.where(real, y, 0.0), ln


@attrs.frozen(kw_only=True, eq=False)
class HMMParameters:
    """Parameters of a homogeneous K-state HMM with Poisson or Bernoulli emissions.

    Attributes
    ----------
    initial : ndarray, shape (K,)
        Initial state distribution π.
    transition : ndarray, shape (K, K)
        Row-stochastic transition matrix A (``A[i, j] = P(S_t+1 = j | S_t = i)``).
    rates : ndarray, shape (K,)
        Poisson means λ per period (or purchase-incidence probabilities for
        ``emission="bernoulli"``), ascending: ``state_1`` is the lowest level.
    emission : {"poisson", "bernoulli"}
        Emission family.

    Examples
    --------
    >>> hp = HMMParameters(initial=[0.3, 0.7], transition=[[0.95, 0.05], [0.10, 0.90]],
    ...                    rates=[0.1, 2.0])
    >>> hp.filtered([[2, 3, 1, 2, 0, 0, 0, 0, 0, 0]]).round(3).tolist()
    [[0.991, 0.009]]
    """

    initial: FloatArray = attrs.field(converter=_float_array)
    transition: FloatArray = attrs.field(converter=_float_array)
    rates: FloatArray = attrs.field(converter=_float_array)
    emission: Emission = attrs.field(default="poisson", validator=one_of(("poisson", "bernoulli")))

    def __attrs_post_init__(self) -> None:
        k = self.rates.size
        ok = (
            k >= 1
            and self.initial.shape == (k,)
            and self.transition.shape == (k, k)
            and np.all(np.isfinite(self.transition))
            and np.all(self.transition >= 0)
            and np.allclose(self.transition.sum(axis=1), 1.0)
            and np.all(self.initial >= 0)
            and np.isclose(self.initial.sum(), 1.0)
            and np.all(np.isfinite(self.rates))
            and np.all(self.rates > 0)
        )
        if ok and self.emission == "bernoulli":
            ok = bool(np.all(self.rates < 1))
        if not ok:
            msg = (
                "HMMParameters need K rates > 0 (< 1 for bernoulli), a probability vector "
                f"initial of size K and a row-stochastic K x K transition; got rates={self.rates!r}."
            )
            raise ParameterError(msg)

    @property
    def n_states(self) -> int:
        """Number of hidden states K."""
        return int(self.rates.size)

    def _log_emission(self, y: FloatArray) -> FloatArray:
        lam = self.rates
        if self.emission == "poisson":
            return np.asarray(
                y[..., None] * np.log(lam) - lam - special.gammaln(y[..., None] + 1.0),
                dtype=np.float64,
            )
        hit = (y > 0)[..., None]
        return np.asarray(np.where(hit, np.log(lam), np.log1p(-lam)), dtype=np.float64)

    def _forward(
        self, y: FloatArray, lengths: IntArray, *, keep: bool
    ) -> tuple[FloatArray, FloatArray, FloatArray | None, FloatArray]:
        """Scaled forward pass: log-likelihood per sequence, filtered last state, alphas, scales."""
        n, t_max = y.shape
        k = self.n_states
        log_e = self._log_emission(y)
        real = np.arange(t_max)[None, :] < lengths[:, None]
        shift = np.where(real, log_e.max(axis=2), 0.0)
        e = np.where(real[..., None], np.exp(log_e - shift[..., None]), 1.0)
        alphas = np.empty((n, t_max, k)) if keep else None
        scales = np.empty((n, t_max))
        a = self.initial[None, :] * e[:, 0]
        last = np.empty((n, k))
        loglik = np.zeros(n)
        for t in range(t_max):  # periods, vectorised over customers
            if t > 0:
                a = (a @ self.transition) * e[:, t]
            c = a.sum(axis=1)
            c = np.maximum(c, _TINY)
            a = a / c[:, None]
            scales[:, t] = c
            if alphas is not None:
                alphas[:, t] = a
            loglik += np.where(real[:, t], np.log(c) + shift[:, t], 0.0)
            at_end = lengths == t + 1
            last[at_end] = a[at_end]
        return loglik, last, alphas, e if keep else scales

    def filtered(self, counts: ArrayLike, /, *, lengths: ArrayLike | None = None) -> FloatArray:
        """Filtered posterior ``P(S_L = k | y_1..L)`` at each sequence's last period.

        Parameters
        ----------
        counts : array-like, shape (N, T)
            Purchase counts per period, left-aligned (first period first).
        lengths : array-like of int, optional
            Number of real periods per sequence (the rest is padding).

        Returns
        -------
        ndarray, shape (N, K)
        """
        y, ln = _as_counts(counts, lengths)
        _, last, _, _ = self._forward(y, ln, keep=False)
        return last

    def log_likelihood(self, counts: ArrayLike, /, *, lengths: ArrayLike | None = None) -> float:
        """Total log-likelihood of the sequences."""
        y, ln = _as_counts(counts, lengths)
        ll, _, _, _ = self._forward(y, ln, keep=False)
        return float(ll.sum())


def _labels_from_posterior(
    post: FloatArray,
    *,
    min_posterior: float,
    index: pd.Index,
    as_of: pd.Timestamp | None,
    config: object,
    no_sequence: NDArray[np.bool_] | None = None,
) -> Labels:
    n, k = post.shape
    names = _state_names(k)
    d = Decider(n, (*names, UNDETERMINED))
    if no_sequence is not None:
        d.decide(no_sequence, UNDETERMINED, reason=Reason.NO_VALID_PURCHASE)
    best = np.nan_to_num(post, nan=-1.0).argmax(axis=1)
    top = np.nanmax(np.where(np.isnan(post), -1.0, post), axis=1)
    d.decide(top < min_posterior, UNDETERMINED, reason=Reason.LOW_POSTERIOR)
    d.set(d.todo, best.astype(np.int8), np.full(n, -1, dtype=np.int8))
    evidence: dict[str, Any] = {f"posterior_{s}": post[:, i] for i, s in enumerate(names)}
    return Labels.build(
        scheme="relationship_state",
        as_of=as_of,
        config=config,
        index=index,
        labels=d.labels(),
        categories=names,
        reasons=d.reasons(),
        evidence=evidence,
    )


@attrs.frozen(kw_only=True, eq=False)
class HMMResult:
    """A fitted :class:`RelationshipHMM`.

    Attributes
    ----------
    config : RelationshipHMM
        What was asked for.
    params : HMMParameters
        Estimates, states sorted by ascending rate.
    loglik : float
        Final log-likelihood.
    n_iter : int
        EM iterations run.
    converged : bool
        Whether the relative improvement fell below ``tol`` within ``max_iter``.
    posterior : DataFrame
        Filtered posterior at ``as_of`` per customer (NaN rows for customers
        without a purchase occasion), columns ``state_1 .. state_K``.
    as_of : Timestamp or None
        Evaluation date (None for :meth:`RelationshipHMM.fit_counts`).
    """

    config: RelationshipHMM
    params: HMMParameters
    loglik: float
    n_iter: int
    converged: bool
    posterior: pd.DataFrame = attrs.field(repr=False)
    as_of: pd.Timestamp | None = None

    @property
    def transition(self) -> pd.DataFrame:
        """Transition matrix with named states (rows: from, columns: to)."""
        names = _state_names(self.params.n_states)
        return pd.DataFrame(self.params.transition, index=names, columns=names)

    @property
    def rates(self) -> pd.Series:
        """Emission rate per state (Poisson mean or incidence probability per period)."""
        return pd.Series(self.params.rates, index=_state_names(self.params.n_states), name="rate")

    def labels(self) -> Labels:
        """One relationship state per customer: argmax posterior, or undetermined (``low_posterior``)."""
        post = self.posterior.to_numpy(dtype=np.float64)
        return _labels_from_posterior(
            post,
            min_posterior=self.config.min_posterior,
            index=self.posterior.index,
            as_of=self.as_of,
            config=self.config,
            no_sequence=np.isnan(post).all(axis=1),
        )


@attrs.frozen(kw_only=True)
class RelationshipHMM:
    """Latent relationship states from purchase counts (after Netzer, Lattin & Srinivasan 2008).

    Netzer et al. [1]_ model customer relationships as latent states whose
    transitions are driven by customer-firm encounters, with buying behaviour
    depending on the current state, estimated by hierarchical Bayes; they use
    the model to "dynamically segment" a customer base. custrel fits a
    deliberately simpler version: a **homogeneous, pooled** K-state HMM on each
    customer's purchase-occasion counts in consecutive ``period_days`` periods
    (anchored at ``as_of``, from the period of the first purchase), with Poisson
    (or Bernoulli incidence) emissions, by Baum-Welch EM over all customers.
    It drops the paper's customer heterogeneity and encounter covariates.

    Initialisation is deterministic: rates at the ``1/(K+1), ..., K/(K+1)``
    quantiles of the customers' mean counts, 0.9 on the diagonal of A, uniform
    π. States are sorted by ascending rate and named ``state_1`` (lowest
    relationship level) ... ``state_K``; the paper's state names are not
    borrowed. Identical sequences are fitted once with a weight, so the cost
    grows with the number of distinct count sequences.

    Parameters
    ----------
    n_states : int
        K >= 2 (default 3).
    period_days : float
        Period length in days (default 30).
    emission : {"poisson", "bernoulli"}
        Counts (default) or purchase incidence per period.
    max_iter : int
        EM iterations at most (default 500).
    tol : float
        Stop when the relative log-likelihood improvement is below this (1e-8).
    min_posterior : float
        A customer's state is the argmax of the filtered posterior at ``as_of``
        when it is at least this (0.6), else undetermined (``low_posterior``).

    References
    ----------
    .. [1] Netzer, O., Lattin, J.M., Srinivasan, V. (2008). A hidden Markov
       model of customer relationship dynamics. *Marketing Science* 27(2):185-204.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> low = rng.poisson(0.1, size=(100, 12))
    >>> high = rng.poisson(2.0, size=(100, 12))
    >>> fit = RelationshipHMM(n_states=2).fit_counts(np.vstack([low, high]))
    >>> fit.rates.round(1).tolist(), fit.converged
    ([0.1, 1.9], True)
    >>> fit.labels().counts().to_dict()
    {'state_1': 100, 'state_2': 100, 'undetermined': 0}
    """

    n_states: int = attrs.field(default=3, validator=int_in(ge=2))
    period_days: float = attrs.field(default=30.0, validator=finite(gt=0))
    emission: Emission = attrs.field(default="poisson", validator=one_of(("poisson", "bernoulli")))
    max_iter: int = attrs.field(default=500, validator=int_in(ge=1))
    tol: float = attrs.field(default=1e-8, validator=finite(gt=0))
    min_posterior: float = attrs.field(default=0.6, validator=unit_open)

    def sequences(self, base: CustomerBase, /) -> tuple[FloatArray, IntArray, pd.Index]:
        """Per-purchaser occasion counts per period, left-aligned, with their lengths.

        Period ``j`` before ``as_of`` covers days ``(as_of - (j+1) P, as_of - j P]``;
        a sequence runs from the period of the first purchase to the one ending
        at ``as_of``.
        """
        rows = base._rows  # lifecycle owns CustomerBase
        feats = base.features
        buyers = np.flatnonzero(feats["n_occasions"].to_numpy() > 0)
        back = np.floor((base.as_of_day - rows.occ_day) / self.period_days).astype(np.int64)
        t_days = feats["T_days"].to_numpy(dtype=np.float64)
        lengths_all = np.zeros(len(feats), dtype=np.int64)
        lengths_all[buyers] = np.floor(t_days[buyers] / self.period_days).astype(np.int64) + 1
        t_max = int(lengths_all.max()) if buyers.size else 1
        pos = np.full(len(feats), -1, dtype=np.int64)
        pos[buyers] = np.arange(buyers.size)
        col = lengths_all[rows.occ_cust] - 1 - back
        y = np.zeros((buyers.size, t_max))
        np.add.at(y, (pos[rows.occ_cust], col), 1.0)
        return y, lengths_all[buyers], feats.index[buyers]

    def fit(self, base: CustomerBase, /) -> HMMResult:
        """Fit on the purchase sequences of ``base`` and filter every customer at ``as_of``.

        Customers without a purchase occasion have no sequence; their
        posterior is NaN and their label undetermined (``no_valid_purchase``).
        """
        y, lengths, index = self.sequences(base)
        if y.shape[0] == 0:
            msg = "RelationshipHMM.fit needs at least one customer with a purchase occasion."
            raise DataValidationError(msg)
        res = self.fit_counts(y, lengths=lengths, index=index)
        post = res.posterior.reindex(base.customers)
        return attrs.evolve(res, posterior=post, as_of=base.as_of)

    def fit_counts(
        self,
        counts: ArrayLike,
        /,
        *,
        lengths: ArrayLike | None = None,
        index: pd.Index | None = None,
    ) -> HMMResult:
        """Fit on a counts matrix (customers x periods, left-aligned, padded after ``lengths``)."""
        y, ln = _as_counts(counts, lengths)
        if self.emission == "bernoulli":
            y = (y > 0).astype(np.float64)
        idx = pd.RangeIndex(y.shape[0], name="customer_id") if index is None else index
        if len(idx) != y.shape[0]:
            msg = f"index has {len(idx)} entries for {y.shape[0]} sequences."
            raise ParameterError(msg)
        # collapse identical sequences into weighted patterns
        key = np.column_stack([ln, y])
        uniq, inverse, weight = np.unique(key, axis=0, return_inverse=True, return_counts=True)
        u_len = uniq[:, 0].astype(np.int64)
        u_y = uniq[:, 1:]
        w = weight.astype(np.float64)
        params = self._initial(u_y, u_len, w)
        prev = -np.inf
        converged = False
        n_iter = 0
        ll = -np.inf
        while n_iter < self.max_iter:  # EM iterations
            n_iter += 1
            params, ll = self._em_step(params, u_y, u_len, w)
            if np.isfinite(prev) and ll - prev < self.tol * max(abs(ll), 1.0):
                converged = True
                break
            prev = ll
        order = np.argsort(params.rates, kind="stable")
        params = HMMParameters(
            initial=params.initial[order],
            transition=params.transition[np.ix_(order, order)],
            rates=params.rates[order],
            emission=self.emission,
        )
        final_ll, last, _, _ = params._forward(u_y, u_len, keep=False)
        ll = float((final_ll * w).sum())
        post = pd.DataFrame(last[np.ravel(inverse)], index=idx, columns=_state_names(self.n_states))
        return HMMResult(
            config=self,
            params=params,
            loglik=ll,
            n_iter=n_iter,
            converged=converged,
            posterior=post,
        )

    def _initial(self, y: FloatArray, lengths: IntArray, w: FloatArray) -> HMMParameters:
        k = self.n_states
        mean = y.sum(axis=1) / lengths
        order = np.argsort(mean, kind="stable")
        cum = np.cumsum(w[order]) / w.sum()
        qs = np.arange(1, k + 1) / (k + 1)
        rates = mean[order][np.minimum(np.searchsorted(cum, qs), len(order) - 1)]
        hi_cap = 1.0 - 1e-3 if self.emission == "bernoulli" else np.inf
        rates = np.clip(rates, 1e-3, hi_cap)
        for i in range(1, k):  # K states: make the starting rates strictly increasing
            if rates[i] <= rates[i - 1]:
                rates[i] = min(rates[i - 1] * 1.5 + 1e-3, hi_cap - (k - 1 - i) * 1e-4)
        trans = np.full((k, k), 0.1 / (k - 1))
        np.fill_diagonal(trans, 0.9)
        return HMMParameters(
            initial=np.full(k, 1.0 / k), transition=trans, rates=rates, emission=self.emission
        )

    def _em_step(
        self, params: HMMParameters, y: FloatArray, lengths: IntArray, w: FloatArray
    ) -> tuple[HMMParameters, float]:
        n, t_max = y.shape
        k = params.n_states
        loglik, _, alphas, e = params._forward(y, lengths, keep=True)
        assert alphas is not None
        a_mat = params.transition
        real = np.arange(t_max)[None, :] < lengths[:, None]
        beta = np.ones((n, k))
        xi_sum = np.zeros((k, k))
        gam_sum = np.zeros(k)
        gam_y = np.zeros(k)
        gamma0 = np.zeros((n, k))
        for t in range(t_max - 1, -1, -1):  # periods, vectorised over patterns
            g = alphas[:, t] * beta
            g /= np.maximum(g.sum(axis=1, keepdims=True), _TINY)
            g_w = g * (w * real[:, t])[:, None]
            gam_sum += g_w.sum(axis=0)
            gam_y += (g_w * y[:, t][:, None]).sum(axis=0)
            if t == 0:
                gamma0 = g
                break
            eb = e[:, t] * beta
            xi = alphas[:, t - 1][:, :, None] * a_mat[None, :, :] * eb[:, None, :]
            xi /= np.maximum(xi.sum(axis=(1, 2), keepdims=True), _TINY)
            xi_sum += (xi * (w * real[:, t])[:, None, None]).sum(axis=0)
            beta = eb @ a_mat.T
            beta /= np.maximum(beta.sum(axis=1, keepdims=True), _TINY)
        initial = (gamma0 * w[:, None]).sum(axis=0) / w.sum()
        row = xi_sum.sum(axis=1, keepdims=True)
        trans = np.where(row > 0, xi_sum / np.maximum(row, _TINY), a_mat)
        rates = np.where(gam_sum > 0, gam_y / np.maximum(gam_sum, _TINY), params.rates)
        hi_cap = 1.0 - 1e-9 if self.emission == "bernoulli" else np.inf
        rates = np.clip(rates, 1e-9, hi_cap)
        new = HMMParameters(
            initial=initial / initial.sum(),
            transition=trans / trans.sum(axis=1, keepdims=True),
            rates=rates,
            emission=self.emission,
        )
        return new, float((loglik * w).sum())
