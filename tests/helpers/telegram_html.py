"""A strict checker of Telegram's HTML parse mode (core.telegram.org/bots/api#html-style): only the supported
tags, properly nested and closed; every <, > and & not part of a tag or entity escaped; only the named entities
Telegram knows (&lt; &gt; &amp; &quot;) and numeric ones."""
from __future__ import annotations

import re

TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
        "blockquote", "tg-emoji"}
_PIECE = re.compile(r"<(/?)([a-z-]+)((?:\s+[a-z-]+(?:=\"[^\"<>]*\"|='[^'<>]*')?)*)\s*>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def html_error(text: str) -> str | None:
    """Why `text` is not valid Telegram HTML, or None when it is."""
    stack: list[str] = []
    at = 0
    for m in _PIECE.finditer(text):
        if bad := re.search(r"[<>&]", text[at:m.start()]):
            return f"unescaped {bad.group()!r} at {at + bad.start()}"
        at = m.end()
        if not m.group(2):
            continue  # an entity
        closing, name = m.group(1), m.group(2)
        if name not in TAGS:
            return f"unsupported tag <{name}>"
        if closing:
            if not stack or stack.pop() != name:
                return f"</{name}> closes nothing open"
        else:
            stack.append(name)
    if bad := re.search(r"[<>&]", text[at:]):
        return f"unescaped {bad.group()!r} at {at + bad.start()}"
    return f"<{stack[-1]}> never closed" if stack else None
