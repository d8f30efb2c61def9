"""Sphinx configuration for the custrel documentation (MyST Markdown + numpydoc + furo)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS.parent / "src"))

project = "custrel"
author = "custrel developers"
copyright = "2026, custrel developers"
release = "0.1.0.dev0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "conftest.py", "README.md"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
html_theme = "furo"
html_title = "custrel"

autodoc_typehints = "none"
autodoc_member_order = "bysource"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()
# numpydoc leaves module docstrings alone; a citation that a docstring lists
# under References without citing it in the text is not an error of the docs.
suppress_warnings = ["ref.citation"]

# Pages written by several people land at different times. A toctree entry
# whose page does not exist yet is dropped when the page is read, and every
# page not listed anywhere is appended to the "More" toctree of the index, so
# the build never warns about a missing or orphaned page.
_TOCTREE = re.compile(r"(```\{toctree\}\n)(.*?)(```)", re.DOTALL)


def _existing_pages() -> set[str]:
    pages = set()
    for path in DOCS.rglob("*.md"):
        rel = path.relative_to(DOCS)
        if rel.parts[0].startswith(("_", ".")) or rel.name == "README.md":
            continue
        pages.add(rel.with_suffix("").as_posix())
    return pages


def _toctree_entries(page: str, text: str) -> set[str]:
    parent = page.rsplit("/", 1)[0] if "/" in page else ""
    out = set()
    for match in _TOCTREE.finditer(text):
        for line in match.group(2).splitlines():
            entry = line.strip()
            if entry and not entry.startswith(":"):
                out.add(f"{parent}/{entry}" if parent else entry)
    return out


def _filter_toctrees(app: Any, docname: str, source: list[str]) -> None:
    if docname != "index":
        return
    pages = _existing_pages()
    elsewhere: set[str] = set()
    for page in pages - {"index"}:
        elsewhere |= _toctree_entries(page, (DOCS / f"{page}.md").read_text(encoding="utf-8"))
    listed: set[str] = set()

    def keep(match: re.Match[str]) -> str:
        lines = []
        for line in match.group(2).splitlines():
            entry = line.strip()
            if entry and not entry.startswith((":", "<!--")):
                if entry not in pages or entry in elsewhere:
                    continue
                listed.add(entry)
            lines.append(line)
        return match.group(1) + "\n".join(lines) + "\n" + match.group(3)

    text = _TOCTREE.sub(keep, source[0])
    orphans = sorted(pages - listed - elsewhere - {"index"})
    source[0] = text.replace("<!-- more-pages -->", "\n".join(orphans))


_UNDERLINE = re.compile(r"^\s*-{3,}\s*$")


def _module_sections_as_rubrics(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Render numpydoc section headings of module docstrings as rubrics.

    numpydoc does not parse module docstrings, so their "Examples" headings
    would become document sections whose ids clash between modules.
    """
    if what != "module":
        return
    out: list[str] = []
    i = 0
    while i < len(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if lines[i].strip() and _UNDERLINE.match(nxt) and len(nxt.strip()) >= len(lines[i].strip()):
            out += [f".. rubric:: {lines[i].strip()}", ""]
            i += 2
            continue
        out.append(lines[i])
        i += 1
    lines[:] = out


def setup(app: Any) -> dict[str, Any]:
    """Register the toctree filter and the module-docstring fix."""
    app.connect("source-read", _filter_toctrees)
    app.connect("autodoc-process-docstring", _module_sections_as_rubrics)
    return {"parallel_read_safe": True}
