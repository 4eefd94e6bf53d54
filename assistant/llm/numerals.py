"""What a text asserts that can be checked against a source: numbers, dates, quoted phrases, clause labels.

Both sides are normalised the same way (NFKC, Chinese numerals → digits where they count something,
English number words → digits), so "三至五名" in an answer matches "3-5 名" in the directive.
"""
from __future__ import annotations

import re
import unicodedata

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS)
CN_RUN = re.compile(f"[{CN_CHARS}]+")
# A Chinese numeral counts something only before one of these (or after 第, or in a range "三至五名"):
# "一般", "统一", "三抓一增强" keep their characters.
MEASURES = ("小时", "分钟", "星期", "季度", "个", "名", "人", "位", "年", "月", "日", "号", "天", "周", "次", "条",
            "项", "级", "岁", "户", "栋", "幢", "层", "届", "类", "批", "家", "支", "种", "倍", "元", "星", "票", "套",
            "间", "所", "处", "件", "章", "节", "款", "本", "份", "张", "座")
RANGE = "至到~～-－—"
PERCENT_CN = re.compile(f"百分之([{CN_CHARS}]+)")
EN_NUMBERS = {w: i for i, w in enumerate([
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty"])} | {
    "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100}
EN_NUMBER_RE = re.compile(rf"(?<!\bno )\b({'|'.join(EN_NUMBERS)})\b(?! of\b)", re.IGNORECASE)
MONTHS = {m: i + 1 for i, m in enumerate([
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december"])}
CJK = "\u4e00-\u9fff"
SPACE_NEAR_CJK = re.compile(rf"(?<=[{CJK}\d])\s+(?=[{CJK}])|(?<=[{CJK}])\s+(?=\d)")
NUMBER_RE = re.compile(r"\d+(?:\.\d+)?%?")
CN_DATE_RE = re.compile(r"(?:(\d{4})年)?(\d{1,2})月(?:(\d{1,2})[日号]|(底|初|上旬|中旬|下旬))?")
ISO_DATE_RE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
EN_DATE_RE = re.compile(  # month names capitalised, so "members may" is no date
    rf"(?:((?i:end|beginning|start)) of\s+)?\b({'|'.join(m.title() for m in MONTHS)})\b"
    rf"(?:\s+(\d{{1,2}})(?!\d)(?:st|nd|rd|th)?)?(?:,?\s+(\d{{4}}))?")
EN_PART = {"end": "底", "beginning": "初", "start": "初"}
QUOTE_RE = re.compile(r"“([^”]{1,120})”|\"([^\"]{1,120})\"|「([^」]{1,120})」|『([^』]{1,120})』")
CITATION_RE = re.compile(r"\[([^\[\]]{1,60})\]|【([^【】]{1,60})】")


def cn_to_int(text: str) -> int | None:
    """Chinese numeral (or digits) → int: "三" 3, "十五" 15, "二〇二〇" 2020, "一百二十" 120; None if not one."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in CN_DIGITS and ch not in CN_UNITS for ch in text):
        return None
    if not any(ch in CN_UNITS for ch in text):  # digit by digit: 二〇二〇
        return int("".join(str(CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * CN_UNITS[ch]
            digit = None
    return total + section + (digit or 0)


def _counts(text: str, start: int, end: int) -> bool:
    """Whether the Chinese numeral at text[start:end] is a count, an ordinal or part of a range."""
    after = text[end:]
    if text[max(0, start - 1):start] == "第" or after.startswith(MEASURES):
        return True
    if after[:1] and after[0] in RANGE and (m := CN_RUN.match(after[1:])):
        return after[1 + m.end():].startswith(MEASURES)
    return False


def normalise(text: str) -> str:
    """NFKC, spaces next to Chinese removed, counting Chinese numerals and English number words as digits."""
    text = unicodedata.normalize("NFKC", text or "")
    text = SPACE_NEAR_CJK.sub("", text)
    text = PERCENT_CN.sub(lambda m: f"{cn_to_int(m.group(1))}%" if cn_to_int(m.group(1)) is not None else m.group(0),
                          text)
    out, last = [], 0
    for m in CN_RUN.finditer(text):
        value = cn_to_int(m.group(0))
        if value is not None and _counts(text, m.start(), m.end()):
            out += [text[last:m.start()], str(value)]
            last = m.end()
    text = "".join(out) + text[last:]
    return EN_NUMBER_RE.sub(lambda m: str(EN_NUMBERS[m.group(1).lower()]), text)


def canonical(number: str) -> str:
    percent = number.endswith("%")
    digits = number.rstrip("%")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    digits = digits.lstrip("0") or "0"
    return digits + ("%" if percent else "")


def numbers(normalised: str) -> set[str]:
    """The numbers of a normalised text, canonical ("06" → "6", "50.0%" → "50%")."""
    return {canonical(n) for n in NUMBER_RE.findall(normalised)}


def dates(normalised: str) -> set[tuple]:
    """(year, month, day, part) of each date in a normalised text; missing parts are None."""
    found = set()
    for y, m, d, part in CN_DATE_RE.findall(normalised):
        found.add((int(y) if y else None, int(m), int(d) if d else None, part or None))
    for y, m, d in ISO_DATE_RE.findall(normalised):
        found.add((int(y), int(m), int(d), None))
    for part, month, d, y in EN_DATE_RE.findall(normalised):
        found.add((int(y) if y else None, MONTHS[month.lower()], int(d) if d else None, EN_PART.get(part.lower())))
    return {date for date in found if 1 <= date[1] <= 12}


def date_supported(date: tuple, source: set[tuple]) -> bool:
    """A date is supported when a source date has the same month and every other part the answer states."""
    return any(s[1] == date[1] and all(a is None or a == b for a, b in zip(date, s)) for s in source)


def quotes(text: str) -> list[str]:
    """Phrases in “…”, "…", 「…」 or 『…』."""
    return [next(g for g in m.groups() if g) for m in QUOTE_RE.finditer(unicodedata.normalize("NFKC", text or ""))]


def squash(text: str) -> str:
    """For substring tests: NFKC, no whitespace, no quotation marks."""
    text = unicodedata.normalize("NFKC", text or "")
    return re.sub(r"[\s“”\"「」『』‘’]", "", text)
