"""The outbox sender: one job sends what the outbox holds due — notices and scheduled digests — claiming each
row before sending it, so two runs (or two processes) never send a row twice; a failure is recorded for a
retry (Telegram's RetryAfter honoured) or, when permanent (blocked bot, unknown chat), marked failed.

`notify` queues a notice and sends it at once; whatever that first try does not deliver, the job does.
Logs carry row and person ids only, never a chat id or a name."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes

from ..digest import outbox as digests
from ..outbox import notices
from ..outbox.retry import FAILED
from .common import in_session, runtime

log = logging.getLogger(__name__)
OUTBOX_JOB = "outbox_send"
TELEGRAM = "telegram"
BATCH = 100
# Bad Requests that no retry can fix: the chat is gone (any other Bad Request is retried).
PERMANENT_BAD_REQUESTS = ("chat not found", "user is deactivated", "peer_id_invalid", "bot can't initiate")


def _outcome(err: Exception) -> dict:
    """retry.settle's keywords for a failed send."""
    if isinstance(err, RetryAfter):  # a timedelta, read as PTB's own AIORateLimiter does (the public int is deprecated)
        return {"error": str(err), "retry_after": err._retry_after.total_seconds()}
    permanent = isinstance(err, (Forbidden, ValueError)) or (
        isinstance(err, BadRequest) and any(p in str(err).lower() for p in PERMANENT_BAD_REQUESTS))
    return {"error": f"{type(err).__name__}: {err}", "permanent": permanent}


async def _attempt(send: Callable[[], Awaitable[None]]) -> dict:
    try:
        await send()
    except (TelegramError, ValueError) as err:
        return _outcome(err)
    return {}


async def _drain(context: ContextTypes.DEFAULT_TYPE, what: str, due, claim, send, record) -> int:
    """Claim, send and record every row `due(session)` returns, batch after batch; returns rows sent."""
    rt = runtime(context)
    sent, tried = 0, set()
    while batch := [i for i in await in_session(context, due) if i.id not in tried]:
        tried |= {i.id for i in batch}
        for item in batch:
            if not await in_session(context, lambda s, i=item.id: claim(s, i, rt.clock(), rt.settings)):
                continue  # another sender has it, or it was sent meanwhile
            progress = [getattr(item, "parts_sent", 0)]
            outcome = await _attempt(lambda i=item: send(context, i, progress))
            status = await in_session(context, lambda s, i=item, o=outcome: record(s, i, progress[0], rt.clock(),
                                                                                   rt.settings, **o))
            if not outcome:
                sent += 1
            elif "retry_after" in outcome:  # flood control holds for the whole bot: the rest waits too
                log.warning("%s %d to person %d: flood control, retrying in %.0f s", what, item.id, item.person_id,
                            outcome["retry_after"])
                return sent
            elif status == FAILED:
                log.error("%s %d to person %d failed for good after %d attempts: %s", what, item.id, item.person_id,
                          item.attempts + 1, outcome["error"])
            else:
                log.warning("%s %d to person %d not sent (will retry): %s", what, item.id, item.person_id,
                            outcome["error"])
    return sent


def _markup(buttons) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(label, callback_data=data) for label, data in row]
                                 for row in buttons])


async def _send_notice(context, item: notices.Outgoing, progress: list[int]) -> None:
    await context.bot.send_message(chat_id=int(item.external_id), text=item.text, reply_markup=_markup(item.buttons))


async def _send_digest(context, item: digests.Outgoing, progress: list[int]) -> None:
    """Text chunks, then the chart; `progress[0]` counts the parts gone (a retry resumes there)."""
    for chunk in item.chunks[progress[0]:]:
        await context.bot.send_message(chat_id=int(item.external_id), text=chunk)
        progress[0] += 1
    if item.chart_png is not None and progress[0] == len(item.chunks):
        await context.bot.send_photo(chat_id=int(item.external_id), photo=item.chart_png, caption=item.caption)
        progress[0] += 1


async def send_notices(context: ContextTypes.DEFAULT_TYPE, ids: Iterable[int] | None = None) -> int:
    """Send the due notices (only `ids`, when given); returns how many went."""
    rt = runtime(context)
    if rt.channel != TELEGRAM:
        return 0
    wanted = None if ids is None else list(ids)
    if wanted == []:
        return 0
    return await _drain(context, "notice", lambda s: notices.due(s, rt.clock(), BATCH, wanted), notices.claim,
                        _send_notice, lambda s, i, _parts, now, settings, **o: notices.record(s, i.id, now, settings, **o))


async def send_digests(context: ContextTypes.DEFAULT_TYPE) -> int:
    """Send the due digests part by part; returns how many were completed."""
    rt = runtime(context)
    return await _drain(context, "digest", lambda s: digests.pending(s, rt.clock(), BATCH), digests.claim,
                        _send_digest, lambda s, i, parts, now, settings, **o: digests.record(s, i.id, parts, now,
                                                                                             settings, **o))


async def deliver(context: ContextTypes.DEFAULT_TYPE) -> int:
    """The outbox job: every due notice and digest; returns how many went."""
    return await send_notices(context) + await send_digests(context)


async def notify(context: ContextTypes.DEFAULT_TYPE, kind: str, recipients, render: Callable[[str], str],
                 buttons: Callable[[str], notices.Buttons] | None = None) -> int:
    """Queue `render(lang)` (with `buttons(lang)`: rows of (label, callback data)) for every recipient account
    on this channel, then try to send it now; returns how many went at once (the job retries the rest)."""
    rt = runtime(context)
    if (channel := notice_channel(rt)) is None:
        return 0
    ids = await in_session(context, lambda s: notices.queue(s, kind, recipients, render, buttons,
                                                            channel=channel, now=rt.clock()))
    return await send_notices(context, ids)


def notice_channel(rt) -> str | None:
    """The channel notices are queued for: Telegram, or none in the terminal (its one user is not everyone)."""
    return TELEGRAM if rt.channel == TELEGRAM else None


def schedule(application: Application, interval_seconds: float) -> None:
    """Send what the outbox holds due every `interval_seconds` (and soon after start-up: rows queued before a
    restart or a crash go out then)."""
    application.job_queue.run_repeating(deliver, interval=interval_seconds, first=min(5.0, interval_seconds),
                                        name=OUTBOX_JOB)
