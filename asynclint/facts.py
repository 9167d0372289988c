"""Facts about one module that other modules' findings depend on.

Gathered during the same traversal that runs the rules, so the whole-project index
needs no second parse: which functions the module defines (async or plain), which
project functions each calls directly, whether each blocks or runs an event loop
directly, and which names the module re-exports through imports.
"""
from __future__ import annotations

from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from .catalog import TO_THREAD_DECORATORS
from .diagnostics import Diagnostic, FunctionFacts, ModuleFacts
from .noqa import is_suppressed
from .rules.blocking import blocking_call_of, display_name
from .rules.loops import runs_event_loop
from .semantic import dotted_name, resolve_relative

# Decorators after which calling an `async def` does not give a coroutine.
_NOT_COROUTINE_DECORATORS = frozenset(
    {
        "contextlib.asynccontextmanager",
        "builtins.property",
        "functools.cached_property",
        "asgiref.sync.async_to_sync",
    }
)


def in_project(qualname: str, modules: FrozenSet[str]) -> bool:
    """True when `qualname` names something inside one of the project's modules."""
    parts = qualname.split(".")
    return any(".".join(parts[:cut]) in modules for cut in range(1, len(parts)))


class FactsCollector:
    """A visitor run beside the rules (see engine.py) that fills a ModuleFacts."""

    def __init__(self, context) -> None:
        self.context = context
        self.semantic = context.semantic
        self.facts = ModuleFacts(context.module_name)
        self._blocking_nodes: List[Tuple[FunctionFacts, cst.Call, str, str]] = []
        # Blocking calls a `# noqa` kept out of the facts (filled by finish()).
        self.silenced: List[Diagnostic] = []

    def visit_Module(self, node: cst.Module) -> None:
        module_scope = self.semantic.scope
        assert module_scope is not None
        for name, bindings in module_scope.bindings.items():
            if len(bindings) != 1:
                continue
            binding, target = bindings[0], None
            if binding.kind == "import":
                target = binding.qualname
            elif binding.kind == "assign" and isinstance(binding.value, (cst.Name, cst.Attribute)):
                # `fetch = api.fetch` in a package's __init__ re-exports like an import does.
                target = self.semantic.qualname(binding.value)
            if target:
                self.facts.aliases[f"{self.facts.module}.{name}"] = target

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        # A module-level `from .api import *` re-exports names the scope model cannot list.
        scope = self.semantic.scope
        if not isinstance(node.names, cst.ImportStar) or scope is None or scope.kind != "module":
            return
        module = dotted_name(node.module) if node.module is not None else None
        if node.relative:
            module = resolve_relative(self.facts.module, self.context.is_package, len(node.relative), module)
        if module:
            self.facts.star_imports.append(module)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # Called before the traversal enters the function: the scope is the enclosing one.
        assert self.semantic.scope is not None
        qualname = self.semantic.scope.child_qualname(node.name.value)
        decorators = {self.semantic.qualname(_decorator_callee(d.decorator)) for d in node.decorators}
        # A def decorated to run in a thread is async to its callers: they await it.
        is_async = node.asynchronous is not None or bool(decorators & TO_THREAD_DECORATORS)
        facts = FunctionFacts(
            qualname,
            is_async,
            is_coroutine_function=is_async and not (decorators & _NOT_COROUTINE_DECORATORS),
        )
        self.facts.functions[qualname] = facts

    def _current(self) -> Optional[FunctionFacts]:
        """The function whose body the traversal is in, from the semantic model's scope.

        None at module level, in class bodies and in lambdas: their calls are not made by
        an enclosing function. A def's decorators and default arguments are walked in the
        enclosing scope, so they count for the enclosing function (or none): they run when
        the `def` statement runs, not when the function is called.
        """
        scope = self.semantic.scope
        if scope is None or scope.kind != "function":
            return None
        return self.facts.functions.get(scope.qualname)

    def visit_Yield(self, node: cst.Yield) -> None:
        # Calling an async generator function gives an async generator, not a coroutine.
        current = self._current()
        if current is not None and current.is_async:
            current.is_coroutine_function = False

    def visit_Call(self, node: cst.Call) -> None:
        current = self._current()
        if current is None:
            return
        qualname = self.semantic.call_qualname(node)
        if qualname is not None and self.context.in_project(qualname) and qualname not in current.calls:
            current.calls.append(qualname)
        hit = blocking_call_of(self.context, node)
        if hit is not None:
            self._blocking_nodes.append((current, node, display_name(hit[0]), hit[1].code))
            self.context.seen_here(node)
        if current.runs_loop is None:
            current.runs_loop = runs_event_loop(self.semantic, node)

    def nodes_to_locate(self) -> List[cst.CSTNode]:
        """Blocking calls whose line decides whether a `# noqa` silences them."""
        return [node for _, node, _, _ in self._blocking_nodes] if self.context.noqa else []

    def finish(self, positions: Dict[int, Tuple[int, int]]) -> ModuleFacts:
        """Record each function's first blocking call that no `# noqa` silences; the
        silenced ones go to `silenced`, where AIO900 sees that their comments are used.

        `positions`: where the nodes of `nodes_to_locate()` start (engine.py locates
        them together with the findings, in one pass over the module).
        """
        noqa = self.context.noqa
        for facts, node, display, code in self._blocking_nodes:
            if noqa and is_suppressed(noqa, positions[id(node)][0], code):
                # The author said this call is fine here. In a plain function, that is
                # what the comment is for: AIO900 must count it as used.
                if not facts.is_async:
                    line, column = positions[id(node)]
                    message = f"{display} is not followed by AIO110: a `# noqa` clears it"
                    self.silenced.append(Diagnostic(self.context.path, line, column, code, message))
            elif facts.blocking is None:
                facts.blocking = (display, code)
        return self.facts


def _decorator_callee(decorator: cst.BaseExpression) -> cst.BaseExpression:
    """`@sync_to_async(thread_sensitive=False)` is named by the function it calls."""
    return decorator.func if isinstance(decorator, cst.Call) else decorator
