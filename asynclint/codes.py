"""The rule catalogue as plain data: code, name, default state, summary.

Kept apart from the rule classes (which need libcst) so that choosing rules, reading
configuration, checking the cache and printing results never import libcst: a warm run
whose files are all cached does not pay for it. Each rule class names its code; a test
checks that this table and the classes agree.
"""
from __future__ import annotations

from typing import Dict, NamedTuple, Tuple


class RuleInfo(NamedTuple):
    code: str
    name: str
    default_enabled: bool
    summary: str


RULES: Tuple[RuleInfo, ...] = (
    RuleInfo("AIO001", "unreadable-file", True, "the file cannot be read, decoded or parsed"),
    RuleInfo("AIO100", "blocking-sleep", True, "time.sleep() in an async body blocks the event loop"),
    RuleInfo(
        "AIO101",
        "blocking-http-call",
        True,
        "a synchronous HTTP call (requests, urllib, urllib3, httpx, http.client) in an async body",
    ),
    RuleInfo("AIO102", "blocking-subprocess", True, "a subprocess or os.system call that waits, in an async body"),
    RuleInfo(
        "AIO103",
        "blocking-file-io",
        True,
        "file system access (open, os, os.path, shutil, pathlib) in an async body",
    ),
    RuleInfo("AIO104", "blocking-input", True, "input() or a read from sys.stdin in an async body"),
    RuleInfo(
        "AIO105",
        "blocking-call",
        True,
        "another blocking call (sockets, databases, mail, your extend-blocking-calls) in an async body",
    ),
    RuleInfo(
        "AIO110",
        "transitively-blocking-call",
        True,
        "a call, in an async body, of a plain project function that reaches a blocking call",
    ),
    RuleInfo("AIO200", "unawaited-coroutine", True, "a coroutine is created and never awaited"),
    RuleInfo(
        "AIO201",
        "dangling-task",
        True,
        "a task or future is created and thrown away: it may be garbage-collected mid-flight",
    ),
    RuleInfo(
        "AIO202",
        "not-a-coroutine",
        True,
        "asyncio.run()/create_task()/run_until_complete() given a function, lambda or future",
    ),
    RuleInfo(
        "AIO203",
        "await-in-loop",
        False,
        "independent awaits one at a time in a for loop; gather them or use a TaskGroup",
    ),
    RuleInfo(
        "AIO300",
        "cancelled-error-swallowed",
        True,
        "`except CancelledError` (or `suppress`) around an await that does not re-raise",
    ),
    RuleInfo(
        "AIO301",
        "broad-except-swallows-cancellation",
        True,
        "bare `except:` / `except BaseException` around an await that does not re-raise",
    ),
    RuleInfo(
        "AIO302",
        "exit-in-finally",
        True,
        "`return`, `break` or `continue` leaving a `finally` after an await drops cancellation",
    ),
    RuleInfo(
        "AIO400",
        "loop-outside-main-thread",
        True,
        "a callable that runs an event loop is handed to another thread",
    ),
    RuleInfo(
        "AIO401",
        "loop-already-running",
        True,
        "asyncio.run()/run_until_complete()/run_forever() called in an async body",
    ),
    RuleInfo(
        "AIO402",
        "deprecated-loop-api",
        True,
        "get_event_loop(), @asyncio.coroutine, or a loop= argument asyncio removed",
    ),
    # Worked out after the whole run from the `# noqa` comments and what they silenced
    # (unused_noqa.py); the runner parses every file with such a comment when it is on.
    RuleInfo(
        "AIO900",
        "unused-noqa",
        False,
        "a `# noqa` comment names an AIO code that silences nothing on its line",
    ),
)

RULES_BY_CODE: Dict[str, RuleInfo] = {rule.code: rule for rule in RULES}
