"""How a block of statements can end: the path analysis behind the cancellation rules.

`block_exits` answers "which ways can control leave this block?" as a set of exits:
falling off the end, `raise`, `return`, `break`, `continue`. An `except` handler that
can leave by anything but `raise` swallows the exception it caught (AIO300, AIO301).
The analysis is syntactic and errs on the side of "this path exists": both arms of an
`if` are possible, a loop may run zero times (unless it is `while True`), every handler
of a nested `try` may be entered.

Also here: small walkers that stay in the current function (`walk`, `can_be_cancelled`)
and the finder for exits out of a `finally` (AIO302).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, FrozenSet, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import libcst as cst

FALL = "fall"  # the block runs to its end
RAISE = "raise"
RETURN = "return"
BREAK = "break"
CONTINUE = "continue"
# A path on which the caught exception is known not to be a CancelledError
# (`if not isinstance(exc, CancelledError): ...`): whatever it does is not our business.
NOT_CANCELLED = "not-cancelled"

Exits = FrozenSet[str]
# Classifies an `if` test: True when the test holds exactly when the caught exception is a
# CancelledError, False when it holds exactly when it is not, None when it says nothing.
TestClassifier = Callable[[cst.BaseExpression], Optional[bool]]

_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
# Punctuation and layout: nothing in them awaits, cancels or exits.
_LAYOUT = frozenset(
    {"lpar", "rpar", "comma", "colon", "semicolon", "dot", "equal", "leading_lines", "header", "footer",
     "newline", "trailing_whitespace", "lines_after_decorators", "operator", "asynchronous", "star"}
)
_FIELDS: Dict[type, Tuple[str, ...]] = {}


def _children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    names = _FIELDS.get(type(node))
    if names is None:
        names = _FIELDS[type(node)] = tuple(
            f.name for f in dataclasses.fields(node) if f.name not in _LAYOUT and not f.name.startswith("whitespace")
        )
    for name in names:
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and its descendants in source order, not entering nested def/lambda/class.

    Code in a nested function or class body runs elsewhere (or later), so it neither
    awaits nor cancels on behalf of the code around it.
    """
    # An explicit stack: nested generators would cost O(depth) per node on deep expressions.
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed([child for child in _children(current) if not isinstance(child, _SCOPES)]))


def can_be_cancelled(body: cst.CSTNode) -> bool:
    """True when `body` awaits: `await`, `async with`, `async for` (comprehensions too)."""
    for node in walk(body):
        if isinstance(node, cst.Await):
            return True
        if isinstance(node, (cst.With, cst.For, cst.CompFor)) and node.asynchronous is not None:
            return True
    return False


def exits_leaving_finally(finalbody: cst.BaseSuite) -> Iterator[Union[cst.Return, cst.Break, cst.Continue]]:
    """`return`s in a `finally`, and `break`/`continue`s that jump out of it.

    A `break`/`continue` inside a loop of the `finally` stays in the `finally`; one in the
    `else` clause of such a loop belongs to the loop around it, as Python has it.
    """
    stack: List[Tuple[cst.CSTNode, bool]] = [(finalbody, False)]  # (node, inside a loop of the finally)
    while stack:
        node, in_loop = stack.pop()
        if isinstance(node, cst.Return) or (isinstance(node, (cst.Break, cst.Continue)) and not in_loop):
            yield node
            continue
        children = [child for child in _children(node) if not isinstance(child, _SCOPES)]
        for child in reversed(children):
            loop_body = isinstance(node, (cst.For, cst.While)) and child is node.body
            stack.append((child, in_loop or loop_body))


def block_exits(
    body: Union[cst.BaseSuite, Sequence[cst.BaseStatement]],
    classify: Optional[TestClassifier] = None,
    never_returns: Optional[Callable[[cst.Call], bool]] = None,
) -> Exits:
    """The ways control can leave `body` (a suite or a list of statements).

    `never_returns` tells calls that always raise (`sys.exit()`, a `-> NoReturn` helper):
    a statement that is such a call ends its path like `raise` does.
    """
    return _Paths(classify or (lambda test: None), never_returns or (lambda call: False)).block(body)


def _statements(body: Union[cst.BaseSuite, Sequence[cst.BaseStatement]]) -> Sequence[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return body  # type: ignore[return-value]


def _always_true(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    if isinstance(test, cst.Integer):
        return test.value.strip("0_xXoObB") != ""
    return False


class _Paths:
    def __init__(self, classify: TestClassifier, never_returns: Callable[[cst.Call], bool]) -> None:
        self.classify = classify
        self.never_returns = never_returns

    def block(self, body: Union[cst.BaseSuite, Sequence[cst.BaseStatement]]) -> Exits:
        exits = set()
        for statement in _statements(body):
            found = self.statement(statement)
            exits |= found - {FALL}
            if FALL not in found:
                return frozenset(exits)  # the rest of the block is unreachable
        return frozenset(exits | {FALL})

    def statement(self, node: cst.CSTNode) -> Exits:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                if isinstance(small, cst.Raise):
                    return frozenset({RAISE})
                if isinstance(small, cst.Return):
                    return frozenset({RETURN})
                if isinstance(small, cst.Break):
                    return frozenset({BREAK})
                if isinstance(small, cst.Continue):
                    return frozenset({CONTINUE})
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    if self.never_returns(small.value):
                        return frozenset({RAISE})
            return frozenset({FALL})
        if isinstance(node, cst.If):
            return self._if(node)
        if isinstance(node, cst.Else):
            return self.block(node.body)
        if isinstance(node, (cst.For, cst.While)):
            return self._loop(node)
        if isinstance(node, cst.With):
            # A context manager could suppress the exception; assuming it does not is
            # what almost all of them do (locks, files, spans, timers).
            return self.block(node.body)
        if isinstance(node, (cst.Try, cst.TryStar)):
            return self._try(node)
        if isinstance(node, cst.Match):
            return self._match(node)
        return frozenset({FALL})  # def, class: a definition just falls through

    def _if(self, node: cst.If) -> Exits:
        orelse = self.statement(node.orelse) if node.orelse is not None else frozenset({FALL})
        kind = self.classify(node.test)
        if kind is True:  # the other arm runs only for exceptions that are not cancellation
            return self.block(node.body) | {NOT_CANCELLED}
        if kind is False:
            return frozenset({NOT_CANCELLED}) | orelse
        return self.block(node.body) | orelse

    def _loop(self, node: Union[cst.For, cst.While]) -> Exits:
        body = self.block(node.body)
        # `return`/`raise` leave the loop too; `break`/`continue`/falling off stay in it.
        exits = set(body - {FALL, BREAK, CONTINUE})
        if BREAK in body:
            exits.add(FALL)
        endless = isinstance(node, cst.While) and _always_true(node.test)
        if not endless:  # the loop can end normally (possibly at once), running its else
            exits |= self.statement(node.orelse) if node.orelse is not None else {FALL}
        return frozenset(exits)

    def _try(self, node: Union[cst.Try, cst.TryStar]) -> Exits:
        body = self.block(node.body)
        if FALL in body and node.orelse is not None:
            body = (body - {FALL}) | self.statement(node.orelse)
        exits = set(body)
        for handler in node.handlers:
            exits |= self.block(handler.body)
        if node.finalbody is not None:
            final = self.block(node.finalbody.body)
            if FALL not in final:  # the finally ends every path its own way
                return final
            exits |= final - {FALL}
        return frozenset(exits)

    def _match(self, node: cst.Match) -> Exits:
        exits = set()
        exhaustive = False
        for case in node.cases:
            exits |= self.block(case.body)
            if case.guard is None and _irrefutable(case.pattern):
                exhaustive = True
        if not exhaustive:
            exits.add(FALL)  # no case matched
        return frozenset(exits)


def _irrefutable(pattern: cst.MatchPattern) -> bool:
    """`case _:`, `case name:`, or an or-pattern with one of those."""
    if isinstance(pattern, cst.MatchAs):
        return pattern.pattern is None or _irrefutable(pattern.pattern)
    if isinstance(pattern, cst.MatchOr):
        return any(_irrefutable(element.pattern) for element in pattern.patterns)
    return False


def swallowing_exits(exits: Iterable[str]) -> FrozenSet[str]:
    """The exits that leave an `except` handler without the exception propagating."""
    return frozenset(exits) - {RAISE, NOT_CANCELLED}
