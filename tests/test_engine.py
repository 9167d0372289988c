"""engine.parse: libcst's parse without its per-node validation, which must change nothing."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from asynclint.engine import parse

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])


def sources():
    paths = sorted((ROOT / "fixtures").rglob("*.py")) + sorted((STDLIB / "asyncio").glob("*.py"))
    for path in paths:
        try:
            yield path, path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue


def test_trees_are_the_same_with_and_without_validation():
    compared = 0
    for path, source in sources():
        try:
            validated = cst.parse_module(source)
        except cst.ParserSyntaxError:
            with pytest.raises(cst.ParserSyntaxError):
                parse(source)
            continue
        unvalidated = parse(source)
        assert unvalidated.deep_equals(validated), path
        assert unvalidated.code == validated.code, path
        compared += 1
    assert compared > 50


@pytest.mark.parametrize("source", ["x = 1\n", "def f(:\n"])
def test_nodes_built_after_a_parse_are_validated_again(source):
    try:
        parse(source)
    except cst.ParserSyntaxError:
        pass
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
