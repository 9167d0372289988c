"""Shared helpers for the test suite."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, Set, Tuple

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

# How many examples each fuzz test tries (tests/test_fuzz.py). The default keeps the suite
# quick and deterministic; `pytest --fuzz-long tests/test_fuzz.py` (or this variable set to
# a number) runs a longer, randomly seeded search.
FUZZ_EXAMPLES_VARIABLE = "ASYNCLINT_FUZZ_EXAMPLES"
FUZZ_LONG_EXAMPLES = 3000


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-long",
        action="store_true",
        help=f"fuzz for longer ({FUZZ_LONG_EXAMPLES} examples per test, random seed; or set {FUZZ_EXAMPLES_VARIABLE}=N)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--fuzz-long"):
        os.environ.setdefault(FUZZ_EXAMPLES_VARIABLE, str(FUZZ_LONG_EXAMPLES))


_EXPECTED = re.compile(rb"#\s*error:\s*((?:AIO\d{3}[\s,]*)+)")


def expected_findings(path: Path) -> Set[Tuple[int, str]]:
    """The (line, code) pairs a fixture's `# error: AIO100` comments ask for."""
    expected = set()
    for number, line in enumerate(path.read_bytes().splitlines(), start=1):
        match = _EXPECTED.search(line)
        if match:
            for code in re.findall(rb"AIO\d{3}", match.group(1)):
                expected.add((number, code.decode()))
    return expected


@pytest.fixture
def tmp_project(tmp_path: Path):
    """Write a dict of relative path -> text into a temporary folder."""

    def write(files: Dict[str, str]) -> Path:
        for name, text in files.items():
            target = tmp_path / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        return tmp_path

    return write
