"""The documented exception tree and optional-dependency errors."""

from __future__ import annotations

import sys

import pytest

from custrel import errors
from custrel._optional import require


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.SchemaError, ValueError),
        (errors.DataValidationError, ValueError),
        (errors.ParameterError, ValueError),
        (errors.ConvergenceError, RuntimeError),
        (errors.MissingDependencyError, ImportError),
    ],
)
def test_every_error_is_a_custrel_error_and_its_builtin(cls: type, builtin: type) -> None:
    assert issubclass(cls, errors.CustrelError)
    assert issubclass(cls, builtin)


def test_warnings_tree() -> None:
    assert issubclass(errors.DataWarning, errors.CustrelWarning)
    assert issubclass(errors.ConvergenceWarning, errors.CustrelWarning)
    assert issubclass(errors.CustrelWarning, UserWarning)


def test_errors_carry_diagnostics() -> None:
    exc = errors.ConvergenceError("no", diagnostics={"iterations": 3})
    assert exc.diagnostics == {"iterations": 3}
    dv = errors.DataValidationError("bad", problems=("a", "b"))
    assert dv.problems == ("a", "b")


def test_require_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(errors.MissingDependencyError, match=r"pip install 'custrel\[plot\]'"):
        require("matplotlib.pyplot", extra="plot", feature="plot_x")


def test_importing_custrel_does_not_touch_warning_filters() -> None:
    import warnings

    before = list(warnings.filters)
    import custrel  # noqa: F401

    assert list(warnings.filters) == before
