"""Shifted-beta-geometric reference values (Fader & Hardie 2007, 2010).

Fader & Hardie (2007), "How to project customer retention", J. Interactive
Marketing 21(1), 76-90: two cohorts of 1,000 customers, alive at the end of years
0..7 (right-censored at year 7), and their maximum-likelihood estimates.

Fader & Hardie (2010), "Customer-base valuation in a contractual setting",
Marketing Science 29(1), 85-93, Table 3: DERL at d = 10%, alpha = 3.80,
beta = 15.20 for a customer in period n = 1..5, i.e. after n - 1 = 0..4 renewals
(eq. 6, "DERL(d | alpha, beta, n - 1 renewals)").
"""

HIGH_END = (1000, 869, 743, 653, 593, 551, 517, 491)
HIGH_END_PARAMS = {"alpha": 0.668, "beta": 3.806}
HIGH_END_LOGLIK = -1611.158

REGULAR = (1000, 631, 468, 382, 326, 289, 262, 241)
REGULAR_PARAMS = {"alpha": 0.704, "beta": 1.182}
REGULAR_LOGLIK = -1680.265

PARAMS_ATOL = 1e-3
LOGLIK_ATOL = 1e-3

DERL_PARAMS = {"alpha": 3.80, "beta": 15.20}
DERL_DISCOUNT = 0.10
DERL_RENEWALS = (0, 1, 2, 3, 4)
DERL_TABLE3 = (3.31, 3.45, 3.59, 3.72, 3.84)
