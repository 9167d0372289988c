"""Shared helpers for the test suite."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

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
