"""Module names from file paths: `src/pkg/api.py` in package `pkg` is `pkg.api`."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Tuple


def module_name_for(path: Path) -> Tuple[str, bool]:
    """The dotted module name of a source file and whether it is a package's __init__.

    The name is built from the folders above the file that are packages (hold an
    `__init__.py`/`__init__.pyi`); the first folder that is not one is the root.
    """
    path = path.absolute()
    stem = path.name.rsplit(".", 1)[0]
    is_package = stem == "__init__"
    parts = _package_of(path.parent) if is_package else (*_package_of(path.parent), stem)
    return ".".join(parts), is_package


def module_name_of_file(path: str) -> Tuple[str, bool]:
    """module_name_for() of a path flake8 or a caller hands over, which may name no file
    at all (`<string>`, `stdin`): such a source is the `__main__` module."""
    if Path(path).suffix in (".py", ".pyi"):
        return module_name_for(Path(path))
    return "__main__", False


@lru_cache(maxsize=4096)
def _package_of(folder: Path) -> Tuple[str, ...]:
    """The dotted name of the package a folder is, as parts; () if it is no package.

    Remembered per folder: a run over thousands of files asks about the same few
    hundred folders, and each question is two `stat` calls per folder up the tree.
    """
    if not ((folder / "__init__.py").exists() or (folder / "__init__.pyi").exists()):
        return ()
    if folder.parent == folder:
        return (folder.name,)
    return (*_package_of(folder.parent), folder.name)
