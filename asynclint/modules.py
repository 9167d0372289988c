"""Module names from file paths: `src/pkg/api.py` in package `pkg` is `pkg.api`."""
from __future__ import annotations

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
    parts = [] if is_package else [stem]
    folder = path.parent
    while (folder / "__init__.py").exists() or (folder / "__init__.pyi").exists():
        parts.append(folder.name)
        if folder.parent == folder:
            break
        folder = folder.parent
    return ".".join(reversed(parts)), is_package
