"""AIO3xx: code that swallows the CancelledError used to cancel a task.

Cancellation is an exception thrown into the task at the `await` it is suspended on. A
handler that catches it and carries on (AIO300, AIO301), or a `finally` that leaves with
`return`/`break`/`continue` (AIO302), makes `task.cancel()`, `asyncio.timeout()` and
`TaskGroup` shutdown silently fail. Whether a handler re-raises on every path is decided
by the path analysis in `_paths.py`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, FrozenSet, Iterator, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst

from ..semantic import Scope, SemanticModel, dotted_name
from ._paths import (
    BREAK,
    CONTINUE,
    FALL,
    RETURN,
    block_exits,
    can_be_cancelled,
    exits_leaving_finally,
    swallowing_exits,
    walk,
)
from ..fixes import FixPlan, NodeEdit
from .base import Rule

if TYPE_CHECKING:
    from ..engine import FileContext

CANCELLED_ERRORS = frozenset(
    {"asyncio.CancelledError", "concurrent.futures.CancelledError", "concurrent.futures._base.CancelledError"}
)
BASE_EXCEPTIONS = frozenset({"builtins.BaseException"})

AnyTry = Union[cst.Try, cst.TryStar]
AnyHandler = Union[cst.ExceptHandler, cst.ExceptStarHandler]

# asyncio helpers that, awaited on tasks that were just cancelled, only wait for them to
# finish: the positional arguments of gather, the first argument of wait/wait_for.
_WAITERS_ALL_ARGS = frozenset({"asyncio.gather"})
_WAITERS_FIRST_ARG = frozenset({"asyncio.wait", "asyncio.wait_for"})
_TIMEOUTS = frozenset({"asyncio.timeout", "asyncio.timeout_at"})
# Calls that end the process or raise SystemExit: they never fall through.
_EXITS = frozenset({"sys.exit", "os._exit", "os.abort", "builtins.exit", "builtins.quit"})
_NO_RETURN_CACHE = "cancellation_no_return"


# -- what an `except` clause catches ---------------------------------------------------
def _exception_qualnames(semantic: SemanticModel, expr: cst.BaseExpression) -> List[Optional[str]]:
    """The qualified names of the classes an `except` expression names (None: unknown)."""
    if isinstance(expr, cst.Tuple):
        return [name for element in expr.elements for name in _exception_qualnames(semantic, element.value)]
    if isinstance(expr, cst.Name):
        # A name bound once to a tuple of exceptions: `RETRYABLE = (CancelledError, OSError)`.
        # Its elements are resolved from here, not from where the tuple is bound: the same
        # names in all but contrived code.
        bindings = semantic.lookup(expr.value) or []
        if len(bindings) == 1 and bindings[0].kind == "assign" and isinstance(bindings[0].value, cst.Tuple):
            return _exception_qualnames(semantic, bindings[0].value)
    return [semantic.qualname(expr)]


def catches_cancelled_error(semantic: SemanticModel, handler: AnyHandler) -> bool:
    """`except CancelledError` in any spelling, alone or in a tuple."""
    if handler.type is None:
        return False
    return any(name in CANCELLED_ERRORS for name in _exception_qualnames(semantic, handler.type))


def is_broad(semantic: SemanticModel, handler: AnyHandler) -> bool:
    """A bare `except:` or one naming `BaseException` (alone or in a tuple)."""
    if handler.type is None:
        return True
    return any(name in BASE_EXCEPTIONS for name in _exception_qualnames(semantic, handler.type))


def handlers_seeing_cancellation(semantic: SemanticModel, node: AnyTry) -> Iterator[AnyHandler]:
    """The handlers of a `try` that a CancelledError can reach.

    Handlers are tried in order, so once one catches CancelledError (by name, bare, or
    `BaseException`) the later ones never see it, whatever they catch.
    """
    for handler in node.handlers:
        yield handler
        if catches_cancelled_error(semantic, handler) or is_broad(semantic, handler):
            return


# -- does a handler swallow the cancellation -------------------------------------------
def _consults_cancelling(handler: AnyHandler) -> bool:
    """The handler calls `.cancelling()` or `.uncancel()`: it tells its own cancellation
    from a child's (Python 3.11+), so it decides deliberately whether to re-raise."""
    return any(
        isinstance(node, cst.Attribute) and node.attr.value in ("cancelling", "uncancel")
        for node in walk(handler.body)
    )


def _no_return_functions(context: "FileContext") -> FrozenSet[str]:
    """Qualified names of the module's functions and methods annotated `-> NoReturn`."""
    cache = context.cache.setdefault(_NO_RETURN_CACHE, {})
    if "names" not in cache:
        module_scope = _module_scope(context.semantic)
        names = set()
        for statement in _suite(module_scope.node):  # type: ignore[arg-type]
            if isinstance(statement, cst.FunctionDef) and _is_no_return(statement):
                names.add(module_scope.child_qualname(statement.name.value))
            elif isinstance(statement, cst.ClassDef):
                prefix = module_scope.child_qualname(statement.name.value)
                names.update(
                    f"{prefix}.{method.name.value}"
                    for method in _suite(statement)
                    if isinstance(method, cst.FunctionDef) and _is_no_return(method)
                )
        cache["names"] = frozenset(names)
    return cache["names"]


def _suite(node: Union[cst.Module, cst.ClassDef]) -> Sequence[cst.CSTNode]:
    """The statements directly in a module or class body."""
    body = node.body
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return body if isinstance(body, (list, tuple)) else ()


def _is_no_return(function: cst.FunctionDef) -> bool:
    if function.returns is None:
        return False
    annotation = function.returns.annotation
    if isinstance(annotation, cst.SimpleString):  # "NoReturn", 'typing.Never'
        spelled: Optional[str] = annotation.evaluated_value if isinstance(annotation.evaluated_value, str) else None
    else:
        spelled = dotted_name(annotation)
    return spelled is not None and spelled.rsplit(".", 1)[-1] in ("NoReturn", "Never")


def _never_returns(context: "FileContext", call: cst.Call) -> bool:
    """`sys.exit()`, `os._exit()`, or a helper of this module declared `-> NoReturn`."""
    qualname = context.semantic.call_qualname(call)
    return qualname is not None and (qualname in _EXITS or qualname in _no_return_functions(context))


def swallowing_paths(context: "FileContext", handler: AnyHandler) -> FrozenSet[str]:
    """How the handler can end without re-raising: a subset of fall/return/break/continue.

    Any `raise` ends a path well: re-raising, or raising another error `from` it, both
    end the task with an error instead of letting it run on as if not cancelled. So does
    a call that never returns (`sys.exit()` raises SystemExit, which asyncio propagates).
    """
    if _consults_cancelling(handler):
        return frozenset()
    semantic = context.semantic
    bound = handler.name.name.value if handler.name is not None and isinstance(handler.name.name, cst.Name) else None

    def classify(test: cst.BaseExpression) -> Optional[bool]:
        # `if isinstance(exc, CancelledError): raise`: only that arm sees cancellation.
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = classify(test.expression)
            return None if inner is None else not inner
        if (
            bound is not None
            and isinstance(test, cst.Call)
            and semantic.call_qualname(test) == "builtins.isinstance"
            and len(test.args) == 2
            and isinstance(test.args[0].value, cst.Name)
            and test.args[0].value.value == bound
            and any(name in CANCELLED_ERRORS for name in _exception_qualnames(semantic, test.args[1].value))
        ):
            return True
        return None

    return swallowing_exits(block_exits(handler.body, classify, lambda call: _never_returns(context, call)))


def describe_exit(exits: FrozenSet[str]) -> str:
    """The way of leaving a handler to name in a message, most surprising first."""
    for exit_, words in _EXIT_WORDS:
        if exit_ in exits:
            return words
    return "can finish"


_EXIT_WORDS = ((RETURN, "can `return`"), (BREAK, "can `break`"), (CONTINUE, "can `continue`"), (FALL, "can finish"))


# -- the cancel-then-await idiom -------------------------------------------------------
def _key(expr: cst.BaseExpression) -> str:
    """A comparable spelling of an expression (`self._task`, `tasks.values()`)."""
    return _code(expr).replace(" ", "")


def _cancel_receiver(node: cst.CSTNode) -> Optional[cst.BaseExpression]:
    """`t` for a call `t.cancel(...)`."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "cancel":
        return node.func.value
    return None


def _loop_cancels_each(target: cst.BaseExpression, body: cst.CSTNode) -> bool:
    """`for t in tasks: t.cancel()`: the loop body cancels its loop variable."""
    if not isinstance(target, cst.Name):
        return False
    for node in walk(body):
        receiver = _cancel_receiver(node)
        if isinstance(receiver, cst.Name) and receiver.value == target.value:
            return True
    return False


def _cancelled_before(scope_body: cst.CSTNode, stop: cst.CSTNode, body: cst.CSTNode) -> Tuple[Set[str], Set[str]]:
    """What the code cancels before `stop`, and in `body` (the statement's own body).

    Returns the keys of cancelled tasks (`t.cancel()`) and of collections whose every
    element was cancelled (`for t in tasks: t.cancel()`, `[t.cancel() for t in tasks]`).
    """
    tasks: Set[str] = set()
    collections: Set[str] = set()

    def note(node: cst.CSTNode) -> None:
        receiver = _cancel_receiver(node)
        if receiver is not None:
            tasks.add(_key(receiver))
        elif isinstance(node, cst.For) and _loop_cancels_each(node.target, node.body):
            collections.add(_key(node.iter))
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and node.for_in.inner_for_in is None:
            if _loop_cancels_each(node.for_in.target, node.elt):
                collections.add(_key(node.for_in.iter))

    for node in walk(scope_body):
        if node is stop:
            break
        note(node)
    for node in walk(body):
        note(node)
    return tasks, collections


def _waits_only_for(expr: cst.BaseExpression, semantic: SemanticModel, tasks: Set[str], collections: Set[str]) -> bool:
    """`await t`, `await asyncio.gather(*tasks, ...)`, `await asyncio.wait_for(t, 5)`: an
    await that only waits for tasks that were cancelled."""
    if _key(expr) in tasks:
        return True
    if not isinstance(expr, cst.Call):
        return False
    qualname = semantic.call_qualname(expr)
    positional = [arg for arg in expr.args if arg.keyword is None]
    if qualname in _WAITERS_FIRST_ARG:
        positional = positional[:1]
    elif qualname not in _WAITERS_ALL_ARGS:
        return False
    if not positional:
        return False

    def cancelled(arg: cst.Arg) -> bool:
        if arg.star == "*":
            return _key(arg.value) in collections
        if isinstance(arg.value, (cst.List, cst.Set, cst.Tuple)):
            return bool(arg.value.elements) and all(
                _key(element.value) in (collections if isinstance(element, cst.StarredElement) else tasks)
                for element in arg.value.elements
            )
        return _key(arg.value) in tasks or _key(arg.value) in collections

    return all(cancelled(arg) for arg in positional)


def is_cancel_then_await(semantic: SemanticModel, statement: Union[AnyTry, cst.With]) -> bool:
    """The asyncio docs' way to stop a task: `t.cancel()` earlier in the same function,
    then a `try`/`suppress` whose body only awaits `t` (possibly under `asyncio.timeout`)."""
    body = statement.body
    awaits: List[cst.Await] = []
    for node in walk(body):
        if isinstance(node, cst.Await):
            awaits.append(node)
        elif isinstance(node, (cst.For, cst.CompFor)) and node.asynchronous is not None:
            return False
        elif isinstance(node, cst.With) and node.asynchronous is not None:
            if not all(_is_timeout(semantic, item.item) for item in node.items):
                return False
    if not awaits:
        return False
    function = semantic.function
    scope_body: cst.CSTNode = function.body if function is not None else _module_scope(semantic).node
    tasks, collections = _cancelled_before(scope_body, statement, body)
    if not tasks and not collections:
        return False
    return all(_waits_only_for(node.expression, semantic, tasks, collections) for node in awaits)


def _is_timeout(semantic: SemanticModel, expr: cst.BaseExpression) -> bool:
    """`asyncio.timeout(...)`: a deadline around the wait, which awaits nothing else."""
    return isinstance(expr, cst.Call) and semantic.call_qualname(expr) in _TIMEOUTS


def _module_scope(semantic: SemanticModel) -> Scope:
    scope = semantic.scope
    assert scope is not None
    while scope.parent is not None:
        scope = scope.parent
    return scope


def _suppressed(semantic: SemanticModel, node: cst.With) -> bool:
    """`with contextlib.suppress(..., CancelledError, ...):`, in any of its items."""
    for item in node.items:
        call = item.item
        if isinstance(call, cst.Call) and semantic.call_qualname(call) == "contextlib.suppress":
            for arg in call.args:
                names = _exception_qualnames(semantic, arg.value) if arg.star == "" else []
                if any(name in CANCELLED_ERRORS for name in names):
                    return True
    return False


def _handler_label(handler: AnyHandler) -> str:
    star = "*" if isinstance(handler, cst.ExceptStarHandler) else ""
    if handler.type is None:
        return "bare `except:`"
    if isinstance(handler.type, cst.Tuple):  # rebuilt: the source may hold comments
        spelled = "(" + ", ".join(_code(element.value) for element in handler.type.elements) + ")"
    else:
        spelled = _code(handler.type)
    return f"`except{star} {spelled}`"


def _code(expr: cst.BaseExpression) -> str:
    return " ".join(cst.Module(body=[]).code_for_node(expr).split())


# -- the rules ---------------------------------------------------------------------------
class _HandlerRule(Rule):
    """Judges the handlers of `try` and `try`/`except*` statements whose body awaits."""

    def visit_Try(self, node: cst.Try) -> None:
        self.check_try(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self.check_try(node)

    def applies(self, handler: AnyHandler) -> bool:
        raise NotImplementedError

    def message(self, handler: AnyHandler, exits: FrozenSet[str]) -> str:
        raise NotImplementedError

    def check_try(self, node: AnyTry) -> None:
        candidates = [h for h in handlers_seeing_cancellation(self.semantic, node) if self.applies(h)]
        if not candidates or not can_be_cancelled(node.body):
            return
        idiom: Optional[bool] = None  # decided once, and only when a handler swallows
        for handler in candidates:
            exits = swallowing_paths(self.context, handler)
            if not exits:
                continue
            if idiom is None:
                idiom = is_cancel_then_await(self.semantic, node)
            if not idiom:
                self.report(handler, self.message(handler, exits), fix=self.fix(handler, exits))

    def fix(self, handler: AnyHandler, exits: FrozenSet[str]) -> Optional[FixPlan]:
        return None


class CancelledErrorSwallowed(_HandlerRule):
    code = "AIO300"

    def applies(self, handler: AnyHandler) -> bool:
        return catches_cancelled_error(self.semantic, handler)

    def fix(self, handler: AnyHandler, exits: FrozenSet[str]) -> Optional[FixPlan]:
        """Re-raise at the end of the handler, when running off its end is the only way
        it swallows (a `return` or `break` elsewhere would need a human).

        Unsafe: the code after the `try` no longer runs once the task is cancelled.
        """
        if exits != frozenset({FALL}):
            return None
        body = handler.body
        if isinstance(body, cst.IndentedBlock) and body.body:
            return FixPlan("unsafe", "re-raise at the end of the handler", [NodeEdit(body.body[-1], "line_after", "raise")])
        if isinstance(body, cst.SimpleStatementSuite) and body.body:
            return FixPlan("unsafe", "re-raise at the end of the handler", [NodeEdit(body.body[-1], "after", "; raise")])
        return None

    def message(self, handler: AnyHandler, exits: FrozenSet[str]) -> str:
        return (
            f"{_handler_label(handler)} {describe_exit(exits)} without re-raising, so the task "
            "ignores its cancellation; re-raise it with `raise` on every path of the handler"
        )

    def visit_With(self, node: cst.With) -> None:
        if _suppressed(self.semantic, node) and can_be_cancelled(node.body):
            if not is_cancel_then_await(self.semantic, node):
                self.report(
                    node,
                    "`contextlib.suppress(CancelledError)` around an await swallows the cancellation of "
                    "this task; do not suppress CancelledError, or catch it and re-raise",
                )


class BroadExceptSwallowsCancellation(_HandlerRule):
    code = "AIO301"

    def applies(self, handler: AnyHandler) -> bool:
        # Only in an async body; a handler that names CancelledError is AIO300's business.
        return (
            self.semantic.in_async_body
            and is_broad(self.semantic, handler)
            and not catches_cancelled_error(self.semantic, handler)
        )

    def message(self, handler: AnyHandler, exits: FrozenSet[str]) -> str:
        return (
            f"{_handler_label(handler)} catches CancelledError and {describe_exit(exits)} without "
            "re-raising, so the task ignores its cancellation; catch `Exception` instead, or re-raise with `raise`"
        )


class ExitInFinally(Rule):
    code = "AIO302"

    def __init__(self, context: "FileContext") -> None:
        super().__init__(context)
        # A statement in nested `finally` blocks is found once per enclosing `try`.
        self._reported: Set[int] = set()

    def visit_Try(self, node: cst.Try) -> None:
        self.check_try(node)

    def visit_TryStar(self, node: cst.TryStar) -> None:
        self.check_try(node)

    def check_try(self, node: AnyTry) -> None:
        if node.finalbody is None or not self.semantic.in_async_body or not can_be_cancelled(node.body):
            return
        for statement in exits_leaving_finally(node.finalbody.body):
            if id(statement) in self._reported:
                continue
            self._reported.add(id(statement))
            keyword = {cst.Return: "return", cst.Break: "break", cst.Continue: "continue"}[type(statement)]
            self.report(
                statement,
                f"`{keyword}` in `finally` discards the exception in flight, CancelledError included; "
                f"move the `{keyword}` out of the `finally` (after the `try` statement)",
            )

