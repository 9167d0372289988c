"""AIO2xx: coroutines that never run, tasks nobody keeps, entry points given non-coroutines."""
from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from ..diagnostics import Pending
from ..fixes import FixPlan, NodeEdit
from .base import Rule
from ..catalog import ASYNCIO_COROUTINE_FUNCTIONS, ENTRY_POINTS, LOOP_ENTRY_POINTS, TASK_FACTORIES
from .edits import after_imports_edit, is_module_level_name
from .loops import loop_method_call


def _statement_call(node: cst.Expr) -> Optional[cst.Call]:
    """The call whose result an expression statement throws away, if it is one."""
    return node.value if isinstance(node.value, cst.Call) else None


class UnawaitedCoroutine(Rule):
    code = "AIO200"

    def visit_Expr(self, node: cst.Expr) -> None:
        call = _statement_call(node)
        if call is None:
            return
        qualname = self.semantic.call_qualname(call)
        if qualname is None:
            return
        message = self._message(qualname)
        fix = None
        if self.semantic.in_async_body:
            # Unsafe: awaiting runs the coroutine here and now, which may not be what
            # the author meant (they may have wanted it scheduled as a task).
            fix = FixPlan("unsafe", "add `await`", [NodeEdit(call, "before", "await ")])
        if qualname in ASYNCIO_COROUTINE_FUNCTIONS:
            self.report(call, message, fix=fix)
        elif self.context.in_project(qualname):
            # Whether the callee is an `async def` may be known only from another module.
            self.context.defer(self.code, call, Pending("coroutine-function", qualname, message), fix=fix)

    def _message(self, qualname: str) -> str:
        name = _display(qualname)
        if self.semantic.in_async_body:
            return f"{name}() creates a coroutine that is never awaited, so it never runs; add `await`"
        return (
            f"{name}() creates a coroutine that is never awaited, so it never runs; "
            "run it with `asyncio.run(...)` or schedule it on the running loop"
        )


class DanglingTask(Rule):
    code = "AIO201"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._lone_statements: Set[int] = set()

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) == 1:
            self._lone_statements.add(id(node.body[0]))

    def visit_Expr(self, node: cst.Expr) -> None:
        call = _statement_call(node)
        if call is None:
            return
        qualname = self.semantic.call_qualname(call)
        if qualname in TASK_FACTORIES:
            made, name = TASK_FACTORIES[qualname], qualname
        elif loop_method_call(self.semantic, call) == "create_task":
            made, name = "task", "loop.create_task"
        else:
            return
        fix = self._keep_reference(node, call) if made == "task" else None
        self.report(
            call,
            f"the {made} returned by {name}() is thrown away: it can be garbage-collected before it "
            "finishes and its exception is never seen; keep a reference (or use a TaskGroup)",
            fix=fix,
        )

    def _keep_reference(self, statement: cst.Expr, call: cst.Call) -> Optional[FixPlan]:
        """Keep the task in a module-level set until it is done.

        Unsafe: the task now lives until it finishes (that is the point), which changes
        when it can be collected; its exception is still only logged.
        """
        if id(statement) not in self._lone_statements or self.context.module is None:
            return None
        edits = [
            NodeEdit(
                statement,
                "replace_lines",
                f"_task = {self.context.module.code_for_node(call)}\n"
                f"{_TASKS}.add(_task)\n"
                f"_task.add_done_callback({_TASKS}.discard)",
            )
        ]
        if not is_module_level_name(self.context, _TASKS):
            definition = after_imports_edit(
                self.context.module, f"\n{_TASKS}: set = set()  # strong references to running tasks"
            )
            if definition is None:
                return None
            edits.append(definition)
        return FixPlan("unsafe", f"keep a reference to the task in `{_TASKS}`", edits)


_TASKS = "_background_tasks"


class NotACoroutine(Rule):
    code = "AIO202"

    def visit_Call(self, node: cst.Call) -> None:
        qualname = self.semantic.call_qualname(node)
        if qualname in ENTRY_POINTS:
            entry, rejected_futures = qualname, ENTRY_POINTS[qualname]
        else:
            method = loop_method_call(self.semantic, node)
            if method not in LOOP_ENTRY_POINTS:
                return
            entry, rejected_futures = f"loop.{method}", LOOP_ENTRY_POINTS[method]
        argument = _first_argument(node)
        if argument is None:
            return
        if isinstance(argument, cst.Lambda):
            self.report(node, f"{entry}() needs a coroutine, not a lambda; pass a coroutine object such as `main()`")
            return
        if isinstance(argument, cst.Call):
            future = self.semantic.call_qualname(argument)
            if future == "asyncio.wait" and future in rejected_futures:
                # `wait(...)` does give a coroutine, but one that cannot work as the
                # whole program: what it waits for must be tasks of the loop it runs in.
                self.report(
                    node,
                    f"{entry}() cannot run asyncio.wait(...) directly: the tasks it waits for must be "
                    "created inside the running loop; wrap it: `async def main(): await asyncio.wait(...)`",
                )
            elif future in rejected_futures:
                name = future.rsplit(".", 1)[-1]
                self.report(
                    node,
                    f"{entry}() needs a coroutine, but {future}() is not one; "
                    f"wrap it: `async def main(): await asyncio.{name}(...)`",
                )
            return
        target = self.semantic.qualname(argument)
        if target is None:
            return
        name = _display(target)
        message = f"{entry}() needs a coroutine, but gets the function {name} itself; call it: `{name}()`"
        if target in ASYNCIO_COROUTINE_FUNCTIONS:
            self.report(node, message)
        elif self.context.in_project(target):
            self.context.defer(self.code, node, Pending("function", target, message))


def _display(qualname: str) -> str:
    """`asyncio.sleep` stays qualified (`sleep()` alone could be anything); a project
    function is named as written at the call (`fetch`, `save`)."""
    return qualname if qualname.startswith("asyncio.") else qualname.rsplit(".", 1)[-1]


def _first_argument(call: cst.Call) -> Optional[cst.BaseExpression]:
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
        if arg.keyword is not None and arg.keyword.value in ("main", "coro", "future", "coro_or_future"):
            return arg.value
    return None


# Awaited methods whose order matters (sending, writing, queueing) or that pace a loop.
# Not `get`: `await queue.get()` never uses the loop variable, so it is silent anyway,
# while `await cache.get(key)` / `await client.get(url)` are the typical independent awaits.
_SEQUENTIAL_METHODS = frozenset(
    {"send", "sendall", "send_json", "send_text", "send_bytes", "send_str", "send_message",
     "write", "writelines", "drain", "put", "sleep", "acquire", "release", "wait", "join",
     "commit", "execute", "executemany"}
)


class AwaitInLoop(Rule):
    code = "AIO203"

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None or node.orelse is not None or not self.semantic.in_async_body:
            return
        if not isinstance(node.body, cst.IndentedBlock) or len(node.body.body) != 1:
            return
        line = node.body.body[0]
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return
        awaited = _collected_await(line.body[0])
        if awaited is None or not isinstance(awaited.expression, cst.Call):
            return
        call = awaited.expression
        if isinstance(call.func, cst.Attribute) and call.func.attr.value in _SEQUENTIAL_METHODS:
            return
        if self.semantic.call_qualname(call) == "asyncio.sleep":
            return
        loop_names = _target_names(node.target)
        if loop_names and any(_mentions(arg.value, loop_names) for arg in call.args):
            self.report(
                awaited,
                "each iteration waits for the previous one although the awaits are independent; "
                "run them together with `asyncio.gather(...)` or a TaskGroup",
            )


def _collected_await(statement: cst.BaseSmallStatement) -> Optional[cst.Await]:
    """`await f(x)`, `out.append(await f(x))` or `out[x] = await f(x)`: nothing else."""
    if isinstance(statement, cst.Expr):
        value = statement.value
        if isinstance(value, cst.Await):
            return value
        if (
            isinstance(value, cst.Call)
            and isinstance(value.func, cst.Attribute)
            and value.func.attr.value in ("append", "add")
            and len(value.args) == 1
            and isinstance(value.args[0].value, cst.Await)
        ):
            return value.args[0].value
    if (
        isinstance(statement, cst.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0].target, cst.Subscript)
        and isinstance(statement.value, cst.Await)
    ):
        return statement.value
    return None


def _target_names(target: cst.BaseExpression) -> frozenset:
    if isinstance(target, cst.Name):
        return frozenset({target.value})
    if isinstance(target, (cst.Tuple, cst.List)):
        return frozenset(name for element in target.elements for name in _target_names(element.value))
    return frozenset()


def _mentions(expr: cst.CSTNode, names: frozenset) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value in names
    if isinstance(expr, cst.Attribute):  # `item.url` mentions `item`, not a variable `url`
        return _mentions(expr.value, names)
    if isinstance(expr, cst.Arg):  # `f(url=base)` mentions `base`, not a variable `url`
        return _mentions(expr.value, names)
    return any(_mentions(child, names) for child in expr.children)
