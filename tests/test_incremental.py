"""Edit runs (incremental.py): after an edit, the cached run must report exactly what a
run without a cache reports, whether it checks the edited files alone or the whole run."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Tuple

import pytest

from asynclint import runner
from asynclint.config import Settings
from asynclint.runner import lint_paths

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EVERY_RULE = Settings(select=["AIO"], extend_select=["AIO203"])
WITH_UNUSED_NOQA = Settings(select=["AIO"], extend_select=["AIO203", "AIO900"])

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/app.py": (
        "import threading\n"
        "from pkg import helpers, coros, loops\n"
        "\n"
        "\n"
        "async def handler():\n"
        "    helpers.poll()\n"
        "    coros.refresh()\n"
        "\n"
        "\n"
        "def start():\n"
        "    threading.Thread(target=loops.serve).start()\n"
    ),
    "pkg/helpers.py": "import time\n\n\ndef poll():\n    time.sleep(1)\n",
    "pkg/coros.py": "async def refresh():\n    pass\n",
    "pkg/loops.py": "import asyncio\n\n\ndef serve():\n    asyncio.run(main())\n\n\nasync def main():\n    pass\n",
    "pkg/plain.py": "def add(a, b):\n    return a + b\n",
}


def described(run) -> List[Tuple]:
    """Everything a finding shows, its fix included."""
    return [(Path(d.path).name, d.line, d.column, d.code, d.message, d.end_line, d.end_column, repr(d.fix)) for d in run.diagnostics]


@pytest.fixture
def edit_runs(monkeypatch) -> List[int]:
    """For each run that was an edit run, how many files it parsed."""
    taken: List[int] = []
    original = runner._EditRun.finish

    def finish(self, run, files):
        taken.append(self.parsed)
        return original(self, run, files)

    monkeypatch.setattr(runner._EditRun, "finish", finish)
    return taken


def check_against_a_run_without_cache(root: Path, cache: Path, settings: Settings = EVERY_RULE):
    cached = lint_paths([root / "pkg"], settings, jobs=1, cache_dir=cache)
    fresh = lint_paths([root / "pkg"], settings, jobs=1)
    assert described(cached) == described(fresh)
    assert cached.files_checked == fresh.files_checked
    return cached


# (what the edit does, file, its new text, whether the edited file alone is checked)
EDITS = [
    ("a comment at the end", "app.py", PROJECT["pkg/app.py"] + "# later\n", True),
    ("lines above every finding", "app.py", "\n\n" + PROJECT["pkg/app.py"], True),
    ("a noqa on the AIO110 line", "app.py", PROJECT["pkg/app.py"].replace("poll()\n", "poll()  # noqa: AIO110\n"), True),
    ("a file no rule looks at", "plain.py", "def add(a, b):\n    return b + a\n", True),
    ("the helper's body, same blocking call", "helpers.py", "import time\n\n\ndef poll():\n    x = 1\n    time.sleep(x)\n", True),
    ("the helper blocks another way", "helpers.py", "import os\n\n\ndef poll():\n    os.system('ls')\n", False),
    ("the helper stops blocking", "helpers.py", "def poll():\n    return 1\n", False),
    ("the coroutine becomes a function", "coros.py", "def refresh():\n    pass\n", False),
    ("the loop is gone", "loops.py", "def serve():\n    pass\n", False),
    ("a syntax error", "app.py", "async def handler(:\n", False),
    ("the syntax error mended", "app.py", PROJECT["pkg/app.py"], False),
]


def test_each_edit_reports_what_a_run_without_cache_reports(tmp_project, tmp_path, edit_runs):
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    first = check_against_a_run_without_cache(root, cache)
    assert {d[3] for d in described(first)} == {"AIO110", "AIO200", "AIO400"}
    for what, name, text, alone in EDITS:
        before = len(edit_runs)
        (root / "pkg" / name).write_text(text)
        check_against_a_run_without_cache(root, cache)
        assert (len(edit_runs) > before) == alone, what


def test_an_edit_run_moves_settled_findings_with_their_lines(tmp_project, tmp_path, edit_runs):
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    check_against_a_run_without_cache(root, cache)
    (root / "pkg" / "app.py").write_text("\n\n" + PROJECT["pkg/app.py"])
    moved = check_against_a_run_without_cache(root, cache)
    assert edit_runs == [1]  # app.py alone
    assert ("app.py", 8, 5, "AIO110") in [d[:4] for d in described(moved)]


def test_an_edit_run_judges_the_edited_files_noqa_comments(tmp_project, tmp_path, edit_runs):
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    check_against_a_run_without_cache(root, cache, WITH_UNUSED_NOQA)
    app = PROJECT["pkg/app.py"]
    for text in (
        app.replace("poll()\n", "poll()  # noqa: AIO110\n"),  # used
        app.replace("poll()\n", "poll()  # noqa: AIO100\n"),  # unused
        app.replace("refresh()\n", "refresh()  # noqa: AIO200, AIO100\n"),  # partly used
    ):
        (root / "pkg" / "app.py").write_text(text)
        run = check_against_a_run_without_cache(root, cache, WITH_UNUSED_NOQA)
        assert any(d.code == "AIO900" for d in run.diagnostics) == ("AIO100" in text)
    assert len(edit_runs) == 3


def test_a_file_only_the_demand_search_parses_is_parsed_again(tmp_project, tmp_path, edit_runs):
    # helpers.py has no finding of its own: it is parsed for app.py's sake, and an edit
    # of it must be parsed to know that its facts are the same.
    root = tmp_project(PROJECT)
    cache = tmp_path / "cache"
    check_against_a_run_without_cache(root, cache)
    (root / "pkg" / "helpers.py").write_text(PROJECT["pkg/helpers.py"] + "\n\n# done\n")
    check_against_a_run_without_cache(root, cache)
    assert edit_runs == [1]


def test_edits_all_over_the_fixtures(tmp_path, edit_runs):
    """Lines added above and below in every fixture, a batch at a time: the findings of
    every rule move or stay exactly as a run without a cache says."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES, root / "pkg")
    cache = tmp_path / "cache"
    check_against_a_run_without_cache(root, cache)
    files = sorted(path for path in (root / "pkg").rglob("*.py") if b"coding" not in path.read_bytes()[:200])
    batches = [files[i : i + runner.EDIT_RUN_LIMIT] for i in range(0, len(files), runner.EDIT_RUN_LIMIT)]
    for edit in (lambda data: b"\n\n" + data, lambda data: data + b"\n# the end\n"):
        for batch in batches:
            for path in batch:
                path.write_bytes(edit(path.read_bytes()))
            check_against_a_run_without_cache(root, cache)
    # Some batches hold a file Python cannot parse, and need the whole run; not all. On a
    # Python older than some fixture's syntax, libcst parses what Python cannot, every
    # file gets the full check, and the state is then not reused for edits at all.
    if not fallback_run(cache):
        assert len(edit_runs) >= len(batches), edit_runs


def fallback_run(cache: Path) -> bool:
    """Whether the last run was one where every file got the full check."""
    import pickle

    (state_file,) = cache.rglob("*.last-run")
    return pickle.loads(state_file.read_bytes()).screen_id is None


def test_an_edit_in_a_body_the_check_leaves_out(tmp_project, tmp_path, edit_runs):
    # `render` neither blocks nor holds a finding: app.py's check leaves its body out
    # (blanking.py), and an edit run must leave it out the same way, or the facts it
    # compares with the last run's would differ for that alone.
    app = PROJECT["pkg/app.py"] + (
        "\n\ndef render(items):\n    lines = []\n    for item in items:\n"
        "        lines.append(str(plain.add(item, 1)))\n    return lines\n"
    )
    app = app.replace("import helpers, coros, loops", "import helpers, coros, loops, plain")
    root = tmp_project({**PROJECT, "pkg/app.py": app})
    cache = tmp_path / "cache"
    check_against_a_run_without_cache(root, cache)
    for old, new in (("str(plain", "repr(plain"), ("return lines", "return sorted(lines)")):
        app = app.replace(old, new)
        (root / "pkg" / "app.py").write_text(app)
        check_against_a_run_without_cache(root, cache)
    assert edit_runs == [1, 1]


def test_an_edit_that_starts_to_call_a_blocking_helper_nobody_called(tmp_project, tmp_path, edit_runs):
    # No async body calls `flush` at first, so its body is left out of helpers.py's
    # check; an edit of app.py that calls it from `handler` must still get its AIO110.
    helpers = PROJECT["pkg/helpers.py"] + "\n\ndef flush():\n    total = 0\n    time.sleep(total)\n    return total\n"
    root = tmp_project({**PROJECT, "pkg/helpers.py": helpers})
    cache = tmp_path / "cache"
    check_against_a_run_without_cache(root, cache)
    app = PROJECT["pkg/app.py"].replace("    coros.refresh()\n", "    coros.refresh()\n    helpers.flush()\n")
    (root / "pkg" / "app.py").write_text(app)
    run = check_against_a_run_without_cache(root, cache)
    assert ("app.py", 8, 5, "AIO110") in [d[:4] for d in described(run)]
    assert edit_runs == []  # a new pending finding: the whole run


def test_a_helper_that_starts_to_block(tmp_project, tmp_path, edit_runs):
    # At first no project function blocks: the check of app.py leaves out its pending
    # AIO110 about `helpers.poll` (the screen rules it out) before locating it. Once
    # `poll` blocks, the cached result of app.py must not serve: it lacks the finding.
    root = tmp_project({**PROJECT, "pkg/helpers.py": "def poll():\n    return 1\n"})
    cache = tmp_path / "cache"
    first = check_against_a_run_without_cache(root, cache)
    assert "AIO110" not in {d[3] for d in described(first)}
    (root / "pkg" / "helpers.py").write_text(PROJECT["pkg/helpers.py"])
    run = check_against_a_run_without_cache(root, cache)
    assert ("app.py", 6, 5, "AIO110") in [d[:4] for d in described(run)]
    assert edit_runs == []
