"""Customer value: CLV in explicit time units, customer equity, profit and retention economics.

- :func:`customer_profit`, :func:`cost_benefit`, :func:`cost_benefit_totals`:
  profit and the revenue / cost ratio of each customer (domain.md §6);
- :class:`RetentionScenario`, :func:`retention_value`, :func:`compare_retention`,
  :func:`retention_uplift`: what retention is worth for the user's own numbers.
"""

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

__all__ = [
    "COST_BENEFIT_LABELS",
    "CostBenefitConfig",
    "RetentionComparison",
    "RetentionScenario",
    "compare_retention",
    "cost_benefit",
    "cost_benefit_totals",
    "customer_profit",
    "retention_uplift",
    "retention_value",
]
