"""Check that `--fix --unsafe-fixes` is safe on real code (issue 9): on a copy of the
benchmark corpus (async packages and the standard library), every file the fixes change
still compiles, and a second `--fix` run changes nothing.

    python bench/fix_safety.py          # builds the corpus first if bench/run.py has not
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Dict, List

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import build_corpus, corpus_dir  # noqa: E402  (bench/run.py, beside this file)

COMMAND = [sys.executable, "-m", "asynclint", "--isolated", "--select", "AIO", "--extend-select", "AIO203"]


def snapshot(root: Path) -> Dict[Path, bytes]:
    return {path: path.read_bytes() for path in root.rglob("*.py") if path.is_file() and not path.is_symlink()}


def fix(root: Path) -> subprocess.CompletedProcess:
    start = time.perf_counter()
    proc = subprocess.run([*COMMAND, "--fix", "--unsafe-fixes", "site", "stdlib"], cwd=root, capture_output=True, text=True)
    print(f"  exit {proc.returncode} in {time.perf_counter() - start:.1f}s: {proc.stderr.strip().splitlines()[-1:]}")
    return proc


def main() -> int:
    corpus = corpus_dir()
    build_corpus(corpus)
    problems: List[str] = []
    with tempfile.TemporaryDirectory(prefix="asynclint-fix-safety-") as scratch:
        root = Path(scratch)
        for part in ("site", "stdlib"):
            shutil.copytree(corpus / part, root / part, symlinks=True)
        before = snapshot(root)
        print("--fix --unsafe-fixes on a copy of the corpus:")
        first = fix(root)
        if first.returncode not in (0, 1) or "Traceback" in first.stderr:
            problems.append(f"first run failed: {first.stderr[-2000:]}")
        after = snapshot(root)
        changed = [path for path, data in after.items() if before.get(path) != data]
        warnings.simplefilter("ignore")  # old escape sequences in the stdlib's tests
        for path in changed:
            try:
                compile(after[path], str(path), "exec")
            except SyntaxError as error:
                problems.append(f"{path.relative_to(root)} no longer compiles: {error}")
        print(f"  {len(changed)} files changed, {len(changed) - len(problems)} of them compile")
        print("a second run:")
        second = fix(root)
        again = [path for path, data in snapshot(root).items() if after.get(path) != data]
        if again:
            problems.append(f"the second run changed {len(again)} files: {[str(p.relative_to(root)) for p in again[:5]]}")
        if " fixed)" in second.stderr:
            problems.append(f"the second run reports fixes: {second.stderr.strip().splitlines()[-2:]}")
    for problem in problems:
        print("PROBLEM:", problem)
    print("fixes are safe" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
