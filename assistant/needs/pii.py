"""Phone and ID-card numbers in free text: found at intake, masked wherever a resident's phone is masked.

Found: mainland mobiles (1[3-9] + 9 digits, optionally +86 and spaces or hyphens as 3-4-4), landlines with their
area code (0563-1234567, (0563)1234567), and resident ID-card numbers (18 characters: a six-digit area code, a
real birth date, a sequence and the check character 0-9/X — a wrong check character is still masked; the old
15-digit numbers with a six-digit birth date). Full-width digits count. A number inside a longer run of
digits is none of these (an order number is left alone).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from ..org.phones import mask_phone

_DATE = r"(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
_KINDS = {
    "id": rf"[1-9]\d{{5}}(?:18|19|20)\d{{2}}{_DATE}\d{{3}}[\dXx]|[1-9]\d{{7}}{_DATE}\d{{3}}",
    "mobile": r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}",
    "landline": r"(?:0\d{2,3}[ -]?|[(（]0\d{2,3}[)）] ?)\d{7,8}",
}
NUMBER = re.compile("|".join(rf"(?P<{kind}>(?<!\d)(?:{pattern})(?!\d))" for kind, pattern in _KINDS.items()))
_WIDE = str.maketrans("０１２３４５６７８９＋－Ｘｘ\u3000", "0123456789+-Xx ")


@dataclass(frozen=True)
class Number:
    """One number found: its kind ("mobile", "landline" or "id"), where it stands and its digits."""

    kind: str
    start: int
    end: int
    digits: str  # separators and a mobile's +86 removed; an ID's check character upper-case

    @property
    def is_phone(self) -> bool:
        return self.kind != "id"


def find(text: str | None) -> list[Number]:
    """Every phone and ID-card number in the text, in order."""
    plain = (text or "").translate(_WIDE)  # one character for one: positions stay those of `text`
    found = []
    for m in NUMBER.finditer(plain):
        digits = re.sub(r"[ ()（）-]", "", m.group()).upper()
        found.append(Number(m.lastgroup, m.start(), m.end(), digits[-11:] if m.lastgroup == "mobile" else digits))
    return found


def phones(text: str | None) -> list[str]:
    """The phone numbers in the text (digits only, +86 dropped), first seen first, each once."""
    return list(dict.fromkeys(n.digits for n in find(text) if n.is_phone))


def mask_id(number: str) -> str:
    """"34180219900307123X" -> "3****************X": the first and last character kept."""
    return number[:1] + "*" * (len(number) - 2) + number[-1:]


def replace(text: str | None, by: Callable[[Number], str]) -> str:
    """The text with every number found replaced by `by(number)`."""
    text = text or ""
    parts, at = [], 0
    for number in find(text):
        parts += [text[at:number.start], by(number)]
        at = number.end
    return "".join(parts) + text[at:]


def mask(text: str | None) -> str:
    """The text with phones masked as a resident's phone is (138****5678) and ID-card numbers masked."""
    return replace(text, lambda n: mask_phone(n.digits) if n.is_phone else mask_id(n.digits))
