"""The pre-commit hook, installed from this repository by `pre-commit try-repo`."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_try_repo_flags_time_sleep(tmp_path):
    # try-repo needs a git repository to clone from: copy the working tree (with
    # uncommitted changes) into a throwaway repo so the hook tested is this code.
    source = tmp_path / "asynclint-src"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".pytest_cache", ".asynclint_cache"),
    )
    _git("init", "-q", cwd=source)
    _git("add", "-A", cwd=source)
    _git("-c", "user.email=ci@example.invalid", "-c", "user.name=ci", "commit", "-qm", "snapshot", cwd=source)

    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("import time\n\nasync def handler():\n    time.sleep(1)\n")
    (project / "ok.py").write_text("import asyncio\n\nasync def handler():\n    await asyncio.sleep(1)\n")
    _git("init", "-q", cwd=project)
    _git("add", "-A", cwd=project)

    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(source), "asynclint", "--all-files"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "app.py:4:5: AIO100 time.sleep() blocks the event loop" in output
    assert "ok.py" not in output.replace("app.py", "")
