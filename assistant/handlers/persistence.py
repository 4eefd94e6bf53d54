"""PTB persistence backed by the project's SQL storage (not a pickle file).

Changes are kept until `commit`, which writes them in one transaction, with the update they came from
marked handled (assistant/handlers/durable.py calls it after every update): a kill -9 leaves either the
whole step on disk or none of it.
"""
from __future__ import annotations

import asyncio
import json
from copy import deepcopy

from telegram.ext import BasePersistence, PersistenceInput

from ..storage import kv
from ..storage.db import Database

CONVERSATIONS = "conversation:"
USER_DATA, CHAT_DATA = "user_data", "chat_data"
DROPPED = object()  # a pending removal


class SQLPersistence(BasePersistence):
    """Conversations, user_data and chat_data as JSON rows; bot_data holds live services and is not stored."""

    def __init__(self, db: Database, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False, user_data=True, chat_data=True),
            update_interval=update_interval,
        )
        self.db = db
        self._stored: dict[tuple[str, str], str] = {}  # what the database holds, to skip unchanged writes
        self._pending: dict[tuple[str, str], object] = {}  # changes not committed yet: (value, dump) or DROPPED
        self._commit_lock = asyncio.Lock()

    async def _run(self, fn, *args):
        def work():
            with self.db.session() as session:
                return fn(session, *args)

        return await asyncio.to_thread(work)

    async def _load(self, namespace: str) -> dict[int, dict]:
        rows = await self._run(kv.get_all, namespace)
        for key, value in rows.items():
            self._stored[(namespace, key)] = _dump(value)
        return {int(k): v for k, v in rows.items()}

    async def _put(self, namespace: str, key: str, value) -> None:
        dumped = _dump(value)
        if self._stored.get((namespace, key)) == dumped:
            self._pending.pop((namespace, key), None)  # PTB marks every chat and user that sent an update;
            return  # most did not change anything
        self._pending[(namespace, key)] = (value, dumped)

    async def _delete(self, namespace: str, key: str) -> None:
        self._pending[(namespace, key)] = DROPPED

    async def commit(self, processed: tuple[str, int] | None = None) -> None:
        """Write every pending change and, given (channel, update id), mark that update handled: one transaction."""
        async with self._commit_lock:
            pending, self._pending = self._pending, {}
            if not pending and processed is None:
                return
            for key, change in pending.items():  # what the database holds once this commits
                if change is DROPPED:
                    self._stored.pop(key, None)
                else:
                    self._stored[key] = change[1]
            try:
                await self._run(_write_step, pending, processed)
            except BaseException:
                for key in pending:
                    self._stored.pop(key, None)  # unknown now: written again whatever it equals
                self._pending = {**pending, **self._pending}
                raise

    async def get_user_data(self) -> dict[int, dict]:
        return await self._load(USER_DATA)

    async def get_chat_data(self) -> dict[int, dict]:
        return await self._load(CHAT_DATA)

    async def get_bot_data(self) -> dict:
        return {}

    async def get_callback_data(self):
        return None

    async def get_conversations(self, name: str) -> dict:
        namespace = CONVERSATIONS + name
        rows = await self._run(kv.get_all, namespace)
        for key, value in rows.items():
            self._stored[(namespace, key)] = _dump(value)
        return {tuple(json.loads(k)): v for k, v in rows.items()}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        if new_state is None:
            await self._delete(CONVERSATIONS + name, json.dumps(list(key)))
        else:
            await self._put(CONVERSATIONS + name, json.dumps(list(key)), new_state)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        await self._put(USER_DATA, str(user_id), deepcopy(data))

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._put(CHAT_DATA, str(chat_id), deepcopy(data))

    async def update_bot_data(self, data: dict) -> None:
        return None

    async def update_callback_data(self, data) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._delete(CHAT_DATA, str(chat_id))

    async def drop_user_data(self, user_id: int) -> None:
        await self._delete(USER_DATA, str(user_id))

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict) -> None:
        return None

    async def flush(self) -> None:
        await self.commit()


def _write_step(session, pending: dict, processed: tuple[str, int] | None) -> None:
    for (namespace, key), change in pending.items():
        if change is DROPPED:
            kv.delete(session, namespace, key)
        else:
            kv.put(session, namespace, key, change[0])
    if processed is not None:
        kv.mark_processed(session, *processed)


def _dump(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
