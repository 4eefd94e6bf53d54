"""Every update is one durable step: dropped when it was handled before, else handled, then marked handled in
the same transaction that saves the conversation state and user data its handler left (SQLPersistence.commit).

Polling confirms an update to Telegram (the next getUpdates offset) only once its step is saved, so after a
kill -9 every update not saved is delivered again and handled again from the state saved before it, and one
that was saved is dropped. What a handler writes before it returns is not in that transaction: a form's
submission goes through `once`, so handling it again repeats the replies but writes no second row.
(Webhook mode cannot hold Telegram back: an update cut off there is not delivered again.)
"""
from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from telegram import Update
from telegram.ext import Application

from ..storage import kv
from .common import RUNTIME, in_session
from .sending import LimitedBot

RECENT_UPDATES = 10_000  # update ids remembered in memory, so a redelivery seen by this process costs no query
FORMS = "forms_done"  # kv namespace: the kept result of each form submitted, by form key


class DurableBot(LimitedBot):
    """The bot (sends within Telegram's limits: LimitedBot) whose getUpdates confirms to Telegram only the updates
    whose steps are saved."""

    __slots__ = ("_open", "_settled")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._open: set[int] = set()  # fetched, step not saved yet
            self._settled = asyncio.Event()

    async def get_updates(self, offset: int | None = None, limit: int | None = None,
                          timeout: float | timedelta | None = None, *args, **kwargs) -> tuple[Update, ...]:
        asked = min([offset or 0, *self._open]) if self._open else offset
        self._settled.clear()
        updates = await super().get_updates(asked, limit, timeout, *args, **kwargs)
        fresh = tuple(u for u in updates if offset is None or u.update_id >= offset)
        self._open.update(u.update_id for u in fresh)
        wait = timeout.total_seconds() if isinstance(timeout, timedelta) else timeout
        if updates and not fresh and wait:  # only steps still running came back: wait for one to be saved
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._settled.wait(), wait)
        return fresh

    def settle(self, update_id: int) -> None:
        """The update's step is saved (or it was dropped): the next getUpdates confirms it."""
        self._open.discard(update_id)
        self._settled.set()


class DurableApplication(Application):
    """process_update as one durable step (see the module docstring); one update at a time, as configured."""

    _steps = 0  # updates being handled now: the periodic persistence run waits for their own commits

    async def process_update(self, update: object) -> None:
        if not isinstance(update, Update) or self.persistence is None:
            return await super().process_update(update)
        try:
            await self._step(update)
        finally:
            if isinstance(self.bot, DurableBot):
                self.bot.settle(update.update_id)

    async def _step(self, update: Update) -> None:
        rt = self.bot_data[RUNTIME]
        try:
            fresh = await _fresh(rt, update.update_id)
        except Exception as exc:  # the database cannot tell: the user hears it failed
            await self.process_error(update=update, error=exc)
            return
        if not fresh:
            return
        self._steps += 1
        try:
            await super().process_update(update)
        finally:
            self._steps -= 1
        await self._commit((rt.channel, update.update_id))

    async def update_persistence(self) -> None:
        if self._steps:
            return  # a step in progress commits everything pending itself
        await self._commit(None)

    async def _commit(self, processed: tuple[str, int] | None) -> None:
        try:
            await super().update_persistence()  # hands every change to the persistence, which keeps them
            await self.persistence.commit(processed)
        except Exception as exc:  # logged by the error handler; the update stays unmarked
            await self.process_error(update=None, error=exc)


async def _fresh(rt, update_id: int) -> bool:
    """True the first time this update id is seen (in this process, and as handled in the database)."""
    recent = rt.recent_updates
    if update_id in recent:
        return False
    recent[update_id] = None
    while len(recent) > RECENT_UPDATES:
        recent.popitem(last=False)

    def handled() -> bool:
        with rt.db.session(read_only=True) as session:
            return kv.is_processed(session, rt.channel, update_id)

    return not await asyncio.to_thread(handled)


async def once(context, key: str, fn):
    """fn(session) -> a JSON-able result, or None when it did nothing; the first result is kept under `key`
    in fn's own transaction, and every later call with that key (the update handled again after a crash, a
    stale button pressed again) gets the kept result without running fn."""

    def work(session):
        kept = kv.get(session, FORMS, key)
        if kept is not None:
            return kept
        result = fn(session)
        if result is not None:
            kv.put(session, FORMS, key, result)
        return result

    return await in_session(context, work)
