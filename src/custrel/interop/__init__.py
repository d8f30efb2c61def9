"""Conversions between custrel models and other libraries.

- :mod:`custrel.interop.lifetimes`: fitted custrel models to and from the
  equivalent ``lifetimes`` fitters (for users migrating from lifetimes).

Submodules are imported explicitly (``from custrel.interop import lifetimes``).
"""

__all__: list[str] = []
