"""The custrel exception and warning tree.

Every error custrel raises on purpose is a :class:`CustrelError`, and each
class also subclasses the matching builtin so that existing ``except
ValueError`` code keeps working::

    CustrelError
     ├── SchemaError            (ValueError)    missing, duplicated or ill-typed columns
     ├── DataValidationError    (ValueError)    values that violate the data contract
     ├── ParameterError         (ValueError)    invalid model parameters or configuration
     ├── ConvergenceError       (RuntimeError)  the optimiser failed; carries diagnostics
     └── MissingDependencyError (ImportError)   an optional extra is not installed

    CustrelWarning (UserWarning)
     ├── DataWarning            suspicious but legal data (small populations, correlations)
     └── ConvergenceWarning     a usable fit whose optimiser reported a problem

custrel never changes the user's warning filters and never prints on failure:
diagnostics travel on the exception object.

Examples
--------
>>> from custrel.errors import DataValidationError, CustrelError
>>> issubclass(DataValidationError, ValueError) and issubclass(DataValidationError, CustrelError)
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "CustrelError",
    "CustrelWarning",
    "DataValidationError",
    "DataWarning",
    "MissingDependencyError",
    "ParameterError",
    "SchemaError",
]


class CustrelError(Exception):
    """Base class of every exception custrel raises on purpose."""


class SchemaError(CustrelError, ValueError):
    """Input columns are missing, duplicated or of a type that cannot be coerced."""


class DataValidationError(CustrelError, ValueError):
    """Input values violate the data contract (NaN amounts, bad dates, recency > T, ...).

    The message lists every problem found, each with the column, the rule
    broken, the number of offending rows and up to five examples.
    """

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems


class ParameterError(CustrelError, ValueError):
    """A model parameter or a configuration value is invalid."""


class ConvergenceError(CustrelError, RuntimeError):
    """The optimiser did not reach a usable maximum.

    Attributes
    ----------
    diagnostics : Mapping[str, Any]
        What the optimiser reported (message, iterations, last parameters, gradient norm).
    """

    def __init__(self, message: str, *, diagnostics: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.diagnostics: Mapping[str, Any] = dict(diagnostics or {})


class MissingDependencyError(CustrelError, ImportError):
    """An optional dependency is needed for a feature but is not installed."""


class CustrelWarning(UserWarning):
    """Base class of every warning custrel emits."""


class DataWarning(CustrelWarning):
    """Data that is legal but suspicious, or too thin for a reliable rule."""


class ConvergenceWarning(CustrelWarning):
    """A fit is usable, but the optimiser reported a problem."""
