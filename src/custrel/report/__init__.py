"""Reporting: the per-customer profile, summary tables, plots, the HTML report, privacy.

- :func:`run_report` runs the main job (what ``custrel report`` does) and returns a
  :class:`CRMReport` that writes ``customers.csv``, ``models.json``, ``segments.csv``
  and ``report.html``;
- :func:`crm_profile` gives one row per customer with every model output and
  classification (:data:`PROFILE_COLUMNS`); :func:`crm_labels` and
  :func:`assemble_profile` are its two halves;
- :mod:`custrel.report.tables`: the summary tables of a profile (headline numbers,
  label distributions, state × tier, win-back and upgrade lists, undetermined
  reasons with the data that would resolve them, P(alive) grid, holdout check);
- :mod:`custrel.report.plots`: ``plot_*(…, ax=None) -> Axes`` drawing those
  tables (matplotlib, the ``plot`` extra, imported lazily);
- :mod:`custrel.report.html`: escaping building blocks of the self-contained report;
- :mod:`custrel.report.privacy`: :class:`Pseudonymizer` (HMAC-SHA256 keyed hashes
  of customer ids) and key files.
"""

from custrel.report.pipeline import (
    MODEL_KEYS,
    CRMReport,
    ModelCandidate,
    ReportSettings,
    run_report,
)
from custrel.report.privacy import Pseudonymizer, generate_key, read_key_file, write_key_file
from custrel.report.profile import (
    PROFILE_COLUMNS,
    SCHEME_COLUMNS,
    CRMConfig,
    assemble_profile,
    crm_labels,
    crm_profile,
)

__all__ = [
    "MODEL_KEYS",
    "PROFILE_COLUMNS",
    "SCHEME_COLUMNS",
    "CRMConfig",
    "CRMReport",
    "ModelCandidate",
    "Pseudonymizer",
    "ReportSettings",
    "assemble_profile",
    "crm_labels",
    "crm_profile",
    "generate_key",
    "read_key_file",
    "run_report",
    "write_key_file",
]
