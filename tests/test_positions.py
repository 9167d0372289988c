"""Positions: a node located in its statement's code alone is where the whole module's
code puts it, and the shortcut is taken whenever the statement's line is known."""
from __future__ import annotations

from typing import Dict, List, Tuple

import libcst as cst
import pytest

from asynclint import positions
from asynclint.config import Settings
from asynclint.engine import FileContext, _Walker
from asynclint.positions import Span, Statement, locate_spans
from asynclint.rules.base import Rule
from asynclint.runner import lint_files

from .conftest import FIXTURES

TRICKY = """\
# header comment
import asyncio


# comment above decorators
@decorator  # trailing
# comment between decorators
@other(
    arg,
)

async def first(a=f(1)):
    x = g(2); y = h(3)
    if x: k(4)
    elif y:
        m(5)
    else:
        pass
    try:
        n(6)
    except (E1,
            E2) as error:
        o(7)
    else:
        p(8)
    finally:
        q(9)
    for i in r(10): s(11)
    while t(12):
        break
    with u(13) as v, w(14):
        '''a string
        over lines''' ; z(15)


class Outer:
    attribute = call(16)

    class Inner:
        # comment
        def method(self):
            return self.other(17)

    async def run(self):
        await asyncio.sleep(18)
        lambda: inner(19)


def tail(): return last(20)"""

# A decorator whose expression is on the line after the `@`: `ast` gives the line of
# the expression, so the statement's code does not match there and the whole module's
# code is used instead.
CONTINUED_DECORATOR = "x = 1\n@ \\\ndecorator\ndef f():\n    g()\n"

MATCH = """\
def handle(command):
    match command:
        case [x, y]:
            move(x, y)
        case {"quit": _} if check():
            stop()
        case _:
            pass
    return done()
"""


class _Seen(Rule):
    """Notes every call and name, some of them only when the traversal leaves a def
    (as rules do that report once a function is done)."""

    code, name, summary = "AIO999", "seen", ""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.nodes: List[cst.CSTNode] = []
        self.later: List[cst.CSTNode] = []

    def visit_Call(self, node: cst.Call) -> None:
        self.note(node)
        self.later.append(node.func)

    def visit_Name(self, node: cst.Name) -> None:
        self.note(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.note(node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self.note(node)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        for later in self.later:
            self.note(later)
        self.later = []

    def note(self, node: cst.CSTNode) -> None:
        self.nodes.append(node)
        self.context.seen_here(node)


def _both_ways(source: str) -> Tuple[Dict[int, Span], Dict[int, Span], int]:
    """Spans through statements, spans from the whole module, and how many of the nodes
    the statements' code located."""
    module = cst.parse_module(source)
    context = FileContext("t.py", source, "t", False, Settings())
    context.module = module
    context.semantic.enter_module(module)
    seen = _Seen(context)
    _Walker([seen], context).walk(module)
    assert seen.nodes
    fast = locate_spans(module, seen.nodes, context.statement_of, source)
    slow = locate_spans(module, seen.nodes)
    targets = {id(node): node for node in seen.nodes}
    by_statement = positions._locate_in_statements(module, targets, context.statement_of, source)
    return fast, slow, len(by_statement)


@pytest.mark.parametrize(
    "source",
    [
        TRICKY,
        TRICKY + "\n",
        TRICKY.replace("\n", "\r\n"),
        TRICKY.replace("    ", "\t"),
        MATCH,
    ],
    ids=["no-final-newline", "final-newline", "crlf", "tabs", "match"],
)
def test_every_node_is_located_through_its_statement(source: str) -> None:
    try:
        compile(source, "t.py", "exec")
    except SyntaxError:
        pytest.skip("this Python cannot parse the source (match needs 3.10)")
    fast, slow, through_statements = _both_ways(source)
    assert fast == slow
    assert through_statements == len(slow)


def test_a_statement_whose_line_ast_gets_wrong_falls_back_to_the_module() -> None:
    fast, slow, through_statements = _both_ways(CONTINUED_DECORATOR)
    assert fast == slow
    # `x` and the call `g()` with its name `g`; nothing of the decorated `def` itself.
    assert through_statements == 3


def test_without_python_s_lines_the_module_s_code_is_used(monkeypatch) -> None:
    # As when Python cannot parse what libcst can (syntax newer than this Python).
    monkeypatch.setattr(positions, "statement_lines_of_source", lambda source: None)
    fast, slow, through_statements = _both_ways(TRICKY)
    assert fast == slow
    assert through_statements == 0


def test_a_statement_libcst_cannot_generate_alone_falls_back_to_the_module() -> None:
    class Broken:
        leading_lines = ()

        def _codegen(self, state, **kwargs):
            raise ValueError("a bug in the shortcut")

    source = "x = 1\ny = f(x)\n"
    module = cst.parse_module(source)
    call = module.body[1].body[0].value
    statements = {id(call): Statement(Broken(), 1, ())}  # type: ignore[arg-type]
    assert locate_spans(module, [call], statements, source) == locate_spans(module, [call])
    assert locate_spans(module, [call])[id(call)] == Span(2, 5, 2, 9)


@pytest.mark.parametrize("path", sorted(FIXTURES.rglob("*.py")), ids=lambda path: path.relative_to(FIXTURES).as_posix())
def test_fixtures_locate_the_same_through_statements(path) -> None:
    try:
        source = path.read_bytes().decode("utf-8")
        compile(source, str(path), "exec")
        cst.parse_module(source)
    except (UnicodeDecodeError, SyntaxError, ValueError, cst.ParserSyntaxError):
        pytest.skip("not a UTF-8 source that both Python and libcst parse")
    if not source.strip():
        pytest.skip("empty")
    fast, slow, through_statements = _both_ways(source)
    assert fast == slow
    assert through_statements > 0


def test_a_run_takes_the_statement_lines_from_the_outline_pass(tmp_project, monkeypatch) -> None:
    root = tmp_project(
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "import time\n\n\n@decorated\nasync def f():\n    if x:\n        time.sleep(1)\n",
        }
    )

    def second_parse(source):
        raise AssertionError("the check parsed the file with ast again")

    files = sorted(root.rglob("*.py"))
    cache = root / ".cache"
    with monkeypatch.context() as patch:
        patch.setattr(positions, "statement_lines_of_source", second_parse)
        run = lint_files(files, Settings(), jobs=1, cache_dir=cache)
        assert [(d.line, d.column, d.end_line, d.end_column, d.code) for d in run.diagnostics] == [(7, 9, 7, 22, "AIO100")]
        # An edit run (the body changed, nothing other files use) checks the file alone.
        (root / "pkg" / "a.py").write_text("import time\n\n\n@decorated\nasync def f():\n    if y:\n        time.sleep(2)\n")
        edited = lint_files(files, Settings(), jobs=1, cache_dir=cache)
    assert edited.files_parsed == 1
    assert [(d.line, d.column, d.end_line, d.end_column, d.code) for d in edited.diagnostics] == [(7, 9, 7, 22, "AIO100")]
