"""BG/BB on the donations data: published estimates and P(alive) from Table 6.

Source: Fader, Hardie & Shang (2010), Customer-base analysis in a discrete-time
noncontractual setting, Marketing Science 29(6): 11,104 first-time donors of 1995,
six annual opportunities (1996-2001): alpha = 1.204, beta = 0.750, gamma = 0.657,
delta = 2.783, LL = -33225.6 (exact MLE -33225.5813, ``published.md``; params atol
1e-3, LL atol 1e-3). P(alive in 2002) for (x, t_x) = (0, 0), (2, 4), (6, 6) with n = 6
is 0.11, 0.59, 0.93 (Table 6, two decimals).
"""

PARAMS = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
LOGLIK = -33225.5813
PARAM_ATOL = 1e-3
LOGLIK_ATOL = 1e-3
N_PERIODS = 6
P_ALIVE_2002 = [((0, 0), 0.11), ((2, 4), 0.59), ((6, 6), 0.93)]
