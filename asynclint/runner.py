"""A whole run: discover files, check each, then decide what needs the whole project."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import FrozenSet, List, Sequence

from .config import Settings
from .diagnostics import Diagnostic, InternalError
from .engine import FileResult, check_source
from .files import SourceError, discover, read_source
from .modules import module_name_for
from .project import settle


@dataclass
class RunResult:
    diagnostics: List[Diagnostic] = field(default_factory=list)
    errors: List[InternalError] = field(default_factory=list)
    missing: List[Path] = field(default_factory=list)
    files_checked: int = 0


def check_file(path: Path, settings: Settings, project_modules: FrozenSet[str] = frozenset()) -> FileResult:
    """Read, decode and check one file; an unreadable one becomes a single AIO001."""
    display = str(path)
    codes = settings.codes_for(path)
    try:
        source = read_source(path)
    except SourceError as error:
        result = FileResult(path=display)
        if "AIO001" in codes:
            result.diagnostics.append(Diagnostic(display, error.line, error.column, "AIO001", error.reason))
        return result
    module_name, is_package = module_name_for(path)
    return check_source(source, display, settings, codes, module_name, is_package, project_modules)


def lint_files(files: Sequence[Path], settings: Settings) -> RunResult:
    run = RunResult()
    project_modules = frozenset(module_name_for(path)[0] for path in files)
    results = [check_file(path, settings, project_modules) for path in files]
    for result in results:
        run.diagnostics.extend(result.diagnostics)
        run.errors.extend(result.errors)
    run.diagnostics.extend(settle(results, settings))
    run.files_checked = len(results)
    run.diagnostics.sort(key=lambda d: d.sort_key)
    return run


def lint_paths(paths: Sequence[Path], settings: Settings) -> RunResult:
    """Lint files and folders; paths that do not exist are listed in `missing`."""
    files, missing = discover(paths, settings)
    run = lint_files(files, settings)
    run.missing = missing
    return run
