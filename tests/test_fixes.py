"""--fix, --unsafe-fixes and --diff on the fixable fixtures.

Beside `fixtures/<CODE>/<name>.py` sits the expected result of `--fix`
(`<name>.py.fixed`) or of `--fix --unsafe-fixes` (`<name>.py.unsafe-fixed`).
"""
from __future__ import annotations

import json
import difflib
import shutil
from pathlib import Path

import libcst
import pytest

from asynclint.cli import main

from .conftest import FIXTURES

EXPECTED = sorted([*FIXTURES.glob("*/*.py.fixed"), *FIXTURES.glob("*/*.py.unsafe-fixed")])


def _case(expected: Path):
    source = expected.with_name(expected.name.rsplit(".py.", 1)[0] + ".py")
    unsafe = expected.name.endswith(".unsafe-fixed")
    code = expected.parent.name
    flags = ["--isolated", "--no-cache", "--jobs", "1", "--extend-select", code]
    return source, unsafe, flags + (["--unsafe-fixes"] if unsafe else [])


def test_there_are_fixable_fixtures():
    codes = {path.parent.name for path in EXPECTED}
    assert {"AIO100", "AIO200", "AIO201", "AIO300", "AIO402"} <= codes


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fix_gives_the_expected_file_parses_and_is_idempotent(expected, tmp_path, capsys):
    source, _, flags = _case(expected)
    target = tmp_path / source.name
    shutil.copy(source, target)

    main([*flags, "--fix", str(target)])
    fixed = target.read_text(encoding="utf-8")
    assert fixed == expected.read_text(encoding="utf-8")
    libcst.parse_module(fixed)
    compile(fixed, str(target), "exec")

    capsys.readouterr()
    main([*flags, "--fix", str(target)])
    assert target.read_text(encoding="utf-8") == fixed, "a second --fix changed the file"
    assert "fixed" not in capsys.readouterr().err


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_diff_shows_the_fix_and_writes_nothing(expected, tmp_path, capsys):
    source, _, flags = _case(expected)
    target = tmp_path / source.name
    shutil.copy(source, target)
    code = main([*flags, "--diff", str(target)])
    out = capsys.readouterr().out
    assert code == 1
    assert target.read_bytes() == source.read_bytes()
    before = source.read_text(encoding="utf-8").splitlines(keepends=True)
    after = expected.read_text(encoding="utf-8").splitlines(keepends=True)
    assert out == "".join(difflib.unified_diff(before, after, f"a/{target}", f"b/{target}"))


def test_unsafe_fixes_need_the_flag(tmp_path, capsys):
    target = tmp_path / "app.py"
    shutil.copy(FIXTURES / "AIO200" / "fixable.py", target)
    code = main(["--isolated", "--no-cache", "--fix", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert target.read_bytes() == (FIXTURES / "AIO200" / "fixable.py").read_bytes()
    assert "2 more fixable with `--fix --unsafe-fixes`" in err


def test_fix_summary_and_remaining_findings(tmp_path, capsys):
    target = tmp_path / "app.py"
    shutil.copy(FIXTURES / "AIO100" / "fixable.py", target)
    code = main(["--isolated", "--no-cache", "--fix", str(target)])
    captured = capsys.readouterr()
    assert code == 1  # the sleep inside an expression has no fix and is still reported
    assert [line.split(": ")[1].split()[0] for line in captured.out.splitlines()] == ["AIO100"]
    assert "(1 file checked, 2 fixed)" in captured.err


def test_fix_keeps_crlf_bom_and_latin1(tmp_path, capsys):
    crlf = tmp_path / "crlf.py"
    crlf.write_bytes(b"\xef\xbb\xbfimport time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n")
    latin = tmp_path / "latin.py"
    latin.write_bytes(b"# -*- coding: latin-1 -*-\nimport time\nasync def f():\n    s = '\xe9'\n    time.sleep(1)\n")
    assert main(["--isolated", "--no-cache", "--fix", str(tmp_path)]) == 0
    assert crlf.read_bytes() == b"\xef\xbb\xbfimport asyncio\r\nimport time\r\n\r\nasync def f():\r\n    await asyncio.sleep(1)\r\n"
    assert latin.read_bytes() == (
        b"# -*- coding: latin-1 -*-\nimport asyncio\nimport time\nasync def f():\n    s = '\xe9'\n    await asyncio.sleep(1)\n"
    )


def test_fix_refuses_a_result_that_does_not_parse(tmp_path, monkeypatch, capsys):
    from asynclint import fixes

    target = tmp_path / "app.py"
    target.write_text("import time\nasync def f():\n    time.sleep(1)\n")
    monkeypatch.setattr(fixes, "apply_edits", lambda source, edits: source + "def broken(:\n")
    code = main(["--isolated", "--no-cache", "--fix", str(target)])
    err = capsys.readouterr().err
    assert code == 1
    assert target.read_text() == "import time\nasync def f():\n    time.sleep(1)\n"
    assert "fixes not applied: the fixed code would not parse" in err


def test_fix_never_touches_a_line_with_noqa(tmp_path, capsys):
    target = tmp_path / "app.py"
    source = "import asyncio\n\nasync def job():\n    pass\n\nasync def f():\n    asyncio.create_task(job())  # noqa: E501\n"
    target.write_text(source)
    main(["--isolated", "--no-cache", "--fix", "--unsafe-fixes", str(target)])
    assert target.read_text() == source
    assert "AIO201" in capsys.readouterr().out


def test_a_finding_on_a_line_with_noqa_is_not_called_fixable(tmp_path, capsys):
    # `# noqa: ASYNC251` silences another tool, not AIO100; --fix leaves the line alone,
    # so neither the summary nor the JSON report may offer a fix for it.
    target = tmp_path / "app.py"
    target.write_text("import time\n\nasync def f():\n    time.sleep(1)  # noqa: ASYNC251\n")
    assert main(["--isolated", "--no-cache", str(target)]) == 1
    out, err = capsys.readouterr()
    assert "AIO100" in out and "fixable" not in err, err
    main(["--isolated", "--no-cache", "--format", "json", str(target)])
    (finding,) = json.loads(capsys.readouterr().out)
    assert finding["fix"] == {"available": False, "safety": None}


NESTED_HANDLERS = """import asyncio
import subprocess


async def inner():
    try:
        await asyncio.sleep(0.3)
    except asyncio.CancelledError:
        try:
            await asyncio.sleep(0.3)
        except asyncio.CancelledError:
            await asyncio.sleep(0.3)
    subprocess.run(["ls"])
"""


@pytest.mark.parametrize("cache", [["--no-cache"], []])
def test_fix_goes_on_until_no_fix_applies_and_reports_lines_of_the_fixed_file(tmp_path, capsys, monkeypatch, cache):
    # The two AIO300 fixes overlap (the inner handler lies inside the outer one), so
    # one pass can apply only one of them; the AIO102 below moves down two lines.
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "app.py"
    target.write_text(NESTED_HANDLERS)
    assert main(["--isolated", *cache, "--fix", "--unsafe-fixes", "app.py"]) == 1
    out, err = capsys.readouterr()
    assert target.read_text().count("raise") == 2
    assert out.splitlines() == ["app.py:15:5: AIO102 subprocess.run() blocks the event loop; use `await asyncio.create_subprocess_exec(...)`"]
    assert "2 fixed" in err and "fixable" not in err, err
    assert main(["--isolated", "--no-cache", "--diff", "--unsafe-fixes", "app.py"]) == 0
    assert not (tmp_path / ".asynclint_cache").exists() or cache == []
