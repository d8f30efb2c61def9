"""Customer states, lifecycle stages and lifecycle patterns (domain.md §2-§3).

- :class:`StateRules` labels customers potential / target / current / lost
  with the actions acquire / maintain / win back, from contracts, prospects,
  P(alive) and hiatus rules; :func:`prioritise_actions` refines win-backs by
  value tier; :func:`suggest_hiatus` calibrates the hiatus.
- :class:`LifecycleRules` labels purchasers exploration / formation /
  stability / decline / terminated (Chen Mingliang's stages with Dwyer,
  Schurr & Oh's phases), with stage strategies as data (:data:`STAGE_STRATEGIES`);
  :func:`lifecycle_pattern` reads Chen's four lifecycle patterns from a stage history.
- :class:`RelationshipHMM` (advanced) fits a homogeneous hidden Markov model of
  relationship states to purchase counts per period (after Netzer, Lattin &
  Srinivasan 2008) and labels each customer by the filtered posterior at ``as_of``.
"""

from custrel.lifecycle._common import AliveModel, PAlive
from custrel.lifecycle.hmm import HMMParameters, HMMResult, RelationshipHMM
from custrel.lifecycle.patterns import PATTERNS, lifecycle_pattern
from custrel.lifecycle.stages import (
    CHEN_STAGE,
    CUSTOMER_TYPE,
    DWYER_PHASE,
    EMERGENCE_ALIAS,
    STAGE_STRATEGIES,
    STAGES,
    LifecycleRules,
)
from custrel.lifecycle.states import (
    ACTIONS,
    BASES,
    STATES,
    StateRules,
    prioritise_actions,
    suggest_hiatus,
)

__all__ = [
    "ACTIONS",
    "BASES",
    "CHEN_STAGE",
    "CUSTOMER_TYPE",
    "DWYER_PHASE",
    "EMERGENCE_ALIAS",
    "PATTERNS",
    "STAGES",
    "STAGE_STRATEGIES",
    "STATES",
    "AliveModel",
    "HMMParameters",
    "HMMResult",
    "LifecycleRules",
    "PAlive",
    "RelationshipHMM",
    "StateRules",
    "lifecycle_pattern",
    "prioritise_actions",
    "suggest_hiatus",
]
