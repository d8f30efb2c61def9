"""Customer value: CLV in explicit time units, customer equity, profit and retention economics.

- :func:`clv` / :func:`clv_frame` with :class:`CLVSpec`: customer lifetime value
  with the horizon and the discount rate stated in named units, converted
  exactly to the purchase model's unit (discrete steps or continuous DERT);
- :func:`customer_equity` with :class:`FutureCohorts`, and :func:`clv_uncertainty`:
  the value of the customer base, future cohorts, and "CLV 120 ± 15";
- :func:`customer_profit`, :func:`cost_benefit`, :func:`cost_benefit_totals`:
  profit and the revenue / cost ratio of each customer (domain.md §6);
- :class:`RetentionScenario`, :func:`retention_value`, :func:`compare_retention`,
  :func:`retention_uplift`: what retention is worth for the user's own numbers.
"""

from custrel.value._protocols import (
    DiscountedPurchaseModel,
    FitLike,
    PurchaseModel,
    SpendModel,
)
from custrel.value.clv import MODEL_UNIT, CLVSpec, Spend, clv, clv_frame
from custrel.value.economics import (
    COST_BENEFIT_LABELS,
    CostBenefitConfig,
    RetentionComparison,
    RetentionScenario,
    compare_retention,
    cost_benefit,
    cost_benefit_totals,
    customer_profit,
    retention_uplift,
    retention_value,
)
from custrel.value.equity import (
    CLVUncertainty,
    CustomerEquity,
    FutureCohorts,
    clv_uncertainty,
    customer_equity,
)

__all__ = [
    "COST_BENEFIT_LABELS",
    "MODEL_UNIT",
    "CLVSpec",
    "CLVUncertainty",
    "CostBenefitConfig",
    "CustomerEquity",
    "DiscountedPurchaseModel",
    "FitLike",
    "FutureCohorts",
    "PurchaseModel",
    "RetentionComparison",
    "RetentionScenario",
    "Spend",
    "SpendModel",
    "clv",
    "clv_frame",
    "clv_uncertainty",
    "compare_retention",
    "cost_benefit",
    "cost_benefit_totals",
    "customer_equity",
    "customer_profit",
    "retention_uplift",
    "retention_value",
]
