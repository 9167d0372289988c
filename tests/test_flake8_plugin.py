"""The flake8 plugin, run through flake8 itself in a subprocess."""
from __future__ import annotations

import ast
import subprocess
import sys
import sysconfig
from pathlib import Path

from asynclint.flake8_plugin import AsyncLintPlugin

from .conftest import FIXTURES, expected_findings


def flake8(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "flake8", *args], cwd=cwd, capture_output=True, text=True)


def test_flake8_reports_the_fixture_findings():
    fixture = FIXTURES / "AIO100" / "flagged.py"
    proc = flake8("--select", "AIO", str(fixture), cwd=FIXTURES)
    assert proc.returncode == 1, proc.stderr
    found = set()
    for line in proc.stdout.splitlines():
        _, number, _, rest = line.split(":", 3)
        found.add((int(number), rest.split()[0]))
    assert found == expected_findings(fixture)


def test_flake8_noqa_and_extend_blocking_calls_from_config(tmp_project):
    root = tmp_project(
        {
            "setup.cfg": "[flake8]\nextend-blocking-calls = mylib.fetch_sync=use mylib.fetch, other.call\n",
            "a.py": "import time\nfrom mylib import fetch_sync\nasync def f():\n"
            "    time.sleep(1)  # noqa: AIO1\n    fetch_sync()\n    time.sleep(2)\n",
        }
    )
    proc = flake8("--select", "AIO", "a.py", cwd=root)
    assert proc.stdout.splitlines() == [
        "a.py:5:5: AIO105 mylib.fetch_sync() blocks the event loop; use mylib.fetch",
        "a.py:6:5: AIO100 time.sleep() blocks the event loop; use `await asyncio.sleep(...)`",
    ], proc.stderr


def test_flake8_does_not_crash_on_source_libcst_rejects(tmp_project):
    # Valid for Python's ast on every supported version, yet no Python code libcst
    # rejects is portable; a file with a syntax error is reported by flake8 as E999
    # before plugins run, and the plugin must not add a traceback to that.
    root = tmp_project({"bad.py": "def f(:\n    pass\n", "good.py": "import time\nasync def f():\n    time.sleep(1)\n"})
    proc = flake8("--select", "AIO,E999", ".", cwd=root)
    assert "Traceback" not in proc.stderr
    assert "E999" in proc.stdout and "AIO100" in proc.stdout


def test_plugin_yields_aio001_when_libcst_fails():
    plugin = AsyncLintPlugin(tree=None, filename="x.py", lines=["def f(:\n", "    pass\n"])
    results = list(plugin.run())
    assert [(line, message.split()[0]) for line, _, message, _ in results] == [(1, "AIO001")]


def plugin_findings(path: Path, screened: bool, monkeypatch) -> list:
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # flake8 reports E999 itself and runs no plugin
    with monkeypatch.context() as patch:
        if not screened:
            patch.setattr(AsyncLintPlugin, "_may_report", lambda self, source, settings: True)
        plugin = AsyncLintPlugin(tree, str(path), source.splitlines(keepends=True))
        return [(line, column, message) for line, column, message, _ in plugin.run()]


def test_the_plugins_screen_changes_no_finding(monkeypatch):
    answers = []  # what the screen said of each file, in the screened runs
    original = AsyncLintPlugin._may_report

    def recording(self, *args):
        answers.append(original(self, *args))
        return answers[-1]

    paths = sorted(FIXTURES.rglob("*.py")) + sorted((Path(sysconfig.get_paths()["stdlib"]) / "asyncio").glob("*.py"))
    for path in paths:
        try:
            path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        everything = plugin_findings(path, False, monkeypatch)
        with monkeypatch.context() as patch:
            patch.setattr(AsyncLintPlugin, "_may_report", recording)
            screened = plugin_findings(path, True, monkeypatch)
        assert screened == everything, path
    assert answers.count(False) > 20  # files libcst never sees
