"""Import optional dependencies with a clear error naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from custrel.errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """Import ``module`` or raise :class:`~custrel.errors.MissingDependencyError`.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"matplotlib.pyplot"``.
    extra : str
        The custrel extra that installs it, e.g. ``"plot"``.
    feature : str
        What the user called, for the message.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    MissingDependencyError
        When the module cannot be imported.

    Examples
    --------
    >>> require("math", extra="none", feature="doctest").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        msg = f"{feature} requires {top}; install with: pip install 'custrel[{extra}]'"
        raise MissingDependencyError(msg) from exc
