"""AIO900 unused-noqa: beyond the fixtures (fixtures/AIO900/)."""
from __future__ import annotations

from pathlib import Path

from asynclint import lint_paths, lint_source
from asynclint.cli import main
from asynclint.config import Settings
from asynclint.runner import lint_files

UNUSED = """\
import asyncio
import time


async def f():
    await asyncio.sleep(0)  # noqa: AIO100, AIO101
    time.sleep(1)  # noqa: AIO100
"""


def aio900(run):
    return [(Path(d.path).name, d.line, d.column, d.message) for d in run.diagnostics if d.code == "AIO900"]


def test_off_by_default_and_not_enabled_by_a_prefix(tmp_project):
    root = tmp_project({"a.py": UNUSED})
    assert aio900(lint_paths([root], Settings(root=root))) == []
    assert aio900(lint_paths([root], Settings(root=root, select=["AIO"]))) == []


def test_reported_at_the_comment_naming_the_unused_codes(tmp_project):
    root = tmp_project({"a.py": UNUSED})
    run = lint_paths([root], Settings(root=root, extend_select=["AIO900"]))
    assert aio900(run) == [("a.py", 6, 29, "unused noqa codes AIO100, AIO101 (nothing to silence here)")]


def test_per_file_ignores_turn_it_off(tmp_project):
    root = tmp_project({"a.py": UNUSED, "b.py": UNUSED})
    settings = Settings(root=root, extend_select=["AIO900"], per_file_ignores={"b.py": ["AIO900"]})
    assert [name for name, *_ in aio900(lint_paths([root], settings))] == ["a.py"]


def test_a_code_ignored_for_the_file_is_not_enabled_there(tmp_project):
    root = tmp_project({"a.py": "import time\n\nasync def f():\n    time.sleep(1)  # noqa: AIO100\n"})
    settings = Settings(root=root, extend_select=["AIO900"], ignore=["AIO100"])
    assert aio900(lint_paths([root], settings)) == [("a.py", 4, 20, "unused noqa code AIO100 (not enabled)")]


def test_a_file_no_rule_needs_is_still_judged(tmp_project):
    # Only the noqa comments themselves make it worth parsing (the pre-filter token).
    root = tmp_project({"plain.py": "X = 1  # NOQA: AIO100\nY = 2  # noqa: E501\n"})
    run = lint_paths([root], Settings(root=root, extend_select=["AIO900"]))
    assert aio900(run) == [("plain.py", 1, 8, "unused noqa code AIO100 (nothing to silence here)")]
    assert run.files_parsed == 1


def test_an_unparsable_file_is_not_judged(tmp_project):
    root = tmp_project({"broken.py": "def f(:  # noqa: AIO001\n    pass  # noqa: AIO100\n"})
    run = lint_paths([root], Settings(root=root, extend_select=["AIO900"]))
    assert run.diagnostics == []


def test_a_warm_cached_run_reports_the_same(tmp_project, tmp_path):
    root = tmp_project(
        {
            "a.py": UNUSED,
            "pkg/__init__.py": "",
            "pkg/helpers.py": "import time\n\ndef wait():\n    time.sleep(1)\n",
            "pkg/app.py": "from pkg import helpers\n\nasync def main():\n    helpers.wait()  # noqa: AIO110\n"
            "    helpers.wait()  # noqa: AIO110, AIO200\n",
        }
    )
    files = sorted(root.rglob("*.py"))
    settings = Settings(root=root, extend_select=["AIO900"])
    cache = tmp_path / "cache"
    cold = lint_files(files, settings, jobs=1, cache_dir=cache)
    warm = lint_files(files, settings, jobs=1, cache_dir=cache)
    assert warm.files_parsed == 0
    assert warm.diagnostics == cold.diagnostics
    assert [(name, line) for name, line, *_ in aio900(warm)] == [("a.py", 6), ("app.py", 5)]


def test_the_one_module_view_never_reports_it():
    assert [d.code for d in lint_source(UNUSED, "a.py", Settings(extend_select=["AIO900"]))] == []


def test_command_line(tmp_project, capsys):
    root = tmp_project({"a.py": UNUSED})
    assert main([str(root / "a.py"), "--no-cache", "--extend-select", "AIO900"]) == 1
    out = capsys.readouterr().out
    assert out == f"{root / 'a.py'}:6:29: AIO900 unused noqa codes AIO100, AIO101 (nothing to silence here)\n"


def test_any_spelling_of_noqa_gets_the_file_read(tmp_project):
    # noqa comments are matched in any case (as flake8 does), so a file whose only
    # trace of one is `# Noqa` must still be parsed for AIO900.
    root = tmp_project({"a.py": "x = 1  # Noqa: AIO100\n"})
    run = lint_paths([root], Settings(root=root, extend_select=["AIO900"]))
    assert aio900(run) == [("a.py", 1, 8, "unused noqa code AIO100 (nothing to silence here)")]
