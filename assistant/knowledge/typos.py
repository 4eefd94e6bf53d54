"""Homophone typos typed with a pinyin keyboard (书及 → 书记, 支布 → 支部, 爆光 → 曝光), corrected against the
words the indexed documents use: a run of characters the documents never use that sounds exactly like a
word they do use, and shares at least half its characters with it, is read as that word — unless that would
change a character of a word the documents use, spelled right (有积分 stays), or a question's own particle
(几, 是, 不: 有几个 stays) where no more than half the run agrees (组只部 → 组织部). Of two overlapping readings, the
one agreeing on more characters that are not particles wins (有积份 is 有积分, not 有机份)."""
from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from .tokenize import HAN_RE

MIN_CHARS, MAX_CHARS = 2, 6


MAX_READINGS = 8  # spellings of one word kept when its characters have several readings (曝: pù, bào)


def _pinyin(text: str) -> list[str]:
    """Each character's toneless pinyin, as `lazy_pinyin(list(text))` gives it (a character it does not know
    stands for itself)."""
    sounds = _char_sounds()
    return [sounds.get(c, c) for c in text]


@lru_cache(maxsize=1)
def _char_sounds() -> dict[str, str]:
    """pypinyin's reading of every character it knows, kept by pypinyin version: importing pypinyin (its phrase
    dictionary) takes longer than a cold question may."""
    from importlib.metadata import version

    from .caching import cached_pickle

    return cached_pickle(f"char-sounds-{version('pypinyin')}", _build_char_sounds)


def _build_char_sounds() -> dict[str, str]:
    from pypinyin import lazy_pinyin
    from pypinyin.pinyin_dict import pinyin_dict

    return {chr(cp): lazy_pinyin([chr(cp)])[0] for cp in pinyin_dict}


def _readings(word: str) -> list[tuple[str, ...]]:
    from itertools import islice, product

    from pypinyin import Style, pinyin

    options = pinyin(word, style=Style.NORMAL, heteronym=True)
    return list(islice(product(*options), MAX_READINGS))


class Homophones:
    """The documents' words by their sound (toneless pinyin)."""

    def __init__(self, vocabulary: Iterable[str], fixed: frozenset[str] = frozenset()) -> None:
        self.words = {w for w in vocabulary if MIN_CHARS <= len(w) <= MAX_CHARS and all(HAN_RE.match(c) for c in w)}
        self.fixed = fixed  # a question's own particles: changed only inside a run mostly spelled right
        self._by_sound: dict[tuple[str, ...], str] | None = None

    @property
    def by_sound(self) -> dict[tuple[str, ...], str]:
        if self._by_sound is None:
            from hashlib import sha256

            from .caching import cached_pickle

            digest = sha256("\n".join(sorted(self.words)).encode()).hexdigest()[:16]
            self._by_sound = cached_pickle(f"sounds-{digest}", self._sounds)
        return self._by_sound

    def _sounds(self) -> dict[tuple[str, ...], str]:
        sounds: dict[tuple[str, ...], str] = {}
        for word in sorted(self.words, key=len):
            for reading in _readings(word):
                sounds.setdefault(reading, word)
        return sounds

    def correct(self, text: str) -> str:
        """The text with homophone typos of the documents' words replaced (longest runs first; of overlapping runs
        of one length, the one more of whose agreeing characters are not particles)."""
        if not self.words or not HAN_RE.search(text):
            return text
        sounds = _pinyin(text)
        out = list(text)
        taken = [False] * len(text)
        kept = self._spelled_right(text)
        for length in range(MAX_CHARS, MIN_CHARS - 1, -1):
            found = []
            for start in range(0, len(text) - length + 1):
                piece = text[start : start + length]
                if piece in self.words or not all(HAN_RE.match(c) for c in piece):
                    continue
                word = self.by_sound.get(tuple(sounds[start : start + length]))
                if not word or word == piece:
                    continue
                same = sum(a == b for a, b in zip(word, piece))
                if 2 * same < length:
                    continue
                changed = [start + i for i, (a, b) in enumerate(zip(word, piece)) if a != b]
                if any(kept[i] for i in changed) or (any(text[i] in self.fixed for i in changed) and 2 * same <= length):
                    continue  # it would change a character typed as meant (有积分 ↛ 有机分, 有几个 ↛ 有机个; 组只部 → 组织部)
                firm = sum(a == b and a not in self.fixed for a, b in zip(word, piece))
                found.append((-firm, start, word))
            for _, start, word in sorted(found):
                if not any(taken[start : start + length]):
                    out[start : start + length] = list(word)
                    taken[start : start + length] = [True] * length
        return "".join(out)

    def _spelled_right(self, text: str) -> list[bool]:
        """Per character: whether it is part of a word of the documents written as they write it."""
        kept = [False] * len(text)
        for length in range(MIN_CHARS, MAX_CHARS + 1):
            for start in range(0, len(text) - length + 1):
                if text[start : start + length] in self.words:
                    kept[start : start + length] = [True] * length
        return kept
