"""The registry: every rule class, in code order.

AIO001 (the engine's own) and AIO900 (worked out after the run) have no class; every
code's name, summary and default state are in codes.py.
"""
from __future__ import annotations

from typing import Dict, List, Type

from .base import Rule
from .blocking import (
    BlockingFileIo,
    BlockingHttpCall,
    BlockingInput,
    BlockingSleep,
    BlockingSubprocess,
    OtherBlockingCall,
    TransitivelyBlockingCall,
)
from .cancellation import BroadExceptSwallowsCancellation, CancelledErrorSwallowed, ExitInFinally
from .coroutines import AwaitInLoop, DanglingTask, NotACoroutine, UnawaitedCoroutine
from .event_loop import DeprecatedLoopApi, LoopAlreadyRunning, LoopOutsideMainThread

ALL_RULES: List[Type[Rule]] = [
    BlockingSleep,
    BlockingHttpCall,
    BlockingSubprocess,
    BlockingFileIo,
    BlockingInput,
    OtherBlockingCall,
    TransitivelyBlockingCall,
    UnawaitedCoroutine,
    DanglingTask,
    NotACoroutine,
    AwaitInLoop,
    CancelledErrorSwallowed,
    BroadExceptSwallowsCancellation,
    ExitInFinally,
    LoopOutsideMainThread,
    LoopAlreadyRunning,
    DeprecatedLoopApi,
]

RULES_BY_CODE: Dict[str, Type[Rule]] = {rule.code: rule for rule in ALL_RULES}

__all__ = ["ALL_RULES", "RULES_BY_CODE", "Rule"]
