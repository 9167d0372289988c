"""Property-based fuzzing: whatever a file contains, the run neither crashes nor hangs.

Every generated input must come out as findings or as AIO001, with no internal error,
within a time limit. Sources come from:

- hypothesmith (when installed): syntactically valid programs from Python's grammar and
  from libcst's node types;
- a generator of asyncio-flavoured code built from the constructs the rules look at
  (aliased imports, async bodies, try/except/finally, loops, nested defs and lambdas,
  threads and executors), nested at random;
- mutations of the fixture files: characters deleted, repeated or inserted, which gives
  half-edited code the rules must walk past;
- arbitrary bytes, through the same reading and decoding as a file on disk.

`pytest --fuzz-long tests/test_fuzz.py` (or ASYNCLINT_FUZZ_EXAMPLES=N) searches longer with
a random seed; the default run is short and deterministic. A crash found here becomes a
fixture in fixtures/AIO001/ (or a rule's folder) once fixed.
"""
from __future__ import annotations

import ast
import os
import signal
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import pytest

hypothesis = pytest.importorskip("hypothesis")
pytestmark = [
    # The engine raises the recursion limit for deep trees; hypothesmith compiles odd code.
    pytest.mark.filterwarnings("ignore:The recursion limit will not be reset"),
    pytest.mark.filterwarnings("ignore::SyntaxWarning"),
]
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import libcst  # noqa: E402

from asynclint import lint_paths, lint_source  # noqa: E402
from asynclint.codes import RULES_BY_CODE  # noqa: E402
from asynclint.config import Settings  # noqa: E402
from asynclint.files import SourceError, decode_source, nesting_error  # noqa: E402

from .conftest import FIXTURES, FUZZ_EXAMPLES_VARIABLE  # noqa: E402

try:
    import hypothesmith
except ImportError:  # pragma: no cover - hypothesmith is in the test extras
    hypothesmith = None

_LONG = int(os.environ.get(FUZZ_EXAMPLES_VARIABLE, "0") or 0)
# A generated file that takes longer than this to check counts as a hang.
TIME_LIMIT = 20.0
EVERY_RULE = Settings(select=["AIO"], extend_select=["AIO203"])


def fuzz_settings(examples: int):
    """Short and deterministic by default (the CI run); long and random with --fuzz-long."""
    return settings(
        max_examples=_LONG or examples,
        derandomize=not _LONG,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


class _TooSlow(BaseException):
    """Raised by the watchdog: a BaseException so that no `except Exception` swallows it."""


@contextmanager
def time_limit(seconds: float, data: bytes = b"") -> Iterator[None]:
    """Fail the test, showing the input, when the block runs longer than `seconds`.

    The failure is not shrunk (each try would take as long again): the input is saved
    in the temporary folder (asynclint-fuzz-failures/) for a test of its own.
    """
    if not hasattr(signal, "setitimer"):  # pragma: no cover - Windows
        yield
        return

    def expire(signum, frame):
        raise _TooSlow()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TooSlow:
        saved = save_failure(data)
        pytest.fail(f"checking one generated file took more than {seconds:.0f}s (saved as {saved}):\n{data[:3000]!r}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def save_failure(data: bytes) -> Path:
    import hashlib
    import tempfile

    folder = Path(tempfile.gettempdir()) / "asynclint-fuzz-failures"
    folder.mkdir(exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.py"
    path.write_bytes(data)
    return path


# -- the property -------------------------------------------------------------------------



def libcst_rejects(data: bytes) -> bool:
    """True when the bytes cannot be decoded, or libcst cannot parse the text."""
    try:
        source = decode_source(data)
    except SourceError:
        return True
    if nesting_error(source) is not None:
        return True
    try:
        libcst.parse_module(source)
    except Exception:
        return True
    return False


def python_compiles(data: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(decode_source(data), "<fuzz>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SourceError, SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def assert_survives(data: bytes, folder: Path) -> None:
    """Lint the bytes as a file: findings or AIO001, no internal error, no hang."""
    path = folder / "fuzzed.py"
    path.write_bytes(data)
    with time_limit(TIME_LIMIT, data):
        run = lint_paths([path], EVERY_RULE)
    assert not run.errors, run.errors
    assert not run.missing
    assert all(d.code in RULES_BY_CODE for d in run.diagnostics), run.diagnostics
    assert all(d.line >= 1 and d.column >= 1 for d in run.diagnostics), run.diagnostics
    unreadable = [d for d in run.diagnostics if d.code == "AIO001"]
    rejected = libcst_rejects(data)
    if unreadable:
        assert rejected, f"AIO001 for a file libcst parses: {unreadable}"
        assert len(unreadable) == 1, unreadable
    elif rejected:
        # Allowed only where a noqa comment silences it, or for a file that Python compiles
        # and that no rule needs to parse (the pre-filter's known gap: see
        # test_robustness.py::test_a_file_only_libcst_rejects_is_aio001_even_when_no_rule_needs_it).
        assert b"noqa" in data or python_compiles(data), "a file libcst rejects was not reported as AIO001"


def assert_source_survives(source: str, folder: Path) -> None:
    assert_survives(source.encode("utf-8", "surrogatepass"), folder)
    # The flake8 plugin's view (one module, text already decoded) must not raise either.
    with time_limit(TIME_LIMIT, source.encode("utf-8", "surrogatepass")):
        lint_source(source, "fuzzed.py", EVERY_RULE)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# -- hypothesmith: valid Python --------------------------------------------------------------

needs_hypothesmith = pytest.mark.skipif(hypothesmith is None, reason="hypothesmith is not installed")


@needs_hypothesmith
@fuzz_settings(examples=60)
@given(source=hypothesmith.from_grammar() if hypothesmith else st.nothing())
def test_valid_python_from_the_grammar(source: str, folder: Path) -> None:
    assert_source_survives(source, folder)


@needs_hypothesmith
@fuzz_settings(examples=30)
@given(source=hypothesmith.from_node() if hypothesmith else st.nothing())
def test_valid_python_from_libcst_nodes(source: str, folder: Path) -> None:
    assert_source_survives(source, folder)


# -- asyncio-flavoured code ---------------------------------------------------------------

IMPORTS = [
    "import time", "import time as t", "from time import sleep", "from time import sleep as nap",
    "import asyncio", "import asyncio as aio", "from asyncio import CancelledError, create_task, gather",
    "from asyncio import exceptions", "import concurrent.futures", "import requests", "from requests import Session",
    "import httpx", "import urllib.request", "import os", "import os.path", "import shutil", "import subprocess",
    "from subprocess import run", "from pathlib import Path", "import pathlib", "import threading",
    "from threading import Thread", "from concurrent.futures import ThreadPoolExecutor", "import contextlib",
    "from contextlib import suppress", "import sys", "import socket", "import sqlite3", "import anyio", "import trio",
    "from . import helpers", "from .helpers import blocking", "from .. import sibling", "from .mod import *",
]
NAMES = ["time", "t", "sleep", "asyncio", "aio", "loop", "task", "self", "cls", "x", "e", "exc", "Path", "open", "os",
         "requests", "session", "executor", "helpers", "blocking", "main", "g", "h", "CancelledError", "_loop"]
EXPRESSIONS = [
    "time.sleep(1)", "t.sleep(0)", "sleep(1)", "nap(2)", "asyncio.sleep(1)", "aio.sleep(0)", "g()", "h(1)",
    "self.g()", "cls.h()", "self._loop.create_task(g())", "loop.create_task(g())", "asyncio.create_task(g())",
    "create_task(g())", "asyncio.ensure_future(g())", "asyncio.gather(g(), h())", "gather(*tasks)",
    "asyncio.run(main())", "asyncio.run(main)", "aio.run(lambda: g())", "asyncio.get_event_loop()",
    "asyncio.get_running_loop()", "loop.run_until_complete(g())", "loop.run_forever()", "asyncio.wait([g()], loop=loop)",
    "asyncio.run_coroutine_threadsafe(g(), loop)", "requests.get(url)", "Session().post(url)", "session.get(url)",
    "httpx.get(url)", "urllib.request.urlopen(url)", "open('f')", "open", "Path('x').read_text()", "Path(p).exists()",
    "pathlib.Path.home()", "os.path.exists('x')", "os.path.join('a', 'b')", "os.listdir()", "shutil.rmtree(p)",
    "subprocess.run(['ls'])", "run('ls', shell=True)", "os.system('ls')", "input()", "sys.stdin.read()",
    "socket.getaddrinfo(h, p)", "sqlite3.connect(':memory:')", "task.cancel()", "task.cancelling()", "task.uncancel()",
    "asyncio.current_task().cancelling()", "Thread(target=main).start()", "threading.Thread(None, asyncio.run, args=(g(),))",
    "Thread(target=loop.run_forever)", "executor.submit(asyncio.run, g())", "executor.map(main, xs)",
    "loop.run_in_executor(None, time.sleep, 1)", "asyncio.to_thread(time.sleep, 1)", "asyncio.to_thread(blocking)",
    "helpers.blocking()", "blocking()", "sibling.work()", "lambda: time.sleep(1)", "lambda x=time.sleep(1): x",
    "asyncio.wait_for(g(), 1)", "contextlib.suppress(asyncio.CancelledError)", "anyio.run(main)", "trio.run(main)",
    "[await g() for _ in range(3)]", "{k: await v for k, v in d}", "(x async for x in g())", "f'{time.sleep(1)}'",
    "x if time.sleep(1) else y", "not g()", "g() or h()", "(n := g())", "*xs", "x[time.sleep(1)]", "x.y.z()", "None",
    "...", "1", "'s'", "b'b'", "x", "ThreadPoolExecutor()", "asyncio.coroutine(g)", "exceptions.CancelledError",
]
EXCEPTIONS = ["", "asyncio.CancelledError", "CancelledError", "aio.CancelledError", "asyncio.exceptions.CancelledError",
              "concurrent.futures.CancelledError", "BaseException", "Exception", "(ValueError, asyncio.CancelledError)",
              "exceptions.CancelledError", "KeyboardInterrupt", "*ValueError"]
SIMPLE = ["pass", "break", "continue", "return", "return x", "raise", "raise exc", "raise e from None", "del x",
          "global time", "nonlocal x", "x = 1", "time = Clock()", "loop = asyncio.new_event_loop()",
          "task = asyncio.create_task(g())", "session = Session()", "p = Path('x')", "x: int = 1", "x += 1",
          "assert x, 'm'", "yield", "yield x", "await x", "await task", "await asyncio.sleep(0)"]


def _indent(lines: List[str]) -> List[str]:
    return ["    " + line for line in lines]


@st.composite
def statements(draw, depth: int = 0) -> List[str]:
    kinds = ["expr", "await", "assign", "simple", "import"]
    if depth < 4:
        kinds += ["async def", "def", "class", "try", "with", "async with", "for", "async for", "while", "if", "lambda",
                  "decorated", "match"]
    kind = draw(st.sampled_from(kinds))
    expression = draw(st.sampled_from(EXPRESSIONS))

    def body() -> List[str]:
        return [line for block in draw(st.lists(statements(depth + 1), min_size=1, max_size=3)) for line in block]

    name = draw(st.sampled_from(NAMES))
    if kind == "expr":
        return [expression]
    if kind == "await":
        return [f"await {expression}"]
    if kind == "assign":
        return [f"{name} = {expression}"]
    if kind == "simple":
        return [draw(st.sampled_from(SIMPLE))]
    if kind == "import":
        return [draw(st.sampled_from(IMPORTS))]
    if kind in ("async def", "def"):
        params = draw(st.sampled_from(["", "self", "loop", "p: Path", "x=time.sleep(1)", "*args, **kwargs", "cls, /, x"]))
        return [f"{kind} {name}({params}):"] + _indent(body())
    if kind == "class":
        base = draw(st.sampled_from(["", "(Thread)", "(threading.Thread)", "(object, metaclass=M)"]))
        return [f"class {name.title()}{base}:"] + _indent(body())
    if kind == "try":
        lines = ["try:"] + _indent(body())
        for exception in draw(st.lists(st.sampled_from(EXCEPTIONS), min_size=0, max_size=2)):
            alias = draw(st.sampled_from(["", " as e", " as exc"])) if exception else ""
            lines += [f"except {exception}{alias}:".replace("except :", "except:")] + _indent(body())
        if draw(st.booleans()):
            lines += ["else:"] + _indent(body())
        if not any(line.startswith("except") for line in lines) or draw(st.booleans()):
            lines += ["finally:"] + _indent(body())
        return lines
    if kind in ("with", "async with"):
        manager = draw(st.sampled_from(["suppress(asyncio.CancelledError)", "contextlib.suppress(CancelledError)", "open('f') as f",
                                        "lock", "session", "asyncio.timeout(1)", "ThreadPoolExecutor() as executor"]))
        return [f"{kind} {manager}:"] + _indent(body())
    if kind in ("for", "async for"):
        return [f"{kind} {name} in {expression}:"] + _indent(body())
    if kind == "while":
        return [f"while {expression}:"] + _indent(body())
    if kind == "if":
        lines = [f"if {expression}:"] + _indent(body())
        if draw(st.booleans()):
            lines += ["else:"] + _indent(body())
        return lines
    if kind == "lambda":
        return [f"{name} = lambda: {expression}"]
    if kind == "decorated":
        decorator = draw(st.sampled_from(["@asyncio.coroutine", "@staticmethod", "@classmethod", "@functools.wraps(f)"]))
        asynchronous = draw(st.sampled_from(["async ", ""]))
        return [decorator, f"{asynchronous}def {name}():"] + _indent(body())
    # match
    return [f"match {expression}:", "    case [x, *rest] if rest:"] + _indent(_indent(body())) + ["    case _:"] + _indent(_indent(body()))


@st.composite
def asyncio_modules(draw) -> str:
    blocks = draw(st.lists(statements(), min_size=1, max_size=8))
    return "\n".join(line for block in blocks for line in block) + "\n"


@fuzz_settings(examples=150)
@given(source=asyncio_modules())
def test_asyncio_flavoured_code(source: str, folder: Path) -> None:
    assert_source_survives(source, folder)


@fuzz_settings(examples=20)
@given(modules=st.lists(asyncio_modules(), min_size=2, max_size=4))
def test_asyncio_flavoured_projects(modules: List[str], tmp_path_factory) -> None:
    """Several modules that import each other: the whole-project pass (AIO110, AIO200, AIO400)."""
    root = tmp_path_factory.mktemp("project")
    package = root / "pkg"
    package.mkdir()
    names = ["__init__", "helpers", "mod", "sibling"]
    for name, source in zip(names, modules):
        (package / f"{name}.py").write_text(source, encoding="utf-8")
    with time_limit(TIME_LIMIT * 2, "\n# ----\n".join(modules).encode("utf-8", "surrogatepass")):
        run = lint_paths([root], EVERY_RULE)
    assert not run.errors, run.errors
    assert all(d.code in RULES_BY_CODE for d in run.diagnostics)


# -- mutated fixtures ---------------------------------------------------------------------

FIXTURE_SOURCES = sorted(p for p in FIXTURES.rglob("*.py") if p.is_file())
INSERTIONS = ["(", ")", "[", "]", "{", "}", ":", ",", "\n", "\r", "\r\n", "    ", "\t", "async ", "await ", "def ",
              "lambda ", "'", '"', '"""', "#", "# noqa", "\\", "\\\n", "@", "*", "**", "=", ":=", "->", ".", " ", "\x0c",
              "\ufeff", "é", "\u2028", "\0", "yield ", "return ", "except* ", "type X = ", "f'{", "}'"]


@st.composite
def mutated_fixtures(draw) -> bytes:
    data = draw(st.sampled_from(FIXTURE_SOURCES)).read_bytes()
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        action = draw(st.sampled_from(["delete", "insert", "repeat", "swap-lines"]))
        if action == "delete":
            data = data[:at] + data[at + draw(st.integers(min_value=1, max_value=40)):]
        elif action == "insert":
            encoding = draw(st.sampled_from(["utf-8", "latin-1"]))
            data = data[:at] + draw(st.sampled_from(INSERTIONS)).encode(encoding, "replace") + data[at:]
        elif action == "repeat":
            data = data[:at] + data[at:at + draw(st.integers(min_value=1, max_value=80))] * 2 + data[at:]
        else:
            lines = data.splitlines(keepends=True)
            if len(lines) > 1:
                i = draw(st.integers(min_value=0, max_value=len(lines) - 2))
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
                data = b"".join(lines)
    return data


@fuzz_settings(examples=300)
@given(data=mutated_fixtures())
def test_mutated_fixtures(data: bytes, folder: Path) -> None:
    assert_survives(data, folder)


# -- arbitrary bytes ----------------------------------------------------------------------

PREFIXES = [b"", b"\xef\xbb\xbf", b"# -*- coding: latin-1 -*-\n", b"# coding: utf-16\n", b"# vim: set fileencoding=cp1252 :\n",
            b"#!/usr/bin/env python\n# coding=utf-8\n", b"# coding: klingon\n", b"import time\nasync def f():\n    "]


@fuzz_settings(examples=200)
@given(prefix=st.sampled_from(PREFIXES), data=st.binary(max_size=400))
def test_arbitrary_bytes(prefix: bytes, data: bytes, folder: Path) -> None:
    assert_survives(prefix + data, folder)


@fuzz_settings(examples=200)
@given(source=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300))
def test_arbitrary_text(source: str, folder: Path) -> None:
    assert_source_survives(source, folder)
