"""Segmentation strategies behind one Protocol (domain.md §5, §8).

Every strategy is a frozen attrs configuration with one verb returning
:class:`~custrel.labels.Labels`:

* ``segment(base)`` (:class:`SegmentationStrategy`): :class:`RFMScores`,
  :class:`BehaviourProfile`, :class:`KMeansSegmentation`, :class:`ValueTiers`;
* ``assign(value)`` (:class:`ValueStrategy`): :class:`ValueTiers` on any value
  measure, :class:`CustomerPyramid` on profit.

Helpers: :func:`value_score` (composite value), :func:`value_matrix`
(current x potential), :func:`segment_profiles` (per-segment customers,
revenue share, CLV, customer equity, expected churn and strategy text),
:func:`midrank_levels` (the tie rule of domain.md §1.5).
"""

from custrel.segment._protocol import SegmentationStrategy, ValueStrategy
from custrel.segment._ranks import midrank_levels
from custrel.segment.cluster import ClusterResult, KMeansSegmentation
from custrel.segment.profile import PROFILE_DIMENSIONS, BehaviourProfile
from custrel.segment.profiles import segment_profiles
from custrel.segment.rfm import (
    RFM_RULE_SETS,
    RFM_SEGMENT_MAP,
    RFMRuleSet,
    RFMScores,
    all_rfm_codes,
)
from custrel.segment.tiers import (
    ABC_STRATEGIES,
    DEFAULT_TIER_STRATEGIES,
    PYRAMID_STRATEGIES,
    VALUE_MATRIX_STRATEGIES,
    CustomerPyramid,
    TierStrategy,
    ValueTiers,
    value_matrix,
    value_score,
)

__all__ = [
    "ABC_STRATEGIES",
    "DEFAULT_TIER_STRATEGIES",
    "PROFILE_DIMENSIONS",
    "PYRAMID_STRATEGIES",
    "RFM_RULE_SETS",
    "RFM_SEGMENT_MAP",
    "VALUE_MATRIX_STRATEGIES",
    "BehaviourProfile",
    "ClusterResult",
    "CustomerPyramid",
    "KMeansSegmentation",
    "RFMRuleSet",
    "RFMScores",
    "SegmentationStrategy",
    "TierStrategy",
    "ValueStrategy",
    "ValueTiers",
    "all_rfm_codes",
    "midrank_levels",
    "segment_profiles",
    "value_matrix",
    "value_score",
]
