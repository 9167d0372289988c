"""Output formats: golden files for text, json, sarif and github, SARIF schema validity,
JSON round trips, GitHub escaping, `--statistics`.

Regenerate the golden files after an intended change with
`ASYNCLINT_UPDATE_GOLDEN=1 python -m pytest tests/test_reporters.py` and review the diff.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List

import pytest

from asynclint import __version__
from asynclint.diagnostics import Diagnostic
from asynclint.reporters import OUTPUT_FORMATS, RuleMeta, default_rules, render, statistics
from asynclint.reporters.github import escape_data, escape_property, format_github
from asynclint.reporters.json import KEYS, format_json, parse_json
from asynclint.reporters.sarif import absolute_links, find_rule_doc, format_sarif
from asynclint.reporters.text import format_text

HERE = Path(__file__).resolve().parent
GOLDEN = HERE / "golden"
DATA = HERE / "data"
REPO = HERE.parent
UPDATE = os.environ.get("ASYNCLINT_UPDATE_GOLDEN") == "1"

RULES = [
    RuleMeta("AIO001", "unreadable-file", "the file cannot be read, decoded or parsed"),
    RuleMeta("AIO100", "blocking-sleep", "time.sleep() in an async body blocks the event loop"),
    RuleMeta("AIO105", "blocking-call", "another blocking call (sockets, databases, mail, ...)"),
    RuleMeta("AIO203", "await-in-loop", "independent awaits one at a time in a for loop", False),
]

DIAGNOSTICS = [
    Diagnostic("src/app/handlers.py", 14, 9, "AIO100", "time.sleep() blocks the event loop; use `await asyncio.sleep(...)`", 14, 22),
    # a message with `%`, `,`, `:` and a newline; a path with a space and non-ASCII characters
    Diagnostic("src/my project/módulo_ü.py", 3, 5, "AIO105", "100% blocking, see: db.query\nsecond line", 4, 2),
    # no end position
    Diagnostic("src/broken.py", 2, 1, "AIO001", "cannot parse file: invalid syntax"),
    Diagnostic("src/app/handlers.py", 30, 13, "AIO100", "time.sleep() blocks the event loop; use `await asyncio.sleep(...)`", 30, 26),
]


def tuples(diagnostics: List[Diagnostic]):
    return [(d.path, d.line, d.column, d.code, d.message) for d in diagnostics]


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_bytes(actual.encode("utf-8"))
    # (a checkout with core.autocrlf may have turned the golden file's newlines into CRLF;
    # no golden file has a CR of its own: JSON escapes it, GitHub commands write %0D)
    expected = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    assert actual == expected, f"{name} differs from the golden file (ASYNCLINT_UPDATE_GOLDEN=1 regenerates it)"


@pytest.fixture
def root(tmp_path, monkeypatch) -> Path:
    """A project root that is also the current folder, so relative paths lie inside it."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


def sarif_golden_text(text: str, root: Path) -> str:
    """The SARIF text with the machine-specific root URI and the version made constant."""
    document = json.loads(text)
    run = document["runs"][0]
    assert run["tool"]["driver"]["version"] == __version__
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == root.resolve().as_uri() + "/"
    run["tool"]["driver"]["version"] = "<version>"
    run["originalUriBaseIds"]["%SRCROOT%"]["uri"] = "file:///ROOT/"
    # the layout itself is part of the format: re-dumping gives the same text
    assert json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n" == text
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def sarif_schema_errors(document: Any) -> List[str]:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    # The upstream schema fails check_schema (an anyOf inside region.properties): validate
    # documents with it, never the schema itself.
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


# --- golden files ---------------------------------------------------------------------


def test_golden_text(root):
    check_golden("findings.txt", render("text", DIAGNOSTICS, root=root, rules=RULES))


def test_golden_json(root):
    check_golden("findings.json", render("json", DIAGNOSTICS, root=root, rules=RULES))


def test_golden_github(root):
    check_golden("findings.github.txt", render("github", DIAGNOSTICS, root=root, rules=RULES))


def test_golden_sarif(root):
    text = render("sarif", DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[DATA / "docs"])
    check_golden("findings.sarif", sarif_golden_text(text, root))


def test_golden_statistics():
    check_golden("statistics.txt", statistics(DIAGNOSTICS, rules=RULES))


# --- SARIF ----------------------------------------------------------------------------


def test_sarif_validates_against_the_2_1_0_schema(root):
    text = render("sarif", DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[DATA / "docs"])
    assert sarif_schema_errors(json.loads(text)) == []


def test_sarif_with_the_real_rules_and_docs_validates(root):
    text = render("sarif", DIAGNOSTICS, root=root, execution_successful=False)
    document = json.loads(text)
    assert sarif_schema_errors(document) == []
    from asynclint.rules import ALL_RULES

    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [rule.code for rule in default_rules()]
    assert {rule["id"] for rule in rules} >= {rule.code for rule in ALL_RULES}
    for rule in rules:  # every rule has its page as help in a checkout
        assert rule["help"]["markdown"].startswith(f"# {rule['id']} {rule['name']}"), rule["id"]
    assert document["runs"][0]["invocations"] == [{"executionSuccessful": False}]


def test_sarif_empty_run_validates(root):
    document = json.loads(render("sarif", [], root=root, rules=RULES))
    assert document["runs"][0]["results"] == []
    assert sarif_schema_errors(document) == []


def test_sarif_results_point_at_their_rules(root):
    document = json.loads(format_sarif(DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[]))
    run = document["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result, diagnostic in zip(run["results"], DIAGNOSTICS):
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"] == diagnostic.code
        assert result["level"] == ("error" if diagnostic.code == "AIO001" else "warning")
        assert result["message"]["text"] == diagnostic.message
    levels = {rule["id"]: rule["defaultConfiguration"]["level"] for rule in rules}
    assert levels == {"AIO001": "error", "AIO100": "warning", "AIO105": "warning", "AIO203": "warning"}
    for rule in rules:
        assert rule["helpUri"] == f"https://github.com/asynclint/asynclint/blob/main/docs/rules/{rule['id']}.md"


def test_sarif_regions_are_one_based_and_omit_an_unknown_end(root):
    document = json.loads(format_sarif(DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[]))
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in document["runs"][0]["results"]]
    assert regions[0] == {"startLine": 14, "startColumn": 9, "endLine": 14, "endColumn": 22}
    assert regions[2] == {"startLine": 2, "startColumn": 1}
    assert document["runs"][0]["columnKind"] == "unicodeCodePoints"


def test_sarif_uris_are_relative_percent_encoded_posix(root):
    outside = root.parent / "elsewhere" / "x y.py"
    diagnostics = DIAGNOSTICS + [
        Diagnostic(str(root / "pkg" / "abs path.py"), 1, 1, "AIO100", "m"),
        Diagnostic(str(outside), 1, 1, "AIO100", "m"),
    ]
    document = json.loads(format_sarif(diagnostics, root=root, rules=RULES, docs_dirs=[]))
    run = document["runs"][0]
    locations = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in run["results"]]
    assert locations[0] == {"uri": "src/app/handlers.py", "uriBaseId": "%SRCROOT%"}
    assert locations[1] == {"uri": "src/my%20project/m%C3%B3dulo_%C3%BC.py", "uriBaseId": "%SRCROOT%"}
    assert locations[4] == {"uri": "pkg/abs%20path.py", "uriBaseId": "%SRCROOT%"}
    assert locations[5] == {"uri": outside.resolve().as_uri()}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/")
    for location in locations:  # RFC 3986: ASCII only, no spaces, no backslashes
        assert re.fullmatch(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+", location["uri"]), location
    assert sarif_schema_errors(document) == []


def test_sarif_root_given_relative_or_elsewhere(tmp_path, monkeypatch):
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path)
    diagnostics = [Diagnostic("repo/src/a.py", 1, 1, "AIO100", "m")]
    document = json.loads(format_sarif(diagnostics, root=Path("repo"), rules=RULES, docs_dirs=[]))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "src/a.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_code_without_a_rule_gets_a_descriptor(root):
    diagnostics = [Diagnostic("a.py", 1, 1, "AIO999", "something new")]
    document = json.loads(format_sarif(diagnostics, root=root, rules=RULES, docs_dirs=[]))
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    result = document["runs"][0]["results"][0]
    assert rules[result["ruleIndex"]]["id"] == "AIO999"
    assert sarif_schema_errors(document) == []


def test_sarif_help_falls_back_to_the_summary_without_docs(root, tmp_path):
    document = json.loads(
        format_sarif(DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[tmp_path / "no-such-folder"])
    )
    for rule, info in zip(document["runs"][0]["tool"]["driver"]["rules"], RULES):
        assert rule["shortDescription"] == {"text": info.summary}
        assert rule["fullDescription"] == {"text": info.summary}
        assert rule["help"] == {"text": info.summary}


def test_sarif_help_is_the_docs_page_with_absolute_links(root):
    document = json.loads(format_sarif(DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[DATA / "docs"]))
    rule = document["runs"][0]["tool"]["driver"]["rules"][1]
    assert rule["help"]["text"] == rule["help"]["markdown"]
    assert rule["help"]["text"].startswith("# AIO100 blocking-sleep\n\n**Default:** enabled\n")
    markdown = rule["help"]["markdown"]
    assert "[AIO110](https://github.com/asynclint/asynclint/blob/main/docs/rules/AIO110.md)" in markdown
    assert "(https://docs.python.org/3/library/asyncio.html)" in markdown
    assert "[not](a-link.md) inside a code block" in markdown
    assert "`callbacks[i](x)`" in markdown
    assert rule["fullDescription"]["text"].startswith("Flags a call to `time.sleep()` in an async body.")
    assert "## " not in rule["fullDescription"]["text"]


def test_every_rule_has_a_docs_page_for_its_help():
    if not (REPO / "docs" / "rules").is_dir():
        pytest.skip("not a source checkout")
    for rule in default_rules():
        page = find_rule_doc(rule.code)
        assert page is not None and page.startswith(f"# {rule.code} {rule.name}"), rule.code


def test_description_limit_for_github(root):
    long_page = "# AIO100 blocking-sleep\n\n## What it does\n" + ("word " * 400) + "\n"
    docs = root / "docs"
    docs.mkdir()
    (docs / "AIO100.md").write_text(long_page, encoding="utf-8")
    document = json.loads(format_sarif([], root=root, rules=RULES[1:2], docs_dirs=[docs]))
    rule = document["runs"][0]["tool"]["driver"]["rules"][0]
    assert len(rule["fullDescription"]["text"]) <= 1024
    assert rule["fullDescription"]["text"].endswith("…")


def test_absolute_links_leaves_absolute_and_anchor_links():
    text = "[a](b.md) [c](#d) [e](https://x.org/f) `[g](h.md)`"
    assert absolute_links(text, "https://example.org/docs/p.md") == (
        "[a](https://example.org/docs/b.md) [c](#d) [e](https://x.org/f) `[g](h.md)`"
    )


# --- JSON -----------------------------------------------------------------------------


def test_json_round_trips_to_the_same_findings(root):
    text = render("json", DIAGNOSTICS, root=root, rules=RULES)
    parsed = parse_json(text)
    assert tuples(parsed) == tuples(DIAGNOSTICS)
    assert parsed == DIAGNOSTICS  # end positions too
    assert format_text(parsed) == format_text(DIAGNOSTICS)


def test_json_shape_and_encoding(root):
    text = render("json", DIAGNOSTICS, root=root, rules=RULES)
    assert text.endswith("]\n")
    assert "módulo_ü" in text  # UTF-8, not \u escapes
    data = json.loads(text)
    assert isinstance(data, list) and len(data) == len(DIAGNOSTICS)
    for item in data:
        assert tuple(item) == KEYS
        assert item["fix"] == {"available": False, "safety": None}
    assert data[0]["name"] == "blocking-sleep"
    assert (data[2]["end_line"], data[2]["end_column"]) == (None, None)
    assert render("json", [], root=root, rules=RULES) == "[]\n"


def test_json_name_is_null_for_an_unknown_code(root):
    data = json.loads(format_json([Diagnostic("a.py", 1, 1, "AIO999", "m")], rules=RULES))
    assert data[0]["name"] is None


@dataclass(frozen=True, order=True)
class DiagnosticWithFix(Diagnostic):
    """Stands in for a Diagnostic with the planned `fix` field."""

    fix: Any = None


@pytest.mark.parametrize(
    "fix, expected",
    [
        (None, {"available": False, "safety": None}),
        ("safe", {"available": True, "safety": "safe"}),
        ("unsafe", {"available": True, "safety": "unsafe"}),
        ({"available": True, "safety": "unsafe"}, {"available": True, "safety": "unsafe"}),
        ({"available": False, "safety": None}, {"available": False, "safety": None}),
        (True, {"available": True, "safety": None}),
    ],
)
def test_json_fix_information(fix, expected):
    diagnostic = DiagnosticWithFix("a.py", 1, 1, "AIO100", "m", fix=fix)
    assert json.loads(format_json([diagnostic], rules=RULES))[0]["fix"] == expected


def test_json_matches_text_output_of_a_real_run(tmp_project, monkeypatch):
    from asynclint import lint_paths

    root = tmp_project(
        {
            "app.py": "import time\n\nasync def handler():\n    time.sleep(1)\n    open('x')\n",
            "bad.py": "def f(:\n",
            "sub dir/módulo.py": "import requests\n\nasync def get():\n    requests.get('u')\n",
        }
    )
    monkeypatch.chdir(root)
    run = lint_paths(["."])
    assert len(run.diagnostics) >= 3
    parsed = parse_json(render("json", run.diagnostics, root=root))
    assert format_text(parsed) == format_text(run.diagnostics)
    assert tuples(parsed) == tuples(run.diagnostics)
    assert sarif_schema_errors(json.loads(render("sarif", run.diagnostics, root=root))) == []


# --- GitHub ---------------------------------------------------------------------------


def _unescape_data(text: str) -> str:  # what the Actions runner does
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def test_github_escaping():
    assert escape_data("100% sure\r\nnext: a,b") == "100%25 sure%0D%0Anext: a,b"
    assert escape_property("100% sure\r\nnext: a,b") == "100%25 sure%0D%0Anext%3A a%2Cb"
    assert escape_data("%0A") == "%250A"  # an escape-looking message stays literal
    diagnostic = Diagnostic("dir,with:odd/file%.py", 7, 3, "AIO100", "50%, then: done\nreally", 7, 9)
    line = format_github([diagnostic], root=Path.cwd(), rules=RULES)
    assert line == (
        "::warning file=dir%2Cwith%3Aodd/file%25.py,line=7,col=3,endLine=7,endColumn=9,"
        "title=AIO100 blocking-sleep::50%25, then: done%0Areally\n"
    )
    command, message = line.rstrip("\n")[2:].split("::", 1)
    assert _unescape_data(message) == diagnostic.message
    properties = dict(pair.split("=", 1) for pair in command.split(" ", 1)[1].split(","))
    assert _unescape_property(properties["file"]) == diagnostic.path
    assert "\n" not in line.rstrip("\n") and "\r" not in line


def test_github_levels_and_missing_end(root):
    lines = render("github", DIAGNOSTICS, root=root, rules=RULES).splitlines()
    assert len(lines) == len(DIAGNOSTICS)
    assert lines[2] == "::error file=src/broken.py,line=2,col=1,title=AIO001 unreadable-file::cannot parse file: invalid syntax"
    assert all(line.startswith("::warning ") for i, line in enumerate(lines) if i != 2)


def test_github_paths_are_relative_to_root(root):
    diagnostic = Diagnostic(str(root / "pkg" / "a.py"), 1, 2, "AIO100", "m")
    assert format_github([diagnostic], root=root, rules=RULES).startswith("::warning file=pkg/a.py,line=1,col=2,")
    assert render("github", [], root=root, rules=RULES) == ""


# --- statistics and dispatch ----------------------------------------------------------


def test_statistics_sorted_by_count_then_code():
    codes = ["AIO105"] * 12 + ["AIO999", "AIO100", "AIO001"] * 2 + ["AIO100"] * 2
    diagnostics = [Diagnostic("a.py", i, 1, code, "m") for i, code in enumerate(codes, 1)]
    assert statistics(diagnostics, rules=RULES) == (
        "12\tAIO105\tblocking-call\n"
        " 4\tAIO100\tblocking-sleep\n"
        " 2\tAIO001\tunreadable-file\n"
        " 2\tAIO999\n"
    )
    assert statistics([], rules=RULES) == ""


def test_statistics_marks_safe_fixes_when_there_are_any():
    diagnostics = [
        DiagnosticWithFix("a.py", 1, 1, "AIO100", "m", fix="safe"),
        DiagnosticWithFix("a.py", 2, 1, "AIO105", "m", fix="unsafe"),
    ]
    assert statistics(diagnostics, rules=RULES) == "1\tAIO100\t[*] blocking-sleep\n1\tAIO105\t[ ] blocking-call\n"


def test_render_knows_every_format_and_rejects_others(root):
    for output_format in OUTPUT_FORMATS:
        text = render(output_format, DIAGNOSTICS, root=root, rules=RULES, docs_dirs=[])
        assert text.endswith("\n")
    with pytest.raises(ValueError):
        render("xml", DIAGNOSTICS, root=root)


def test_reporters_do_not_import_libcst(tmp_path):
    """A warm cached run renders any format without importing libcst."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from asynclint.diagnostics import Diagnostic\n"
        "from asynclint.reporters import OUTPUT_FORMATS, RuleMeta, default_rules, render, statistics\n"
        "rules = [RuleMeta('AIO100', 'blocking-sleep', 'summary')]\n"
        "ds = [Diagnostic('a.py', 1, 2, 'AIO100', 'm', 1, 5)]\n"
        "for f in OUTPUT_FORMATS:\n"
        "    render(f, ds, root=Path.cwd(), rules=rules)\n"
        "    render(f, ds, root=Path.cwd())  # the default metadata: asynclint.codes\n"
        "statistics(ds, rules=rules)\n"
        "assert statistics(ds) == '1\\tAIO100\\tblocking-sleep\\n'\n"
        "assert 'libcst' not in sys.modules, sorted(m for m in sys.modules if 'libcst' in m)[:3]\n"
    )
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    completed = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
