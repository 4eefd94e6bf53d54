"""Policy Q&A: /ask [question], plain text, and the related-clauses button.

```mermaid
stateDiagram-v2
    [*] --> QUESTION: /ask (no text)
    QUESTION --> [*]: question answered
    QUESTION --> [*]: /cancel
```
"""
from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from ..knowledge.answer import Answer, lead_line, source_line
from ..knowledge.tokenize import is_english
from ..llm.answer import llm_answer
from ..messages import t
from ..needs.freetext import prefill, reads_like_problem
from .common import cancel_command, conversation, keep_for_message, kept_for_message, lang_of, reply, runtime
from .needs.need_steps import emergency_notice

QUESTION = "ask.question"
RELATED = "related"
RELATED_BY_MESSAGE = "related_by_message"  # chat_data: answer message id → its related clauses (persisted)
RELATED_SHOWN = 4
EXCERPT_CHARS = 80
OFFERED_NEEDS = "offered_needs"  # chat_data: message id → the text its 登记为需求 button files (handlers/needs/need.py)
OFFER_DATA = "nf:offer"  # callback data of that button


def format_answer(result: Answer, lang: str) -> str:
    """Chat form of an answer: lead, quote, clause and document (HTML)."""
    if not result.confident:
        return escape(result.answer)
    top = result.citations[0]
    lines = []
    lead = result.answer if result.mode == "llm" else lead_line(top.clause, top.doc, lang)
    if lead:  # the model's checked answer, or the English lead line
        lines.append(escape(lead))
    lines.append(f"<blockquote>{escape(result.quote)}</blockquote>")
    lines.append(escape(source_line(top, lang)))
    if result.mode == "llm":
        lines.append(escape(t("llm.answer_note", lang)))
    return "\n".join(lines)


async def answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    """Answer one question and offer the related clauses."""
    rt = runtime(context)
    lang = "en" if is_english(question) else lang_of(update)
    result = await llm_answer(rt.index, rt.llm, question, lang)  # extractive unless an LLM answer passes the check
    rows = []
    related = [[c.doc, c.path, c.text[:EXCERPT_CHARS]] for c in result.citations[1 if result.confident else 0:][:RELATED_SHOWN]]
    if related:
        rows.append([InlineKeyboardButton(t("bot.related_button", lang), callback_data=RELATED)])
    offered = not result.confident and reads_like_problem(question, rt.policies.needs, rt.policies.intake)
    if offered:  # no clause, but a problem: offer to file it beside the refusal
        if rt.policies.needs.is_emergency(prefill(question, rt.policies.needs).category):  # the numbers first
            await update.effective_message.reply_text(emergency_notice(rt.policies.needs, lang))
        rows.insert(0, [InlineKeyboardButton(t("needform.offer_yes", lang), callback_data=OFFER_DATA)])
    markup = InlineKeyboardMarkup(rows) if rows else None
    sent = await update.effective_message.reply_text(format_answer(result, lang), parse_mode=ParseMode.HTML,
                                                     reply_markup=markup)
    if related:  # the buttons belong to this answer: keyed by the message they are under
        keep_for_message(context, RELATED_BY_MESSAGE, sent, related)
    if offered:
        keep_for_message(context, OFFERED_NEEDS, sent, question)


async def ask_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | int:
    """/ask QUESTION answers at once; /ask alone asks for the question."""
    if context.args:
        await answer(update, context, " ".join(context.args))
        return ConversationHandler.END
    await reply(update, "bot.ask_prompt")
    return QUESTION


async def receive_question(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """The question typed after /ask."""
    await answer(update, context, update.effective_message.text)
    return ConversationHandler.END


async def show_related(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The related-clauses button."""
    query = update.callback_query
    await query.answer()
    items = kept_for_message(context, RELATED_BY_MESSAGE, query.message) or []
    lang = lang_of(update)
    if not items:
        await query.message.reply_text(t("bot.related_none", lang))
        return
    lines = [escape(t("bot.related_title", lang))]
    lines += [f"• <b>{escape(doc)}</b> {escape(path)}\n  {escape(text)}…" for doc, path, text in items]
    await query.message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)


def build_handler() -> ConversationHandler:
    """The /ask conversation."""
    return conversation(
        entry_points=[CommandHandler("ask", ask_command)],
        states={QUESTION: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_question)]},
        fallbacks=[cancel_command()],
        name="ask",
        allow_reentry=True,  # /ask typed again while it waits for the question: asked afresh
    )


def extra_handlers() -> list:
    """Handlers outside the conversation: the related-clauses button."""
    return [CallbackQueryHandler(show_related, pattern=f"^{RELATED}$")]
