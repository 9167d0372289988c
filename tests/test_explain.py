"""`asynclint --explain CODE` / `asynclint rule CODE`, and the pages in the wheel."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asynclint import explain as explain_module
from asynclint.cli import main
from asynclint.codes import RULES
from asynclint.explain import UnknownRule, explain, find_rule

from .conftest import REPO


@pytest.mark.parametrize("argv", [["--explain", "AIO300"], ["--explain", "aio300"], ["rule", "AIO300"], ["rule", "cancelled-error-swallowed"]])
def test_prints_the_page(argv, capsys):
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out == (REPO / "docs" / "rules" / "AIO300.md").read_text(encoding="utf-8").strip() + "\n"


def test_every_rule_has_a_page():
    for rule in RULES:
        assert explain(rule.code).startswith(f"# {rule.code} {rule.name}\n"), rule.code


@pytest.mark.parametrize("argv", [["--explain", "AIO999"], ["rule", "nonsense"]])
def test_an_unknown_code_is_one_line_and_exit_2(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "unknown rule" in captured.err


def test_rule_needs_exactly_one_code(capsys):
    for argv in (["rule"], ["rule", "AIO100", "src"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2


def test_find_rule():
    assert find_rule("blocking-sleep").code == "AIO100"
    with pytest.raises(UnknownRule):
        find_rule("AIO1")


def test_without_the_pages_the_summary_and_the_address_stand_in(monkeypatch):
    from asynclint.reporters import sarif

    monkeypatch.setattr(sarif, "find_rule_doc", lambda code: None)
    text = explain_module.explain("AIO203")
    assert text.startswith("# AIO203 await-in-loop\n")
    assert "default: off" in text
    assert "https://github.com/asynclint/asynclint/blob/main/docs/rules/AIO203.md" in text


def _pyproject():
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_the_wheel_ships_docs_rules_as_package_data():
    """docs/rules/ is the one copy of the pages; the build maps it into the package as
    asynclint/_docs/rules/, where reporters.sarif.default_docs_dirs() looks first."""
    from asynclint.reporters.sarif import default_docs_dirs

    config = _pyproject()["tool"]["setuptools"]
    assert config["package-dir"] == {"asynclint._docs.rules": "docs/rules"}
    assert config["package-data"]["asynclint._docs.rules"] == ["*.md"]
    # The package list is explicit (a mapped folder cannot be found): keep it complete.
    found = [".".join(init.parent.relative_to(REPO).parts) for init in (REPO / "asynclint").rglob("__init__.py")]
    assert sorted(config["packages"]) == sorted([*found, "asynclint._docs.rules"])
    package = Path(explain_module.__file__).resolve().parent
    assert default_docs_dirs()[0] == package / "_docs" / "rules"
    assert not (package / "_docs").exists(), "the pages live in docs/rules/ only"
