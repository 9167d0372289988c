"""engine.parse: libcst's parse without its per-node validation, which must change nothing."""
from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from asynclint.config import Settings
from asynclint.diagnostics import PendingNames, last_name
from asynclint.engine import check_source, parse

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


APP = """\
from pkg import helpers, coros


async def main():
    helpers.poll()
    coros.refresh()
"""
MODULES = frozenset({"pkg.app", "pkg.helpers", "pkg.coros"})


def pending_of(result):
    return {(pending.kind, last_name(pending.qualname)): position for _, position, pending in result.pending}


def test_pending_findings_the_screen_rules_out_are_left_out():
    whole = check_source(APP, "app.py", Settings(), module_name="pkg.app", project_modules=MODULES)
    every = pending_of(whole)
    assert {("blocking", "poll"), ("coroutine-function", "refresh")} <= set(every)
    names = PendingNames({"blocking": frozenset({"poll"}), "coroutine-function": frozenset({"refresh"})})
    screened = check_source(APP, "app.py", Settings(), module_name="pkg.app", project_modules=MODULES, pending_names=names)
    kept = pending_of(screened)
    assert set(kept) == {key for key in every if names.may_hold(key[0], f"x.{key[1]}")}
    assert {("blocking", "poll"), ("coroutine-function", "refresh")} <= set(kept)
    assert all(kept[key] == every[key] for key in kept)  # located as without the names
    assert set(screened.dropped) == set(every) - set(kept)
    assert screened.dropped and names.rules_out(screened.dropped)
    assert not PendingNames({**names.by_kind, "coroutine-function": frozenset({"poll", "refresh"})}).rules_out(screened.dropped)
    assert whole.dropped == ()



def _recorder(kinds):
    """A visitor object for engine._Walker with a visit_<kind> method per kind."""
    seen = {kind: 0 for kind in kinds}

    def method(kind):
        def visit(self, node):
            seen[kind] += 1

        return visit

    recorder = type("Recorder", (), {f"visit_{kind}": method(kind) for kind in kinds})()
    return recorder, seen


def _visits(path, source, module, kinds, pass_by_leaves):
    from asynclint.engine import FileContext, _Walker

    context = FileContext(str(path), source, "m", False, Settings())
    context.module = module
    context.semantic.enter_module(module)
    recorder, seen = _recorder(kinds)
    walker = _Walker([recorder], context)
    if not pass_by_leaves:
        walker.leaves = frozenset()
    walker.walk(module)
    return seen


@pytest.mark.parametrize(
    "kinds",
    [
        ("Call", "Attribute", "Await", "Lambda", "Subscript"),  # what the rules visit, and what holds it
        ("Name", "SimpleString", "Integer", "Float"),  # what the traversal passes by unless asked
    ],
)
def test_passing_by_names_and_literals_hides_nothing_a_visitor_asks_for(kinds):
    totals = dict.fromkeys(kinds, 0)
    for path, source in sources():
        try:
            module = parse(source)
        except cst.ParserSyntaxError:
            continue
        seen = _visits(path, source, module, kinds, pass_by_leaves=True)
        assert seen == _visits(path, source, module, kinds, pass_by_leaves=False), path
        for kind in kinds:
            totals[kind] += seen[kind]
    assert all(total > 0 for total in totals.values()), totals
