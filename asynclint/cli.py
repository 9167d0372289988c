"""The `asynclint` command: arguments in, findings and an exit status out.

Exit status: 0 nothing found, 1 findings, 2 a usage, configuration or internal error.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from . import __version__
from .config import (
    OUTPUT_FORMATS,
    ConfigError,
    Settings,
    check_selector,
    merge,
    parse_blocking_calls,
    parse_file_timeout,
    resolve_settings,
)
from .reporters import render, statistics
from .codes import RULES
from .cache import DEFAULT_CACHE_DIR
from .timelimit import DEFAULT_FILE_TIMEOUT
from .diagnostics import Diagnostic
from .fixes import fix_files, write_fixes
from .runner import RunResult, lint_paths
from .explain import UnknownRule, explain
from .noqa_writer import add_noqa_to_files

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# --fix applies fixes and checks again until none applies, at most this many times.
MAX_FIX_PASSES = 10


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        # argparse already exits 2 on usage errors; keep its one-line style.
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"asynclint: error: {message}\n")


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, not {number}")
    return number


def _codes(value: str) -> List[str]:
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(
        prog="asynclint",
        description="Find asyncio anti-patterns: blocking calls in coroutines, unawaited "
        "coroutines, dangling tasks, swallowed cancellation, misused event loops.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders to lint (default: .)")
    parser.add_argument("--version", action="version", version=f"asynclint {__version__}")
    parser.add_argument("--list-rules", action="store_true", help="list every rule with its code, name and default state")
    parser.add_argument("--explain", metavar="CODE", help="print a rule's documentation (also: asynclint rule CODE)")
    rules = parser.add_argument_group("rule selection")
    rules.add_argument("--select", type=_codes, metavar="CODES", help="comma-separated codes or prefixes to enable (replaces the default)")
    rules.add_argument("--extend-select", type=_codes, metavar="CODES", help="codes or prefixes to enable in addition")
    rules.add_argument("--ignore", type=_codes, metavar="CODES", help="codes or prefixes to disable")
    rules.add_argument(
        "--extend-blocking-calls",
        metavar="NAMES",
        help="comma-separated qualified names of your own blocking calls (name or name=suggestion), reported as AIO105",
    )
    files = parser.add_argument_group("files")
    files.add_argument("--exclude", type=lambda v: [p for p in v.split(",") if p], metavar="PATTERNS", help="patterns to exclude (replaces the default list)")
    files.add_argument("--extend-exclude", type=lambda v: [p for p in v.split(",") if p], metavar="PATTERNS", help="patterns to exclude in addition to the default list")
    config = parser.add_argument_group("configuration")
    config.add_argument("--config", type=Path, metavar="PATH", help="read [tool.asynclint] from this pyproject.toml")
    config.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    speed = parser.add_argument_group("speed")
    speed.add_argument("--jobs", "-j", type=_positive_int, metavar="N", help="worker processes (default: the number of CPUs)")
    speed.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    speed.add_argument("--file-timeout", metavar="SECONDS", help=f"give up on a file that takes longer to check (default: {DEFAULT_FILE_TIMEOUT:g}; 0: no limit)")
    speed.add_argument("--cache-dir", type=Path, metavar="DIR", help=f"where to keep the cache (default: {DEFAULT_CACHE_DIR} beside the configuration, else in the current folder)")
    fixing = parser.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply the safe fixes and report what is left")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: apply the unsafe fixes too (they change behaviour: review them)")
    fixing.add_argument("--diff", action="store_true", help="print the fixes as a unified diff; write nothing")
    output = parser.add_argument_group("output")
    output.add_argument("--format", "--output-format", dest="output_format", choices=OUTPUT_FORMATS, help="how to print findings (default: text, or output-format in the configuration)")
    output.add_argument("--output-file", "-o", type=Path, metavar="FILE", help="write findings to FILE instead of standard output")
    output.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    output.add_argument("--quiet", "-q", action="store_true", help="print findings only, no summary line")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    adoption = parser.add_argument_group("adoption")
    adoption.add_argument("--add-noqa", action="store_true", help="write a `# noqa: CODE` comment on the line of every current finding, then exit 0")
    return parser


def list_rules() -> str:
    rows = [("code", "name", "default", "summary")]
    for rule in RULES:
        rows.append((rule.code, rule.name, "on" if rule.default_enabled else "off", rule.summary))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{r[0]:<{widths[0]}}  {r[1]:<{widths[1]}}  {r[2]:<{widths[2]}}  {r[3]}" for r in rows) + "\n"


def _settings(args: argparse.Namespace, paths: Sequence[Path]) -> Settings:
    settings = resolve_settings(paths, args.config, args.isolated)
    for option in ("select", "extend_select", "ignore"):
        for code in getattr(args, option) or []:
            check_selector(code, f"--{option.replace('_', '-')}")
    extra = None
    if args.extend_blocking_calls:
        extra = parse_blocking_calls(
            [part for part in args.extend_blocking_calls.split(",") if part.strip()], "--extend-blocking-calls"
        )
    if args.file_timeout is not None:
        settings = replace(settings, file_timeout=parse_file_timeout(args.file_timeout, "--file-timeout"))
    return merge(
        settings,
        select=args.select,
        extend_select=args.extend_select,
        ignore=args.ignore,
        exclude=args.exclude,
        extend_exclude=args.extend_exclude,
        extend_blocking_calls=extra,
    )


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["rule"]:  # `asynclint rule CODE`, as in ruff; a folder named rule: ./rule
        argv[:1] = ["--explain"]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_rules:
        sys.stdout.write(list_rules())
        return EXIT_CLEAN
    if args.explain is not None:
        if args.paths:
            parser.error("--explain (asynclint rule) takes one rule code and no paths")
        return _explain(args.explain)
    if args.add_noqa and (args.fix or args.diff):
        parser.error("--add-noqa cannot be combined with --fix or --diff")
    paths: List[Path] = args.paths or [Path(".")]
    try:
        settings = _settings(args, paths)
    except ConfigError as error:
        sys.stderr.write(f"asynclint: error: {error}\n")
        return EXIT_ERROR

    cache_dir = None if args.no_cache else (args.cache_dir or settings.root / DEFAULT_CACHE_DIR)
    with Progress(enabled=not args.quiet) as progress:
        run = lint_paths(paths, settings, jobs=args.jobs, cache_dir=cache_dir, progress=progress.update)

    if args.add_noqa:
        return _add_noqa(run)
    if args.diff:
        return _show_diff(run, args)
    fixed: List[Diagnostic] = []
    if args.fix:
        run, fixed = _fix_until_stable(run, paths, settings, args, cache_dir)
    remaining = run.diagnostics

    output_format = args.output_format or settings.output_format
    if args.statistics:
        report = statistics(remaining)
    else:
        report = render(output_format, remaining, root=Path.cwd(), execution_successful=not (run.errors or run.missing))
    if not _write_report(report, args.output_file):
        return EXIT_ERROR
    for path in run.missing:
        sys.stderr.write(f"asynclint: error: {path}: no such file or directory\n")
    for error in run.errors:
        sys.stderr.write(f"asynclint: error: {error.path}: {error.message}\n")
    if not args.quiet:
        sys.stderr.write(_summary(run.files_checked, remaining, len(fixed), args.unsafe_fixes))

    if run.missing or run.errors:
        return EXIT_ERROR
    if remaining and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _fix_until_stable(
    run: RunResult, paths: Sequence[Path], settings: Settings, args: argparse.Namespace, cache_dir: Optional[Path]
) -> Tuple[RunResult, List[Diagnostic]]:
    """Apply fixes and check again until no fix applies: overlapping fixes wait for the
    next pass, and a fix may move the findings after it. The last pass's findings are
    the ones reported, at their lines in the fixed files."""
    fixed: List[Diagnostic] = []
    refused: Dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="asynclint-fix-") as scratch:
        # Each pass re-checks only what changed: through the cache, or through a
        # throw-away one with --no-cache (which keeps the user's cache untouched).
        passes_cache = cache_dir if cache_dir is not None else Path(scratch)
        for _ in range(MAX_FIX_PASSES):
            outcome = fix_files(run.diagnostics, unsafe=args.unsafe_fixes)
            refused.update(outcome.refused)
            if not outcome.files:
                break
            write_fixes(outcome)
            fixed.extend(outcome.fixed)
            run = lint_paths(paths, settings, jobs=args.jobs, cache_dir=passes_cache)
        else:
            sys.stderr.write(f"asynclint: warning: fixes still apply after {MAX_FIX_PASSES} passes; run --fix again\n")
    for path, reason in sorted(refused.items()):
        sys.stderr.write(f"asynclint: warning: {path}: fixes not applied: {reason}\n")
    return run, fixed


def _show_diff(run: RunResult, args: argparse.Namespace) -> int:
    """--diff: the changes --fix would make, as a unified diff; exit 1 if there are any."""
    outcome = fix_files(run.diagnostics, unsafe=args.unsafe_fixes)
    _write_report("".join(file_fix.diff() for file_fix in outcome.files), args.output_file)
    for path, reason in outcome.refused.items():
        sys.stderr.write(f"asynclint: warning: {path}: fixes not applied: {reason}\n")
    if not args.quiet:
        count = len(outcome.fixed)
        sys.stderr.write(f"Would fix {count} finding{'s' if count != 1 else ''} in {len(outcome.files)} file{'s' if len(outcome.files) != 1 else ''}.\n")
    if run.missing or run.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if outcome.files and not args.exit_zero else EXIT_CLEAN


def _write_report(report: str, output_file: Optional[Path]) -> bool:
    """Findings go to stdout (or --output-file) as UTF-8; everything else to stderr."""
    if output_file is not None:
        try:
            output_file.write_text(report, encoding="utf-8", newline="\n")
        except OSError as error:
            sys.stderr.write(f"asynclint: error: cannot write {output_file}: {error.strerror or error}\n")
            return False
        return True
    sys.stdout.flush()
    if hasattr(sys.stdout, "buffer"):  # UTF-8 whatever the console's encoding
        sys.stdout.buffer.write(report.encode("utf-8"))
    else:
        sys.stdout.write(report)
    sys.stdout.flush()
    return True


def _summary(files: int, remaining: Sequence[Diagnostic], fixed: int, unsafe_fixes: bool) -> str:
    """`Found 3 findings in 2 files (40 files checked).` plus what --fix could do."""
    checked = f"{files} file{'s' if files != 1 else ''} checked"
    if fixed:
        checked += f", {fixed} fixed"
    if not remaining:
        return f"All checks passed ({checked}).\n"
    with_findings = len({d.path for d in remaining})
    lines = [
        f"Found {len(remaining)} finding{'s' if len(remaining) != 1 else ''} in {with_findings} "
        f"file{'s' if with_findings != 1 else ''} ({checked})."
    ]
    safe = sum(1 for d in remaining if d.fix is not None and d.fix.safety == "safe")
    unsafe = sum(1 for d in remaining if d.fix is not None and d.fix.safety == "unsafe")
    if safe or (unsafe and unsafe_fixes):
        lines.append(f"{safe + (unsafe if unsafe_fixes else 0)} fixable with `--fix`{' --unsafe-fixes' if unsafe_fixes and unsafe else ''}.")
    if unsafe and not unsafe_fixes:
        lines.append(f"{unsafe} more fixable with `--fix --unsafe-fixes` (they change behaviour: review them).")
    return "\n".join(lines) + "\n"


class Progress:
    """`checked 120/900 files` on stderr, for runs long enough to wonder about.

    Only on an interactive terminal, never in pipes or CI, and only after a couple of
    seconds, so that quick runs print nothing extra.
    """

    DELAY = 2.0

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled and sys.stderr.isatty() and not os.environ.get("CI")
        self.start = time.monotonic()
        self.shown = False

    def update(self, done: int, total: int) -> None:
        if not self.enabled or time.monotonic() - self.start < self.DELAY:
            return
        sys.stderr.write(f"\rasynclint: checked {done}/{total} files")
        sys.stderr.flush()
        self.shown = True

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _explain(code: str) -> int:
    """--explain CODE: the rule's page on stdout; an unknown code is a usage error."""
    try:
        page = explain(code)
    except UnknownRule as error:
        sys.stderr.write(f"asynclint: error: {error}\n")
        return EXIT_ERROR
    return EXIT_CLEAN if _write_report(page, None) else EXIT_ERROR


def _add_noqa(run: RunResult) -> int:
    """--add-noqa: silence every current finding where it is; exit 0 unless something failed."""
    outcome = add_noqa_to_files((d.path, d.line, d.code) for d in run.diagnostics)
    for path, line, reason in outcome.skipped:
        sys.stderr.write(f"asynclint: warning: {path}:{line}: no noqa comment added: {reason}\n")
    for path, reason in outcome.problems:
        sys.stderr.write(f"asynclint: error: {path}: no noqa comments added: {reason}\n")
    for path in run.missing:
        sys.stderr.write(f"asynclint: error: {path}: no such file or directory\n")
    for error in run.errors:
        sys.stderr.write(f"asynclint: error: {error.path}: {error.message}\n")
    comments = f"{outcome.added} noqa comment{'s' if outcome.added != 1 else ''}"
    sys.stderr.write(f"Added {comments} in {outcome.files} file{'s' if outcome.files != 1 else ''}.\n")
    return EXIT_ERROR if outcome.problems or run.missing or run.errors else EXIT_CLEAN
