"""The registry: every rule class, in code order."""
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
from .file import UnreadableFile

ALL_RULES: List[Type[Rule]] = [
    UnreadableFile,
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
