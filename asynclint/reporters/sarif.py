"""`--format sarif`: a SARIF 2.1.0 log, as GitHub code scanning accepts it.

One run. `tool.driver.rules` lists every rule (plus any code a finding has that no rule
has, so that every result's `ruleIndex` points at its rule). Each rule's help is the
Markdown of its page in docs/rules/ when that page can be found at run time (see
`find_rule_doc`); otherwise its summary: the package does not need the docs folder.

Results carry a 1-based region (`startLine`/`startColumn`, and `endLine`/`endColumn`
when the finding has them; `endColumn` is one past the last character, as in SARIF).
Columns count characters, so the run says `"columnKind": "unicodeCodePoints"`.
Paths are URIs relative to the `root` folder the caller gives (posix separators,
percent-encoded), with `uriBaseId` "%SRCROOT%" and `originalUriBaseIds` naming the
root; a file outside the root gets an absolute `file://` URI instead.

Properties GitHub treats as optional are left out: `partialFingerprints` (the
upload-sarif action computes them), `properties.tags`, `precision`, `security-severity`.
"""
from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import quote, urljoin

from ..diagnostics import Diagnostic
from ._common import DOCS_URL, REPOSITORY_URL, RuleMeta, level_for, relative_to_root, rule_infos

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
SRCROOT = "%SRCROOT%"
#: GitHub shows at most this many characters of shortDescription / fullDescription.
DESCRIPTION_LIMIT = 1024

_PACKAGE = Path(__file__).resolve().parent.parent


def docs_url(code: str) -> str:
    """The rule's page in the repository, e.g. .../blob/main/docs/rules/AIO100.md."""
    return f"{DOCS_URL}{code}.md"


def default_docs_dirs() -> Tuple[Path, ...]:
    """Where rule pages are looked for when the caller names no folder.

    `asynclint/_docs/rules/` (should a build ever ship the pages inside the package), then
    `docs/rules/` next to the package in a source checkout or editable install.
    """
    return (_PACKAGE / "_docs" / "rules", _PACKAGE.parent / "docs" / "rules")


@lru_cache(maxsize=None)
def _read_page(folder: str, code: str) -> Optional[str]:
    try:
        text = (Path(folder) / f"{code}.md").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    text = text.lstrip("\ufeff")
    # Only a page about this rule counts (a stray docs/ folder of another package does not).
    if not re.match(rf"#\s+{re.escape(code)}\b", text):
        return None
    return text.strip() + "\n"


def find_rule_doc(code: str, docs_dirs: Optional[Sequence[Union[str, Path]]] = None) -> Optional[str]:
    """The Markdown page of `code`, or None when none of the folders has it."""
    for folder in default_docs_dirs() if docs_dirs is None else docs_dirs:
        page = _read_page(os.fspath(folder), code)
        if page is not None:
            return page
    return None


_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:.+?)\1")
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def absolute_links(markdown: str, page_url: str) -> str:
    """Make relative link targets (`[AIO110](AIO110.md)`) absolute against `page_url`.

    A viewer such as GitHub's alert page shows the help away from the docs folder, where
    relative links would break. Code blocks and code spans are left alone.
    """

    def fix(match: "re.Match[str]") -> str:
        target = match.group(2)
        if _SCHEME.match(target) or target.startswith(("#", "/")):
            return match.group(0)
        return f"{match.group(1)}{urljoin(page_url, target)}{match.group(3)}"

    lines: List[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
            lines.append(line)
            continue
        if fenced:
            lines.append(line)
            continue
        pieces: List[str] = []
        last = 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(_LINK.sub(fix, line[last : span.start()]))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(_LINK.sub(fix, line[last:]))
        lines.append("".join(pieces))
    return "\n".join(lines)


def _section(markdown: str, title: str) -> Optional[str]:
    """The body of the `## title` section, or None."""
    match = re.search(rf"^##\s+{re.escape(title)}\s*$(.*?)(?=^##\s|\Z)", markdown, re.M | re.S)
    if not match:
        return None
    body = match.group(1).strip()
    return body or None


_BLOCK_LINE = re.compile(r"^\s*(?:[-*+>|]|\d+[.)]\s|```|~~~|#|    )")


def _unwrap(paragraph: str) -> str:
    """Join a prose paragraph's hard-wrapped lines; lists, tables and code keep theirs."""
    lines = paragraph.split("\n")
    if any(_BLOCK_LINE.match(line) for line in lines):
        return paragraph
    return " ".join(line.strip() for line in lines)


def _description(section: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """Whole paragraphs of `section`, unwrapped, as many as fit in `limit` characters."""
    paragraphs = [_unwrap(p.strip()) for p in re.split(r"\n\s*\n", section) if p.strip()]
    text = paragraphs[0] if paragraphs else section
    for paragraph in paragraphs[1:]:
        if len(text) + 2 + len(paragraph) > limit:
            break
        text = f"{text}\n\n{paragraph}"
    return _limit(text, limit)


def _limit(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def rule_descriptor(info: RuleMeta, doc: Optional[str], *, known: bool = True) -> Dict[str, Any]:
    """The `reportingDescriptor` of one rule. `doc`: its Markdown page, or None."""
    summary = info.summary or info.name or info.code
    if doc:  # links must work away from the docs folder, in text and Markdown alike
        doc = absolute_links(doc, docs_url(info.code))
    descriptor: Dict[str, Any] = {"id": info.code}
    if info.name:
        descriptor["name"] = info.name
    descriptor["shortDescription"] = {"text": _limit(summary)}
    what = _section(doc, "What it does") if doc else None
    if what:
        description = _description(what)
        descriptor["fullDescription"] = {"text": description, "markdown": description}
    else:
        descriptor["fullDescription"] = {"text": _limit(summary)}
    descriptor["defaultConfiguration"] = {"level": level_for(info.code)}
    if known or doc:
        descriptor["helpUri"] = docs_url(info.code)
    if doc:
        descriptor["help"] = {"text": doc, "markdown": doc}
    else:
        descriptor["help"] = {"text": summary}
    return descriptor


def _region(diagnostic: Diagnostic) -> Dict[str, int]:
    line, column = max(diagnostic.line, 1), max(diagnostic.column, 1)
    region = {"startLine": line, "startColumn": column}
    end_line, end_column = diagnostic.end_line, diagnostic.end_column
    if end_line is None or end_line < line:
        return region  # unknown (or impossible) end: SARIF's defaults apply
    if end_column is not None and (end_column < 1 or (end_line == line and end_column < column)):
        end_column = None
    region["endLine"] = end_line
    if end_column is not None:
        region["endColumn"] = end_column
    return region


def artifact_location(path: str, root: Path) -> Dict[str, str]:
    """`{"uri", "uriBaseId"}` relative to `root`, or an absolute file URI outside it."""
    relative = relative_to_root(path, root)
    if relative is None:
        return {"uri": Path(os.path.abspath(path)).as_uri()}
    return {"uri": quote(relative.as_posix(), safe="/"), "uriBaseId": SRCROOT}


def root_uri(root: Path) -> str:
    uri = Path(os.path.abspath(root)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def sarif_document(
    diagnostics: Iterable[Diagnostic],
    *,
    root: Path,
    execution_successful: bool = True,
    rules: Optional[Iterable[Any]] = None,
    docs_dirs: Optional[Sequence[Union[str, Path]]] = None,
    version: Optional[str] = None,
) -> Dict[str, Any]:
    """The SARIF log as a dict (see `format_sarif`)."""
    if version is None:
        from .. import __version__ as version
    diagnostics = list(diagnostics)
    infos: List[RuleMeta] = []
    index: Dict[str, int] = {}
    for info in rule_infos(rules):
        if info.code not in index:
            index[info.code] = len(infos)
            infos.append(info)
    known = len(infos)
    for diagnostic in diagnostics:  # a code no rule has still gets a descriptor
        if diagnostic.code not in index:
            index[diagnostic.code] = len(infos)
            infos.append(RuleMeta(diagnostic.code, "", ""))
    descriptors = [
        rule_descriptor(info, find_rule_doc(info.code, docs_dirs), known=number < known)
        for number, info in enumerate(infos)
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": level_for(d.code),
            "message": {"text": d.message or d.code},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact_location(d.path, root),
                        "region": _region(d),
                    }
                }
            ],
        }
        for d in diagnostics
    ]
    run = {
        "tool": {
            "driver": {
                "name": "asynclint",
                "version": version,
                "informationUri": REPOSITORY_URL,
                "rules": descriptors,
            }
        },
        "invocations": [{"executionSuccessful": bool(execution_successful)}],
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(root)}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def format_sarif(
    diagnostics: Iterable[Diagnostic],
    *,
    root: Path,
    execution_successful: bool = True,
    rules: Optional[Iterable[Any]] = None,
    docs_dirs: Optional[Sequence[Union[str, Path]]] = None,
    version: Optional[str] = None,
) -> str:
    """The findings as a SARIF 2.1.0 log: UTF-8 JSON text ending with a newline.

    root: the folder artifact URIs are relative to (for GitHub, the repository root).
    execution_successful: False when the run had internal errors or missing paths.
    rules: rule metadata (`codes.RuleInfo`s, rule classes or `RuleMeta`s); by default
        `asynclint.codes.RULES`.
    docs_dirs: folders to look for `CODE.md` pages in; by default `default_docs_dirs()`.
    version: the tool version to report; by default `asynclint.__version__`.
    """
    document = sarif_document(
        diagnostics,
        root=root,
        execution_successful=execution_successful,
        rules=rules,
        docs_dirs=docs_dirs,
        version=version,
    )
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
