"""The whole standard library and the installed site-packages, every rule selected.

Thousands of real files, old and new, odd and broken: the command must finish with exit
status 0 or 1, no traceback and no internal error; every file libcst cannot parse is
one AIO001 with libcst's reason, and the rest are checked.

Marked `slow` (about a minute on two cores): `.ci/run` runs it; deselect it locally with
`python -m pytest -m "not slow"`. The time it took is printed.

What is linted: `sysconfig.get_paths()["stdlib"]`, `["purelib"]` and `["platlib"]`. In a
virtual environment the base interpreter's own site-packages folder sits inside the
standard library's folder; it belongs to neither, can be huge, and is excluded
(`--extend-exclude site-packages,dist-packages`). A site-packages folder named on the
command line is linted whatever the excludes.
"""
from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

import libcst
import pytest

from asynclint.codes import RULES_BY_CODE
from asynclint.config import Settings
from asynclint.files import SourceError, decode_source, discover, nesting_error

pytestmark = pytest.mark.slow

EXCLUDE = ["site-packages", "dist-packages"]
ARGS = ["--isolated", "--no-cache", "--select", "AIO", "--extend-select", "AIO203", "--extend-exclude", ",".join(EXCLUDE)]
# Files not reported are spot-checked: every SAMPLE_EVERY-th one must parse with libcst.
SAMPLE_EVERY = 20
_FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>AIO\d{3}) (?P<message>.*)$")
_LIBCST_POSITION = re.compile(r"error at \d+:\d+: ")


def lint_roots() -> List[Path]:
    paths = sysconfig.get_paths()
    roots: List[Path] = []
    for key in ("stdlib", "purelib", "platlib"):
        path = Path(paths[key])
        if path.is_dir() and path not in roots:
            roots.append(path)
    return roots


class StdlibRun:
    def __init__(self, returncode: int, stdout: str, stderr: str, seconds: float, files: List[Path]) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.files = files
        self.findings: Dict[str, List[re.Match]] = defaultdict(list)
        self.unparsed_lines: List[str] = []
        for line in stdout.splitlines():
            match = _FINDING.match(line)
            if match:
                self.findings[match["path"]].append(match)
            else:
                self.unparsed_lines.append(line)

    def aio001(self) -> Dict[str, re.Match]:
        return {path: m for path, ms in self.findings.items() for m in ms if m["code"] == "AIO001"}


@pytest.fixture(scope="module")
def stdlib_run(tmp_path_factory, pytestconfig) -> StdlibRun:
    roots = lint_roots()
    files, missing = discover(roots, Settings(extend_exclude=EXCLUDE, root=tmp_path_factory.getbasetemp()))
    assert not missing
    command = [sys.executable, "-m", "asynclint", *ARGS, *map(str, roots)]
    start = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=1800, cwd=tmp_path_factory.mktemp("cwd"))
    seconds = time.monotonic() - start
    run = StdlibRun(proc.returncode, proc.stdout, proc.stderr, seconds, files)
    summary = (
        f"asynclint over the standard library and site-packages ({', '.join(map(str, roots))}): "
        f"{len(files)} files in {seconds:.1f}s, {sum(map(len, run.findings.values()))} findings, {len(run.aio001())} AIO001"
    )
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    capture = pytestconfig.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():  # shown in the CI log, even with -q
            reporter.write_line("")
            reporter.write_line(summary)
    return run


def test_exit_status_no_traceback_no_internal_error(stdlib_run):
    assert stdlib_run.returncode in (0, 1), stdlib_run.stderr[-5000:]
    assert "Traceback" not in stdlib_run.stderr, stdlib_run.stderr[-5000:]
    assert "internal error" not in stdlib_run.stderr, stdlib_run.stderr[-5000:]
    assert "asynclint: error" not in stdlib_run.stderr, stdlib_run.stderr[-5000:]
    assert not stdlib_run.unparsed_lines, stdlib_run.unparsed_lines[:20]


def test_every_file_is_checked(stdlib_run):
    assert len(stdlib_run.files) > 500  # a standard library is there
    assert f"({len(stdlib_run.files)} files checked)" in stdlib_run.stderr, stdlib_run.stderr[-2000:]


def test_findings_are_well_formed(stdlib_run):
    for path, matches in stdlib_run.findings.items():
        assert Path(path).is_file(), path
        for match in matches:
            assert match["code"] in RULES_BY_CODE, match.group(0)
            assert int(match["line"]) >= 1 and int(match["column"]) >= 1, match.group(0)
        assert sum(m["code"] == "AIO001" for m in matches) <= 1, [m.group(0) for m in matches]
        if any(m["code"] == "AIO001" for m in matches):
            assert len(matches) == 1, [m.group(0) for m in matches]  # nothing else is known of that file


def test_every_aio001_is_a_file_libcst_rejects_with_libcsts_reason(stdlib_run):
    problems = []
    for path, match in sorted(stdlib_run.aio001().items()):
        message = match["message"]
        data = Path(path).read_bytes()
        try:
            source = decode_source(data)
        except SourceError as error:
            if message != error.reason:
                problems.append(f"{path}: reported {message!r}, decoding says {error.reason!r}")
            continue
        too_deep = nesting_error(source)
        if too_deep is not None:
            if not message.startswith("cannot parse file: it is nested too deeply"):
                problems.append(f"{path}: nested too deeply, reported {message!r}")
            continue
        try:
            libcst.parse_module(source)
        except Exception as error:
            libcst_text = _LIBCST_POSITION.sub("", str(error))
            reason = message[len("cannot parse file: "):]
            if not message.startswith("cannot parse file: ") or reason not in libcst_text:
                problems.append(f"{path}: reported {message!r}, libcst says {str(error)!r}")
        else:
            problems.append(f"{path}: reported {message!r}, but libcst parses it")
    assert not problems, "\n".join(problems)


# Python compiles these, libcst rejects them (a parenthesised annotated target, `(x): int`).
# No rule needs to look into them, so only the screen's own check sends them to libcst.
LIBCST_GAPS = ["test/test_grammar.py", "test/typinganndata/ann_module.py"]


def test_the_stdlib_files_only_libcst_rejects_are_reported(stdlib_run):
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    reported = stdlib_run.aio001()
    present = [stdlib / name for name in LIBCST_GAPS if (stdlib / name).is_file()]
    for path in present:
        assert _python_compiles(path.read_text(encoding="utf-8"))
        assert str(path) in reported, f"{path} is not reported"


def _python_compiles(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<sample>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def test_a_sample_of_the_files_not_reported_parse_with_libcst(stdlib_run):
    reported = set(stdlib_run.aio001())
    quiet = [path for path in stdlib_run.files if str(path) not in reported]
    sample = quiet[::SAMPLE_EVERY]
    problems = []
    for path in sample:
        try:
            source = decode_source(path.read_bytes())
        except SourceError as error:
            problems.append(f"{path}: not reported, but it cannot be decoded: {error.reason}")
            continue
        try:
            libcst.parse_module(source)
        except Exception as error:
            problems.append(f"{path}: not reported, but libcst rejects it: {error}")
    assert len(sample) >= min(len(quiet), 25)
    assert not problems, "\n".join(problems)


# The async-heavy corners of the standard library, where the fixes apply (bench/fix_safety.py
# does the same over the whole benchmark corpus).
FIX_FOLDERS = ["asyncio", "test/test_asyncio", "unittest"]


def test_fixes_on_a_copy_of_the_stdlib_compile_and_a_second_run_changes_nothing(tmp_path):
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    folders = [name for name in FIX_FOLDERS if (stdlib / name).is_dir()]
    assert folders
    for name in folders:
        shutil.copytree(stdlib / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    before = {path: path.read_bytes() for path in tmp_path.rglob("*.py")}
    command = [sys.executable, "-m", "asynclint", *ARGS, "--fix", "--unsafe-fixes", *folders]
    first = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert first.returncode in (0, 1) and "Traceback" not in first.stderr, first.stderr[-3000:]
    after = {path: path.read_bytes() for path in tmp_path.rglob("*.py")}
    changed = [path for path, data in after.items() if before[path] != data]
    assert changed, "no fix applied: this test no longer tests anything"
    for path in changed:
        assert _python_compiles(after[path].decode("utf-8")), path
    second = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert second.returncode == first.returncode and " fixed)" not in second.stderr, second.stderr[-3000:]
    assert {path: path.read_bytes() for path in tmp_path.rglob("*.py")} == after
