"""Facts about one module that other modules' findings depend on.

Gathered during the same traversal that runs the rules, so the whole-project index
needs no second parse: which functions the module defines (async or plain), which
project functions each calls directly, whether each blocks or runs an event loop
directly, and which names the module re-exports through imports.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Tuple

import libcst as cst

from .noqa import is_suppressed
from .positions import locate
from .rules.blocking import blocking_call_of, display_name
from .rules.loops import runs_event_loop

# Decorators after which calling an `async def` does not give a coroutine.
_NOT_COROUTINE_DECORATORS = frozenset(
    {"contextlib.asynccontextmanager", "builtins.property", "functools.cached_property"}
)


@dataclass
class FunctionFacts:
    qualname: str
    is_async: bool
    is_coroutine_function: bool = False
    calls: List[str] = field(default_factory=list)  # project callables called directly
    blocking: Optional[Tuple[str, str]] = None  # (display name, code) of a direct blocking call
    runs_loop: Optional[str] = None  # how it runs an event loop directly, if it does


@dataclass
class ModuleFacts:
    module: str
    functions: Dict[str, FunctionFacts] = field(default_factory=dict)
    # `pkg.name` -> what the module-level import `name` in `pkg` refers to
    aliases: Dict[str, str] = field(default_factory=dict)


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
        # The function whose body the traversal is in; None in class bodies and lambdas,
        # whose calls are not made by the enclosing function.
        self._stack: List[Optional[FunctionFacts]] = []
        self._blocking_nodes: List[Tuple[FunctionFacts, cst.Call, str, str]] = []

    def visit_Module(self, node: cst.Module) -> None:
        module_scope = self.semantic.scope
        assert module_scope is not None
        for name, bindings in module_scope.bindings.items():
            if len(bindings) == 1 and bindings[0].kind == "import" and bindings[0].qualname:
                self.facts.aliases[f"{self.facts.module}.{name}"] = bindings[0].qualname

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        # Called before the traversal enters the function: the scope is the enclosing one.
        assert self.semantic.scope is not None
        qualname = self.semantic.scope.child_qualname(node.name.value)
        is_async = node.asynchronous is not None
        decorators = {self.semantic.qualname(d.decorator) for d in node.decorators}
        facts = FunctionFacts(
            qualname,
            is_async,
            is_coroutine_function=is_async and not (decorators & _NOT_COROUTINE_DECORATORS),
        )
        self.facts.functions[qualname] = facts
        self._stack.append(facts)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._stack.append(None)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._stack.append(None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._stack.pop()

    def visit_Call(self, node: cst.Call) -> None:
        current = self._stack[-1] if self._stack else None
        if current is None:
            return
        qualname = self.semantic.call_qualname(node)
        if qualname is not None and self.context.in_project(qualname) and qualname not in current.calls:
            current.calls.append(qualname)
        hit = blocking_call_of(self.context, node)
        if hit is not None:
            self._blocking_nodes.append((current, node, display_name(hit[0]), hit[1].code))
        if current.runs_loop is None:
            current.runs_loop = runs_event_loop(self.semantic, node)

    def finish(self, module: cst.Module) -> ModuleFacts:
        """Record each function's first blocking call that no `# noqa` silences."""
        noqa = self.context.noqa
        positions = locate(module, [node for _, node, _, _ in self._blocking_nodes]) if noqa else {}
        for facts, node, display, code in self._blocking_nodes:
            if facts.blocking is not None:
                continue
            if noqa and is_suppressed(noqa, positions[id(node)][0], code):
                continue  # the author said this call is fine here
            facts.blocking = (display, code)
        return self.facts
