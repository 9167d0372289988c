"""The `asynclint` command as a user runs it: output, exit codes, files, config."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from asynclint.cli import main

BLOCKING = "import time\n\nasync def handler():\n    time.sleep(1)\n"
CLEAN = "import asyncio\n\nasync def handler():\n    await asyncio.sleep(1)\n"


@pytest.fixture(autouse=True)
def _in_temporary_folder(tmp_path, monkeypatch):
    # The command caches next to the configuration or in the current folder.
    monkeypatch.chdir(tmp_path)


def run(capsys, *args: str):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_findings_exit_1_with_flake8_style_lines(tmp_project, capsys):
    root = tmp_project({"app.py": BLOCKING})
    code, out, err = run(capsys, str(root / "app.py"))
    assert code == 1
    assert out == f"{root / 'app.py'}:4:5: AIO100 time.sleep() blocks the event loop; use `await asyncio.sleep(...)`\n"
    assert "Found 1 finding in 1 file (1 file checked)." in err


def test_clean_exit_0(tmp_project, capsys):
    root = tmp_project({"app.py": CLEAN})
    code, out, err = run(capsys, str(root))
    assert (code, out) == (0, "")
    assert "All checks passed (1 file checked)." in err


def test_exit_zero_and_quiet(tmp_project, capsys):
    root = tmp_project({"app.py": BLOCKING})
    code, out, err = run(capsys, "--exit-zero", "--quiet", str(root))
    assert code == 0 and "AIO100" in out and err == ""


def test_output_sorted_by_path_then_position(tmp_project, capsys):
    root = tmp_project({"b.py": BLOCKING + "    time.sleep(2)\n", "a.py": BLOCKING, "sub/c.py": BLOCKING})
    code, out, _ = run(capsys, str(root))
    locations = [line.split(": ")[0] for line in out.splitlines()]
    assert locations == [
        f"{root / 'a.py'}:4:5",
        f"{root / 'b.py'}:4:5",
        f"{root / 'b.py'}:5:5",
        f"{root / 'sub' / 'c.py'}:4:5",
    ]


def test_recurses_into_py_and_pyi_but_not_default_excludes(tmp_project, capsys):
    root = tmp_project(
        {
            "pkg/mod.py": BLOCKING,
            "pkg/stub.pyi": BLOCKING,
            "pkg/notes.txt": BLOCKING,
            ".venv/lib/x.py": BLOCKING,
            "build/gen.py": BLOCKING,
            "node_modules/y.py": BLOCKING,
            "pkg/__pycache__/z.py": BLOCKING,
        }
    )
    code, out, _ = run(capsys, str(root))
    reported = sorted({Path(line.split(":")[0]).relative_to(root).as_posix() for line in out.splitlines()})
    assert reported == ["pkg/mod.py", "pkg/stub.pyi"]


def test_file_named_on_command_line_is_always_linted(tmp_project, capsys):
    root = tmp_project({"build/gen.py": BLOCKING, "script": BLOCKING})
    code, out, _ = run(capsys, str(root / "build" / "gen.py"), str(root / "script"))
    assert code == 1
    assert out.count("AIO100") == 2


def test_exclude_and_extend_exclude_flags(tmp_project, capsys):
    root = tmp_project({"keep/a.py": BLOCKING, "legacy/b.py": BLOCKING, "build/c.py": BLOCKING})
    _, out, _ = run(capsys, "--extend-exclude", "legacy", str(root))
    assert "keep" in out and "legacy" not in out and "build" not in out
    # --exclude replaces the default list, so build/ is linted again.
    _, out, _ = run(capsys, "--exclude", "legacy", str(root))
    assert "keep" in out and "legacy" not in out and "build" in out


def test_missing_path_is_an_error_but_others_are_checked(tmp_project, capsys):
    root = tmp_project({"a.py": BLOCKING})
    code, out, err = run(capsys, str(root / "a.py"), str(root / "nope.py"))
    assert code == 2
    assert "AIO100" in out
    assert "nope.py: no such file or directory" in err


def test_select_ignore_and_prefixes(tmp_project, capsys):
    source = "import time, os\nasync def f():\n    time.sleep(1)\n    os.system('x')\n"
    root = tmp_project({"a.py": source})
    _, out, _ = run(capsys, "--select", "AIO102", str(root))
    assert "AIO102" in out and "AIO100" not in out
    _, out, _ = run(capsys, "--ignore", "AIO10", str(root))
    assert out == ""
    _, out, _ = run(capsys, "--ignore", "AIO1", "--extend-select", "AIO100", str(root))
    assert "AIO100" in out and "AIO102" not in out


def test_unknown_selector_is_a_usage_error(tmp_project, capsys):
    root = tmp_project({"a.py": BLOCKING})
    code, out, err = run(capsys, "--select", "E501", str(root))
    assert code == 2 and out == ""
    assert err.strip().splitlines() == ["asynclint: error: --select: 'E501' selects no asynclint rule (codes look like AIO100; prefixes like AIO1 work too)"]


def test_noqa_forms(tmp_project, capsys):
    source = (
        "import time\nasync def f():\n"
        "    time.sleep(1)  # noqa\n"
        "    time.sleep(2)  # noqa: AIO100\n"
        "    time.sleep(3)  # noqa:AIO1\n"
        "    time.sleep(4)  # NOQA: E501\n"
        "    time.sleep(5)  # noqa: AIO101\n"
        "    time.sleep(6)  # noqa: E501, AIO100\n"
    )
    root = tmp_project({"a.py": source})
    _, out, _ = run(capsys, str(root))
    assert [int(line.split(":")[1]) for line in out.splitlines()] == [6, 7]


def test_config_in_nearest_pyproject(tmp_project, capsys, monkeypatch):
    root = tmp_project(
        {
            "pyproject.toml": '[tool.asynclint]\nignore = ["AIO100"]\nextend-exclude = ["generated"]\n'
            '[tool.asynclint.per-file-ignores]\n"tests/*" = ["AIO102"]\n'
            '"scripts" = ["AIO1"]\n',
            "src/a.py": BLOCKING + "    import os\n    os.system('x')\n",
            "generated/b.py": "import os\nasync def f():\n    os.system('x')\n",
            "tests/test_a.py": "import os\nasync def f():\n    os.system('x')\n",
            "scripts/run.py": "import os\nasync def f():\n    os.system('x')\n",
        }
    )
    monkeypatch.chdir(root)
    code, out, _ = run(capsys, ".")
    assert code == 1
    assert out.splitlines() == [
        f"{Path('src/a.py')}:6:5: AIO102 os.system() blocks the event loop; use `await asyncio.create_subprocess_exec(...)`"
    ]
    # --isolated ignores the file.
    _, out, _ = run(capsys, "--isolated", ".")
    assert "AIO100" in out and "generated" in out


def test_explicit_config_path(tmp_project, capsys):
    root = tmp_project({"conf/pyproject.toml": '[tool.asynclint]\nselect = ["AIO102"]\n', "a.py": BLOCKING})
    code, out, _ = run(capsys, "--config", str(root / "conf" / "pyproject.toml"), str(root))
    assert (code, out) == (0, "")


@pytest.mark.parametrize(
    "table, message",
    [
        ('select = "AIO1"\nfoo = 1\n', "unknown option 'foo' in [tool.asynclint]"),
        ('select = ["XYZ1"]\n', "select: 'XYZ1' selects no asynclint rule"),
        ("exclude = 3\n", "exclude: must be a list of strings, not 3"),
        ("max-chain-depth = 0\n", "max-chain-depth must be a whole number of at least 1, not 0"),
        ("file-timeout = -1\n", "file-timeout must be a number of seconds (0 for no limit), not -1"),
        ('file-timeout = "soon"\n', "file-timeout must be a number of seconds, not 'soon'"),
        ('extend-blocking-calls = ["not a name"]\n', "extend-blocking-calls: 'not a name' is not a qualified name"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(tmp_project, capsys, table, message):
    root = tmp_project({"pyproject.toml": "[tool.asynclint]\n" + table, "a.py": BLOCKING})
    code, out, err = run(capsys, "--config", str(root / "pyproject.toml"), str(root))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_extend_blocking_calls_from_config_and_flag(tmp_project, capsys, monkeypatch):
    root = tmp_project(
        {
            "pyproject.toml": '[tool.asynclint]\nextend-blocking-calls = { "mylib.fetch_sync" = "use mylib.fetch" }\n',
            "a.py": "from mylib import fetch_sync\nimport legacy as lg\n"
            "async def f():\n    fetch_sync()\n    lg.db.query()\n",
        }
    )
    monkeypatch.chdir(root)
    _, out, _ = run(capsys, "--extend-blocking-calls", "legacy.db.query", "a.py")
    assert out.splitlines() == [
        "a.py:4:5: AIO105 mylib.fetch_sync() blocks the event loop; use mylib.fetch",
        "a.py:5:5: AIO105 legacy.db.query() blocks the event loop",
    ]


def test_unreadable_undecodable_unparsable_files_each_one_aio001(tmp_project, capsys):
    root = tmp_project({"good.py": BLOCKING, "broken.py": "def f(:\n    pass\n"})
    (root / "latin.py").write_bytes(b"x = 1\ny = '\xe9'\n")
    (root / "binary.py").write_bytes(b"\x00\x01\x02 not python")
    (root / "bad_cookie.py").write_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    code, out, err = run(capsys, str(root))
    lines = sorted(out.splitlines())
    assert code == 1
    assert [line.split(": ")[0] for line in lines] == [
        f"{root / 'bad_cookie.py'}:1:1",
        f"{root / 'binary.py'}:1:1",
        f"{root / 'broken.py'}:1:7",
        f"{root / 'good.py'}:4:5",
        f"{root / 'latin.py'}:2:6",
    ]
    assert "cannot decode file: unknown encoding" in lines[0]
    assert "NUL bytes" in lines[1]
    assert "cannot parse file:" in lines[2]
    assert "AIO100" in lines[3]
    assert "cannot decode file as utf-8: invalid byte b'\\xe9'" in lines[4]
    assert "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can read any file")
def test_permission_denied_is_aio001(tmp_project, capsys):
    root = tmp_project({"secret.py": BLOCKING})
    (root / "secret.py").chmod(0)
    code, out, _ = run(capsys, str(root))
    assert "AIO001 cannot read file" in out


def test_bom_crlf_tabs_and_cookie_are_decoded(tmp_project, capsys):
    root = tmp_project({})
    (root / "bom.py").write_bytes(b"\xef\xbb\xbfimport time\r\nasync def f():\r\n\ttime.sleep(1)\r\n")
    (root / "latin1.py").write_bytes(
        b"# -*- coding: latin-1 -*-\nimport time\nasync def f():\n    s = '\xe9t\xe9'\n    time.sleep(1)\n"
    )
    _, out, _ = run(capsys, str(root))
    assert sorted(line.split(": ")[0] for line in out.splitlines()) == [f"{root / 'bom.py'}:3:2", f"{root / 'latin1.py'}:5:5"]


def test_list_rules_and_version(capsys):
    code, out, _ = run(capsys, "--list-rules")
    assert code == 0
    assert out.splitlines()[0].split() == ["code", "name", "default", "summary"]
    assert any(line.startswith("AIO100  blocking-sleep") for line in out.splitlines())
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == "asynclint 0.1.0"


def test_unknown_flag_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--no-such-flag"])
    assert exit_info.value.code == 2


def test_python_dash_m_and_console_script(tmp_project):
    root = tmp_project({"a.py": BLOCKING})
    for command in ([sys.executable, "-m", "asynclint"], [str(Path(sys.executable).parent / "asynclint")]):
        proc = subprocess.run([*command, str(root)], capture_output=True, text=True)
        assert proc.returncode == 1, proc.stderr
        assert "AIO100" in proc.stdout
