"""The one splitter of outgoing text: UTF-16 lengths, cuts at paragraph / line ends, HTML kept valid."""
from __future__ import annotations

import random

from assistant.textlimits import ELLIPSIS, preview, split, truncate, utf16_len

from .helpers.telegram_html import html_error


def test_utf16_length_counts_astral_characters_twice():
    assert utf16_len("社区") == 2 and utf16_len("😀") == 2 and utf16_len("a😀b") == 4 and utf16_len("") == 0


def test_short_text_is_one_part_unchanged():
    assert split("你好\n\n世界") == ["你好\n\n世界"] and split("") == [""]


def test_emoji_text_is_split_by_utf16_units_not_characters():
    text = "😀" * 3000  # 3000 characters, 6000 units
    parts = split(text)
    assert len(parts) == 2 and all(utf16_len(p) <= 4096 for p in parts)
    assert "".join(parts) == text and not any("\ud83d" in p for p in parts)


def test_cjk_lines_are_cut_at_line_ends_and_paragraphs_first():
    para = "\n".join(["党员报到后参与社区服务" * 5] * 30)  # 1,649 characters per paragraph
    text = "\n\n".join([para] * 5)
    parts = split(text)
    assert all(utf16_len(p) <= 4096 for p in parts)
    assert parts[0] == "\n\n".join([para] * 2)  # cut at a paragraph end, the break itself dropped
    assert "\n\n".join(parts) == text


def test_line_without_breaks_is_cut_at_spaces_or_anywhere():
    words = " ".join(["word"] * 2000)
    parts = split(words, 100)
    assert all(len(p) <= 100 and not p.startswith(" ") and not p.endswith(" ") for p in parts)
    assert " ".join(parts) == words
    assert split("字" * 250, 100) == ["字" * 100, "字" * 100, "字" * 50]


def test_html_tags_are_closed_and_reopened_across_a_split():
    text = "<b>粗体开头</b>\n" + '<a href="https://example.org/x?a=1&amp;b=2"><i>' + "链接文字&amp;更多\n" * 600 + "</i></a>"
    parts = split(text, 4096, html=True)
    assert len(parts) > 1
    for part in parts:
        assert utf16_len(part) <= 4096 and html_error(part) is None, html_error(part)
    assert parts[1].startswith('<a href="https://example.org/x?a=1&amp;b=2"><i>') and parts[0].endswith("</i></a>")


def test_html_never_cuts_inside_a_tag_or_an_entity():
    rng = random.Random(7)
    pieces = ["&amp;", "&lt;", "<b>粗</b>", "<code>x&gt;y</code>", "😀", "字", " ", "\n"]
    for _ in range(50):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(50, 400)))
        limit = rng.randint(20, 80)
        for part in split(text, limit, html=True):
            assert utf16_len(part) <= limit and html_error(part) is None, (part, html_error(part))


def test_truncate_adds_an_ellipsis_and_closes_tags():
    assert truncate("短", 10) == "短"
    cut = truncate("<b>" + "很长的文字" * 2000 + "</b>", 4096, html=True)
    assert utf16_len(cut) <= 4096 and cut.endswith(ELLIPSIS + "</b>") and html_error(cut) is None
    assert truncate("😀" * 10, 7) == "😀😀😀" + ELLIPSIS


def test_preview_cuts_an_echo():
    assert preview("abc", 5) == "abc" and preview("abcdefgh", 5) == "abcd" + ELLIPSIS
