"""asynclint: a linter for asyncio anti-patterns.

The small public API:

    >>> from asynclint import lint_source
    >>> [d.code for d in lint_source("import time\nasync def f():\n    time.sleep(1)\n")]
    ['AIO100']
"""
from __future__ import annotations

__version__ = "0.1.0"

from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Sequence, Union

if TYPE_CHECKING:
    from .config import Settings
    from .diagnostics import Diagnostic
    from .runner import RunResult


def lint_source(source: str, path: str = "<string>", settings: Optional["Settings"] = None) -> List["Diagnostic"]:
    """Lint one module's source text on its own (as the flake8 plugin does)."""
    from .config import Settings
    from .engine import check_single_module

    return check_single_module(source, path, settings or Settings())


def lint_paths(paths: Sequence[Union[str, Path]], settings: Optional["Settings"] = None) -> "RunResult":
    """Lint files and folders as the `asynclint` command does (whole-project analysis)."""
    from .config import Settings
    from .runner import lint_paths as run

    return run([Path(p) for p in paths], settings or Settings())


__all__ = ["__version__", "lint_paths", "lint_source"]
