"""Loyalty: repeat patronage, relative attitude, Dick & Basu, Sindell, dimensions, profitability.

- :class:`RepeatPatronageRules` and :class:`AttitudeRules` label the two
  dimensions of Dick & Basu (1994) separately (behaviour from transactions,
  attitude only from survey data);
- :class:`DickBasu` crosses them into true / latent / spurious / no loyalty;
- :class:`SindellRules` gives Sindell's seven loyalty types (monopoly,
  inertia, latent, convenience, price, incentive, premium), survey first;
- :class:`LoyaltyDimensions` reports behavioural, emotional and conscious
  loyalty side by side;
- :class:`LoyaltyProfitability` crosses longevity with profit (Reinartz &
  Kumar 2002: true friends, butterflies, barnacles, strangers).
"""

from custrel.loyalty.attitude import AttitudeRules
from custrel.loyalty.dick_basu import DICK_BASU_TYPES, DickBasu
from custrel.loyalty.dimensions import LoyaltyDimensions, LoyaltyDimensionsResult
from custrel.loyalty.profitability import (
    PROFITABILITY_STRATEGIES,
    PROFITABILITY_TYPES,
    LoyaltyProfitability,
)
from custrel.loyalty.repeat import RP_BASES, RepeatPatronageRules
from custrel.loyalty.sindell import DRIVERS, NO_LOYALTY, SINDELL_TYPES, SindellRules

__all__ = [
    "DICK_BASU_TYPES",
    "DRIVERS",
    "NO_LOYALTY",
    "PROFITABILITY_STRATEGIES",
    "PROFITABILITY_TYPES",
    "RP_BASES",
    "SINDELL_TYPES",
    "AttitudeRules",
    "DickBasu",
    "LoyaltyDimensions",
    "LoyaltyDimensionsResult",
    "LoyaltyProfitability",
    "RepeatPatronageRules",
    "SindellRules",
]
