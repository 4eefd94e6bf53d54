"""The one message catalogue: every user-visible string, zh-CN by default, English for `en`."""
from __future__ import annotations

DEFAULT_LANG = "zh"

CATALOGUE: dict[str, dict[str, str]] = {
    "ask.empty": {
        "zh": "请输入一个问题，例如：小区党支部设几名委员？",
        "en": "Please type a question, e.g. “How many committee members does a compound party branch have?”",
    },
    "ask.no_words": {
        "zh": "没有看懂这个问题：请用文字提问，例如：在职党员什么时候报到？",
        "en": "I could not find any words in that. Please ask in words, e.g. “When must party members check in?”",
    },
    "ask.too_long": {
        "zh": "问题太长（{length} 字，最多 {limit} 字），请只保留要问的内容。",
        "en": "That question is too long ({length} characters, at most {limit}). Please keep just the question.",
    },
    "answer.lead": {
        "zh": "",
        "en": "Clause {clause} of {doc} answers this (quoted in Chinese):",
    },
    "answer.not_covered": {
        "zh": "文件没有对此作出规定（已检索：{docs}）。",
        "en": "The directive does not cover this (searched: {docs}).",
    },
    "answer.related": {"zh": "相关条款：{items}", "en": "Related clauses: {items}"},
    "answer.source": {"zh": "出处：{doc} {path}", "en": "Source: {doc} {path}"},
    "answer.no_index": {
        "zh": "知识库里还没有文件，请先运行 assistant ingest。",
        "en": "No documents are indexed yet. Run `assistant ingest` first.",
    },
    "ingest.summary": {
        "zh": "新增 {added}，更新 {updated}，未变 {unchanged}，移除 {removed}，跳过 {skipped}；共 {chunks} 个条款块。",
        "en": "added {added}, updated {updated}, unchanged {unchanged}, removed {removed}, skipped {skipped}; {chunks} clause chunks in all.",
    },
    "ingest.skipped": {"zh": "已跳过 {name}：{reason}", "en": "skipped {name}: {reason}"},
    "cli.prompt": {"zh": "问题（空行退出）> ", "en": "question (empty line quits)> "},
}


def t(key: str, lang: str | None = None, **values: object) -> str:
    """The message `key` in `lang` (zh or en; anything else falls back to zh), formatted."""
    entry = CATALOGUE[key]
    lang = "en" if (lang or "").lower().startswith("en") else DEFAULT_LANG
    return entry.get(lang, entry[DEFAULT_LANG]).format(**values)
