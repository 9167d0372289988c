"""A per-file time limit, so that one pathological file cannot stall a whole run.

The limit is a SIGALRM timer: it interrupts Python code (our rules, libcst's visitors
and metadata) but not a single long call into native code, which only notices it when
the call returns. Where there is no SIGALRM (Windows) or the check does not run on the
main thread (signals are delivered there only), there is no limit; nor while another
timer of the process is running.
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator, Optional

# Long enough for any real file: the 100k-line test file takes a few seconds.
DEFAULT_FILE_TIMEOUT = 60.0


class FileTimeout(BaseException):
    """Raised inside the check when its time is up.

    A BaseException, so that the per-rule `except Exception` guards let it through
    instead of reporting it as that rule's failure.
    """


def can_limit() -> bool:
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: Optional[float]) -> Iterator[None]:
    """Raise FileTimeout in the block once `seconds` have passed (None or 0: no limit)."""
    if not seconds or not can_limit() or signal.getitimer(signal.ITIMER_REAL)[0] > 0:
        # No limit, no signals here, or somebody else's timer is running (a test
        # runner's timeout, say): ours would cancel theirs, so theirs wins.
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise FileTimeout()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
