"""statements.py: where each statement starts, in source order."""
from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import List

import pytest

from asynclint.statements import statement_lines, statement_start

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

EVERY_BLOCK = '''\
import os


@decorator
class Box:
    """A box."""

    @property
    def size(self):
        return 1

    async def fill(self, items):
        async with lock:
            async for item in items:
                await item
            else:
                pass


def main():
    if a:
        b = 1; c = 2
    elif d:
        pass
    else:
        for x in y:
            continue
        else:
            pass
    while z:
        break
    else:
        pass
    with open(p) as f:
        f.read()
    try:
        pass
    except OSError:
        pass
    else:
        pass
    finally:
        pass
'''

MATCH = """\
match command:
    case [x]:
        pass
    case _:
        if x:
            pass
"""

TRY_STAR = """\
try:
    pass
except* OSError:
    pass
finally:
    pass
"""


def in_source_order(tree: ast.Module) -> List[int]:
    """The start of every statement, found by position rather than by block."""
    found = sorted((statement_start(node), node.col_offset) for node in ast.walk(tree) if isinstance(node, ast.stmt))
    return [line for line, _ in found]


def sources() -> List[str]:
    texts = [EVERY_BLOCK]
    if sys.version_info >= (3, 10):
        texts.append(MATCH)
    if sys.version_info >= (3, 11):
        texts.append(TRY_STAR)
    return texts


@pytest.mark.parametrize("source", sources())
def test_every_statement_in_every_kind_of_block(source):
    tree = ast.parse(source)
    assert list(statement_lines(tree)) == in_source_order(tree)


def test_every_statement_of_the_fixtures():
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            continue  # fixtures of AIO001, or syntax newer than this Python
        assert list(statement_lines(tree)) == in_source_order(tree), path
        checked += 1
    assert checked > 20


def _walked_lines(tree: ast.Module) -> List[int]:
    from asynclint.config import Settings
    from asynclint.screen import Vocabulary, outline_and_lines

    outline, lines = outline_and_lines(tree, "m", Vocabulary(Settings()), b"")
    assert outline is not None and lines is not None
    return list(lines)


@pytest.mark.parametrize("source", sources())
def test_the_outline_walk_meets_every_statement_in_order(source):
    # The outline pass takes the statement lines from its walk (screen.py), not from a
    # walk of their own: they must be statement_lines', whatever the blocks.
    tree = ast.parse(source)
    assert _walked_lines(tree) == list(statement_lines(tree))


def test_the_outline_walk_meets_every_statement_of_the_fixtures_and_asyncio():
    import sysconfig

    asyncio = Path(sysconfig.get_paths()["stdlib"]) / "asyncio"
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")) + sorted(asyncio.glob("*.py")):
        try:
            tree = ast.parse(path.read_bytes())
        except SyntaxError:
            continue
        assert _walked_lines(tree) == list(statement_lines(tree)), path
        checked += 1
    assert checked > 50


def test_python_tree_keeps_the_parsers_warnings_to_itself():
    # An invalid escape: Python 3.12 warns (SyntaxWarning) on every parse, 3.11 and
    # older with a DeprecationWarning. The outline pass parses every file of a run.
    import warnings

    from asynclint.statements import python_tree

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert python_tree(b'PATTERN = "\\d+"\n') is not None
        assert python_tree('PATTERN = "\\d+"\n') is not None
    assert caught == []
