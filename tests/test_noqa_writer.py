"""`--add-noqa`: the text transformation (noqa_writer.py) and the command."""
from __future__ import annotations

import codecs
import tokenize

import pytest

from asynclint.cli import main
from asynclint.noqa import parse_noqa, scan_comments
from asynclint.noqa_writer import (
    CANNOT_COMMENT,
    CANNOT_TOKENIZE,
    NOT_SILENCED,
    add_noqa,
    add_noqa_to_bytes,
)


def lines_of(text: str):
    return text.split("\n")


def test_appends_a_comment_to_a_line_without_one():
    edit = add_noqa("import time\ntime.sleep(1)\n", [(2, "AIO100")])
    assert edit.text == "import time\ntime.sleep(1)  # noqa: AIO100\n"
    assert (edit.added, edit.skipped) == (1, {})


def test_several_codes_on_one_line_are_sorted_once():
    edit = add_noqa("x = f()\n", [(1, "AIO200"), (1, "AIO100"), (1, "AIO200")])
    assert edit.text == "x = f()  # noqa: AIO100, AIO200\n"
    assert edit.added == 1


def test_merges_into_an_existing_noqa_comment():
    text = "a = 1  # noqa: E501\nb = 2  # NOQA:W291,E501\nc = 3  # noqa: E501 the URL is long\n"
    edit = add_noqa(text, [(1, "AIO100"), (2, "AIO300"), (2, "AIO100"), (3, "AIO100")])
    assert lines_of(edit.text)[:3] == [
        "a = 1  # noqa: AIO100, E501",
        "b = 2  # NOQA:AIO100, AIO300, E501, W291",
        "c = 3  # noqa: AIO100, E501 the URL is long",
    ]
    assert edit.added == 3


def test_no_duplicate_codes_case_insensitively():
    edit = add_noqa("a = 1  # noqa: e501, E501\n", [(1, "AIO100")])
    assert edit.text == "a = 1  # noqa: AIO100, e501\n"


def test_bare_noqa_and_covering_codes_are_left_alone():
    text = "a = 1  # noqa\nb = 2  # noqa: AIO1\nc = 3  # noqa: AIO100\n"
    edit = add_noqa(text, [(1, "AIO100"), (2, "AIO100"), (3, "AIO100")])
    assert edit.text == text
    assert (edit.added, edit.skipped) == (0, {})


def test_other_trailing_comments_are_kept_and_stay_first():
    text = "x = f()  # type: ignore[misc]\ny = g()  # pragma: no cover  \n"
    edit = add_noqa(text, [(1, "AIO100"), (2, "AIO200")])
    assert lines_of(edit.text)[:2] == [
        "x = f()  # type: ignore[misc]  # noqa: AIO100",
        "y = g()  # pragma: no cover  # noqa: AIO200",
    ]


def test_a_noqa_after_another_comment_is_extended_in_place():
    edit = add_noqa("x = f()  # type: ignore  # noqa: E501\n", [(1, "AIO100")])
    assert edit.text == "x = f()  # type: ignore  # noqa: AIO100, E501\n"


def test_lines_inside_multi_line_strings_and_continuations_are_skipped():
    text = (
        "async def f():\n"
        '    x = f"""{time.sleep(1)}\n'  # 2: ends inside the string
        '    """\n'
        "    y = time.sleep(1) + \\\n"  # 4: continues with a backslash
        "        1\n"
        "    z = (time.sleep(1),\n"  # 6: inside brackets: a comment is fine
        "         2)\n"
    )
    edit = add_noqa(text, [(2, "AIO100"), (4, "AIO100"), (6, "AIO100")])
    assert edit.skipped == {2: CANNOT_COMMENT, 4: CANNOT_COMMENT}
    assert edit.added == 1
    assert lines_of(edit.text)[5] == "    z = (time.sleep(1),  # noqa: AIO100"
    assert _tokens(edit.text) == _tokens(text)


def test_a_noqa_look_alike_in_a_string_is_not_a_comment_to_merge_into():
    text = 's = "# noqa: E501"; time.sleep(1)\n'
    edit = add_noqa(text, [(1, "AIO100")])
    # A comment at the end would not count: the string's text is the line's first `# noqa`.
    assert edit.text == text
    assert edit.skipped == {1: NOT_SILENCED}


def test_aio001_and_aio900_are_never_written():
    text = "x = 1  # noqa: AIO100\n"
    edit = add_noqa(text, [(1, "AIO900"), (1, "AIO001")])
    assert edit.text == text and edit.added == 0


def test_a_file_the_tokenizer_rejects_is_left_alone():
    text = "x = '''\n"
    edit = add_noqa(text, [(1, "AIO100")])
    assert edit.text == text
    assert edit.skipped == {1: CANNOT_TOKENIZE}


def test_the_result_is_idempotent_and_silences_every_finding():
    text = "import time\n\nasync def f():\n    time.sleep(1)\n    time.sleep(2)  # noqa: E501\n"
    findings = [(4, "AIO100"), (5, "AIO100")]
    once = add_noqa(text, findings)
    noqa = parse_noqa(once.text)
    assert noqa[4] == {"AIO100"} and noqa[5] == {"AIO100", "E501"}
    twice = add_noqa(once.text, findings)
    assert twice.text == once.text and twice.added == 0


def test_form_feeds_do_not_shift_lines():
    text = "a = 1\n\x0c\nb = 2\n"
    edit = add_noqa(text, [(3, "AIO100")])
    assert edit.text == "a = 1\n\x0c\nb = 2  # noqa: AIO100\n"


def test_line_endings_and_a_last_line_without_one_are_kept():
    edit = add_noqa("a = 1\r\nb = 2\r\nc = 3", [(2, "AIO100"), (3, "AIO100")])
    assert edit.text == "a = 1\r\nb = 2  # noqa: AIO100\r\nc = 3  # noqa: AIO100"


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + "x = 'ü'\r\ny = 2\r\n".encode("utf-8"),
        "# -*- coding: latin-1 -*-\nx = 'é'\ny = 2\n".encode("latin-1"),
        "x = 'é'\ny = 2\n".encode("utf-8"),
    ],
    ids=["bom-crlf", "latin-1-cookie", "utf-8"],
)
def test_bytes_keep_their_encoding(data):
    line = 3 if data.startswith(b"# -*-") else 2
    result = add_noqa_to_bytes(data, [(line, "AIO100")])
    assert result.data is not None and result.added == 1
    expected = data.replace(b"y = 2", b"y = 2  # noqa: AIO100")
    assert result.data == expected


def test_bytes_that_do_not_decode_are_left_alone():
    result = add_noqa_to_bytes(b"x = '\xff'\n", [(1, "AIO100")])
    assert result.data is None and result.problem


def _tokens(text):
    readline = iter(text.splitlines(keepends=True)).__next__
    return [(t.type, t.string) for t in tokenize.generate_tokens(readline) if t.type != tokenize.COMMENT]


def test_scan_comments_knows_which_line_ends_take_a_comment():
    scan = scan_comments("x = 1  # c\ns = '''a\nb'''\nz = 1 + \\\n  2\n")
    assert scan is not None
    assert scan.comments == {1: (7, "# c")}
    assert scan.open_to_comments == {1, 3, 5}


# -- the command --------------------------------------------------------------------------


SOURCE = """\
import asyncio
import time


async def handler():
    time.sleep(1)
    time.sleep(2)  # noqa: E501
    asyncio.get_event_loop()  # keep
    text = f'''{time.sleep(3)}
    '''
"""


def test_add_noqa_then_the_run_is_clean(tmp_project, capsys):
    root = tmp_project({"app.py": SOURCE, "clean.py": "x = 1\n"})
    app = root / "app.py"
    assert main([str(root), "--no-cache", "--add-noqa"]) == 0
    err = capsys.readouterr().err
    assert "Added 3 noqa comments in 1 file." in err
    assert f"{app}:9: no noqa comment added: the line ends inside a string" in err
    assert app.read_text().splitlines()[5:8] == [
        "    time.sleep(1)  # noqa: AIO100",
        "    time.sleep(2)  # noqa: AIO100, E501",
        "    asyncio.get_event_loop()  # keep  # noqa: AIO402",
    ]
    assert (root / "clean.py").read_text() == "x = 1\n"
    # Only the finding in the string is left; a second run adds nothing.
    assert main([str(root), "--no-cache"]) == 1
    out = capsys.readouterr().out
    assert out.count("AIO100") == 1 and ":9:" in out
    assert main([str(root), "--no-cache", "--add-noqa"]) == 0
    assert "Added 0 noqa comments in 0 files." in capsys.readouterr().err


def test_add_noqa_then_aio900_is_quiet(tmp_project, capsys):
    root = tmp_project({"app.py": "import time\n\nasync def f():\n    time.sleep(1)\n"})
    assert main([str(root), "--no-cache", "--add-noqa"]) == 0
    capsys.readouterr()
    assert main([str(root), "--no-cache", "--extend-select", "AIO900"]) == 0


def test_add_noqa_keeps_crlf_and_bom(tmp_project, capsys):
    root = tmp_project({})
    path = root / "win.py"
    path.write_bytes(codecs.BOM_UTF8 + b"import time\r\n\r\nasync def f():\r\n    time.sleep(1)\r\n")
    assert main([str(path), "--no-cache", "--add-noqa"]) == 0
    assert path.read_bytes() == codecs.BOM_UTF8 + b"import time\r\n\r\nasync def f():\r\n    time.sleep(1)  # noqa: AIO100\r\n"


def test_add_noqa_does_not_combine_with_fix(tmp_project, capsys):
    root = tmp_project({"app.py": SOURCE})
    with pytest.raises(SystemExit) as exit_info:
        main([str(root), "--add-noqa", "--fix"])
    assert exit_info.value.code == 2
    assert (root / "app.py").read_text() == SOURCE


def test_add_noqa_lists_unreadable_files_and_leaves_them_alone(tmp_project, capsys):
    root = tmp_project({"broken.py": "def f(:\n", "app.py": "import time\n\nasync def f():\n    time.sleep(1)\n"})
    (root / "latin.py").write_bytes(b"x = '\xff'\n")
    assert main([str(root), "--no-cache", "--add-noqa"]) == 0
    err = capsys.readouterr().err
    assert "Added 1 noqa comment in 1 file." in err
    assert f"{root / 'broken.py'}:1: no noqa comment added: AIO001 is not silenced this way" in err
    assert f"{root / 'latin.py'}:1: no noqa comment added: AIO001" in err
    assert (root / "broken.py").read_text() == "def f(:\n"
    assert (root / "latin.py").read_bytes() == b"x = '\xff'\n"
