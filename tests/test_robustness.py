"""Hostile input and failures of our own: one bad file never costs the others' results.

Each hostile input is a test: it must come out as findings or as one AIO001, with exit
status 0 or 1 and no traceback. A bug of ours (an exception in a rule, a worker process
that dies) is an internal error naming the file, exit status 2, and every other finding
is still printed. Inputs that could crash the interpreter itself run the command in a
subprocess, so that a crash fails the test instead of the test run.
"""
from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import pytest

from asynclint.cli import main
from asynclint.config import Settings
from asynclint.files import MAX_BOOLEAN_OPERANDS, SourceError, decode_source, nesting_error
from asynclint.runner import lint_files

BLOCKING = b"import time\n\nasync def handler():\n    time.sleep(1)\n"  # AIO100 at 4:5
EVERY_RULE = ["--select", "AIO", "--extend-select", "AIO203"]


@pytest.fixture(autouse=True)
def _in_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the cache, when on, goes beside the files


def lint(capsys, *paths: Path, args: Sequence[str] = ()) -> Tuple[int, List[str], str]:
    """The command in-process: exit status, findings as `name:line:col: CODE`, stderr."""
    code = main([*EVERY_RULE, "--no-cache", "--jobs", "1", *args, *map(str, paths)])
    out, err = capsys.readouterr()
    assert "Traceback" not in err, err
    return code, [_short(line) for line in out.splitlines()], err


def lint_in_subprocess(*paths: Path, args: Sequence[str] = (), env: Optional[Dict[str, str]] = None, timeout: float = 120):
    """The command in a fresh interpreter: a segmentation fault fails the test, not the run."""
    command = [sys.executable, "-m", "asynclint", *EVERY_RULE, "--no-cache", *args, *map(str, paths)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    return proc.returncode, [_short(line) for line in proc.stdout.splitlines()], proc.stderr


def _short(line: str) -> str:
    """`/tmp/x/a.py:4:5: AIO100 message` -> `a.py:4:5: AIO100 message`."""
    location, _, rest = line.partition(": ")
    path, _, position = location.partition(":")
    return f"{Path(path).name}:{position}: {rest}"


def codes(findings: List[str]) -> List[str]:
    return [f"{line.split(': ')[0]}: {line.split(': ')[1].split()[0]}" for line in findings]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- files with nothing in them -----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"# just a comment\n# and another", b"   \n\t\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf# only a BOM and a comment\r\n", b"\x0c\n"],
    ids=["empty", "only-comments", "only-whitespace", "only-bom", "bom-and-comment", "form-feed"],
)
def test_files_with_nothing_to_report(tmp_path, capsys, data):
    path = write(tmp_path, "nothing.py", data)
    code, findings, err = lint(capsys, path)
    assert (code, findings) == (0, [])
    assert "1 file checked" in err


# -- encodings ----------------------------------------------------------------------------


def test_bom_is_skipped_and_columns_do_not_count_it(tmp_path, capsys):
    path = write(tmp_path, "bom.py", b"\xef\xbb\xbf" + BLOCKING)
    assert lint(capsys, path)[:2] == (1, ["bom.py:4:5: AIO100 time.sleep() blocks the event loop; use `await asyncio.sleep(...)`"])


@pytest.mark.parametrize(
    "cookie",
    [b"# -*- coding: latin-1 -*-\n", b"#!/usr/bin/env python\n# vim: set fileencoding=iso-8859-1 :\n", b"# coding=cp1252\n"],
    ids=["emacs", "vim-after-shebang", "cp1252"],
)
def test_latin1_with_a_cookie_is_checked(tmp_path, capsys, cookie):
    body = b"import time\nasync def f():\n    s = 'caf\xe9 \xe0 la cr\xe8me'\n    time.sleep(1)\n"
    path = write(tmp_path, "latin.py", cookie + body)
    lines = cookie.count(b"\n")
    code, findings, _ = lint(capsys, path)
    assert (code, codes(findings)) == (1, [f"latin.py:{lines + 4}:5: AIO100"])


@pytest.mark.parametrize(
    "data, position, reason",
    [
        # The cookie says UTF-8, the bytes are Latin-1.
        (b"# -*- coding: utf-8 -*-\nimport time\ns = 'caf\xe9'\n", "3:9", "cannot decode file as utf-8: invalid byte b'\\xe9'"),
        (b"# -*- coding: klingon -*-\nimport time\n", "1:1", "unknown encoding: klingon"),
        (b"#!/bin/python\n# coding: no-such-codec\n", "2:1", "unknown encoding: no-such-codec"),
        # A BOM says UTF-8, the cookie says otherwise.
        (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "1:1", "encoding problem: utf-8"),
        # UTF-16 is not a source encoding Python accepts.
        (b"\xff\xfei\x00m\x00p\x00o\x00r\x00t\x00", "1:1", "cannot decode file"),
    ],
    ids=["utf8-cookie-latin1-bytes", "unknown-codec", "unknown-codec-line-2", "bom-and-latin1-cookie", "utf16"],
)
def test_wrong_cookie_is_one_aio001(tmp_path, capsys, data, position, reason):
    path = write(tmp_path, "cookie.py", data)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and len(findings) == 1, findings
    assert findings[0].startswith(f"cookie.py:{position}: AIO001 ")
    assert reason in findings[0]


@pytest.mark.parametrize(
    "data, position",
    [
        (b"x = 1\ny = '\xff\xfe'\n" + BLOCKING, "2:6"),  # past the first two lines: decoded, then rejected
        (b"# caf\xe9\n" + BLOCKING, "1:1"),  # in the first two lines: the cookie search rejects it
        (b"x = '\xc3'\n", "1:1"),  # a truncated UTF-8 sequence
        (b"x = '\xed\xa0\x80'\n", "1:1"),  # an encoded surrogate
    ],
    ids=["invalid-byte", "invalid-byte-in-cookie-lines", "truncated-sequence", "surrogate"],
)
def test_invalid_utf8_is_one_aio001(tmp_path, capsys, data, position):
    path = write(tmp_path, "bad.py", data)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and codes(findings) == [f"bad.py:{position}: AIO001"], findings
    assert "cannot decode file" in findings[0]


@pytest.mark.parametrize(
    "data, position",
    [(b"x = 1\0\n" + BLOCKING, "1:6"), (BLOCKING + b"\0", "5:1"), (b"\0" * 100, "1:1")],
    ids=["inside", "at-the-end", "only-nul"],
)
def test_nul_bytes_are_one_aio001(tmp_path, capsys, data, position):
    path = write(tmp_path, "nul.py", data)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and findings == [f"nul.py:{position}: AIO001 cannot parse file: it contains NUL bytes (a binary file?)"]


BINARIES = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(random.Random(1).randrange(256) for _ in range(2000)),
    "elf": b"\x7fELF\x02\x01\x01\x00" + bytes(random.Random(2).randrange(256) for _ in range(4000)),
    "gzip": b"\x1f\x8b\x08\x00" + bytes(random.Random(3).randrange(256) for _ in range(1000)),
    "pyc": b"\xa7\x0d\x0d\x0a\x00\x00\x00\x00" + bytes(random.Random(4).randrange(256) for _ in range(500)),
    "random-no-nul": bytes(random.Random(5).randrange(1, 256) for _ in range(5000)),
    "every-byte": bytes(range(256)) * 8,
}


@pytest.mark.parametrize("data", BINARIES.values(), ids=BINARIES.keys())
def test_binary_file_named_py_is_one_aio001(tmp_path, capsys, data):
    path = write(tmp_path, "image.py", data)
    good = write(tmp_path, "good.py", BLOCKING)
    code, findings, _ = lint(capsys, path, good)
    assert code == 1
    assert [f for f in codes(findings) if f.startswith("image.py")] and all(
        f.endswith("AIO001") for f in codes(findings) if f.startswith("image.py")
    )
    assert len([f for f in findings if f.startswith("image.py")]) == 1, findings
    assert "good.py:4:5: AIO100" in codes(findings)


# -- line ends and indentation ------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        BLOCKING.replace(b"\n", b"\r\n"),
        BLOCKING.replace(b"\n", b"\r"),
        b"import time\r\n\rasync def handler():\n    time.sleep(1)\r",
        b"\xef\xbb\xbf" + BLOCKING.replace(b"\n", b"\r\n"),
        BLOCKING.rstrip(b"\n"),
    ],
    ids=["crlf", "lone-cr", "mixed", "bom-crlf", "no-final-newline"],
)
def test_line_ends(tmp_path, capsys, data):
    path = write(tmp_path, "ends.py", data)
    assert lint(capsys, path)[:2] == (1, ["ends.py:4:5: AIO100 time.sleep() blocks the event loop; use `await asyncio.sleep(...)`"])


def test_tabs_and_spaces_in_separate_blocks_are_fine(tmp_path, capsys):
    data = b"import time\nasync def a():\n\tif True:\n\t\ttime.sleep(1)\nasync def b():\n    if True:\n        time.sleep(2)\n"
    compile(data, "tabs.py", "exec")  # legal Python
    path = write(tmp_path, "tabs.py", data)
    code, findings, _ = lint(capsys, path)
    assert (code, codes(findings)) == (1, ["tabs.py:4:3: AIO100", "tabs.py:7:9: AIO100"])


@pytest.mark.parametrize(
    "data, line",
    [
        (b"import time\nasync def f():\n\tif 1:\n\t    time.sleep(1)\n        time.sleep(2)\n", 5),
        (b"import time\nasync def f():\n\ttime.sleep(1)\n        time.sleep(2)\n", 4),
    ],
    ids=["tab-then-spaces", "spaces-after-tab"],
)
def test_inconsistent_tabs_are_one_aio001(tmp_path, capsys, data, line):
    path = write(tmp_path, "tabs.py", data)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and codes(findings) == [f"tabs.py:{line}:1: AIO001"], findings
    assert "tabs and spaces" in findings[0]


# -- size ---------------------------------------------------------------------------------


def test_a_100k_line_file(tmp_path, capsys):
    lines = [b"import time", b"async def handler():", b"    time.sleep(1)"]
    lines += [b"value_%d = %d  # comment" % (i, i) if i % 10 else b"" for i in range(100_000)]
    lines += [b"async def last():", b"    time.sleep(2)"]
    path = write(tmp_path, "big.py", b"\n".join(lines) + b"\n")
    start = time.monotonic()
    code, findings, _ = lint(capsys, path)
    elapsed = time.monotonic() - start
    assert (code, codes(findings)) == (1, ["big.py:3:5: AIO100", "big.py:100005:5: AIO100"])
    assert elapsed < 120, f"a 100,000-line file took {elapsed:.0f}s"


def test_a_very_long_line(tmp_path, capsys):
    path = write(tmp_path, "long.py", b"x = '" + b"a" * 5_000_000 + b"'\n" + BLOCKING)
    assert codes(lint(capsys, path)[1]) == ["long.py:5:5: AIO100"]


# -- nesting ------------------------------------------------------------------------------

# Shapes of nesting deeper than Python's parser allows. libcst's native parser has no limit
# of its own: it overflows the C stack (a segmentation fault) or runs for hours on these.
TOO_DEEP = {
    "brackets": lambda n: "x = " + "(" * n + "1" + ")" * n,
    "lists": lambda n: "x = " + "[" * n + "]" * n,
    "unary-minus": lambda n: "x = " + "-" * n + "1",
    "not": lambda n: "x = " + "not " * n + "x",
    "lambdas": lambda n: "x = " + "lambda: " * n + "1",
    "binary-chain": lambda n: "x = " + " + ".join(["a"] * n),
    "attribute-chain": lambda n: "x = a" + ".b" * n,
    "call-chain": lambda n: "x = f" + "()" * n,
    "conditional-chain": lambda n: "x = " + "a if b else " * n + "c",
    "elif-chain": lambda n: "if a:\n    pass\n" + "elif a:\n    pass\n" * n,
    "and-chain": lambda n: "x = " + " and ".join(["a"] * n),
}


@pytest.mark.parametrize("shape", TOO_DEEP.keys())
def test_nesting_error_finds_what_libcst_cannot_take(shape):
    source = TOO_DEEP[shape](100_000 if shape != "elif-chain" else 20_000) + "\n"
    start = time.monotonic()
    error = nesting_error(source)
    assert isinstance(error, SourceError)
    assert error.reason.startswith("cannot parse file: it is nested too deeply")
    assert time.monotonic() - start < 10


@pytest.mark.parametrize("shape", TOO_DEEP.keys())
def test_nesting_error_leaves_ordinary_depth_alone(shape):
    assert nesting_error(TOO_DEEP[shape](150) + "\n") is None


def test_nesting_error_leaves_syntax_errors_and_newer_syntax_to_libcst():
    assert nesting_error("def f(:\n") is None
    assert nesting_error("type X = int\nprint 'hello'\n") is None
    assert nesting_error("x = 1\0\n") is None
    assert nesting_error("x = " + " and ".join(["a"] * MAX_BOOLEAN_OPERANDS) + "\n") is None
    assert nesting_error("x = [" + ", ".join(["a and b or c"] * 4000) + "]\n") is None  # many chains, each short


def test_nesting_error_reports_where_python_stopped():
    error = nesting_error("x = 1\ny = " + "(" * 300 + ")" * 300 + "\n")
    assert error is not None and (error.line, error.column) == (2, 205)
    assert error.reason == "cannot parse file: it is nested too deeply (too many nested parentheses)"


def test_nesting_error_keeps_the_recursion_limit():
    limit = sys.getrecursionlimit()
    nesting_error("x = " + "-" * 100_000 + "1\n")
    assert sys.getrecursionlimit() == limit


def _deep_files(folder: Path) -> List[Path]:
    return [
        write(folder, "brackets.py", b"x = " + b"(" * 100_000 + b"1" + b")" * 100_000 + b"\n" + BLOCKING),
        write(folder, "lists.py", b"x = " + b"[" * 10_000 + b"]" * 10_000 + b"\n"),
        write(folder, "unary.py", b"x = " + b"-" * 100_000 + b"1\n"),
        write(folder, "lambdas.py", b"x = " + b"lambda: " * 50_000 + b"1\n"),
        # Flat for Python, so only a file some rule needs gets to libcst: this one does.
        write(folder, "and_chain.py", BLOCKING + b"x = " + b" and ".join([b"a"] * 30_000) + b"\n"),
        # Deeper than Python allows, though libcst would survive this one: still not Python.
        write(folder, "beyond_python.py", b"x = " + b"(" * 300 + b"1" + b")" * 300 + b"\n"),
    ]


ENGINE_NESTING_GUARD = (
    "libcst overflows the C stack on deep nesting (segmentation fault) and takes hours on long chains; "
    "engine.parse must refuse what asynclint.files.nesting_error finds before calling libcst"
)



def test_nesting_deeper_than_python_allows_is_aio001_in_process(tmp_path):
    """Few files, checked in the main process: a crash there would end the whole run."""
    deep = _deep_files(tmp_path)
    good = write(tmp_path, "good.py", BLOCKING)
    for path in deep:
        code, findings, err = lint_in_subprocess(path, good, args=["--jobs", "1"])
        assert "Traceback" not in err and code == 1, (path.name, code, err[-2000:])
        mine = [f for f in findings if f.startswith(path.name + ":")]
        assert len(mine) == 1 and "AIO001 cannot parse file: it is nested too deeply" in mine[0], (path.name, findings)
        assert "good.py:4:5: AIO100" in codes(findings)



def test_nesting_deeper_than_python_allows_is_aio001_in_the_pool(tmp_path):
    deep = _deep_files(tmp_path)
    good = [write(tmp_path, f"good_{i}.py", BLOCKING) for i in range(10)]
    code, findings, err = lint_in_subprocess(tmp_path, args=["--jobs", "2"])
    assert "Traceback" not in err and "internal error" not in err, err[-2000:]
    assert code == 1
    for path in deep:
        mine = [f for f in findings if f.startswith(path.name + ":")]
        assert len(mine) == 1 and "AIO001 cannot parse file: it is nested too deeply" in mine[0], (path.name, findings)
    assert all(f"{path.name}:4:5: AIO100" in codes(findings) for path in good)


def test_nesting_python_accepts_is_checked(tmp_path, capsys):
    """Deep but legal: the rules still run (the engine's traversal copes with the depth)."""
    source = b"import time\nasync def f():\n    x = " + b" + ".join([b"time.sleep(1)"] * 400) + b"\n"
    source += b"    y = " + b"(" * 150 + b"time.sleep(2)" + b")" * 150 + b"\n"
    path = write(tmp_path, "deep_ok.py", source)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and len(findings) == 401 and all(" AIO100 " in f for f in findings)


# -- the file system ----------------------------------------------------------------------


def test_a_file_removed_between_discovery_and_reading(tmp_path):
    good = write(tmp_path, "good.py", BLOCKING)
    gone = write(tmp_path, "gone.py", BLOCKING)
    gone.unlink()
    run = lint_files([good, gone], Settings(root=tmp_path), jobs=1)
    assert not run.errors
    assert [(Path(d.path).name, d.line, d.code) for d in run.diagnostics] == [("gone.py", 1, "AIO001"), ("good.py", 4, "AIO100")]
    assert "cannot read file: No such file or directory" in run.diagnostics[0].message


def test_a_file_replaced_by_a_folder_between_discovery_and_reading(tmp_path):
    folder = tmp_path / "pkg.py"
    folder.mkdir()
    run = lint_files([folder], Settings(root=tmp_path), jobs=1)
    assert not run.errors
    assert [(d.code, d.message) for d in run.diagnostics] == [("AIO001", "cannot read file: it is a directory")]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file whatever its permissions")
def test_an_unreadable_file_is_one_aio001(tmp_path, capsys):
    secret = write(tmp_path, "secret.py", BLOCKING)
    write(tmp_path, "good.py", BLOCKING)
    secret.chmod(0)
    try:
        code, findings, _ = lint(capsys, tmp_path)
    finally:
        secret.chmod(0o644)
    assert code == 1
    assert codes(findings) == ["good.py:4:5: AIO100", "secret.py:1:1: AIO001"]
    assert "cannot read file: Permission denied" in findings[1]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any folder whatever its permissions")
def test_an_unreadable_folder_is_skipped_and_the_rest_checked(tmp_path, capsys):
    locked = tmp_path / "locked"
    write(locked, "inside.py", BLOCKING)
    write(tmp_path, "good.py", BLOCKING)
    locked.chmod(0)
    try:
        code, findings, _ = lint(capsys, tmp_path)
    finally:
        locked.chmod(0o755)
    assert (code, codes(findings)) == (1, ["good.py:4:5: AIO100"])


def test_a_folder_named_like_a_source_file(tmp_path, capsys):
    write(tmp_path / "x.py", "inside.py", BLOCKING)
    write(tmp_path / "empty.py", "README", b"not python")
    code, findings, err = lint(capsys, tmp_path)
    assert (code, codes(findings)) == (1, ["inside.py:4:5: AIO100"])
    assert "1 file checked" in err
    # Named on the command line, it is a folder to search too.
    assert codes(lint(capsys, tmp_path / "x.py")[1]) == ["inside.py:4:5: AIO100"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symlink_loops(tmp_path, capsys):
    write(tmp_path, "good.py", BLOCKING)
    (tmp_path / "self.py").symlink_to("self.py")
    (tmp_path / "ping.py").symlink_to("pong.py")
    (tmp_path / "pong.py").symlink_to("ping.py")
    (tmp_path / "dangling.py").symlink_to("nowhere.py")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..", target_is_directory=True)
    (tmp_path / "sub" / "loop").symlink_to("loop", target_is_directory=True)
    start = time.monotonic()
    code, findings, err = lint(capsys, tmp_path)
    assert time.monotonic() - start < 30
    # Links that lead nowhere are not source files; folder links are not followed.
    assert (code, codes(findings)) == (1, ["good.py:4:5: AIO100"])
    # Named on the command line, a looping link is one AIO001 that says why.
    code, findings, _ = lint(capsys, tmp_path / "self.py", tmp_path / "ping.py")
    assert code == 1 and codes(findings) == ["ping.py:1:1: AIO001", "self.py:1:1: AIO001"]
    assert all("cannot read file: Too many levels of symbolic links" in f for f in findings)


def test_a_path_that_does_not_exist_is_exit_2_and_the_rest_is_still_checked(tmp_path, capsys):
    good = write(tmp_path, "good.py", BLOCKING)
    missing = tmp_path / "no" / "such.py"
    code, findings, err = lint(capsys, missing, good)
    assert code == 2
    assert codes(findings) == ["good.py:4:5: AIO100"]
    assert f"asynclint: error: {missing}: no such file or directory" in err.splitlines()


# -- syntax from other Pythons --------------------------------------------------------------

PYTHON_2 = {
    "print-statement": b"print 'hello'\n",
    "exec-statement": b"exec 'x = 1'\n",
    "backticks": b"x = `1`\n",
    "not-equal": b"x = 1 <> 2\n",
    "octal": b"x = 0777\n",
    "ur-string": b"x = ur'abc'\n",
    "raise-comma": b"raise ValueError, 'message'\n",
    "tuple-parameter": b"def f(a, (b, c)):\n    pass\n",
}


@pytest.mark.parametrize("data", PYTHON_2.values(), ids=PYTHON_2.keys())
def test_python_2_is_one_aio001_with_libcsts_reason(tmp_path, capsys, data):
    path = write(tmp_path, "legacy.py", BLOCKING + data)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and len(findings) == 1 and " AIO001 cannot parse file: " in findings[0], findings
    assert findings[0].startswith("legacy.py:5:"), findings  # Python's position: the offending line


NEWER_PYTHON = {
    "pep695-type-alias": "type Handler = Callable[[int], Awaitable[None]]\n",
    "pep695-generic-function": "async def first[T](items: list[T]) -> T:\n    time.sleep(1)\n    return items[0]\n",
    "pep695-generic-class": "class Box[T: (int, str), *Ts, **P]:\n    async def get(self) -> T:\n        time.sleep(1)\n",
    "pep696-defaults": "type Pair[K = str, V = int] = dict[K, V]\n",
    "pep701-nested-f-string": "async def g(x):\n    return f\"{f\"{f\"{time.sleep(1)}\"}\"}\"\n",
    "pep701-f-string-backslash": "async def g(xs):\n    return f\"{'\\n'.join(xs)}{time.sleep(1)}\"\n",
    "except-star": "async def g():\n    try:\n        time.sleep(1)\n    except* (ValueError, TypeError) as group:\n        pass\n",
    "pep758-except-without-parentheses": "async def g():\n    try:\n        pass\n    except ValueError, TypeError:\n        time.sleep(1)\n",
    "pep750-t-string": "async def g(name):\n    return t\"hello {name} {time.sleep(1)}\"\n",
}


@pytest.mark.parametrize("source", NEWER_PYTHON.values(), ids=NEWER_PYTHON.keys())
def test_syntax_newer_than_this_python_is_checked(tmp_path, capsys, source):
    path = write(tmp_path, "modern.py", (BLOCKING.decode() + source).encode())
    code, findings, _ = lint(capsys, path)
    assert code == 1
    assert "AIO001" not in "".join(findings), findings
    assert codes(findings)[0] == "modern.py:4:5: AIO100"
    assert len(findings) == 1 + source.count("time.sleep"), findings


@pytest.mark.parametrize("target", ["(pars)", "((pars))", "(self.pars)", "(pars[0])", "(\n  pars\n)"])
def test_a_file_only_libcst_rejects_is_aio001_even_when_no_rule_needs_it(tmp_path, capsys, target):
    # Legal Python (test/typinganndata/ann_module.py in the standard library has it);
    # libcst's grammar has no parenthesised target for an annotated assignment.
    path = write(tmp_path, "annotated.py", f"x = 1\ndef f(self):\n    {target}: bool = True\n".encode())
    code, findings, _ = lint(capsys, path)
    assert code == 1 and len(findings) == 1 and " AIO001 cannot parse file: " in findings[0], findings
    assert findings[0].split(":")[1] in ("3", "5"), findings  # where libcst gives up


def test_a_file_only_libcst_rejects_is_aio001_when_a_rule_needs_it(tmp_path, capsys):
    path = write(tmp_path, "annotated.py", b"(pars): bool = True\n" + BLOCKING)
    code, findings, _ = lint(capsys, path)
    assert code == 1 and len(findings) == 1 and " AIO001 cannot parse file: " in findings[0], findings


# -- our own failures -----------------------------------------------------------------------


def test_an_exception_in_one_rule_is_an_internal_error_and_the_rest_is_reported(tmp_path, capsys, monkeypatch):
    from asynclint.rules.blocking import BlockingSleep

    original = BlockingSleep.visit_Call

    def broken(self, node):
        if self.context.path.endswith("bad.py"):
            raise RuntimeError("boom")
        return original(self, node)

    monkeypatch.setattr(BlockingSleep, "visit_Call", broken)
    bad = write(tmp_path, "bad.py", BLOCKING + b"    os.system('ls')\nimport os\n")
    good = write(tmp_path, "good.py", BLOCKING)
    code, findings, err = lint(capsys, bad, good)
    assert code == 2
    # The same file's other rules, and the other file's every rule, still report.
    assert codes(findings) == ["bad.py:5:5: AIO102", "good.py:4:5: AIO100"]
    assert f"asynclint: error: {bad}: internal error in rule AIO100 (blocking-sleep): RuntimeError: boom" in err.splitlines()
    assert "Found 2 findings" in err


def test_an_exception_outside_the_rules_is_an_internal_error_for_that_file_only(tmp_path, capsys, monkeypatch):
    from asynclint.semantic import SemanticModel

    original = SemanticModel.enter_function

    def broken(self, node):
        if node.name.value == "explode":
            raise KeyError("model")
        return original(self, node)

    monkeypatch.setattr(SemanticModel, "enter_function", broken)
    bad = write(tmp_path, "bad.py", BLOCKING + b"def explode():\n    pass\n")
    good = write(tmp_path, "good.py", BLOCKING)
    code, findings, err = lint(capsys, bad, good)
    assert code == 2
    assert "good.py:4:5: AIO100" in codes(findings)
    assert any(line.startswith(f"asynclint: error: {bad}: internal error") and "KeyError" in line for line in err.splitlines()), err


def _slow_rule(monkeypatch, marker: str) -> None:
    """Make one rule take 30 s on files whose path ends with `marker`."""
    from asynclint.rules.blocking import BlockingSleep

    original = BlockingSleep.visit_Call

    def slow(self, node):
        if self.context.path.endswith(marker):
            time.sleep(30)
        return original(self, node)

    monkeypatch.setattr(BlockingSleep, "visit_Call", slow)


def test_a_file_over_the_time_limit_is_aio001_and_the_rest_is_reported(tmp_path, capsys, monkeypatch):
    _slow_rule(monkeypatch, "slow.py")
    slow = write(tmp_path, "slow.py", BLOCKING)
    good = write(tmp_path, "good.py", BLOCKING)
    code, findings, err = lint(capsys, slow, good, args=["--file-timeout", "0.5"])
    assert code == 1, err
    assert sorted(codes(findings)) == ["good.py:4:5: AIO100", "slow.py:1:1: AIO001"], findings
    assert "cannot check file: gave up after 0.5 s (raise file-timeout to allow more)" in "".join(findings)


def test_a_file_that_ran_out_of_time_is_not_cached(tmp_path, capsys, monkeypatch):
    slow = write(tmp_path / "src", "slow.py", BLOCKING)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    with monkeypatch.context() as patch:
        _slow_rule(patch, "slow.py")
        main([*EVERY_RULE, "--jobs", "1", "--file-timeout", "0.5", *cache, str(slow)])
    assert "AIO001" in capsys.readouterr().out
    code = main([*EVERY_RULE, "--jobs", "1", *cache, str(slow)])
    assert (code, capsys.readouterr().out.split()[1]) == (1, "AIO100")


def worker_shim(marker: str, effect: str) -> str:
    """A sitecustomize.py that makes libcst's parse do `effect` on files containing
    `marker`, in worker processes only."""
    return f"""
import multiprocessing
import os
import time

import libcst

_parse_module = libcst.parse_module


def parse_module(source, *args, **kwargs):
    # Test shim (tests/test_robustness.py).
    if {marker!r} in source and multiprocessing.parent_process() is not None:
        {effect}
    return _parse_module(source, *args, **kwargs)


libcst.parse_module = parse_module
"""


def lint_with_a_worker_shim(tmp_path: Path, shim: str, marked: str, marker: str, args: Sequence[str]):
    """Twelve good files and one marked with `marker`, linted with `shim` in the workers."""
    folder = tmp_path / "shim"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(shim)
    project = tmp_path / "project"
    good = [write(project, f"mod_{i:02}.py", BLOCKING) for i in range(12)]
    bad = write(project, marked, BLOCKING + f"# {marker}\n".encode())
    pythonpath = os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
    code, findings, err = lint_in_subprocess(project, args=args, env={"PYTHONPATH": pythonpath})
    return good, bad, code, findings, err


def test_the_time_limit_holds_in_worker_processes(tmp_path):
    shim = worker_shim("SLOW TO CHECK", "time.sleep(60)")
    args = ["--jobs", "2", "--file-timeout", "2"]
    good, slow, code, findings, err = lint_with_a_worker_shim(tmp_path, shim, "slow.py", "SLOW TO CHECK", args)
    assert code == 1, err
    assert sorted(codes(findings)) == sorted([f"{slow.name}:1:1: AIO001"] + [f"{path.name}:4:5: AIO100" for path in good])


def test_a_worker_that_dies_does_not_lose_the_other_files(tmp_path):
    shim = worker_shim("CRASH THE WORKER", "os._exit(70)")
    good, crash, code, findings, err = lint_with_a_worker_shim(
        tmp_path, shim, "crash_me.py", "CRASH THE WORKER", ["--jobs", "2"]
    )
    assert code == 2, err
    assert "Traceback" not in err, err
    assert sorted(codes(findings)) == sorted(f"{path.name}:4:5: AIO100" for path in good)
    assert f"asynclint: error: {crash}: internal error: the worker process checking this file died" in err, err


def test_nothing_is_written_without_fix(tmp_path, capsys):
    """A run reads; with the cache off it writes nothing at all, with it only the cache folder."""
    files = {
        "fixable.py": b"import asyncio\nasync def f():\n    loop = asyncio.get_event_loop()\n",
        "blocking.py": BLOCKING,
        "latin.py": b"# coding: latin-1\nimport time\nasync def f():\n    s = '\xe9'\n    time.sleep(1)\n",
        "broken.py": b"def f(:\n",
    }
    for name, data in files.items():
        write(tmp_path, name, data)

    def snapshot():
        return {p.relative_to(tmp_path): (p.read_bytes(), p.stat().st_mtime_ns) for p in tmp_path.rglob("*") if p.is_file()}

    before = snapshot()
    assert main([*EVERY_RULE, "--no-cache", str(tmp_path)]) == 1
    assert snapshot() == before
    assert main([*EVERY_RULE, str(tmp_path)]) == 1
    after = snapshot()
    assert {path: content for path, content in after.items() if path.parts[0] != ".asynclint_cache"} == before
    capsys.readouterr()


# -- exit statuses ------------------------------------------------------------------------


def test_exit_statuses(tmp_path, capsys):
    clean = write(tmp_path, "clean.py", b"import asyncio\nasync def f():\n    await asyncio.sleep(1)\n")
    broken = write(tmp_path, "broken.py", b"def f(:\n")
    assert lint(capsys, clean)[0] == 0
    assert lint(capsys, broken)[0] == 1  # an unparsable file is a finding, not an error of ours
    assert lint(capsys, broken, args=["--exit-zero"])[0] == 0
    assert lint(capsys, clean, tmp_path / "missing.py")[0] == 2
    assert lint(capsys, clean, args=["--ignore", "AIO001"])[0] == 0
    assert lint(capsys, broken, args=["--ignore", "AIO001"])[0] == 0


def test_decoding_agrees_with_python(tmp_path):
    """decode_source takes and refuses what Python's own import does."""
    samples = [
        b"\xef\xbb\xbfx = 'caf\xc3\xa9'\n",
        b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
        b"#!/bin/sh\n# coding: cp1252\nx = '\x80'\n",
        b"# coding: utf-8\nx = '\xe9'\n",
        b"x = '\xe9'\n",
        b"# coding: klingon\n",
        b"\xef\xbb\xbf# coding: latin-1\n",
        b"\n\n# coding: latin-1\nx = '\xe9'\n",  # a cookie on line 3 does not count
    ]
    for data in samples:
        try:
            compile(data, "<sample>", "exec", dont_inherit=True)
            python_ok = True
        except SyntaxError:
            python_ok = False
        try:
            decode_source(data)
            ours_ok = True
        except SourceError:
            ours_ok = False
        assert ours_ok == python_ok, data


def test_no_process_pool_falls_back_to_checking_in_process(tmp_path, capsys, monkeypatch):
    # Where processes or semaphores are unavailable (no /dev/shm, some sandboxes).
    import concurrent.futures.process

    def unavailable():
        raise NotImplementedError("This platform lacks a functioning sem_open implementation")

    monkeypatch.setattr(concurrent.futures.process, "_check_system_limits", unavailable)
    for i in range(12):
        write(tmp_path, f"mod_{i:02}.py", BLOCKING)
    code, findings, err = lint(capsys, tmp_path, args=["--jobs", "2"])
    assert code == 1 and len(findings) == 12


CHANGED_DURING_THE_RUN = """
import multiprocessing
import pathlib

_read_bytes = pathlib.Path.read_bytes


def read_bytes(self):
    # Test shim (tests/test_robustness.py): the file is saved again after the command
    # read it and before a worker process does.
    if self.name == "changed.py" and multiprocessing.parent_process() is not None:
        return b"import time\\n\\nasync def handler():\\n    time.sleep(1)\\n"
    return _read_bytes(self)


pathlib.Path.read_bytes = read_bytes
"""

def test_a_file_saved_during_the_run_does_not_leave_a_stale_cache(tmp_path):
    # Workers must check the bytes the command read and hashed, not read the file again.
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(CHANGED_DURING_THE_RUN)
    project = tmp_path / "project"
    for i in range(12):
        write(project, f"mod_{i:02}.py", BLOCKING)
    # The comment makes the screen send the file to the full check, in a worker.
    write(project, "changed.py", b"import asyncio\n\nasync def handler():  # no CancelledError here\n    await asyncio.sleep(1)\n")
    cache = ["--cache-dir", str(tmp_path / "cache")]
    pythonpath = os.pathsep.join(filter(None, [str(shim), os.environ.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "asynclint", *EVERY_RULE, "--jobs", "2", *cache, str(project)]
    subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": pythonpath})
    # The file on disk never changed: a run without the shim must not report it.
    proc = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert not [line for line in proc.stdout.splitlines() if "changed.py" in line], proc.stdout


def test_the_time_limit_leaves_another_timer_of_the_process_alone():
    import signal

    from asynclint.timelimit import FileTimeout, time_limit

    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *_: fired.append(True))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_limit(0.05):
            time.sleep(0.1)  # ours would have fired here, had it been set
        assert signal.getitimer(signal.ITIMER_REAL)[0] > 0  # theirs still runs
        time.sleep(0.4)
        assert fired == [True]
    except FileTimeout:
        pytest.fail("the limit replaced the process's own timer")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_pool_that_breaks_while_outlining_loses_no_outline(tmp_path):
    # The outlines are handed on batch by batch (the screen gathers them meanwhile): when
    # the pool breaks after some batches, the rest are outlined here, once each, in order.
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    from asynclint.config import Settings
    from asynclint.runner import OUTLINE_BATCH, Workers, outline_many
    from asynclint.screen import Vocabulary

    paths = [write(tmp_path, f"mod_{i:03}.py", b"def f():\n    return %d\n" % i) for i in range(OUTLINE_BATCH * 3)]

    class BreaksAtTheSecondBatch:
        def __init__(self):
            self.batches = 0

        def submit(self, function, *args):
            self.batches += 1
            future: Future = Future()
            if self.batches == 2:
                future.set_exception(BrokenProcessPool("a worker died"))
            else:
                future.set_result(function(*args))
            return future

    class FakeWorkers(Workers):
        def pool(self):
            return self.fake

        def discard(self):
            self.discarded = True

    workers = FakeWorkers(2, Settings(), frozenset())
    workers.fake, workers.discarded = BreaksAtTheSecondBatch(), False
    data = {path: path.read_bytes() for path in paths}
    modules = {path: path.stem for path in paths}
    outlined = list(outline_many(paths, data, modules, Vocabulary(Settings()), workers))
    assert workers.discarded
    assert [result.path for result, _ in outlined] == [str(path) for path in paths]
    assert all(result.outline is not None and lines is not None for result, lines in outlined)


@pytest.mark.skipif(
    not hasattr(os, "fork") or __import__("multiprocessing").get_start_method(allow_none=False) != "fork",
    reason="workers inherit the bytes only when forked",
)
def test_forked_workers_outline_and_check_the_bytes_read_before_the_fork(tmp_path):
    # The workers are sent no bytes (they have them from the fork): what they outline
    # and check must still be the content read, not what the file holds by then.
    from asynclint.runner import POOL_THRESHOLD, Workers, check_many, outline_many
    from asynclint.screen import Vocabulary

    blocking = b"import time\n\n\nasync def main():\n    time.sleep(1)\n"
    paths = [write(tmp_path, f"mod_{i:03}.py", blocking) for i in range(POOL_THRESHOLD * 5)]
    data = {path: path.read_bytes() for path in paths}
    modules = {path: path.stem for path in paths}
    for path in paths:
        path.write_bytes(b"def broken(:\n")  # saved again after the read
    settings = Settings()
    workers = Workers(2, settings, frozenset(modules.values()), data)
    try:
        outlined = list(outline_many(paths, data, modules, Vocabulary(settings), workers))
        assert workers.inherits(data)
        assert all(result.outline is not None and "AIO100" in result.outline.local_codes for result, _ in outlined)
        results = check_many(paths, settings, frozenset(modules.values()), data, None, workers)
    finally:
        workers.close()
    assert [[d.code for d in result.diagnostics] for result in results] == [["AIO100"]] * len(paths)
