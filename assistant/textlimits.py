"""Text that fits a chat message: lengths in UTF-16 code units (how Telegram counts), split and truncated at
safe places. Plain functions, no telegram import: the bot's one send path (handlers/sending.py), the digest
outbox and anything else that sizes a message use these.

With `html=True` the text is Telegram HTML: a tag or an entity (`&amp;`) is never cut, and the tags open at a
cut are closed at the end of one part and opened again at the start of the next, so every part is valid HTML.
"""
from __future__ import annotations

import re

TEXT_LIMIT = 4096     # Telegram: a message's text
CAPTION_LIMIT = 1024  # Telegram: a photo's or document's caption
ELLIPSIS = "…"

_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;", re.S)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def preview(text: str, length: int | None) -> str:
    """`text` cut to `length` characters with an ellipsis (an echo of what the user typed); None: not cut."""
    return text if length is None or len(text) <= length else text[:max(length - 1, 0)].rstrip() + ELLIPSIS


def _tokens(text: str, html: bool) -> list[str]:
    """Characters, with each HTML tag and entity kept whole."""
    if not html:
        return list(text)
    out: list[str] = []
    at = 0
    for m in _TOKEN.finditer(text):
        out.extend(text[at:m.start()])
        out.append(m.group())
        at = m.end()
    out.extend(text[at:])
    return out


def _stacks(tokens: list[str], html: bool) -> list[tuple[str, ...]]:
    """The open tags (their opening text) before each token, and after the last."""
    stack: list[str] = []
    stacks = [()]
    for token in tokens:
        m = _TAG.match(token) if html and len(token) > 1 and token.endswith(">") else None
        if m and m.group(1):  # a closing tag: pop up to its opening one
            name = m.group(2).lower()
            for i in range(len(stack) - 1, -1, -1):
                if _TAG.match(stack[i]).group(2).lower() == name:
                    del stack[i:]
                    break
        elif m and not token.endswith("/>"):
            stack.append(token)
        stacks.append(tuple(stack))
    return stacks


def _closing(stack: tuple[str, ...]) -> str:
    return "".join(f"</{_TAG.match(tag).group(2)}>" for tag in reversed(stack))


def _cut(tokens, sizes, stacks, start: int, budget: int) -> int:
    """The furthest end index after `start` whose part (reopened tags + tokens + closing tags) fits `budget`."""
    used = sum(map(utf16_len, stacks[start]))
    end = start
    while end < len(tokens) and used + sizes[end] + utf16_len(_closing(stacks[end + 1])) <= budget:
        used += sizes[end]
        end += 1
    return end


def _boundary(tokens: list[str], start: int, end: int) -> int:
    """Where to end a part cut at `end`: at a paragraph break in its second half, else at the last line break,
    else at the last space, else `end` itself."""
    text_at = tokens.__getitem__
    half = start + (end - start) // 2
    for i in range(end - 1, half, -1):
        if text_at(i) == "\n" and text_at(i - 1) == "\n":
            return i - 1
    for wanted in ("\n", " "):
        for i in range(end - 1, start, -1):
            if text_at(i) == wanted:
                return i
    return end


def split(text: str, limit: int = TEXT_LIMIT, *, html: bool = False) -> list[str]:
    """Parts of at most `limit` UTF-16 units, cut at paragraph, line or word ends where possible."""
    if utf16_len(text) <= limit:
        return [text]
    tokens = _tokens(text, html)
    sizes = [utf16_len(t) for t in tokens]
    stacks = _stacks(tokens, html)
    parts: list[str] = []
    start = 0
    while start < len(tokens):
        end = _cut(tokens, sizes, stacks, start, limit)
        if end == len(tokens):
            cut = end
        else:
            cut = _boundary(tokens, start, end) if end > start else start + 1  # a single token over the limit
        parts.append("".join(stacks[start]) + "".join(tokens[start:cut]) + _closing(stacks[cut]))
        start = cut
        while start < len(tokens) and tokens[start] in ("\n", " "):  # the break itself starts no part
            start += 1
    return [p for p in parts if p.strip()] or [text[:limit]]


def truncate(text: str, limit: int = TEXT_LIMIT, *, html: bool = False) -> str:
    """`text` if it fits `limit` UTF-16 units, else its beginning with an ellipsis (tags closed)."""
    if utf16_len(text) <= limit:
        return text
    tokens = _tokens(text, html)
    sizes = [utf16_len(t) for t in tokens]
    stacks = _stacks(tokens, html)
    end = _cut(tokens, sizes, stacks, 0, limit - utf16_len(ELLIPSIS))
    return "".join(tokens[:end]).rstrip() + ELLIPSIS + _closing(stacks[end])
