"""BG/NBD on CDNOW: published estimates, exact MLE log-likelihood and closed-form checks.

Sources:
- Fader, Hardie & Lee (2005), "Counting your customers" the easy way, Marketing
  Science 24(2): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 on the 2,357-customer
  CDNOW sample in weeks (calibration end 1997-09-30); LL = -9582.4.
- The exact MLE log-likelihood -9582.4292 and all tolerances: the project's
  ``published.md`` (params atol 1e-3 vs published, LL atol 1e-3).
- Closed forms at the published parameters (Hardie's BG/NBD spreadsheet, cells
  quoted in ``published.md``): E[Y(39) | x=2, t_x=30.43, T=38.86] = 1.226 and
  P(alive) = 0.7266 for the same customer (atol 1e-3).
- Hardie's note 027 ("#NUM! error"), the numerically stable log-likelihood: with
  a=0.80, b=2.50, r=0.25, alpha=4.00 and T=40, the individual log-likelihood is
  -0.59947382 for (x, t_x) = (0, 0) and 100.7957 for (200, 38) (as encoded in
  pymc-marketing's ``test_numerically_stable_logp``).
"""

PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
LOGLIK = -9582.4292
PARAM_ATOL = 1e-3
LOGLIK_ATOL = 1e-3

CUSTOMER = {"frequency": 2, "recency": 30.43, "T": 38.86}
HORIZON = 39.0
EXPECTED_PURCHASES = 1.226
P_ALIVE = 0.7266
CLOSED_FORM_ATOL = 1e-3

NOTE027_PARAMS = {"r": 0.25, "alpha": 4.0, "a": 0.80, "b": 2.50}
NOTE027_T = 40.0
NOTE027_CASES = [((0, 0.0), -0.59947382), ((200, 38.0), 100.7957)]
