"""Benchmark asynclint against ruff, flake8-async and its own flake8 plugin.

    python -m pip install -e ".[bench]"
    python bench/run.py              # build the pinned corpus once, then time everything
    python bench/run.py --markdown   # the table as Markdown, for docs/performance.md

The corpus is a pinned set of async-heavy packages installed with `pip install --no-deps
--target`, plus a copy of this interpreter's standard library, in a folder outside the
repository (so that no tool's .gitignore handling skips it). Every tool lints the same
folders; flake8-async, which is much slower, runs on a subset, and our flake8 plugin and
asynclint are timed on that subset too, for a like-for-like ratio.

Each command runs in its own measuring process that reports wall time, CPU time (user +
system of the whole process tree) and the peak resident memory of its largest process.
ruff and the cold run, whose ratio is the headline, are timed `--repeat` times (3 by
default), alternating, and the table shows the median run of each: a machine's speed
drifts by several per cent over minutes, which one run of each would take for a change.
asynclint's bytecode is compiled first, as `pip install` compiles it.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

PACKAGES = [
    "aiohttp==3.11.18",
    "httpx==0.28.1",
    "httpcore==1.0.9",
    "anyio==4.9.0",
    "starlette==0.46.2",
    "uvicorn==0.34.2",
    "websockets==15.0.1",
    "redis==6.1.0",
    "tornado==6.5",
    "prompt_toolkit==3.0.51",
    "sanic==25.3.0",
    "aiofiles==24.1.0",
    "asyncpg==0.30.0",
    "trio==0.30.0",
    "fastapi==0.115.12",
    "motor==3.7.1",
]
# flake8-async needs minutes per 100k lines; this subset keeps its run short.
SUBSET = ["site/aiohttp", "site/anyio", "site/httpx", "site/starlette"]

FINDING = re.compile(r"^.+?:\d+:\d+: [A-Z]+\d+ ", re.MULTILINE)

MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024,
           "returncode": proc.returncode, "stdout": proc.stdout.decode("utf-8", "replace"),
           "stderr": proc.stderr.decode("utf-8", "replace")[-2000:]}, sys.stdout)
"""


def corpus_dir() -> Path:
    return Path(os.environ.get("ASYNCLINT_BENCH_DIR", Path.home() / ".cache" / "asynclint-bench"))


def build_corpus(folder: Path) -> None:
    marker = folder / "corpus.json"
    if marker.exists() and json.loads(marker.read_text()) == {"packages": PACKAGES, "python": sys.version}:
        return
    print(f"building the corpus in {folder} ...", file=sys.stderr)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(folder / "site"), *PACKAGES],
        check=True,
    )
    # Only the sources are linted; compiled extensions and metadata folders are noise.
    for extra in (folder / "site").iterdir():
        if extra.name.endswith((".dist-info", ".data")) or extra.name == "bin":
            shutil.rmtree(extra, ignore_errors=True)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    shutil.copytree(
        stdlib,
        folder / "stdlib",
        ignore=shutil.ignore_patterns("site-packages", "__pycache__", "*.pyc", "lib-dynload", "config-*"),
        symlinks=True,
    )
    marker.write_text(json.dumps({"packages": PACKAGES, "python": sys.version}))


def plugin_venv(folder: Path, requirements: List[str]) -> Path:
    """A virtual environment with just flake8 and one plugin; its python's path."""
    python = folder / "bin" / "python"
    marker = folder / "requirements.json"
    if not (marker.exists() and json.loads(marker.read_text()) == requirements):
        print(f"creating {folder} ...", file=sys.stderr)
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements], check=True)
        marker.write_text(json.dumps(requirements))
    return python


def count(folder: Path, targets: Sequence[str]) -> Dict[str, int]:
    files = lines = 0
    for target in targets:
        for path in (folder / target).rglob("*.py"):
            files += 1
            with open(path, "rb") as handle:
                lines += handle.read().count(b"\n")
    return {"files": files, "lines": lines}


def measure(command: List[str], cwd: Path) -> Dict[str, object]:
    proc = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=cwd, capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    result["findings"] = len(FINDING.findall(result.pop("stdout")))
    if result["returncode"] not in (0, 1):
        print(f"warning: {' '.join(command)} exited {result['returncode']}: {result['stderr']}", file=sys.stderr)
    return result


def tool(name: str) -> Optional[str]:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    return found


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--skip-flake8-async", action="store_true", help="do not time flake8-async (slow)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3, help="runs of ruff and of the cold run (the median is shown)")
    args = parser.parse_args(argv)

    folder = corpus_dir()
    build_corpus(folder)
    everything = ["site", "stdlib"]
    cache = Path(tempfile.mkdtemp(prefix="asynclint-bench-cache-"))
    asynclint = [sys.executable, "-m", "asynclint", "--isolated", "--exit-zero", "-q", f"--jobs={args.jobs}"]
    # flake8 runs every installed plugin whatever --select says, so our plugin and
    # flake8-async each get a virtual environment of their own.
    repo = str(Path(__file__).resolve().parent.parent)
    ours = plugin_venv(folder / "venv-asynclint", ["flake8", repo])
    # The code under test changes between runs: install it afresh every time.
    subprocess.run([str(ours), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", repo], check=True)
    theirs = plugin_venv(folder / "venv-flake8-async", ["flake8", "flake8-async"])
    flake8_flags = ["--isolated", "--exit-zero", f"--jobs={args.jobs}"]
    # An editable install's bytecode is written when first imported, if ever: an
    # installed package has it from the start.
    package = Path(repo) / "asynclint"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)
    rows = []
    runs: Dict[str, List[float]] = {}

    def row(name: str, targets: Sequence[str], command: List[str]) -> Dict[str, object]:
        result = timed(name, targets, command)
        rows.append(result)
        return result

    def timed(name: str, targets: Sequence[str], command: List[str]) -> Dict[str, object]:
        result = measure(command, folder)
        result.update(count(folder, targets), tool=name, corpus="full" if targets == everything else "subset")
        print(f"  {name}: {result['wall']:.2f}s wall", file=sys.stderr)
        return result

    def median_rows(commands: Dict[str, List[str]]) -> List[Dict[str, object]]:
        """Each command timed args.repeat times, in turns; the median run of each."""
        results: Dict[str, List[Dict[str, object]]] = {name: [] for name in commands}
        for _ in range(max(args.repeat, 1)):
            for name, command in commands.items():
                results[name].append(timed(name, everything, command))
        chosen = []
        for name, found in results.items():
            found.sort(key=lambda r: float(r["wall"]))  # type: ignore[arg-type]
            runs[name] = [float(r["wall"]) for r in found]  # type: ignore[arg-type]
            chosen.append(found[len(found) // 2])
            rows.append(chosen[-1])
        return chosen

    print("timing ...", file=sys.stderr)
    ruff = tool("ruff")
    ruff_row = None
    headline = {"asynclint cold (--no-cache)": [*asynclint, "--no-cache", *everything]}
    if ruff:
        ruff_command = [ruff, "check", "--isolated", "--select", "ASYNC,RUF006", "--no-cache", "--exit-zero"]
        headline = {"ruff --select ASYNC,RUF006": [*ruff_command, "--output-format", "concise", *everything], **headline}
    chosen = median_rows(headline)
    if ruff:
        ruff_row = chosen[0]
    row("asynclint (fill the cache)", everything, [*asynclint, f"--cache-dir={cache}", *everything])
    row("asynclint warm (cached)", everything, [*asynclint, f"--cache-dir={cache}", *everything])
    edited = folder / "site" / "aiohttp" / "client.py"
    original = edited.read_bytes()
    try:
        # An edit that changes nothing other files depend on: the edited file alone is checked.
        edited.write_bytes(original + b"\n# edited by the benchmark\n")
        row("asynclint one file edited", everything, [*asynclint, f"--cache-dir={cache}", *everything])
        # One that does (a new function): the whole run, from the cached results.
        edited.write_bytes(original + b"\n\ndef _added_by_the_benchmark():\n    pass\n")
        row("asynclint one function added", everything, [*asynclint, f"--cache-dir={cache}", *everything])
    finally:
        edited.write_bytes(original)
    row("asynclint --select AIO1 cold", everything, [*asynclint, "--no-cache", "--select", "AIO1", *everything])
    # What the whole-project pass costs: AIO110 alone (issue 6), and every rule that
    # looks across modules (AIO110, AIO200, AIO400).
    row("asynclint cold --ignore AIO110", everything, [*asynclint, "--no-cache", "--ignore", "AIO110", *everything])
    row(
        "asynclint cold, no cross-module rules",
        everything,
        [*asynclint, "--no-cache", "--ignore", "AIO110,AIO200,AIO400", *everything],
    )
    row("flake8 --select AIO (plugin)", SUBSET, [str(ours), "-m", "flake8", *flake8_flags, "--select", "AIO", *SUBSET])
    row("asynclint cold, subset", SUBSET, [*asynclint, "--no-cache", *SUBSET])
    if not args.skip_flake8_async:
        row("flake8-async, subset", SUBSET, [str(theirs), "-m", "flake8", *flake8_flags, "--select", "ASYNC", *SUBSET])
    shutil.rmtree(cache, ignore_errors=True)

    print_table(rows, ruff_row, args.markdown)
    if args.repeat > 1:
        print()
        for name, walls in runs.items():
            print(f"{name}: {args.repeat} runs, wall s: {', '.join(f'{wall:.2f}' for wall in walls)}")
    return 0


def print_table(rows: List[Dict[str, object]], ruff_row: Optional[Dict[str, object]], markdown: bool) -> None:
    header = ["tool", "corpus", "files", "lines", "findings", "wall s", "CPU s", "peak RSS MB", "wall / ruff", "µs CPU per line"]
    table = []
    for r in rows:
        ratio = f"{r['wall'] / ruff_row['wall']:.1f}x" if ruff_row and r["corpus"] == "full" else ""
        per_line = 1e6 * r["cpu"] / max(int(r["lines"]), 1)
        table.append([r["tool"], r["corpus"], r["files"], r["lines"], r["findings"], f"{r['wall']:.2f}", f"{r['cpu']:.2f}", f"{r['rss_mb']:.0f}", ratio, f"{per_line:.1f}"])
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for line in table:
            print("| " + " | ".join(str(cell) for cell in line) + " |")
        return
    widths = [max(len(str(x)) for x in column) for column in zip(header, *table)]
    for line in [header, *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)))


if __name__ == "__main__":
    sys.exit(main())
