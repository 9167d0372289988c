"""AIO1xx: calls that block the event loop when made in an async body."""
from __future__ import annotations

from typing import Optional, Set, Tuple

import libcst as cst

from ..diagnostics import Pending
from ..fixes import FixPlan, NodeEdit
from .base import Rule
from ..catalog import BLOCKING_CALLS, BlockingCall
from .edits import asyncio_name

_CACHE_KEY = "blocking_calls"


def display_name(qualname: str) -> str:
    """How a call is named in messages: `open()`, `requests.Session.get()`."""
    if qualname.startswith("builtins."):
        qualname = qualname[len("builtins.") :]
    return f"{qualname}()"


def blocking_call_of(context, call: cst.Call) -> Optional[Tuple[str, BlockingCall]]:
    """The blocking-call catalogue entry a call matches, with its qualified name.

    The user's `extend-blocking-calls` come first, so a user can also give a better
    suggestion for a call the catalogue already lists. Cached per call node: every
    AIO10x rule asks about the same calls.
    """
    cache = context.cache.setdefault(_CACHE_KEY, {})
    key = id(call)
    if key in cache:
        return cache[key]
    result = None
    qualname = context.semantic.call_qualname(call)
    if qualname is not None:
        user_suggestion = context.settings.extend_blocking_calls.get(qualname, False)
        if user_suggestion is not False:
            result = (qualname, BlockingCall("AIO105", user_suggestion or None))
        elif qualname in BLOCKING_CALLS:
            result = (qualname, BLOCKING_CALLS[qualname])
    cache[key] = result
    return result


def blocking_message(qualname: str, entry: BlockingCall) -> str:
    message = f"{display_name(qualname)} blocks the event loop"
    if entry.suggestion:
        message += f"; {entry.suggestion}"
    return message


class _BlockingCallRule(Rule):
    """Reports the calls of one AIO10x category made directly in an async body."""

    def visit_Call(self, node: cst.Call) -> None:
        if not self.semantic.in_async_body:
            return
        hit = blocking_call_of(self.context, node)
        if hit is not None and hit[1].code == self.code:
            self.report(node, blocking_message(*hit), fix=self.fix_for(node))

    def fix_for(self, call: cst.Call) -> Optional[FixPlan]:
        return None


class BlockingSleep(_BlockingCallRule):
    code = "AIO100"

    def __init__(self, context) -> None:
        super().__init__(context)
        self._statement_calls: Set[int] = set()

    def visit_Expr(self, node: cst.Expr) -> None:
        # Only a call that is a whole statement can take `await` without parentheses.
        if isinstance(node.value, cst.Call):
            self._statement_calls.add(id(node.value))

    def fix_for(self, call: cst.Call) -> Optional[FixPlan]:
        """`time.sleep(x)` -> `await asyncio.sleep(x)`: the same pause, without blocking."""
        if id(call) not in self._statement_calls:
            return None
        asyncio, imports = asyncio_name(self.context)
        if not asyncio:
            return None
        return FixPlan(
            "safe",
            f"replace with `await {asyncio}.sleep(...)`",
            [NodeEdit(call, "before", "await "), NodeEdit(call.func, "replace", f"{asyncio}.sleep"), *imports],
        )


class BlockingHttpCall(_BlockingCallRule):
    code = "AIO101"


class BlockingSubprocess(_BlockingCallRule):
    code = "AIO102"


class BlockingFileIo(_BlockingCallRule):
    code = "AIO103"


class BlockingInput(_BlockingCallRule):
    code = "AIO104"


class OtherBlockingCall(_BlockingCallRule):
    code = "AIO105"


class TransitivelyBlockingCall(Rule):
    """AIO110: a plain project function called in an async body reaches a blocking call.

    Whether the callee blocks is known only once every module's facts are in, so the
    finding is deferred to the whole-project pass (project.py), which names the chain.
    """

    code = "AIO110"

    def visit_Call(self, node: cst.Call) -> None:
        if not self.semantic.in_async_body or blocking_call_of(self.context, node) is not None:
            return
        qualname = self.semantic.call_qualname(node)
        if qualname is not None and self.context.in_project(qualname):
            self.context.defer(
                self.code,
                node,
                Pending(
                    "blocking",
                    qualname,
                    "{chain} blocks the event loop; run it with `await asyncio.to_thread(...)` or make it async",
                ),
            )
