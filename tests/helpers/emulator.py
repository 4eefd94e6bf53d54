"""End-to-end harness for the Telegram bot: a Telegram Bot API emulator plus helpers to run PTB against it.

The emulator is the npm package ``telegram-test-api`` (pinned in ``tests/helpers/emulator/package.json``)
behind ``tests/helpers/emulator/start.js``, which fixes its incompatibilities with python-telegram-bot 22.
Everything installs itself: the first use runs ``npm ci`` in ``tests/helpers/emulator`` (Node.js >= 18 and
npm must be on PATH).

Usage (sync pytest tests; the bot runs in a background thread with its own event loop)::

    from tests.helpers.emulator import run_app, telegram_emulator  # noqa: F401  (fixture)

    def test_start(telegram_emulator):
        app = telegram_emulator.application_builder().build()
        app.add_handler(CommandHandler("start", start))
        chat = telegram_emulator.new_chat_id()
        with run_app(app):
            telegram_emulator.send_command(chat, "/start CODE")
            reply = telegram_emulator.wait_for_reply(chat, "Welcome")
            assert reply["text"].startswith("Welcome")

To share the fixture with every test module, tests/conftest.py can import it the same way. One session
emulator serves all tests: give each test its own chat (``new_chat_id()``) and run one Application per
token at a time (two bots polling one token steal each other's updates).

A bot message, as the client methods return it, is the stored request of the bot (``text``,
``caption``, ``reply_markup``, ``parse_mode``, ``photo``, ``document``, ``file_name``...) plus
``message_id``, ``chat_id`` (int), ``edits`` (how many times it was edited) and ``time`` (ms).
"""
from __future__ import annotations

import asyncio
import collections
import contextlib
import fcntl
import hashlib
import itertools
import logging
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

import httpx
import pytest

if TYPE_CHECKING:  # pragma: no cover
    from telegram.ext import Application, ApplicationBuilder

__all__ = [
    "EMULATOR_DIR",
    "EmulatorError",
    "RunningApp",
    "TelegramEmulator",
    "async_run_app",
    "ensure_installed",
    "run_app",
    "start_app",
    "telegram_emulator",
]

log = logging.getLogger(__name__)

EMULATOR_DIR = Path(__file__).resolve().parent / "emulator"
START_JS = EMULATOR_DIR / "start.js"
_STAMP = EMULATOR_DIR / "node_modules" / ".harness-installed"
_LOCK = EMULATOR_DIR / ".install.lock"

DEFAULT_TOKEN = "123456:TEST"
Predicate = Union[None, str, "re.Pattern[str]", Callable[[dict], bool]]


class EmulatorError(RuntimeError):
    """The emulator could not be installed or started."""


# --------------------------------------------------------------------------------------------------
# installation


def _lock_digest() -> str:
    h = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        h.update(name.encode())
        h.update((EMULATOR_DIR / name).read_bytes())
    return h.hexdigest()


def _installed_ok(digest: str) -> bool:
    try:
        return (
            _STAMP.read_text().strip() == digest
            and (EMULATOR_DIR / "node_modules" / "telegram-test-api" / "package.json").is_file()
        )
    except OSError:
        return False


def ensure_installed(*, timeout: float = 600) -> float:
    """Run ``npm ci --prefix tests/helpers/emulator`` unless node_modules matches the lock already.

    node_modules counts as current when the stamp that the last successful ``npm ci`` left in it holds
    the hash of package.json + package-lock.json. Safe to call from parallel processes (file lock).
    Returns the seconds spent installing (0.0 when nothing was to do).
    """
    digest = _lock_digest()
    if _installed_ok(digest):
        return 0.0
    npm = shutil.which("npm")
    node = shutil.which("node")
    if npm is None or node is None:
        missing = [n for n, p in (("node", node), ("npm", npm)) if p is None]
        raise EmulatorError(
            f"The Telegram emulator needs Node.js (>= 18) and npm, but {' and '.join(missing)} "
            f"{'are' if len(missing) > 1 else 'is'} not on PATH. "
            "Install them (Debian: `apt-get install -y nodejs npm`) and run the tests again; the harness "
            f"then runs `npm ci --prefix {EMULATOR_DIR}` by itself."
        )
    with open(_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if _installed_ok(digest):  # another process installed it while we waited
                return 0.0
            started = time.monotonic()
            cmd = [npm, "ci", "--prefix", str(EMULATOR_DIR), "--no-audit", "--no-fund", "--loglevel=error"]
            try:
                proc = subprocess.run(
                    cmd, cwd=EMULATOR_DIR, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
                )
            except subprocess.TimeoutExpired as exc:
                raise EmulatorError(f"`{' '.join(cmd)}` did not finish within {timeout:.0f}s") from exc
            if proc.returncode != 0:
                raise EmulatorError(
                    f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
                )
            _STAMP.write_text(digest + "\n")
            return time.monotonic() - started
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------------
# the emulator process and its client


def _match(predicate: Predicate, message: dict) -> bool:
    if predicate is None:
        return True
    if isinstance(predicate, str):
        return predicate in (message.get("text") or message.get("caption") or "")
    if isinstance(predicate, re.Pattern):
        return predicate.search(message.get("text") or message.get("caption") or "") is not None
    return bool(predicate(message))


def _bot_message(entry: dict) -> dict:
    message = dict(entry["message"])
    with contextlib.suppress(KeyError, TypeError, ValueError):
        message["chat_id"] = int(message["chat_id"])
    message["message_id"] = entry["messageId"]
    message["edits"] = entry.get("edits", 0)
    message["time"] = entry["time"]
    return message


class TelegramEmulator:
    """A running emulator (node start.js) and a client acting as Telegram users against it."""

    def __init__(self, *, token: str = DEFAULT_TOKEN, port: int = 0, node: str | None = None) -> None:
        self.token = token
        self._requested_port = port
        self._node = node or shutil.which("node") or "node"
        self.port: int | None = None
        self.process: subprocess.Popen[str] | None = None
        # One HTTP client per calling thread: fifty threads sharing one connection pool once failed reading a
        # response with EBADF (a connection closed under one thread while another read it; CI, 2026-12-06).
        self._clients: dict[int, httpx.Client] = {}
        self._clients_lock = threading.Lock()
        self._output: collections.deque[str] = collections.deque(maxlen=400)
        self._inbox: dict[int, list[dict]] = collections.defaultdict(list)
        self._lock = threading.Lock()
        self._pressed: dict[int, dict] = {}  # chat -> the bot message whose button was pressed last (as read)
        self._chat_ids = itertools.count(10_001)
        self.install_seconds: float | None = None
        self.start_seconds: float | None = None

    # ---------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        if self.port is None:
            raise EmulatorError("the emulator is not running")
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: PTB appends the token."""
        return f"{self.url}/file/bot"

    def start(self, *, timeout: float = 30) -> TelegramEmulator:
        self.install_seconds = ensure_installed()
        started = time.monotonic()
        cmd = [self._node, str(START_JS), str(self._requested_port), "--exit-on-stdin-close"]
        try:
            self.process = subprocess.Popen(
                cmd,
                cwd=EMULATOR_DIR,
                stdin=subprocess.PIPE,  # the emulator exits when this closes, i.e. when this process dies
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                bufsize=1,
            )
        except OSError as exc:
            raise EmulatorError(f"cannot run `{' '.join(cmd)}` (is Node.js >= 18 installed?): {exc}") from exc
        ready = threading.Event()
        found: dict[str, int] = {}

        def drain() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                line = line.rstrip("\n")
                self._output.append(line)
                m = re.match(r"ready http://127\.0\.0\.1:(\d+)", line)
                if m and not ready.is_set():
                    found["port"] = int(m.group(1))
                    ready.set()
            ready.set()  # process ended: wake the waiter

        threading.Thread(target=drain, name="telegram-emulator-output", daemon=True).start()
        if not ready.wait(timeout) or "port" not in found:
            self.stop()
            raise EmulatorError(f"the emulator did not start within {timeout}s:\n{self.log_tail()}")
        self.port = found["port"]
        self.start_seconds = time.monotonic() - started
        return self

    def stop(self) -> None:
        with self._clients_lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()
        proc, self.process = self.process, None
        if proc is None:
            return
        with contextlib.suppress(Exception):
            if proc.stdin:
                proc.stdin.close()
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        self.port = None

    def __enter__(self) -> TelegramEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log_tail(self, lines: int = 40) -> str:
        """The emulator's last output lines (its stderr carries unimplemented methods and errors)."""
        return "\n".join(list(self._output)[-lines:])

    # ---------------------------------------------------------------- building the bot
    def application_builder(self) -> ApplicationBuilder:
        """``ApplicationBuilder().token(token).base_url(base_url).base_file_url(base_file_url)``."""
        from telegram.ext import ApplicationBuilder

        return ApplicationBuilder().token(self.token).base_url(self.base_url).base_file_url(self.base_file_url)

    def new_chat_id(self) -> int:
        """A chat id (= user id, private chat) no other test of this session uses."""
        return next(self._chat_ids)

    # ---------------------------------------------------------------- acting as the user
    def _post(self, path: str, payload: dict) -> Any:
        response = self._client().post(path, json=payload)
        if response.status_code != 200:
            raise EmulatorError(f"POST {path} -> HTTP {response.status_code}: {response.text[:500]}")
        body = response.json()
        if not body.get("ok", False):
            raise EmulatorError(f"POST {path} -> {body}")
        return body.get("result")

    def _client(self) -> httpx.Client:
        if self.port is None:
            raise EmulatorError("the emulator is not running")
        with self._clients_lock:
            client = self._clients.get(threading.get_ident())
            if client is None:
                client = self._clients[threading.get_ident()] = httpx.Client(base_url=self.url, timeout=10,
                                                                             trust_env=False)
            return client

    @staticmethod
    def _user(chat_id: int, first_name: str, language_code: str | None, user_id: int | None) -> dict:
        user: dict[str, Any] = {"id": user_id or chat_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    @staticmethod
    def _chat(chat_id: int, first_name: str) -> dict:
        if chat_id < 0:
            return {"id": chat_id, "type": "group", "title": "Test group"}
        return {"id": chat_id, "type": "private", "first_name": first_name}

    def _user_message(self, chat_id, text, first_name, language_code, user_id) -> dict:
        return {
            "botToken": self.token,
            "date": int(time.time()),
            "text": text,
            "from": self._user(chat_id, first_name, language_code, user_id),
            "chat": self._chat(chat_id, first_name),
        }

    def send_message(
        self,
        chat_id: int,
        text: str,
        first_name: str = "Tester",
        language_code: str | None = None,
        *,
        user_id: int | None = None,
    ) -> None:
        """The user types ``text`` (plain text, no command entity)."""
        self._post("/sendMessage", self._user_message(chat_id, text, first_name, language_code, user_id))

    def send_command(
        self,
        chat_id: int,
        command: str,
        first_name: str = "Tester",
        language_code: str | None = None,
        *,
        user_id: int | None = None,
    ) -> None:
        """The user sends a command such as ``"/start CODE"`` (with its bot_command entity)."""
        if not command.startswith("/"):
            raise ValueError(f"a command starts with '/': {command!r}")
        head = command.split()[0]
        message = self._user_message(chat_id, command, first_name, language_code, user_id)
        message["entities"] = [{"offset": 0, "length": len(head.encode("utf-16-le")) // 2, "type": "bot_command"}]
        self._post("/sendCommand", message)

    def press(
        self,
        chat_id: int,
        callback_data: str,
        message_id: int,
        first_name: str = "Tester",
        *,
        user_id: int | None = None,
    ) -> None:
        """The user presses an inline button with ``callback_data`` under bot message ``message_id``."""
        user = self._user(chat_id, first_name, None, user_id)
        self._post(
            "/sendCallback",
            {
                "botToken": self.token,
                "data": callback_data,
                "from": user,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": self._chat(chat_id, first_name),
                    "from": {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Bot"},
                },
            },
        )

    def press_button(self, chat_id: int, message: dict, text: str, **kwargs: Any) -> None:
        """Press the inline button labelled ``text`` (exactly, or a substring) of bot ``message``."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        buttons = [b for row in rows for b in row]
        for exact in (True, False):
            for button in buttons:
                label = button.get("text", "")
                if (label == text) if exact else (text in label):
                    self.press(chat_id, button["callback_data"], message["message_id"], **kwargs)
                    self._pressed[chat_id] = message
                    return
        raise AssertionError(f"no button {text!r} under message {message.get('message_id')}: {rows}")

    def _send_file(self, route: str, chat_id: int, data: bytes, first_name: str, user_id, **fields: Any) -> str:
        import base64

        payload = {
            "botToken": self.token,
            "date": int(time.time()),
            "from": self._user(chat_id, first_name, None, user_id),
            "chat": self._chat(chat_id, first_name),
            "content_base64": base64.b64encode(data).decode(),
            **{k: v for k, v in fields.items() if v is not None},
        }
        return self._post(route, payload)["file_id"]

    def send_document(
        self,
        chat_id: int,
        data: bytes,
        file_name: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
        first_name: str = "Tester",
        *,
        user_id: int | None = None,
    ) -> str:
        """The user sends a file; the bot can get_file() + download it. Returns its file_id."""
        return self._send_file(
            "/sendDocument", chat_id, data, first_name, user_id, file_name=file_name, mime_type=mime_type, caption=caption
        )

    def send_photo(
        self, chat_id: int, data: bytes, caption: str | None = None, first_name: str = "Tester", *, user_id=None
    ) -> str:
        """The user sends a photo (PNG/JPEG bytes). Returns its file_id."""
        return self._send_file("/sendPhoto", chat_id, data, first_name, user_id, caption=caption)

    # ---------------------------------------------------------------- what the bot did
    def _fetch(self, chat_id: int) -> None:
        entries = self._post("/getUpdates", {"token": self.token, "chatId": chat_id}) or []
        if entries:
            with self._lock:
                self._inbox[chat_id].extend(_bot_message(e) for e in entries)

    def replies(self, chat_id: int) -> list[dict]:
        """The bot's messages to ``chat_id`` not returned before (in the state they have now)."""
        self._fetch(chat_id)
        with self._lock:
            return self._inbox.pop(chat_id, [])

    def wait_for_reply(self, chat_id: int, predicate: Predicate = None, timeout: float = 10) -> dict:
        """Poll until an unread bot message to ``chat_id`` matches, remove it from the unread ones, return it —
        or the message last pressed with `press_button`, once edited (a form's next step shown in place).

        ``predicate``: None (any), a str (substring of text or caption), a compiled regex, or a callable on
        the message dict. Unread messages that do not match stay unread for later calls.
        """
        deadline = time.monotonic() + timeout
        while True:
            pressed = self._pressed.get(chat_id)
            found, edited = self._step(chat_id, pressed, predicate)
            if found is not None:
                if edited:
                    del self._pressed[chat_id]
                return found
            with self._lock:
                unmatched = [m.get("text") or m.get("caption") for m in self._inbox.get(chat_id, [])]
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no bot reply to chat {chat_id} matching {predicate!r} within {timeout}s; "
                    f"unread replies: {unmatched!r}\nemulator log:\n{self.log_tail(15)}"
                )
            time.sleep(0.02)

    def history(self) -> list[dict]:
        """Everything of this bot, oldest first, as the emulator stores it (/getUpdatesHistory).

        Bot messages: ``{"time", "botToken", "message": {...}, "updateId", "messageId", "isRead"[, "edits"]}``
        in their current (edited) state; user updates: ``{"time", "botToken", "updateId", "messageId",
        "isRead", "message": {...}}`` or ``{..., "callbackQuery": {...}, "callbackId"}``.
        """
        return self._post("/getUpdatesHistory", {"token": self.token}) or []

    def bot_messages(self, chat_id: int | None = None) -> list[dict]:
        """All bot messages (read or not, current state after edits), optionally to one chat."""
        out = [_bot_message(e) for e in self.history() if "message" in e and "chat_id" in e["message"]]
        return [m for m in out if chat_id is None or m["chat_id"] == chat_id]

    def bot_message(self, chat_id: int, message_id: int) -> dict | None:
        """The current state of one bot message (None if unknown or deleted)."""
        return next((m for m in self.bot_messages(chat_id) if m["message_id"] == message_id), None)

    def wait_for_edit(
        self, chat_id: int, message_id: int, predicate: Predicate = None, timeout: float = 10
    ) -> dict:
        """Poll until bot message ``message_id`` has been edited and (then) matches ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.bot_message(chat_id, message_id)
            if message is not None and message["edits"] > 0 and _match(predicate, message):
                return message
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"bot message {message_id} in chat {chat_id} was not edited to match {predicate!r} "
                    f"within {timeout}s; now: {message!r}\nemulator log:\n{self.log_tail(15)}"
                )
            time.sleep(0.02)

    def _step(self, chat_id: int, pressed: dict | None, predicate: Predicate) -> tuple[dict | None, bool]:
        """One look for a form's next step: the pressed bot message edited (since it was read) to match, or an
        unread reply that matches (taken from the inbox). Returns (message or None, whether it was the edit)."""
        if pressed is not None:
            message = self.bot_message(chat_id, pressed["message_id"])
            if message is not None and message["edits"] > pressed.get("edits", 0) and _match(predicate, message):
                return message, True
        self._fetch(chat_id)
        with self._lock:
            inbox = self._inbox.get(chat_id, [])
            for i, new in enumerate(inbox):
                if _match(predicate, new):
                    return inbox.pop(i), False
        return None, False

    def wait_for_step(self, chat_id: int, pressed: dict, predicate: Predicate = None, timeout: float = 10) -> dict:
        """After a button of bot message ``pressed`` was pressed: the form's next step, which is ``pressed``
        edited to match ``predicate`` (edited since it was read), or else a new reply matching it."""
        deadline = time.monotonic() + timeout
        while True:
            found, _ = self._step(chat_id, pressed, predicate)
            if found is not None:
                return found
            if time.monotonic() > deadline:
                message = self.bot_message(chat_id, pressed["message_id"])
                raise AssertionError(
                    f"no step matching {predicate!r} in chat {chat_id} within {timeout}s (neither message "
                    f"{pressed['message_id']} edited nor a new reply); now: {message!r}\n{self.log_tail(15)}")
            time.sleep(0.02)

    def callback_answers(self) -> list[dict]:
        """The bot's answerCallbackQuery calls, oldest first (callback_query_id, text, show_alert...)."""
        return self._post("/getCallbackAnswers", {"token": self.token}) or []

    def my_commands(self) -> dict:
        """What the bot set with setMyCommands: {json([scope, language_code]): [BotCommand dicts]}."""
        return self._post("/getMyCommands", {"token": self.token}) or {}


# --------------------------------------------------------------------------------------------------
# running a PTB Application against it


@dataclass
class RunningApp:
    """A started Application and the thread + event loop it runs in."""

    app: Application
    loop: asyncio.AbstractEventLoop
    thread: threading.Thread
    errors: list[BaseException] = field(default_factory=list)
    _error_handler: Any = None
    _stopped: bool = False

    def call(self, coro: Any, timeout: float = 30) -> Any:
        """Run a coroutine on the bot's event loop (e.g. ``running.call(app.bot.send_message(...))``)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self, timeout: float = 30) -> None:
        """Stop polling, stop and shut the Application down (post_stop/post_shutdown too), end the thread."""
        if self._stopped:
            return
        self._stopped = True
        try:
            asyncio.run_coroutine_threadsafe(_astop(self.app), self.loop).result(timeout)
        finally:
            if self._error_handler is not None:
                with contextlib.suppress(Exception):
                    self.app.remove_error_handler(self._error_handler)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout)


WEBHOOK_SECRET = "emulator-webhook-secret"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _astart(
    app: Application, poll_interval: float, timeout: float, drop_pending_updates: bool, webhook: bool = False
) -> None:
    await app.initialize()
    try:
        if app.post_init:
            await app.post_init(app)
        assert app.updater is not None, "build the Application with an Updater (the default)"
        if webhook:
            port = _free_port()
            await app.updater.start_webhook(
                listen="127.0.0.1",
                port=port,
                url_path="telegram-webhook",
                webhook_url=f"http://127.0.0.1:{port}/telegram-webhook",
                secret_token=WEBHOOK_SECRET,
                drop_pending_updates=drop_pending_updates,
            )
        else:
            await app.updater.start_polling(
                poll_interval=poll_interval, timeout=timeout, drop_pending_updates=drop_pending_updates
            )
        await app.start()
    except BaseException:
        await _astop(app)
        raise


async def _astop(app: Application) -> None:
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
        if app.post_stop:
            await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown:
        await app.post_shutdown(app)


def _collector(errors: list[BaseException]) -> Callable:
    async def collect_error(update: object, context: Any) -> None:
        errors.append(context.error)
        log.error("error in the bot under test (update %r)", update, exc_info=context.error)

    return collect_error


def start_app(
    app: Application,
    *,
    poll_interval: float = 0.05,
    timeout: float = 10,
    drop_pending_updates: bool = False,
    webhook: bool = False,
    collect_errors: bool = True,
    start_timeout: float = 30,
) -> RunningApp:
    """Start ``app`` polling in a new thread with its own event loop; returns a RunningApp to stop().

    As ``run_polling`` does: initialize, post_init, updater.start_polling, start. ``timeout`` is the long
    polling timeout (the emulator holds an idle getUpdates up to that long and answers as soon as an update
    arrives; stop() cancels it at once). ``webhook=True`` runs ``updater.start_webhook`` instead, on a free
    127.0.0.1 port with a secret token: the emulator then POSTs the updates to the bot, as Telegram does.
    With ``collect_errors`` an error handler records every exception of the bot's handlers (and of polling)
    in ``RunningApp.errors``.
    """
    loop = asyncio.new_event_loop()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_forever()
        finally:
            with contextlib.suppress(Exception):
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    thread = threading.Thread(target=serve, name=f"ptb-{app.bot.token[:8]}", daemon=True)
    thread.start()
    running = RunningApp(app=app, loop=loop, thread=thread)
    if collect_errors:
        running._error_handler = _collector(running.errors)
        app.add_error_handler(running._error_handler)
    try:
        asyncio.run_coroutine_threadsafe(
            _astart(app, poll_interval, timeout, drop_pending_updates, webhook), loop
        ).result(start_timeout)
    except BaseException:
        running._stopped = True
        if running._error_handler is not None:
            with contextlib.suppress(Exception):
                app.remove_error_handler(running._error_handler)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        raise
    return running


@contextlib.contextmanager
def run_app(app: Application, *, raise_errors: bool = True, **kwargs: Any) -> Iterator[RunningApp]:
    """``with run_app(app) as running:`` — the bot polls the emulator for the duration of the block.

    Stops cleanly on exit; a new Application (e.g. built with the same persistence, to test a restart
    mid-conversation) can be started afterwards against the same emulator. With ``raise_errors`` (default)
    the block fails afterwards if a handler of the bot raised; pass False to test error paths, and look at
    ``running.errors``. Other keyword arguments go to :func:`start_app`.
    """
    running = start_app(app, **kwargs)
    try:
        yield running
    finally:
        running.stop()
    if raise_errors and running.errors:
        raise AssertionError(
            f"the bot raised {len(running.errors)} error(s) while running: "
            + "; ".join(f"{type(e).__name__}: {e}" for e in running.errors)
        ) from running.errors[0]


@contextlib.asynccontextmanager
async def async_run_app(
    app: Application,
    *,
    poll_interval: float = 0.05,
    timeout: float = 10,
    drop_pending_updates: bool = False,
    webhook: bool = False,
) -> AsyncIterator[Application]:
    """The same for async tests (pytest-asyncio, anyio): runs the bot on the current event loop.

    Note: the client methods of TelegramEmulator are blocking; from a coroutine call them through
    ``await asyncio.to_thread(emulator.wait_for_reply, chat, ...)`` so the bot keeps running.
    """
    await _astart(app, poll_interval, timeout, drop_pending_updates, webhook)
    try:
        yield app
    finally:
        await _astop(app)


# --------------------------------------------------------------------------------------------------
# pytest fixtures


@pytest.fixture(scope="session")
def telegram_emulator() -> Iterator[TelegramEmulator]:
    """One emulator for the test session (installs it with npm ci on first use). Use new_chat_id() per test."""
    emulator = TelegramEmulator()
    try:
        emulator.start()
    except EmulatorError as exc:
        pytest.fail(str(exc), pytrace=False)
    print(
        f"\n[telegram emulator] {emulator.url}: npm ci {emulator.install_seconds:.1f}s, "
        f"start {emulator.start_seconds:.2f}s",
        file=sys.stderr,
    )
    try:
        yield emulator
    finally:
        emulator.stop()

