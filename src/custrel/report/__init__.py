"""Reporting: the per-customer profile, summary tables, plots, the HTML report, privacy.

- :mod:`custrel.report.tables`: the summary tables of a profile (headline numbers,
  label distributions, state × tier, win-back and upgrade lists, undetermined
  reasons with the data that would resolve them, P(alive) grid, holdout check);
- :mod:`custrel.report.plots`: ``plot_*(…, ax=None) -> Axes`` drawing those
  tables (matplotlib, the ``plot`` extra, imported lazily);
- :mod:`custrel.report.html`: escaping building blocks of the self-contained report;
- :mod:`custrel.report.privacy`: :class:`Pseudonymizer` (HMAC-SHA256 keyed hashes
  of customer ids) and key files.
"""

from custrel.report.privacy import Pseudonymizer, generate_key, read_key_file, write_key_file

__all__ = ["Pseudonymizer", "generate_key", "read_key_file", "write_key_file"]
