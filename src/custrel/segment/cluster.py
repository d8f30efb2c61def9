"""k-means segmentation on standardised customer features, seeded and readable.

Lloyd's algorithm with k-means++ seeding [1]_, the assignment step done by
:func:`scipy.cluster.vq.vq`. Features are optionally signed-log transformed
(``sign(x) * log1p(|x|)``, robust to the heavy right tail of spend) and
standardised to z-scores. Results are deterministic for a given ``seed``:
the best of ``n_init`` seeded runs (lowest within-cluster sum of squares) is
kept and clusters are numbered by decreasing mean of ``order_by``.

When ``k`` is not given it is chosen over ``k_range`` by the
Calinski-Harabasz criterion [2]_ (between- over within-cluster dispersion,
each divided by its degrees of freedom; larger is better), computed on a
seeded subsample of at most ``selection_sample`` customers so that the
choice stays cheap on millions of customers.

References
----------
.. [1] Arthur, D., Vassilvitskii, S. (2007). k-means++: the advantages of careful
   seeding. *Proceedings of SODA 2007*, 1027-1035.
.. [2] Calinski, T., Harabasz, J. (1974). A dendrite method for cluster analysis.
   *Communications in Statistics* 3(1):1-27.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.cluster.vq import vq

from custrel.data import CustomerBase
from custrel.errors import DataValidationError, ParameterError, SchemaError
from custrel.labels import Labels, Reason
from custrel.segment._build import REASON_CODE, labels_from_codes, reason_codes
from custrel.segment._checks import int_at_least

__all__ = ["ClusterResult", "KMeansSegmentation"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _check_features(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        not isinstance(value, tuple)
        or not value
        or not all(isinstance(v, str) for v in value)
        or len(set(value)) != len(value)
    ):
        msg = (
            f"KMeansSegmentation.features must be a tuple of distinct column names; got {value!r}."
        )
        raise ParameterError(msg)


def _check_k(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        msg = f"KMeansSegmentation.k must be None or an integer >= 1; got {value!r}."
        raise ParameterError(msg)


def _check_range(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    ok = (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 2 <= value[0] <= value[1]
    )
    if not ok:
        msg = f"KMeansSegmentation.k_range must be (k_min, k_max) with 2 <= k_min <= k_max; got {value!r}."
        raise ParameterError(msg)


def _check_transform(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in ("signed_log", "none"):
        msg = f"KMeansSegmentation.transform must be 'signed_log' or 'none'; got {value!r}."
        raise ParameterError(msg)


def _check_tol(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        msg = f"KMeansSegmentation.tol must be a finite float >= 0; got {value!r}."
        raise ParameterError(msg)


def _level_word(z: float) -> str:
    """Describe a standardised cluster centre in words (cut points at +-0.5 and +-1.5 sd)."""
    if z > 1.5:
        return "very high"
    if z > 0.5:
        return "high"
    if z < -1.5:
        return "very low"
    if z < -0.5:
        return "low"
    return "average"


def _kmeans_pp(x: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    """k-means++ seeding (Arthur & Vassilvitskii 2007); a loop over the k centres only."""
    n = x.shape[0]
    centers = np.empty((k, x.shape[1]))
    centers[0] = x[rng.integers(n)]
    d2 = ((x - centers[0]) ** 2).sum(axis=1)
    for j in range(1, k):
        total = d2.sum()
        if total <= 0:  # fewer distinct points than k: repeat a point
            centers[j] = x[rng.integers(n)]
            continue
        idx = int(np.searchsorted(np.cumsum(d2), rng.random() * total, side="right"))
        centers[j] = x[min(idx, n - 1)]
        d2 = np.minimum(d2, ((x - centers[j]) ** 2).sum(axis=1))
    return centers


def _lloyd(
    x: FloatArray,
    k: int,
    rng: np.random.Generator,
    max_iter: int,
    tol: float,
    init: FloatArray | None = None,
) -> tuple[FloatArray, IntArray, float]:
    centers = _kmeans_pp(x, k, rng) if init is None else init.copy()
    d = x.shape[1]
    for _ in range(max_iter):  # iterations, vectorised over customers
        lab, dist = vq(x, centers, check_finite=False)
        counts = np.bincount(lab, minlength=k).astype(np.float64)
        sums = np.stack([np.bincount(lab, weights=x[:, j], minlength=k) for j in range(d)], axis=1)
        new = centers.copy()
        filled = counts > 0
        new[filled] = sums[filled] / counts[filled, None]
        empty = np.flatnonzero(~filled)
        if empty.size:  # re-seed empty clusters at the points farthest from their centre
            far = np.argsort(dist)[::-1][: empty.size]
            new[empty] = x[far]
        shift = float(np.abs(new - centers).max())
        centers = new
        if shift <= tol and not empty.size:
            break
    lab, dist = vq(x, centers, check_finite=False)
    return centers, lab.astype(np.int64), float((dist**2).sum())


def _calinski_harabasz(x: FloatArray, lab: IntArray, centers: FloatArray, inertia: float) -> float:
    n, k = x.shape[0], centers.shape[0]
    if k < 2 or n <= k or inertia <= 0:
        return float("inf") if inertia <= 0 and n > k >= 2 else float("nan")
    counts = np.bincount(lab, minlength=k)
    between = float((counts * ((centers - x.mean(axis=0)) ** 2).sum(axis=1)).sum())
    return float((between / (k - 1)) / (inertia / (n - k)))


@attrs.frozen(kw_only=True)
class ClusterResult:
    """A fitted k-means segmentation.

    Attributes
    ----------
    labels : Labels
        Scheme ``"cluster"``: ``cluster_1`` .. ``cluster_k`` (by decreasing
        mean of ``order_by``) or ``undetermined`` for customers with a missing feature.
    k : int
        Number of clusters.
    profile : DataFrame
        One row per cluster: ``customers``, ``share``, the mean of every
        feature in its original units, and ``description`` (each feature
        ``high`` / ``low`` / ``average`` by its standardised centre, +-0.5 sd).
    centers : DataFrame
        Cluster centres in the standardised (transformed) space.
    selection : DataFrame or None
        ``inertia`` and ``calinski_harabasz`` per candidate k when k was chosen automatically.
    inertia : float
        Within-cluster sum of squares of the final fit (standardised space).
    """

    labels: Labels
    k: int
    profile: pd.DataFrame = attrs.field(eq=False, repr=False)
    centers: pd.DataFrame = attrs.field(eq=False, repr=False)
    selection: pd.DataFrame | None = attrs.field(eq=False, repr=False)
    inertia: float


@attrs.frozen(kw_only=True)
class KMeansSegmentation:
    """k-means clusters of customers with readable profiles.

    Attributes
    ----------
    features : tuple of str
        Feature columns (of ``base.features``, or of the frame given to
        :meth:`fit_frame`). Default: ``days_since_last``, ``occasions_window``,
        ``revenue_window`` (an RFM-like space defined for every buyer).
    k : int, optional
        Number of clusters; ``None`` chooses it by Calinski-Harabasz over ``k_range``.
    k_range : tuple of int
        Candidate ``(k_min, k_max)`` for the automatic choice (default (2, 8)).
    seed : int
        Seed of :func:`numpy.random.default_rng`; results are reproducible.
    n_init : int
        Seeded k-means++ restarts; the lowest inertia wins. With more than
        ``selection_sample`` customers the restarts run on a seeded subsample
        and the best one is refined by Lloyd iterations on every customer.
    max_iter : int
        Maximum Lloyd iterations per run.
    tol : float
        Stop when no centre moves more than this (standardised units).
    transform : {"signed_log", "none"}
        ``sign(x) * log1p(|x|)`` before standardising, or nothing.
    selection_sample : int
        At most this many customers (a seeded sample) are used to choose ``k``
        and for the restarts.
    order_by : str, optional
        Clusters are numbered by decreasing mean of this feature (default the last feature).

    Examples
    --------
    >>> from custrel.datasets import simulate_transactions
    >>> from custrel.data import build_customer_base
    >>> sim = simulate_transactions(400, seed=7)
    >>> base = build_customer_base(sim.transactions, as_of="2024-12-31")
    >>> res = KMeansSegmentation(k=3, seed=0).fit(base)
    >>> list(res.profile.columns)
    ['customers', 'share', 'days_since_last', 'occasions_window', 'revenue_window', 'description']
    >>> bool(res.profile["revenue_window"].is_monotonic_decreasing)
    True
    >>> KMeansSegmentation(k=3, seed=0).segment(base).label.equals(res.labels.label)
    True
    """

    features: tuple[str, ...] = attrs.field(
        default=("days_since_last", "occasions_window", "revenue_window"),
        validator=_check_features,
    )
    k: int | None = attrs.field(default=None, validator=_check_k)
    k_range: tuple[int, int] = attrs.field(default=(2, 8), validator=_check_range)
    seed: int = attrs.field(default=0, validator=int_at_least(0))
    n_init: int = attrs.field(default=4, validator=int_at_least(1))
    max_iter: int = attrs.field(default=100, validator=int_at_least(1))
    tol: float = attrs.field(default=1e-4, validator=_check_tol)
    transform: Literal["signed_log", "none"] = attrs.field(
        default="signed_log", validator=_check_transform
    )
    selection_sample: int = attrs.field(default=20_000, validator=int_at_least(10))
    order_by: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.order_by is not None and self.order_by not in self.features:
            msg = (
                f"KMeansSegmentation.order_by must be one of the features {self.features}; "
                f"got {self.order_by!r}."
            )
            raise ParameterError(msg)

    def segment(self, base: CustomerBase, /) -> Labels:
        """Cluster labels for every customer of ``base`` (see :meth:`fit`)."""
        return self.fit(base).labels

    def fit(self, base: CustomerBase, /) -> ClusterResult:
        """Cluster the customers of ``base`` on :attr:`features`.

        Customers without any purchase occasion are ``undetermined``
        (``no_valid_purchase``); other customers with a NaN feature are
        ``undetermined`` (``value_missing``).
        """
        feats = base.features
        missing = [f for f in self.features if f not in feats.columns]
        if missing:
            msg = f"KMeansSegmentation features {missing} are not CustomerBase features."
            raise SchemaError(msg)
        frame = feats[list(self.features)].astype("float64")
        no_purchase = feats["n_occasions"].to_numpy() == 0
        return self.fit_frame(frame, as_of=base.as_of, no_purchase=no_purchase)

    def fit_frame(
        self,
        data: pd.DataFrame,
        /,
        *,
        as_of: pd.Timestamp | None = None,
        no_purchase: np.ndarray | None = None,
    ) -> ClusterResult:
        """Cluster the rows of any numeric frame indexed by ``customer_id``.

        Rows with a NaN in a feature are ``undetermined`` (``value_missing``).

        Raises
        ------
        SchemaError
            A feature column is missing.
        DataValidationError
            Infinite values, or fewer complete customers than clusters.
        """
        missing = [f for f in self.features if f not in data.columns]
        if missing:
            msg = f"KMeansSegmentation features {missing} are missing from the frame."
            raise SchemaError(msg)
        raw = data[list(self.features)].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(raw).any():
            bad = np.isinf(raw).any(axis=1)
            msg = (
                f"KMeansSegmentation features must be finite or NaN; {int(bad.sum())} customers "
                f"have infinite values (e.g. customer_id {list(data.index[bad][:5])})."
            )
            raise DataValidationError(msg)
        ok = ~np.isnan(raw).any(axis=1)
        n_ok = int(ok.sum())
        x = raw[ok]
        if self.transform == "signed_log":
            x = np.sign(x) * np.log1p(np.abs(x))
        mu = x.mean(axis=0) if n_ok else np.zeros(raw.shape[1])
        sd = x.std(axis=0) if n_ok else np.ones(raw.shape[1])
        sd = np.where(sd > 0, sd, 1.0)
        z = (x - mu) / sd
        rng = np.random.default_rng(self.seed)
        selection = None
        if self.k is None:
            k, selection = self._choose_k(z, rng)
        else:
            k = self.k
        if n_ok < k:
            msg = f"k-means with k={k} needs at least {k} customers with every feature; got {n_ok}."
            raise DataValidationError(msg)
        # restarts on a seeded subsample when the base is large; the best start is
        # then refined on every customer (far fewer full passes)
        sample = z
        if n_ok > self.selection_sample:
            sample = z[rng.choice(n_ok, self.selection_sample, replace=False)]
        best: tuple[FloatArray, IntArray, float] | None = None
        for _ in range(self.n_init):  # seeded restarts
            run = _lloyd(sample, k, rng, self.max_iter, self.tol)
            if best is None or run[2] < best[2]:
                best = run
        assert best is not None
        if sample is not z:
            best = _lloyd(z, k, rng, self.max_iter, self.tol, init=best[0])
        centers, lab, inertia = best
        # number clusters by decreasing mean of order_by (in original units)
        key = self.features.index(self.order_by or self.features[-1])
        counts = np.bincount(lab, minlength=k).astype(np.float64)
        means = (
            np.stack(
                [np.bincount(lab, weights=raw[ok][:, j], minlength=k) for j in range(raw.shape[1])],
                axis=1,
            )
            / np.where(counts > 0, counts, 1.0)[:, None]
        )
        order = np.lexsort((np.arange(k), -means[:, key]))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        names = np.array([f"cluster_{i + 1}" for i in range(k)], dtype=object)
        codes = np.full(raw.shape[0], -1, dtype=np.int64)
        codes[ok] = rank[lab]
        reasons = reason_codes(raw.shape[0])
        reasons[~ok] = REASON_CODE[Reason.VALUE_MISSING]
        if no_purchase is not None:
            reasons[~ok & no_purchase] = REASON_CODE[Reason.NO_VALID_PURCHASE]
        result_labels = labels_from_codes(
            scheme="cluster",
            as_of=as_of,
            config=self,
            index=data.index,
            codes=codes,
            categories=tuple(names),
            reasons=reasons,
            diagnostics={"k": k},
        )
        z_centers = centers[order]
        desc = []
        for row in z_centers:  # k clusters x a few features
            parts = [f"{_level_word(c)} {f}" for f, c in zip(self.features, row, strict=True)]
            desc.append(", ".join(parts))
        profile = pd.DataFrame(
            {
                "customers": counts[order].astype(np.int64),
                "share": counts[order] / max(n_ok, 1),
                **{f: means[order, j] for j, f in enumerate(self.features)},
                "description": desc,
            },
            index=pd.Index(names, name="cluster"),
        )
        center_frame = pd.DataFrame(
            z_centers, index=pd.Index(names, name="cluster"), columns=list(self.features)
        )
        return ClusterResult(
            labels=result_labels,
            k=k,
            profile=profile,
            centers=center_frame,
            selection=selection,
            inertia=inertia,
        )

    def _choose_k(self, z: FloatArray, rng: np.random.Generator) -> tuple[int, pd.DataFrame]:
        n = z.shape[0]
        sample = z
        if n > self.selection_sample:
            sample = z[rng.choice(n, self.selection_sample, replace=False)]
        rows = []
        for k in range(self.k_range[0], self.k_range[1] + 1):  # a few candidate k
            if k >= sample.shape[0]:
                break
            best: tuple[FloatArray, IntArray, float] | None = None
            for _ in range(self.n_init):
                run = _lloyd(sample, k, rng, self.max_iter, self.tol)
                if best is None or run[2] < best[2]:
                    best = run
            assert best is not None
            ch = _calinski_harabasz(sample, best[1], best[0], best[2])
            rows.append((k, best[2], ch))
        if not rows:
            msg = (
                f"choosing k over {self.k_range} needs more than {self.k_range[0]} customers "
                f"with every feature; got {sample.shape[0]}."
            )
            raise DataValidationError(msg)
        table = pd.DataFrame(rows, columns=["k", "inertia", "calinski_harabasz"]).set_index("k")
        ch_values = table["calinski_harabasz"].to_numpy(dtype=np.float64)
        scored = np.where(np.isnan(ch_values), -np.inf, ch_values)
        k_best = int(table.index[int(np.argmax(scored))])
        return k_best, table
