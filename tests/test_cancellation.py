"""AIO300-AIO302: what the fixtures cannot say (columns, counts, messages) and the path analysis."""
from __future__ import annotations

import textwrap
from typing import List, Tuple

import libcst as cst
import pytest

from asynclint import lint_source
from asynclint.config import Settings
from asynclint.rules import RULES_BY_CODE
from asynclint.rules._paths import BREAK, CONTINUE, FALL, RAISE, RETURN, block_exits


def findings(source: str) -> List[Tuple[int, int, str, str]]:
    settings = Settings(select=["AIO3"])
    return [(d.line, d.column, d.code, d.message) for d in lint_source(textwrap.dedent(source), "t.py", settings)]


def exits(body: str) -> frozenset:
    return block_exits(cst.parse_module(textwrap.dedent(body)).body)


def test_registered_with_the_catalogue_names():
    assert RULES_BY_CODE["AIO300"].info().name == "cancelled-error-swallowed"
    assert RULES_BY_CODE["AIO301"].info().name == "broad-except-swallows-cancellation"
    assert RULES_BY_CODE["AIO302"].info().name == "exit-in-finally"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("pass\n", {FALL}),
        ("raise\n", {RAISE}),
        ("log()\nreturn 1\nraise\n", {RETURN}),  # the raise is unreachable
        ("if a:\n    raise\nelse:\n    return\n", {RAISE, RETURN}),
        ("if a:\n    raise\nelif b:\n    raise\n", {RAISE, FALL}),
        ("for x in y:\n    raise\n", {RAISE, FALL}),  # zero iterations
        ("for x in y:\n    break\nraise\n", {RAISE}),
        ("for x in y:\n    continue\nelse:\n    raise\n", {RAISE}),
        ("while True:\n    pass\n", set()),  # never ends
        ("while True:\n    if a:\n        break\n", {FALL}),
        ("while True:\n    return\n", {RETURN}),
        ("while a:\n    pass\nelse:\n    raise\n", {RAISE}),
        ("try:\n    pass\nfinally:\n    raise\n", {RAISE}),
        ("try:\n    raise\nexcept E:\n    pass\n", {RAISE, FALL}),
        ("try:\n    x()\nexcept E:\n    raise\nelse:\n    return\n", {RAISE, RETURN}),
        ("try:\n    raise\nfinally:\n    cleanup()\n", {RAISE}),
        ("try:\n    raise\nfinally:\n    return\n", {RETURN}),
        ("with a:\n    raise\n", {RAISE}),
        ("match a:\n    case 1:\n        raise\n    case _:\n        raise\n", {RAISE}),
        ("match a:\n    case 1:\n        raise\n", {RAISE, FALL}),
        ("match a:\n    case 1 | x:\n        raise\n", {RAISE}),
        ("match a:\n    case x if x:\n        raise\n", {RAISE, FALL}),
        ("break\n", {BREAK}),
        ("continue\n", {CONTINUE}),
        ("def f():\n    raise\n", {FALL}),
        ("x = 1; raise\n", {RAISE}),
    ],
)
def test_block_exits(body: str, expected: set) -> None:
    assert exits(body) == expected


def test_positions_are_the_except_and_with_keywords():
    source = """\
    import asyncio
    from contextlib import suppress

    async def f(conn):
        try:
            await conn.recv()
        except (
            asyncio.CancelledError,
        ):
            pass
        if conn:
            with suppress(asyncio.CancelledError):
                await conn.recv()
        try:
            await conn.recv()
        except:  pass
        try:
            await conn.recv()
        finally:
            if conn: return None
    """
    assert [(line, column, code) for line, column, code, _ in findings(source)] == [
        (7, 5, "AIO300"),
        (12, 9, "AIO300"),
        (16, 5, "AIO301"),
        (20, 18, "AIO302"),
    ]


def test_a_return_in_nested_finally_blocks_is_reported_once():
    source = """\
    async def f(conn):
        try:
            await conn.recv()
        finally:
            try:
                await conn.flush()
            finally:
                return None
    """
    assert [(line, code) for line, _, code, _ in findings(source)] == [(8, "AIO302")]


def test_messages_say_what_to_do():
    source = """\
    import asyncio

    async def f(conn):
        try:
            await conn.recv()
        except asyncio.CancelledError:
            return None
        try:
            await conn.recv()
        except BaseException:
            pass
        for _ in conn:
            try:
                await conn.recv()
            finally:
                break
    """
    messages = {code: message for _, _, code, message in findings(source)}
    assert "`except asyncio.CancelledError` can `return` without re-raising" in messages["AIO300"]
    assert "`raise`" in messages["AIO300"]
    assert "`except BaseException`" in messages["AIO301"] and "`Exception`" in messages["AIO301"]
    assert messages["AIO302"].startswith("`break` in `finally`")
    assert "out of the `finally`" in messages["AIO302"]


def test_noqa_on_the_except_line():
    source = """\
    import asyncio

    async def f(conn):
        try:
            await conn.recv()
        except asyncio.CancelledError:  # noqa: AIO300
            pass
    """
    assert findings(source) == []


def test_a_cancellation_handler_in_a_broad_try_is_judged_once():
    # Only AIO300 speaks about a handler that names CancelledError, even next to BaseException.
    source = """\
    import asyncio

    async def f(conn):
        try:
            await conn.recv()
        except (asyncio.CancelledError, BaseException):
            pass
    """
    assert [code for _, _, code, _ in findings(source)] == ["AIO300"]


def test_broken_code_does_not_crash():
    # Odd but valid shapes: empty tuple, starred suppress, a lambda handler type.
    source = """\
    import asyncio
    from contextlib import suppress

    EXCS = (asyncio.CancelledError,)

    async def f(conn):
        try:
            await conn.recv()
        except ():
            pass
        with suppress(*EXCS):
            await conn.recv()
        try:
            await conn.recv()
        except (lambda: ValueError)():
            pass
        try:
            await conn.recv()
        except EXCS:
            pass
    """
    assert [(line, code) for line, _, code, _ in findings(source)] == [(19, "AIO300")]
