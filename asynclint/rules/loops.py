"""Shared questions about event loops, asked by AIO2xx and AIO4xx rules and by facts.py."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from ..catalog import LOOP_FACTORIES, LOOP_RUNNING_FUNCTIONS, LOOP_RUNNING_METHODS
from ..semantic import SemanticModel


def is_event_loop(semantic: SemanticModel, expr: cst.BaseExpression) -> bool:
    """A loop per RULES.md: made by a loop factory, or named `loop` / `*_loop`."""
    if isinstance(expr, cst.Name) and _loop_like_name(expr.value):
        return True
    if isinstance(expr, cst.Attribute) and _loop_like_name(expr.attr.value):
        return True
    value = semantic.value_of(expr)
    return value is not None and value.instance and value.qualname in LOOP_FACTORIES


def _loop_like_name(name: str) -> bool:
    return name == "loop" or name.endswith("_loop")


def loop_method_call(semantic: SemanticModel, call: cst.Call) -> Optional[str]:
    """The method name when `call` is `<event loop>.<method>(...)`, else None."""
    func = call.func
    if isinstance(func, cst.Attribute) and is_event_loop(semantic, func.value):
        return func.attr.value
    return None


def runs_event_loop(semantic: SemanticModel, call: cst.Call) -> Optional[str]:
    """How `call` runs an event loop (`asyncio.run`, `loop.run_forever`), else None."""
    qualname = semantic.call_qualname(call)
    if qualname in LOOP_RUNNING_FUNCTIONS:
        return qualname
    method = loop_method_call(semantic, call)
    if method in LOOP_RUNNING_METHODS:
        return f"loop.{method}"
    return None


def bound_loop_runner(semantic: SemanticModel, expr: cst.BaseExpression) -> Optional[str]:
    """`loop.run_forever` when `expr` is a loop's loop-running method, uncalled (`target=loop.run_forever`)."""
    if (
        isinstance(expr, cst.Attribute)
        and expr.attr.value in LOOP_RUNNING_METHODS
        and is_event_loop(semantic, expr.value)
    ):
        return f"loop.{expr.attr.value}"
    return None
