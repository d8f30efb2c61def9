"""Gamma-gamma spend model on the 946 CDNOW repeat customers.

Source: Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for
customer base analysis", J. Marketing Research 42(4), and Fader & Hardie note 025
("The gamma-gamma model of monetary value"): p = 6.25, q = 3.74, gamma = 15.44.
The log-likelihood -4055.9177 includes the x^(px) Jacobian of the mean (note 025,
eq. 3); tolerances from the project's ``published.md``.
"""

PARAMS = {"p": 6.25, "q": 3.74, "gamma": 15.44}
PARAMS_ATOL = 0.01
LOGLIK = -4055.9177
LOGLIK_ATOL = 1e-3
N_REPEAT = 946
