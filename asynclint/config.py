"""Settings: `[tool.asynclint]` in pyproject.toml, merged with command-line flags."""
from __future__ import annotations

import fnmatch
import functools
import os
import re
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple

from .codes import RULES
from .timelimit import DEFAULT_FILE_TIMEOUT

DEFAULT_EXCLUDE: List[str] = [
    ".asynclint_cache",
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "venv",
]

OUTPUT_FORMATS = ("text", "json", "sarif", "github")

_SELECTOR = re.compile(r"^AIO[0-9]{0,3}$")


class ConfigError(Exception):
    """A bad setting; the command prints it on one line and exits 2."""


@dataclass(frozen=True)
class Settings:
    select: Optional[List[str]] = None
    extend_select: List[str] = field(default_factory=list)
    ignore: List[str] = field(default_factory=list)
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    exclude: List[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    extend_exclude: List[str] = field(default_factory=list)
    # qualified name -> suggestion shown in the message (None for no suggestion)
    extend_blocking_calls: Dict[str, Optional[str]] = field(default_factory=dict)
    max_chain_depth: Optional[int] = None
    non_blocking_functions: List[str] = field(default_factory=list)
    # Seconds one file may take to check; None: no limit. Not part of the cache key:
    # a file that ran out of time is never cached.
    file_timeout: Optional[float] = DEFAULT_FILE_TIMEOUT
    output_format: str = "text"
    # Relative patterns (exclude, per-file-ignores) are relative to this folder.
    root: Path = field(default_factory=Path.cwd)
    config_path: Optional[Path] = None

    def enabled_codes(self) -> FrozenSet[str]:
        return select_codes(self.select, self.extend_select, self.ignore)

    def codes_for(self, path: Path) -> FrozenSet[str]:
        """The enabled codes minus the per-file ignores that match `path`."""
        codes = self.enabled_codes()
        if not self.per_file_ignores:
            return codes
        ignored = [
            prefix
            for pattern, prefixes in self.per_file_ignores.items()
            if path_matches(path, pattern, self.root)
            for prefix in prefixes
        ]
        return frozenset(code for code in codes if not any(code.startswith(p) for p in ignored))

    def cache_key(self) -> str:
        """The settings that change findings, as a stable string (for the cache key)."""
        return repr(
            (
                sorted(self.enabled_codes()),
                sorted(self.per_file_ignores.items()),
                str(self.root),
                sorted(self.extend_blocking_calls.items(), key=lambda kv: kv[0]),
                self.max_chain_depth,
                sorted(self.non_blocking_functions),
            )
        )


def select_codes(
    select: Optional[Sequence[str]], extend_select: Sequence[str], ignore: Sequence[str]
) -> FrozenSet[str]:
    """Apply selectors (codes or prefixes) like flake8 and ruff do.

    A rule that is off by default is enabled only when selected by its full code. An
    ignore wins over a select unless the select is more specific (`ignore AIO1`,
    `select AIO105` keeps AIO105).
    """
    # Asked for every file (codes_for), thousands of times a run: remembered.
    return _select_codes(None if select is None else tuple(select), tuple(extend_select), tuple(ignore))


@functools.lru_cache(maxsize=64)
def _select_codes(
    select: Optional[Tuple[str, ...]], extend_select: Tuple[str, ...], ignore: Tuple[str, ...]
) -> FrozenSet[str]:
    selectors = list(select) if select is not None else ["AIO"]
    selectors += list(extend_select)
    enabled = set()
    for rule in RULES:
        matching = [s for s in selectors if rule.code.startswith(s)]
        if not matching:
            continue
        if not rule.default_enabled and rule.code not in matching:
            continue
        best_select = max(len(s) for s in matching)
        ignores = [s for s in ignore if rule.code.startswith(s)]
        if ignores and max(len(s) for s in ignores) >= best_select:
            continue
        enabled.add(rule.code)
    return frozenset(enabled)


class PathPatterns:
    """flake8/ruff-style path patterns, read relative to `root` (the config's folder).

    A pattern without a slash matches any component's name below `root` (`build`,
    `*_pb2.py`); one with a slash matches the path relative to `root` (`tests/*`,
    `src/legacy`), a folder pattern covering everything below it. A path outside
    `root` is matched by its own name only. The patterns are compiled once: discovery
    asks about every file and folder of the tree.
    """

    def __init__(self, patterns: Iterable[str], root: Path) -> None:
        names, paths = [], []
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if pattern.startswith("./"):
                pattern = pattern[2:]
            (paths if "/" in pattern else names).append(fnmatch.translate(pattern))
        self._names = re.compile("|".join(names)) if names else None
        self._paths = re.compile("|".join(paths)) if paths else None
        self.root = os.path.abspath(root)

    def matches_name(self, name: str) -> bool:
        return self._names is not None and self._names.match(name) is not None

    def matches_relative(self, relative: str) -> bool:
        """`relative`: a posix path relative to the root, or None outside it."""
        return self._paths is not None and self._paths.match(relative) is not None

    def relative(self, path: Path) -> Optional[str]:
        absolute = os.path.abspath(path)
        if absolute == self.root:
            return ""
        prefix = self.root.rstrip(os.sep) + os.sep
        if not absolute.startswith(prefix):
            return None
        return absolute[len(prefix):].replace(os.sep, "/")

    def matches(self, path: Path) -> bool:
        """The whole check for one path: any component's name, or the path or a folder
        above it (below the root)."""
        relative = self.relative(path)
        if relative is None:
            return self.matches_name(path.name)
        parts = relative.split("/") if relative else []
        if any(self.matches_name(part) for part in parts):
            return True
        return any(self.matches_relative("/".join(parts[:n])) for n in range(1, len(parts) + 1))


def path_matches(path: Path, pattern: str, root: Path) -> bool:
    return PathPatterns([pattern], root).matches(path)


# -- reading pyproject.toml -----------------------------------------------------------

_KEYS = {
    "select",
    "extend-select",
    "ignore",
    "per-file-ignores",
    "exclude",
    "extend-exclude",
    "extend-blocking-calls",
    "max-chain-depth",
    "non-blocking-functions",
    "file-timeout",
    "output-format",
}


def _toml_loads(text: str) -> Dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10
        import tomli as tomllib
    return tomllib.loads(text)


def find_config(start: Path) -> Optional[Path]:
    """The nearest pyproject.toml with a [tool.asynclint] table, from `start` upwards."""
    folder = start.resolve()
    if folder.is_file():
        folder = folder.parent
    for candidate in [folder, *folder.parents]:
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "asynclint" in text and "asynclint" in _safe_toml(text).get("tool", {}):
                return pyproject
    return None


def _safe_toml(text: str) -> Dict[str, Any]:
    try:
        return _toml_loads(text)
    except Exception:
        return {}


def load_config(path: Path) -> Dict[str, Any]:
    """The [tool.asynclint] table of `path`; a broken file is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    try:
        data = _toml_loads(text)
    except Exception as error:  # tomllib.TOMLDecodeError, and tomli's own
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    table = data.get("tool", {}).get("asynclint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.asynclint] must be a table")
    return table


def settings_from_table(table: Mapping[str, Any], root: Path, source: str) -> Settings:
    """Validate a [tool.asynclint] table (keys spelled with dashes) into Settings."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown option {unknown[0]!r} in [tool.asynclint] (known: {', '.join(sorted(_KEYS))})")
    values: Dict[str, Any] = {"root": root}
    if "select" in table:
        values["select"] = _selectors(table["select"], f"{source}: select")
    if "extend-select" in table:
        values["extend_select"] = _selectors(table["extend-select"], f"{source}: extend-select")
    if "ignore" in table:
        values["ignore"] = _selectors(table["ignore"], f"{source}: ignore")
    if "per-file-ignores" in table:
        pfi = table["per-file-ignores"]
        if not isinstance(pfi, dict):
            raise ConfigError(f"{source}: per-file-ignores must be a table of pattern = [codes]")
        values["per_file_ignores"] = {
            str(pattern): _selectors(codes, f"{source}: per-file-ignores[{pattern!r}]") for pattern, codes in pfi.items()
        }
    if "exclude" in table:
        values["exclude"] = _string_list(table["exclude"], f"{source}: exclude")
    if "extend-exclude" in table:
        values["extend_exclude"] = _string_list(table["extend-exclude"], f"{source}: extend-exclude")
    if "extend-blocking-calls" in table:
        values["extend_blocking_calls"] = parse_blocking_calls(table["extend-blocking-calls"], f"{source}: extend-blocking-calls")
    if "max-chain-depth" in table:
        depth = table["max-chain-depth"]
        if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
            raise ConfigError(f"{source}: max-chain-depth must be a whole number of at least 1, not {depth!r}")
        values["max_chain_depth"] = depth
    if "non-blocking-functions" in table:
        names = _string_list(table["non-blocking-functions"], f"{source}: non-blocking-functions")
        for name in names:
            _check_qualname(name, f"{source}: non-blocking-functions")
        values["non_blocking_functions"] = names
    if "file-timeout" in table:
        values["file_timeout"] = parse_file_timeout(table["file-timeout"], f"{source}: file-timeout")
    if "output-format" in table:
        values["output_format"] = parse_output_format(table["output-format"], f"{source}: output-format")
    return Settings(**values)


def parse_output_format(value: Any, where: str) -> str:
    if value not in OUTPUT_FORMATS:
        raise ConfigError(f"{where}: must be one of {', '.join(OUTPUT_FORMATS)}, not {value!r}")
    return str(value)


def parse_blocking_calls(value: Any, where: str) -> Dict[str, Optional[str]]:
    """Accept `["mod.func", "mod.other=use x"]` or `{ "mod.func" = "use x" }`."""
    result: Dict[str, Optional[str]] = {}
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = []
        for entry in value:
            if not isinstance(entry, str):
                raise ConfigError(f"{where}: entries must be strings like 'mylib.fetch' or 'mylib.fetch=use mylib.afetch', not {entry!r}")
            name, _, suggestion = entry.partition("=")
            items.append((name.strip(), suggestion.strip() or None))
    else:
        raise ConfigError(f"{where}: must be a list of qualified names or a table of name = suggestion")
    for name, suggestion in items:
        _check_qualname(name, where)
        if suggestion is not None and not isinstance(suggestion, str):
            raise ConfigError(f"{where}: the suggestion for {name!r} must be a string")
        result[name] = suggestion or None
    return result


def _check_qualname(name: Any, where: str) -> None:
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_<>][\w<>]*)*", name):
        raise ConfigError(f"{where}: {name!r} is not a qualified name like 'package.module.function'")


def _string_list(value: Any, where: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: must be a list of strings, not {value!r}")
    return list(value)


def _selectors(value: Any, where: str) -> List[str]:
    if isinstance(value, str):
        value = [part for part in re.split(r"[,\s]+", value) if part]
    codes = _string_list(value, where)
    for code in codes:
        check_selector(code, where)
    return [code.upper() for code in codes]


def check_selector(code: str, where: str) -> None:
    known = [rule.code for rule in RULES]
    if not _SELECTOR.match(code.upper()) or not any(k.startswith(code.upper()) for k in known):
        raise ConfigError(f"{where}: {code!r} selects no asynclint rule (codes look like AIO100; prefixes like AIO1 work too)")


def parse_file_timeout(value: Any, where: str) -> Optional[float]:
    """Seconds (a positive number), or 0 for no limit (None)."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise ConfigError(f"{where} must be a number of seconds, not {value!r}") from None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or value != value:
        raise ConfigError(f"{where} must be a number of seconds (0 for no limit), not {value!r}")
    return float(value) or None


def merge(settings: Settings, **overrides: Any) -> Settings:
    """Command-line values replace or extend the file's (None means "not given")."""
    changes = {key: value for key, value in overrides.items() if value is not None}
    for key in ("extend_select", "extend_exclude"):
        if key in changes:
            changes[key] = list(getattr(settings, key)) + list(changes[key])
    if "extend_blocking_calls" in changes:
        changes["extend_blocking_calls"] = {**settings.extend_blocking_calls, **changes["extend_blocking_calls"]}
    return replace(settings, **changes)


def resolve_settings(
    paths: Iterable[Path],
    config_path: Optional[Path] = None,
    isolated: bool = False,
) -> Settings:
    """Settings from --config, else from the nearest pyproject.toml, else defaults."""
    if isolated:
        return Settings()
    if config_path is None:
        paths = list(paths)
        start = paths[0] if paths else Path.cwd()
        if not start.exists():
            start = Path.cwd()
        config_path = find_config(start)
        if config_path is None:
            return Settings()
    elif not config_path.is_file():
        raise ConfigError(f"--config: {config_path} does not exist")
    table = load_config(config_path)
    settings = settings_from_table(table, config_path.resolve().parent, str(config_path))
    return replace(settings, config_path=config_path)
