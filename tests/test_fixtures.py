"""Every fixture file: the findings it marks with `# error: AIO...`, and nothing else.

`fixtures/<CODE>/<name>.py` is linted on its own; `fixtures/<CODE>/<folder>/` is linted
as one project (the command's whole-project view). Rules that are off by default are
enabled for the fixtures in their own folder.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Set, Tuple

import pytest

from asynclint import lint_paths, lint_source
from asynclint.config import Settings
from asynclint.files import SourceError, read_source

from .conftest import FIXTURES, expected_findings

SINGLE_FILES = sorted(p for p in FIXTURES.glob("*/*.py") if p.is_file())
PROJECTS = sorted(p for p in FIXTURES.glob("*/*") if p.is_dir())


def _settings(fixture: Path) -> Settings:
    code_folder = fixture.relative_to(FIXTURES).parts[0]
    return Settings(extend_select=[code_folder] if code_folder.startswith("AIO") else [], root=FIXTURES)


def _found(diagnostics) -> Set[Tuple[int, str]]:
    return {(d.line, d.code) for d in diagnostics}


def _describe(path: Path, missing, unexpected) -> str:
    lines = [f"{path.relative_to(FIXTURES)}:"]
    lines += [f"  expected but not reported: line {line} {code}" for line, code in sorted(missing)]
    lines += [f"  reported but not expected: line {line} {code}" for line, code in sorted(unexpected)]
    return "\n".join(lines)


def test_there_are_fixtures() -> None:
    assert len(SINGLE_FILES) >= 10


@pytest.mark.parametrize("fixture", SINGLE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_single_file_fixture(fixture: Path) -> None:
    run = lint_paths([fixture], _settings(fixture))
    assert not run.errors, run.errors
    expected = expected_findings(fixture)
    found = _found(run.diagnostics)
    assert found == expected, _describe(fixture, expected - found, found - expected)


@pytest.mark.parametrize("fixture", SINGLE_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_single_module_view_agrees(fixture: Path) -> None:
    """The flake8 plugin's one-module view finds the same in a self-contained file.

    Except AIO001 (flake8 reports unreadable files itself) and AIO900 (flake8 handles
    `# noqa` itself; only the command reports unused ones).
    """
    try:
        source = read_source(fixture)
    except SourceError:
        pytest.skip("unreadable fixture: flake8 reports it itself")
    own = ("AIO001", "AIO900")
    expected = {(line, code) for line, code in expected_findings(fixture) if code not in own}
    found = {(line, code) for line, code in _found(lint_source(source, str(fixture), _settings(fixture))) if code not in own}
    assert found == expected, _describe(fixture, expected - found, found - expected)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_project_fixture(project: Path) -> None:
    run = lint_paths([project], _settings(project))
    assert not run.errors, run.errors
    files = sorted(project.rglob("*.py"))
    assert files
    problems: List[str] = []
    for path in files:
        expected = expected_findings(path)
        found = _found(d for d in run.diagnostics if Path(d.path) == path)
        if found != expected:
            problems.append(_describe(path, expected - found, found - expected))
    assert not problems, "\n".join(problems)
