"""Messages of the optional LLM assistance (issue 8)."""
from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "llm.answer_note": {
        "zh": "（以上由语言模型依据条款撰写，数字、日期和条款号已与原文核对。）",
        "en": "(Written by the language model from the clause; numbers, dates and clause labels checked against the text.)",
    },
    "llm.checkin_hint": {
        "zh": "看起来您要办理党员回家报到：请发送 /checkin 开始登记。",
        "en": "It looks like you want to check in where you live as a party member: send /checkin to start.",
    },
    "llm.draft_needs_model": {
        "zh": "起草问题库需要语言模型：请设置 LLM_BASE_URL 和 LLM_MODEL。",
        "en": "Drafting a question bank needs a language model: set LLM_BASE_URL and LLM_MODEL.",
    },
    "llm.draft_exists": {
        "zh": "{path} 已存在（可能已有人审阅）：用 --out 另存，或加 --force 覆盖。",
        "en": "{path} exists (someone may be reviewing it): write elsewhere with --out, or overwrite with --force.",
    },
    "llm.draft_dropped": {"zh": "条款 {clause}：舍弃一条草稿（{reason}）", "en": "clause {clause}: a draft entry dropped ({reason})"},
    "llm.draft.no_sentence": {"zh": "本条没有第 {sentence} 句", "en": "the clause has no sentence {sentence}"},
    "llm.draft.not_verbatim": {"zh": "依据「{evidence}」不是第 {sentence} 句的原文",
                               "en": "evidence “{evidence}” is not verbatim in sentence {sentence}"},
    "llm.draft.unknown_type": {"zh": "未知的答案类型 {asks}", "en": "unknown answer type {asks}"},
    "llm.draft.no_questions": {"zh": "第 {sentence} 句没有问法", "en": "no questions for sentence {sentence}"},
    "llm.draft.not_located": {"zh": "问题库读取时找不到依据「{evidence}」", "en": "the bank loader would not find “{evidence}”"},
    "llm.draft.empty_gap": {"zh": "未规定事项缺少对象或问法", "en": "a gap without an entity or questions"},
    "llm.draft_failed": {"zh": "条款 {clause}：模型未给出可用结果（{reason}）",
                         "en": "clause {clause}: the model gave nothing usable ({reason})"},
    "llm.draft_summary": {
        "zh": "已写入 {path}：{entries} 条（{questions} 个问法），舍弃 {dropped} 条，{failed} 个条款未起草。"
              "这是草稿，索引不会读取：审阅后将保留的条目移入 {bank}，再运行 assistant ingest。",
        "en": "wrote {path}: {entries} entries ({questions} questions), {dropped} dropped, {failed} clauses not drafted. "
              "It is a draft the index never reads: review it, move what holds into {bank}, then run assistant ingest.",
    },
}
