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
}
