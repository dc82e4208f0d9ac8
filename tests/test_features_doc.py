"""docs/FEATURES.md tells the truth: a row marked done names tests that exist and check its module."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEATURES = ROOT / "docs" / "FEATURES.md"
CODE = re.compile(r"`([^`]+)`")


def done_rows() -> list[tuple[str, str, str]]:
    """(topic, module cell, test cell) of every table row whose status is done."""
    rows = []
    for line in FEATURES.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[4] == "done":
            rows.append((cells[0], cells[1], cells[3]))
    return rows


def paths(cell: str, prefix: str) -> list[str]:
    return [m for m in CODE.findall(cell) if m.startswith(prefix)]


def named_test_files(cell: str) -> list[Path]:
    found = []
    for name in paths(cell, "tests/"):
        path = ROOT / name.split("::")[0]
        found += sorted(path.rglob("test_*.py")) if path.is_dir() else [path]
    return found


def dotted(module_path: str) -> str:
    """toolkit/ffnn/mlp.py -> toolkit.ffnn.mlp; toolkit/data/ -> toolkit.data."""
    return module_path.rstrip("/").removesuffix(".py").replace("/", ".")


def test_every_done_row_names_tests_that_exist():
    rows = done_rows()
    assert len(rows) > 50
    for topic, _module, tests in rows:
        names = paths(tests, "tests/")
        assert names, f"'{topic}' is marked done but names no test"
        for name in names:
            assert (ROOT / name.split("::")[0]).exists(), f"'{topic}' names a missing test {name}"


def public_names(module_path: str) -> set[str]:
    """Classes and functions a module defines at its top level (not _private)."""
    source = (ROOT / module_path).read_text() if module_path.endswith(".py") else ""
    return set(re.findall(r"^(?:class|def) ([A-Za-z]\w*)", source, re.MULTILINE))


def mentions(texts: str, module_path: str) -> bool:
    """The module by its dotted name, its file stem next to its package, or one of its names
    imported from its package (``from toolkit.backprop import NumpyMLP``)."""
    name = dotted(module_path)
    package, stem = (name.rsplit(".", 1) if module_path.endswith(".py") else (name, ""))
    if name in texts or (stem in texts and package.rsplit(".", 1)[-1] in texts):
        return True
    return package in texts and any(re.search(rf"\b{n}\b", texts) for n in public_names(module_path))


def test_every_done_row_has_a_test_that_mentions_its_module():
    problems = []
    for topic, module, tests in done_rows():
        # the library or the app; a row about running the app (deployment) names its script in benchmarks/
        modules = [m for m in paths(module, "toolkit/") + paths(module, "demos/") if (ROOT / m).exists()]
        modules = modules or [m for m in paths(module, "benchmarks/") if (ROOT / m).exists()]
        if not modules:
            problems.append(f"'{topic}' is marked done but names no existing module: {module!r}")
        texts = " ".join(path.read_text() for path in named_test_files(tests))
        problems += [f"'{topic}': none of {paths(tests, 'tests/')} mentions {dotted(name)}"
                     for name in modules if not mentions(texts, name)]
    assert not problems, "\n".join(problems)
