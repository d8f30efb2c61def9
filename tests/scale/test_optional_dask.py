"""dask stays optional: custrel.scale never imports it; custrel.scale.dask names the extra."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from custrel.errors import MissingDependencyError


def test_importing_custrel_scale_does_not_import_dask() -> None:
    code = (
        "import sys, custrel, custrel.scale; "
        "print(custrel.scale.ENGINES, any(m == 'dask' or m.startswith('dask.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "('dask',) False"


def test_missing_dask_raises_missing_dependency_naming_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(sys.modules, "custrel.scale.dask", raising=False)
    for name in [m for m in sys.modules if m == "dask" or m.startswith("dask.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "dask", None)  # makes `import dask` fail
    with pytest.raises(MissingDependencyError, match=r"pip install 'custrel\[dask\]'") as info:
        importlib.import_module("custrel.scale.dask")
    assert isinstance(info.value, ImportError)
    assert "custrel.scale.dask requires dask" in str(info.value)


def test_dask_present_imports_the_adapter() -> None:
    mod = importlib.import_module("custrel.scale.dask")
    assert callable(mod.summarize)
    assert callable(mod.pattern_counts)
