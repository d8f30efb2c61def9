"""Customer states, lifecycle stages and lifecycle patterns (domain.md §2-§3).

- :class:`StateRules` labels customers potential / target / current / lost
  with the actions acquire / maintain / win back, from contracts, prospects,
  P(alive) and hiatus rules; :func:`prioritise_actions` refines win-backs by
  value tier; :func:`suggest_hiatus` calibrates the hiatus.
"""

from custrel.lifecycle._common import AliveModel, PAlive
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
    "STATES",
    "AliveModel",
    "PAlive",
    "StateRules",
    "prioritise_actions",
    "suggest_hiatus",
]
