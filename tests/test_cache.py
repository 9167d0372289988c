"""The cache and the process pool (issue 7): what a warm run, an edit and --jobs may change."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from asynclint import runner
from asynclint.cli import main
from asynclint.config import Settings
from asynclint.runner import lint_paths

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EVERY_RULE = Settings(select=["AIO"], extend_select=["AIO203"])

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/app.py": "from pkg import helpers\n\n\nasync def handler():\n    helpers.poll()\n",
    "pkg/helpers.py": "def poll():\n    return 1\n",
    "pkg/other.py": "import time\n\n\nasync def tick():\n    time.sleep(1)\n",
    "pkg/broken.py": "def oops(:\n",
}


def shown(run) -> List[str]:
    return [f"{Path(d.path).name}:{d.line}:{d.column}: {d.code}" for d in run.diagnostics]


@pytest.fixture
def parsed_paths(monkeypatch) -> List[List[str]]:
    """The files each run sends to libcst, by name."""
    calls: List[List[str]] = []
    original = runner.check_many

    def recording(paths, *args, **kwargs):
        calls[-1].extend(Path(p).name for p in paths)
        return original(paths, *args, **kwargs)

    monkeypatch.setattr(runner, "check_many", recording)
    return calls


def lint(root: Path, cache: Path, calls: List[List[str]], jobs: int = 1):
    calls.append([])
    return lint_paths([root / "pkg"], EVERY_RULE, jobs=jobs, cache_dir=cache)


def test_the_cache_folder_is_tagged_and_ignored_by_git(tmp_project, tmp_path):
    root = tmp_project(PROJECT)
    lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=tmp_path / "cache")
    assert (tmp_path / "cache" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_warm_run_parses_nothing_and_reports_the_same(tmp_project, tmp_path, parsed_paths):
    root = tmp_project(PROJECT)
    cold = lint(root, tmp_path / "cache", parsed_paths)
    assert shown(cold) == ["broken.py:1:10: AIO001", "other.py:5:5: AIO100"]
    assert sorted(parsed_paths[0]) == ["broken.py", "other.py"]
    warm = lint(root, tmp_path / "cache", parsed_paths)
    assert shown(warm) == shown(cold)
    # broken.py too: a file libcst rejects is not parsed again on every run.
    assert parsed_paths[1] == [] and warm.files_parsed == 0


def test_a_warm_run_does_not_import_libcst(tmp_project, tmp_path):
    root = tmp_project(PROJECT)
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from asynclint.cli import main\n"
        "code = main(['--isolated', '--cache-dir', sys.argv[1], sys.argv[2]])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('libcst'))\n"
        "print(code, len(loaded) == 0, loaded[:3])\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-c", script, str(tmp_path / "cache"), str(root / "pkg")]
    cold = subprocess.run(command, capture_output=True, text=True, env=env)
    assert cold.stdout.splitlines()[-1].startswith("1 False"), cold.stderr
    warm = subprocess.run(command, capture_output=True, text=True, env=env)
    assert warm.stdout.splitlines()[-1] == "1 True []", warm.stdout + warm.stderr


def test_an_edit_rechecks_that_file_and_the_callers_it_changes(tmp_project, tmp_path, parsed_paths):
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    lint(root, cache, parsed_paths)
    helpers = root / "pkg" / "helpers.py"
    helpers.write_text("import time\n\n\ndef poll():\n    time.sleep(1)\n")
    blocking = lint(root, cache, parsed_paths)
    assert "app.py:5:5: AIO110" in shown(blocking)
    assert sorted(parsed_paths[1]) == ["app.py", "helpers.py"]  # not other.py, not broken.py
    helpers.write_text(PROJECT["pkg/helpers.py"])
    quiet = lint(root, cache, parsed_paths)
    assert "app.py:5:5: AIO110" not in shown(quiet)
    # app.py's cached result is settled afresh; helpers.py's new outline says poll() no
    # longer blocks, so not even helpers.py needs parsing.
    assert parsed_paths[2] == []


def test_other_settings_do_not_reuse_the_results(tmp_project, tmp_path):
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    assert "other.py:5:5: AIO100" in shown(lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache))
    ignoring = Settings(select=["AIO"], ignore=["AIO100"])
    assert "other.py:5:5: AIO100" not in shown(lint_paths([root / "pkg"], ignoring, jobs=1, cache_dir=cache))


def test_a_corrupt_cache_is_ignored(tmp_project, tmp_path, capsys):
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    first = shown(lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache))
    for entry in cache.rglob("*.pickle"):
        entry.write_bytes(b"\x80\x05not a pickle")
    assert shown(lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)) == first


def test_cache_dir_and_no_cache(tmp_project, tmp_path, capsys, monkeypatch):
    root = tmp_project(PROJECT)
    monkeypatch.chdir(root)
    main(["--isolated", "--no-cache", "pkg"])
    assert not (root / ".asynclint_cache").exists()
    main(["--isolated", "--cache-dir", str(tmp_path / "elsewhere"), "pkg"])
    assert not (root / ".asynclint_cache").exists() and list((tmp_path / "elsewhere").rglob("*.pickle"))
    main(["--isolated", "pkg"])
    assert list((root / ".asynclint_cache").rglob("*.pickle"))


def test_a_module_that_cannot_be_parsed_does_not_stall_the_project_search(tmp_project):
    # app.py needs the facts of helpers.py, which libcst rejects: the search must try it
    # once and go on (it asked for it forever once).
    root = tmp_project(
        {
            "pkg/__init__.py": "",
            "pkg/app.py": "import time\nfrom pkg import helpers\n\n\nasync def f():\n    time.sleep(1)\n    helpers.poll()\n",
            "pkg/helpers.py": "def poll(:\n",
        }
    )
    command = [sys.executable, "-m", "asynclint", "--isolated", "--no-cache", str(root / "pkg")]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert [line.split(": ")[1].split()[0] for line in proc.stdout.splitlines()] == ["AIO100", "AIO001"]


def test_jobs_do_not_change_the_findings_or_their_order():
    one = lint_paths([FIXTURES], EVERY_RULE, jobs=1)
    two = lint_paths([FIXTURES], EVERY_RULE, jobs=2)
    assert one.files_parsed > runner.POOL_THRESHOLD  # the pool is used
    assert [(d.path, d.line, d.column, d.code, d.message) for d in two.diagnostics] == [
        (d.path, d.line, d.column, d.code, d.message) for d in one.diagnostics
    ]
    assert one.diagnostics


def test_an_unchanged_run_is_answered_without_loading_the_per_file_entries(tmp_project, tmp_path, monkeypatch):
    import asynclint.cache

    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    cold = lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    read = []
    original = asynclint.cache._read
    monkeypatch.setattr(asynclint.cache, "_read", lambda path, load: read.append(path.suffix) or original(path, load))
    warm = lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    assert shown(warm) == shown(cold) and warm.files_checked == cold.files_checked == 5
    assert read == [".last-run"]
    # An edit that changes nothing for the other files needs the screen too, to tell
    # whether the edited file needs the full check, but still no per-file entry.
    (root / "pkg" / "other.py").write_text(PROJECT["pkg/other.py"] + "\n")
    edited = lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    assert shown(edited) == shown(cold) and read == [".last-run", ".last-run", ".screen"]
    # One that does (a function starts to block), and the whole run needs the entries.
    (root / "pkg" / "helpers.py").write_text("import time\n\n\ndef poll():\n    time.sleep(1)\n")
    lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    assert read[3:5] == [".last-run", ".screen"] and set(read[5:]) == {".pickle"}


def test_the_last_run_is_per_file_set(tmp_project, tmp_path):
    # The same files as before, but fewer of them: not the last run's outcome.
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    alone = lint_paths([root / "pkg" / "app.py", root / "pkg" / "helpers.py"], EVERY_RULE, jobs=1, cache_dir=cache)
    assert shown(alone) == []


def test_an_edit_rewrites_only_the_shard_of_the_edited_file(tmp_project, tmp_path):
    root = tmp_project({**PROJECT, **{f"pkg/mod_{i:02}.py": "import time\n" for i in range(40)}})
    cache = tmp_path / "cache"
    lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    shards = {path: path.read_bytes() for path in cache.rglob("*.pickle")}
    assert len(shards) > 4  # 45 files spread over several shards
    (root / "pkg" / "mod_07.py").write_text("import time\n\n\ndef f():\n    pass\n")
    lint_paths([root / "pkg"], EVERY_RULE, jobs=1, cache_dir=cache)
    changed = [path for path in cache.rglob("*.pickle") if shards.get(path) != path.read_bytes()]
    assert len(changed) == 1, changed


def test_one_process_pool_serves_the_whole_run(tmp_project, monkeypatch):
    # Outlines, the files the screen picks, and the demand search's rounds share one
    # pool: each new pool forks the (by then large) main process and imports libcst again.
    started = []

    class Counting(runner.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(1)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(runner, "ProcessPoolExecutor", Counting)
    files = {"pkg/__init__.py": ""}
    for i in range(40):  # enough to outline in the pool, and to check there
        files[f"pkg/mod_{i:02}.py"] = f"import time\nfrom pkg import helpers_{i % 10:02}\n\n\nasync def f():\n    time.sleep(1)\n    helpers_{i % 10:02}.poll()\n"
    for i in range(10):  # parsed by the demand search, in a round of their own
        files[f"pkg/helpers_{i:02}.py"] = "import os\n\n\ndef poll():\n    os.system('true')\n"
    root = tmp_project(files)
    run = lint_paths([root / "pkg"], EVERY_RULE, jobs=2)
    assert sorted({d.code for d in run.diagnostics}) == ["AIO100", "AIO110"]
    assert run.files_parsed == 50
    assert started == [1]
