"""AIO4xx: event loops started in worker threads or inside a running loop, and deprecated loop APIs.

asyncio wants one loop, in the main thread, started once with `asyncio.run()`. AIO400
finds loop-running callables handed to other threads, AIO401 loops started from code
that already runs on one, AIO402 the pre-3.10 API that current Python warns about or
rejects.
"""
from __future__ import annotations

from typing import Optional, Set, Tuple

import libcst as cst

from ..catalog import (
    EXECUTOR_METHODS,
    LOOP_ARGUMENT_REMOVED,
    LOOP_RUNNING_FUNCTIONS,
    LOOP_RUNNING_METHODS,
    THREAD_CLASS,
)
from ..diagnostics import Pending
from ..fixes import FixPlan, NodeEdit
from .base import Rule
from .loops import bound_loop_runner, loop_method_call, runs_event_loop

# -- AIO400: handing a loop-running callable to another thread ---------------------------

_THREAD_EXECUTORS = frozenset(
    {"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"}
)
# A process pool runs the callable in the main thread of a child process, where a loop of
# its own is fine (a common way to use several cores from async code).
_PROCESS_POOLS = frozenset(
    {
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "multiprocessing.Pool",
        "multiprocessing.pool.Pool",
    }
)

_AIO400_ADVICE = "keep the loop in the main thread and send blocking work to threads (`asyncio.to_thread`)"


def _positional(call: cst.Call, index: int) -> Optional[cst.BaseExpression]:
    """The `index`-th positional argument, unless a `*args` before it hides the position."""
    position = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star == "**":
            continue
        if arg.star == "*":
            return None
        if position == index:
            return arg.value
        position += 1
    return None


def _keyword(call: cst.Call, name: str) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _last_name(expr: cst.BaseExpression) -> Optional[str]:
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return expr.attr.value
    return None


def _looks_like_process_pool(name: str) -> bool:
    lowered = name.lower()
    return "proc" in lowered or lowered.startswith(("mp_", "_mp_"))


class LoopOutsideMainThread(Rule):
    """AIO400: a callable that runs an event loop is handed to another thread.

    The hand-over is the call that starts the thread or queues the work; the callable is
    `asyncio.run`/`anyio.run`/`trio.run` itself, a loop's bound `run_forever`/
    `run_until_complete`, or a function of the project whose body runs a loop (decided by
    the whole-project pass, which follows plain functions calling such functions).
    """

    code = "AIO400"

    def __init__(self, context) -> None:
        super().__init__(context)
        # ClassDef nodes (by id) and qualified names of this module's Thread subclasses.
        self._thread_class_nodes: Set[int] = set()
        self._thread_classes: Set[str] = set()

    # A Thread subclass that starts a loop in its own run() ------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        # Called before the traversal enters the class: bases resolve in the enclosing scope.
        for base in node.bases:
            qualname = self.semantic.qualname(base.value)
            if qualname == THREAD_CLASS or qualname in self._thread_classes:
                assert self.semantic.scope is not None
                self._thread_classes.add(self.semantic.scope.child_qualname(node.name.value))
                self._thread_class_nodes.add(id(node))
                return

    def visit_Call(self, node: cst.Call) -> None:
        handover = self._handover(node)
        if handover is not None:
            via, target = handover
            if target is not None:
                self._check_target(node, target, via)
            return
        self._check_thread_run(node)

    def _check_thread_run(self, node: cst.Call) -> None:
        """A loop run directly in `run()` of a Thread subclass (not in a nested def)."""
        function = self.semantic.function
        scope = self.semantic.scope
        if (
            not isinstance(function, cst.FunctionDef)
            or function.name.value != "run"
            or function.asynchronous is not None
            or scope is None
            or scope.node is not function
            or scope.parent is None
            or scope.parent.kind != "class"
            or id(scope.parent.node) not in self._thread_class_nodes
        ):
            return
        how = runs_event_loop(self.semantic, node)
        if how is None:
            return
        class_name = scope.parent.node.name.value  # type: ignore[attr-defined]
        self.report(
            node,
            f"{how}() in {class_name}.run() runs an event loop in a worker thread, outside the main "
            f"thread; {_AIO400_ADVICE}",
        )

    # Hand-overs: Thread(target=...), executor.submit/map, loop.run_in_executor ------------
    def _handover(self, node: cst.Call) -> Optional[Tuple[str, Optional[cst.BaseExpression]]]:
        """(how it is handed over, the callable) when `node` runs a callable in a thread."""
        if self.semantic.call_qualname(node) == THREAD_CLASS:
            # Thread(group=None, target=None, ...): the target is the second positional.
            target = _keyword(node, "target")
            return "threading.Thread()", target if target is not None else _positional(node, 1)
        method = loop_method_call(self.semantic, node)
        if method == "run_in_executor":
            executor = _positional(node, 0)
            if executor is not None and self._pool_kind(executor) == "process":
                return None
            return "loop.run_in_executor()", _positional(node, 1)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in EXECUTOR_METHODS:
            if self._pool_kind(func.value) == "thread":
                return f"executor.{func.attr.value}()", _positional(node, 0)
        return None

    def _pool_kind(self, expr: cst.BaseExpression) -> Optional[str]:
        """"thread" or "process" for an executor or pool, None when it is not known to be one.

        Plain `map`/`submit` methods are everywhere (pandas, dask, job queues), so a name
        alone counts only when it says "executor"; and a process pool's worker runs the
        callable in its own main thread, so anything that looks like one is told apart.
        """
        value = self.semantic.value_of(expr)
        if value is not None and value.instance:
            if value.qualname in _THREAD_EXECUTORS:
                return "thread"
            if value.qualname in _PROCESS_POOLS:
                return "process"
        elif isinstance(expr, cst.Name):
            made_by = self._constructed_by(expr.value)
            if made_by == "ThreadPoolExecutor":
                return "thread"
            if made_by in ("ProcessPoolExecutor", "Pool"):
                return "process"
        name = _last_name(expr)
        if name is None:
            return None
        if _looks_like_process_pool(name):
            return "process"
        return "thread" if name.lower().endswith("executor") else None

    def _constructed_by(self, name: str) -> Optional[str]:
        """The class name (`ThreadPoolExecutor`) every binding of `name` is a call of.

        For names bound in another scope: the semantic model tracks `x = Cls()` only
        inside the function that makes it, but a module-level `EXECUTOR =
        ThreadPoolExecutor()` used in functions is common. The callee is matched by its
        last dotted part rather than resolved, because resolving it from here would
        evaluate (and cache) the expression in the wrong scope.
        """
        bindings = self.semantic.lookup(name)
        if not bindings:
            return None
        made_by = set()
        for binding in bindings:
            if binding.kind != "assign" or not isinstance(binding.value, cst.Call):
                return None
            made_by.add(_last_name(binding.value.func))
        return made_by.pop() if len(made_by) == 1 else None

    # The callable handed over -------------------------------------------------------------
    def _check_target(self, node: cst.Call, target: cst.BaseExpression, via: str) -> None:
        runner = self._loop_runner(target)
        if runner is None:
            return
        shown, qualname = runner
        message = f"{via} runs {shown} in another thread, an event loop outside the main thread; {_AIO400_ADVICE}"
        if qualname is None:
            self.report(node, message)
        else:
            self.context.defer(self.code, node, Pending("loop-runner", qualname, message))

    def _loop_runner(self, expr: cst.BaseExpression, unwrap: bool = True) -> Optional[Tuple[str, Optional[str]]]:
        """How `expr` runs a loop: ("asyncio.run()", None) when known now, or
        ("{chain}", qualname) for a project function the whole-project pass decides."""
        if isinstance(expr, cst.Call):
            # functools.partial(asyncio.run, main()): the wrapped callable is what runs.
            if unwrap and self.semantic.call_qualname(expr) == "functools.partial":
                wrapped = _positional(expr, 0)
                return self._loop_runner(wrapped, unwrap=False) if wrapped is not None else None
            return None
        if isinstance(expr, cst.Lambda):
            return self._lambda_runner(expr)
        bound = bound_loop_runner(self.semantic, expr)
        if bound is not None:
            return f"{bound}()", None
        qualname = self.semantic.qualname(expr)
        if qualname is None:
            return None
        if qualname in LOOP_RUNNING_FUNCTIONS:  # asyncio.run itself, passed uncalled
            return f"{qualname}()", None
        if self.context.in_project(qualname):
            return "{chain}", qualname
        return None

    def _lambda_runner(self, node: cst.Lambda) -> Optional[Tuple[str, Optional[str]]]:
        """`lambda: asyncio.run(main())` or `lambda: start(port)`: a body that is one call."""
        body = node.body
        if not isinstance(body, cst.Call):
            return None
        # The body is resolved from the enclosing scope (the traversal has not entered the
        # lambda yet), which is right unless a parameter shadows the callee's root name.
        root = body.func
        while isinstance(root, cst.Attribute):
            root = root.value
        params = node.params
        names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                names.add(star.name.value)
        if not isinstance(root, cst.Name) or root.value in names:
            return None
        how = runs_event_loop(self.semantic, body)
        if how is not None:
            return f"lambda: {how}()", None
        qualname = self.semantic.call_qualname(body)
        if qualname is not None and self.context.in_project(qualname):
            return "lambda: {chain}", qualname
        return None


# -- AIO401: starting a loop from code that already runs on one -------------------------

_AIO401_ADVICE = {
    "asyncio.run": "`await` the coroutine instead",
    "loop.run_until_complete": "`await` the coroutine or future instead",
    "loop.run_forever": "schedule work on the running loop with `asyncio.create_task` instead",
}


class LoopAlreadyRunning(Rule):
    """AIO401: `asyncio.run`, `run_until_complete` or `run_forever` in an async body.

    An async body only runs while its loop runs, and asyncio refuses to start a loop in a
    thread that already runs one, so these calls always raise RuntimeError there.
    """

    code = "AIO401"

    def visit_Call(self, node: cst.Call) -> None:
        if not self.semantic.in_async_body:
            return
        if self.semantic.call_qualname(node) == "asyncio.run":
            how = "asyncio.run"
        else:
            method = loop_method_call(self.semantic, node)
            if method not in LOOP_RUNNING_METHODS:
                return
            how = f"loop.{method}"
        self.report(
            node,
            f"{how}() in a coroutine raises RuntimeError: an event loop is already running "
            f"in this thread; {_AIO401_ADVICE[how]}",
        )


# -- AIO402: deprecated and removed loop APIs --------------------------------------------

# asyncio's submodules that users sometimes import these from (`asyncio.locks.Lock`).
_ASYNCIO_SUBMODULES = frozenset({"tasks", "streams", "subprocess", "queues", "locks"})
_COROUTINE_DECORATORS = frozenset({"asyncio.coroutine", "asyncio.coroutines.coroutine"})


def _asyncio_name(qualname: Optional[str]) -> Optional[str]:
    """`sleep` for `asyncio.sleep` or `asyncio.tasks.sleep`; None for anything else."""
    if qualname is None:
        return None
    parts = qualname.split(".")
    if parts[0] != "asyncio":
        return None
    if len(parts) == 2:
        return parts[1]
    if len(parts) == 3 and parts[1] in _ASYNCIO_SUBMODULES:
        return parts[2]
    return None


class DeprecatedLoopApi(Rule):
    """AIO402: `asyncio.get_event_loop()`, `@asyncio.coroutine`, a removed `loop=` argument.

    `get_event_loop()` is only reported when it is asyncio's module-level function: the
    policy method (`asyncio.get_event_loop_policy().get_event_loop()`) is the low-level
    API that the function wraps, and is left to whoever deliberately manages policies.
    """

    code = "AIO402"

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.semantic.call_qualname(node)
        if qualname == "asyncio.get_event_loop":
            self.report(node, self._get_event_loop_message(), fix=self._running_loop_fix(node))
            return
        name = _asyncio_name(qualname)
        if name not in LOOP_ARGUMENT_REMOVED:
            return
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == "loop":
                self.report(
                    arg,
                    f"asyncio.{name}() no longer takes `loop=` (removed in Python 3.10, a TypeError "
                    "now); drop it: asyncio uses the running loop",
                )

    def _running_loop_fix(self, call: cst.Call) -> Optional[FixPlan]:
        """In a coroutine, `asyncio.get_event_loop()` returns the running loop, exactly
        what `get_running_loop()` returns: renaming the call is safe. Only the
        `asyncio.get_event_loop` spelling is renamed (a bare imported name would need a
        new import)."""
        if not self.semantic.in_async_body or not isinstance(call.func, cst.Attribute):
            return None
        return FixPlan("safe", "use `get_running_loop()`", [NodeEdit(call.func.attr, "replace", "get_running_loop")])

    def _get_event_loop_message(self) -> str:
        if self.semantic.in_async_body:
            return (
                "asyncio.get_event_loop() in a coroutine: use `asyncio.get_running_loop()`, "
                "which returns the running loop and never creates one"
            )
        return (
            "asyncio.get_event_loop() outside a running loop is deprecated (since Python 3.14 it "
            "raises RuntimeError instead of creating a loop); start the program with "
            "`asyncio.run()` (or `asyncio.new_event_loop()` when managing a loop by hand)"
        )

    def visit_Decorator(self, node: cst.Decorator) -> None:
        if self.semantic.qualname(node.decorator) in _COROUTINE_DECORATORS:
            self.report(
                node,
                "@asyncio.coroutine was removed in Python 3.11; write an `async def` and use "
                "`await` instead of `yield from`",
            )
