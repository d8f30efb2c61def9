"""Probabilistic purchase, churn and spend models.

Models are frozen values built from their published parameters
(``BetaGeo(r=..., alpha=..., a=..., b=...)``) or fitted by maximum likelihood
(``BetaGeo.fit(summary, period="W") -> FitResult``). See
:mod:`custrel.models._mle` for how a model plugs into the shared engine.
"""

from custrel.models._mle import FitConfig, FitResult
from custrel.models._persist import from_json, register_model, to_json
from custrel.models._protocols import PurchaseModel, SpendModel, TimeAwareModel
from custrel.models.beta_geo import BetaGeo
from custrel.models.beta_geo_beta_binom import BetaGeoBetaBinom
from custrel.models.gamma_gamma import GammaGamma
from custrel.models.modified_beta_geo import ModifiedBetaGeo
from custrel.models.pareto_nbd import ParetoNBD
from custrel.models.shifted_beta_geo import ShiftedBetaGeo

__all__ = [
    "BetaGeo",
    "BetaGeoBetaBinom",
    "FitConfig",
    "FitResult",
    "GammaGamma",
    "ModifiedBetaGeo",
    "ParetoNBD",
    "PurchaseModel",
    "ShiftedBetaGeo",
    "SpendModel",
    "TimeAwareModel",
    "from_json",
    "register_model",
    "to_json",
]
