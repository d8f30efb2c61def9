"""Pareto/NBD on CDNOW: published estimates and the exact maximum-likelihood value.

Source: Fader & Hardie (2005), note 008 "Implementing the Pareto/NBD model" (MATLAB
code and results) and Fader, Hardie & Lee (2005, Marketing Science 24(2)), which
quote r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669 and LL = -9595.0 on the
2,357-customer CDNOW sample in weeks (calibration end 1997-09-30). The exact MLE
log-likelihood -9594.9762 and the tolerances are from the project's
``published.md`` (beta is weakly identified, hence its wider tolerance).
"""

PARAMS = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
LOGLIK = -9594.9762
LOGLIK_ATOL = 1e-3
RTOL = {"r": 1e-3, "alpha": 1e-3, "s": 2e-3, "beta": 5e-3}
