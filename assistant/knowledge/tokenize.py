"""Tokenisation: jieba with the shipped domain dictionary, aliases and an English→Chinese glossary."""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from functools import cached_property, lru_cache
from itertools import product
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
LATIN_WORD_RE = re.compile(r"[a-z][a-z'\-]*|\d+(?:\.\d+)?%?")
HAN_RE = re.compile(r"[\u3400-\u9fff]")
KEEP_TOKEN_RE = re.compile(r"[\u3400-\u9fff0-9a-z%]")
GLOSSARY_MAX_WORDS = 4
ALIAS_FREQ = 1000  # jieba frequency of an alias variant, so that it is cut as one word
DICTIONARY_CACHE = 1  # bump when the way the dictionary is put together changes
TERMS_VERSION = 2  # bump when the way document terms are made changes (stored tokens are made again)
# A short parenthetical inside a Chinese term, read both ways: 楼栋（巷、片）长 is also 楼栋长, 小区（网格）党支部 小区党支部.
ASIDE_RE = re.compile(r"(?<=[\u3400-\u9fff])[（(][\u3400-\u9fff、，,]{1,10}[）)]")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width), lower case, typographic quotes dropped."""
    text = unicodedata.normalize("NFKC", text).lower()
    return text.translate(str.maketrans("", "", "“”‘’\"「」『』"))


def readings(text: str) -> str:
    """The normalised text, followed by its reading without the parentheticals inside terms when it has
    any — what a substring match should look in, so that 楼栋长 is found in 楼栋（巷、片）长."""
    text = normalize(text)
    plain = _without_asides(text)
    return text if plain == text else f"{text}\n{plain}"


def _without_asides(normalised: str) -> str:
    return ASIDE_RE.sub("", normalised)


SUFFIXES = (("ies", "y"), ("es", "e"), ("es", ""), ("s", ""), ("ing", "e"), ("ing", ""), ("ed", "e"), ("ed", ""),
            ("d", ""), ("'s", ""), ("s'", "s"))


def _lemmas(word: str) -> list[str]:
    """The word and the forms it may be an inflection of (rules → rule, serves → serve, serving → serve)."""
    word = word.strip("'-")
    out = [word]
    for suffix, repl in SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            out.append(word[: -len(suffix)] + repl)
    return out


def _lines(name: str) -> list[str]:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    return [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


class Tokenizer:
    """Turns Chinese or English text into retrieval terms (Chinese terms for both)."""

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self.aliases: dict[str, str] = {}
        self.variants: dict[str, tuple[str, ...]] = {}  # canonical → itself and every variant
        added: list[str] = []  # the words added to jieba's dictionary, in order
        for line in _lines("aliases.tsv"):
            canonical, *variants = (normalize(w) for w in line.split("\t"))
            self.variants[canonical] = (canonical, *variants)
            for v in variants:
                self.aliases[v] = canonical
                added.append(v)
        self._load_dictionary(added)
        self.stopwords = {normalize(w) for w in _lines("stopwords.txt")}
        self.stopwords_en = {w.strip() for w in _lines("stopwords_en.txt")}
        self.glossary: dict[tuple[str, ...], list[str]] = {}
        for line in _lines("glossary_en.tsv"):
            phrase, chinese = line.split("\t")
            key = tuple(w.strip("'-") for w in LATIN_WORD_RE.findall(normalize(phrase)))
            self.glossary[key] = chinese.split()
        self.glossary_words = {w for key in self.glossary for w in key}

    def _load_dictionary(self, added: list[str]) -> None:
        """jieba's dictionary with the user dictionary and the alias variants added, as built the first time
        (a pickle loads faster than jieba's own cache), keyed to the dictionary files and jieba's main dictionary,
        so a change to any of them builds it again."""
        import jieba

        from .caching import cached_pickle

        main = Path(self._jieba.dictionary or Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME)
        key = hashlib.sha256(f"{DICTIONARY_CACHE}|{jieba.__version__}|{self.fingerprint}|{main}|"
                             f"{main.stat().st_size}|{main.stat().st_mtime_ns}".encode()).hexdigest()[:16]
        self._jieba.FREQ, self._jieba.total, self._jieba.user_word_tag_tab = cached_pickle(
            f"jieba-{key}", lambda: self._build_dictionary(added))
        self._jieba.initialized = True

    def _build_dictionary(self, added: list[str]) -> tuple[dict[str, int], int, dict[str, str]]:
        self._jieba.load_userdict(str(DATA_DIR / "userdict.txt"))
        for variant in added:
            self._jieba.add_word(variant, freq=ALIAS_FREQ)
        return self._jieba.FREQ, self._jieba.total, self._jieba.user_word_tag_tab

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever a dictionary file changes, so stored tokens can be refreshed."""
        digest = hashlib.sha256(f"terms{TERMS_VERSION}".encode())
        for f in sorted(DATA_DIR.iterdir()):
            digest.update(f.name.encode() + f.read_bytes())
        return digest.hexdigest()[:16]

    def precise(self, text: str) -> list[str]:
        """jieba's precise-mode words (each character once), normalised."""
        return [w.strip() for w in self._jieba.cut(normalize(text)) if w.strip()]

    def dictionary_words(self, text: str) -> list[str]:
        """Precise-mode words, where a word jieba's HMM made up (one not in the dictionary, like 条叫 in 第8条叫啥,
        能进 in 能进大工委吗) is cut again by the dictionary alone: such a word is a seam of two words, not content."""
        out = []
        for word in self.precise(text):
            if len(word) > 1 and HAN_RE.match(word) and not self._jieba.FREQ.get(word):
                out += [w for w in self._jieba.cut(word, HMM=False) if w.strip()]
            else:
                out.append(word)
        return out

    def forms(self, word: str) -> tuple[str, ...]:
        """The word and its alias variants: any of them in a text counts as the word."""
        return self.variants.get(self.aliases.get(word, word), (word,))

    def _readings(self, word: str) -> list[str]:
        """The word as typed and each base form of it the glossary knows (rules → rule, building → build)."""
        plain = word.strip("'-")
        return [plain, *(w for w in _lemmas(word)[1:] if w in self.glossary_words and w != plain)]

    def _phrase(self, readings: list[list[str]]) -> list[str] | None:
        """The Chinese terms of the glossary phrase the words make, any word read as typed or as a base form
        (building leaders: building + leader), the words as typed first."""
        for key in product(*readings):
            if key in self.glossary:
                return self.glossary[key]
        return None

    def words(self, text: str) -> list[str]:
        """jieba search-mode words of Chinese text, stopwords and punctuation removed, aliases folded."""
        out = []
        for w in self._jieba.cut_for_search(normalize(text)):
            w = w.strip()
            if not w or w in self.stopwords or not KEEP_TOKEN_RE.search(w):
                continue
            out.append(self.aliases.get(w, w))
        return out

    def translate(self, text: str) -> tuple[list[str], list[str]]:
        """Chinese terms for the English words in text (longest glossary phrase first),
        and the meaningful English words the glossary does not know."""
        words = [w for w in LATIN_WORD_RE.findall(normalize(text))]
        readings = [self._readings(w) for w in words]
        terms: list[str] = []
        unknown: list[str] = []
        i = 0
        while i < len(words):
            for n in range(min(GLOSSARY_MAX_WORDS, len(words) - i), 0, -1):
                chinese = self._phrase(readings[i : i + n])
                if chinese:
                    terms.extend(chinese)
                    i += n
                    break
            else:
                if words[i][0].isdigit():
                    terms.append(words[i])
                elif not any(r in self.stopwords_en for r in readings[i]) and words[i] not in self.stopwords_en:
                    unknown.append(words[i])
                i += 1
        return terms, unknown

    def query_terms(self, text: str) -> tuple[list[str], list[str]]:
        """Retrieval terms of a question, plus English words that could not be translated."""
        if is_english(text):
            chinese, unknown = self.translate(text)
            return self.words(" ".join(chinese)), unknown
        return self.words(text), []

    def terms(self, text: str) -> list[str]:
        """Retrieval terms for a document or a question in either language."""
        return self.query_terms(text)[0]

    def document_terms(self, text: str) -> list[str]:
        """A document's retrieval terms, with the terms only its reading without parentheticals has
        (楼栋长 of 楼栋（巷、片）长) added once each."""
        terms = self.terms(text)
        plain = _without_asides(normalize(text))
        if plain == normalize(text):
            return terms
        have = set(terms)
        return terms + list(dict.fromkeys(t for t in self.terms(plain) if t not in have))


def is_english(text: str) -> bool:
    """True when the text is mostly Latin letters (an English question)."""
    han = len(HAN_RE.findall(text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return latin > 0 and han * 3 < latin


@lru_cache
def get_tokenizer() -> Tokenizer:
    return Tokenizer()
