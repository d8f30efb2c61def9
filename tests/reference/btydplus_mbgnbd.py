"""MBG/NBD on CDNOW: the maximum-likelihood estimates independent implementations agree on.

Source: Batislam, Denizel & Filiztekin (2007), IJRM 24(3), define the model but
fit other data; the CDNOW values r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 with
LL = -9582.1357 are the BTYDplus (R) estimates used as an oracle by lifetimes, as
listed in the project's ``published.md`` (params atol 1e-3, LL atol 1e-3).
"""

PARAMS = {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}
LOGLIK = -9582.1357
PARAM_ATOL = 1e-3
LOGLIK_ATOL = 1e-3
