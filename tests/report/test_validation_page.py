"""docs/validation.md: every published number of its table is checked by an executed example."""

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "validation.md"
NUMBER = re.compile(r"[−-]?\d[\d,]*\.?\d*")


def _numbers(text):
    out = set()
    for tok in NUMBER.findall(text):
        tok = tok.replace("−", "-").replace(",", "")
        if tok.endswith("."):
            tok = tok[:-1]
        out.add(float(tok))
    return out


def _table_published(text):
    rows = [ln for ln in text.splitlines() if ln.startswith("| ") and not ln.startswith("| result")]
    return {ln.split("|")[1].strip(): ln.split("|")[3] for ln in rows if not set(ln) <= set("|- ")}


def _example_outputs(text):
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    lines = []
    for block in blocks:
        lines += [ln for ln in block.splitlines() if ln and not ln.startswith((">>>", "..."))]
    return "\n".join(lines)


def test_every_published_value_on_the_validation_page_is_reproduced_by_an_example():
    text = PAGE.read_text(encoding="utf-8")
    published = _table_published(text)
    assert len(published) >= 11
    outputs = _numbers(_example_outputs(text))
    for result, cell in published.items():
        cell = re.sub(r"\([^)]*\)", "", cell)  # "(39 weeks)"-style remarks
        cell = re.sub(r"[nxdT]_?x? = \d+(\.\d+)?", "", cell)  # inputs, not results
        wanted = {v for v in _numbers(cell) if v not in {1.0, 2.0, 5.0, 10.0} or "LL" in cell}
        missing = sorted(v for v in wanted if v not in outputs)
        assert not missing, f"{result}: {missing} not produced by any example"
