"""Terminal chat: the same Application and handlers, with the Bot API answered locally.

Bot API calls never leave the process: `TerminalRequest` prints what the bot sends (inline buttons as
numbered choices; photos and documents written into the data dir, their path printed) and returns the
objects Telegram would. Lines typed become Updates from the local operator; typing a number presses the
matching button of the last message, typing the path of an image file sends it as a photo (copied into the data
dir). Lines are read by a daemon thread, so Ctrl-C quits at once.
"""
from __future__ import annotations

import asyncio
import codecs
import gc
import itertools
import json
import mimetypes
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.request import BaseRequest, RequestData

from ..messages import t
from ..org.people import LOCAL_OPERATOR_ID, shown_name
from ..org.tree import level_name

OPERATOR_ID = int(LOCAL_OPERATOR_ID)
BOT_USER = {"id": 1000, "is_bot": True, "first_name": "社区治理助手", "username": "assistant_terminal_bot"}
TAGS_RE = re.compile(r"</?(?:b|i|u|s|code|pre|blockquote|a)[^>]*>")
PHOTO_ID = "terminal:"  # file id of a photo sent from the terminal: this prefix and its copy's name in files_dir
TERMINAL_STATE = "chat-state.json"  # in the terminal files' directory: numbering and buttons across restarts
ID_MARGIN = 1000  # message ids a chat starts past the kept count (more than one line ever sends)
SETTLE_SECONDS = 10  # on Ctrl-C, the longest wait for the line being processed to finish (and its state to be kept)


def _plain(text: str, parse_mode: str | None) -> str:
    if parse_mode != "HTML":
        return text
    from html import unescape

    return unescape(TAGS_RE.sub("", text))


def banner(who, levels: dict[str, int], needs: int, documents: list[str], lang: str) -> str:
    """Who you are, what is loaded, how to get help and quit; with an empty organisation, how to import one."""
    roles = "\n".join(t("bot.role_line", lang, role=t(f"role.{r.role}", lang), unit=r.unit_name) for r in who.roles)
    sep = t("denied.sep", lang)
    name = shown_name(who.name, lang)
    lines = [t("banner.title", lang), t("banner.you", lang, name=name, roles=roles or t("banner.no_roles", lang)),
             t("banner.loaded", lang, units=sum(levels.values()), needs=needs, documents=len(documents),
               levels=sep.join(f"{level_name(level, lang)} {n}" for level, n in levels.items()) or "—",
               names=sep.join(documents) or "—")]
    if not levels:
        lines.append(t("banner.empty_org", lang))
    lines.append(t("banner.hints", lang))
    return "\n".join(lines)


class TerminalRequest(BaseRequest):
    """A Bot API 'server' in the process: prints messages and remembers the last buttons.

    With `state` (a file), the message numbering and the buttons last shown are kept there after each line, so
    the next chat goes on where this one ended: the numbers shown before a restart (or a kill) still press their
    buttons, and message ids never repeat (buttons' data is kept per message id)."""

    def __init__(self, out: TextIO, files_dir: Path | None = None, lang: str = "zh",
                 zone: ZoneInfo | None = None, state: Path | None = None) -> None:
        self.out = out
        self.files_dir = files_dir  # where photos and documents are written (None: not written)
        self.lang = lang
        self.zone = zone  # the deployment's time zone, for the files' names (None: the machine's)
        self.state = state
        kept = _read_state(state)
        # past the kept count by a margin: a chat killed inside a line used ids its file never recorded
        self.next_id: int = kept["next_id"] + ID_MARGIN if isinstance(kept.get("next_id"), int) else 1
        self.buttons: list[tuple[str, str, int]] = [  # (label, callback data, message id)
            tuple(b) for b in kept.get("buttons", []) if isinstance(b, list) and len(b) == 3
            and isinstance(b[0], str) and isinstance(b[1], str) and isinstance(b[2], int)]

    def print_buttons(self) -> None:
        for n, (label, _, _) in enumerate(self.buttons, 1):
            print(f"  [{n}] {label}", file=self.out)

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def save(self) -> None:
        """Keep the numbering and the buttons shown (written whole, then moved into place: never half a file)."""
        if self.state is None:
            return
        self.state.parent.mkdir(parents=True, exist_ok=True)
        part = self.state.with_suffix(".part")
        part.write_text(json.dumps({"next_id": self.next_id, "buttons": self.buttons}, ensure_ascii=False),
                        encoding="utf-8")
        os.replace(part, self.state)

    def stamp(self) -> str:
        """The time now as files written here start their names: 20261202-135100, in the deployment's zone."""
        return datetime.now(self.zone).strftime("%Y%m%d-%H%M%S")

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _message(self, params: dict) -> dict:
        return {"message_id": self.new_id(), "date": int(time.time()), "from": BOT_USER,
                "chat": {"id": int(params.get("chat_id", OPERATOR_ID)), "type": "private"},
                "text": params.get("text", "")}

    def _save(self, message_id: int, request_data: RequestData | None) -> list[Path]:
        """Write the uploaded files of one message into files_dir; their paths."""
        if self.files_dir is None or request_data is None or not request_data.multipart_data:
            return []
        self.files_dir.mkdir(parents=True, exist_ok=True)
        saved = []
        for name, (filename, content, mime) in request_data.multipart_data.items():
            if not filename or filename == mime.replace("/", "."):  # bytes sent without a name (a chart)
                filename = name + (".png" if content.startswith(b"\x89PNG") else mimetypes.guess_extension(mime) or "")
            path = self.files_dir / f"{self.stamp()}-{message_id}-{Path(filename).name}"
            path.write_bytes(content)
            saved.append(path.resolve())
        return saved

    def _show(self, params: dict, request_data: RequestData | None = None, edited: int | None = None,
              text: bool = False) -> dict:
        """Print a message (an edit: its text only when `text`, else its buttons) and number its buttons."""
        message = self._message(params)
        if edited is not None:
            message["message_id"] = edited
        shown = params.get("text") or params.get("caption") or ""
        files = request_data.multipart_data if request_data is not None else None
        for key in ("photo", "document"):
            if key in params or key in (files or {}):
                shown = f"[{key}] {shown}".strip()
        if edited is None or text:
            print(_plain(shown, params.get("parse_mode")), file=self.out)
        if str(params.get("photo", "")).startswith(PHOTO_ID) and self.files_dir is not None:  # one sent from here
            print(t("terminal.photo", self.lang, path=self.files_dir / params["photo"][len(PHOTO_ID):]), file=self.out)
        for path in self._save(message["message_id"], request_data):
            print(t("terminal.saved", self.lang, path=path), file=self.out)
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        rows = (markup or {}).get("inline_keyboard") or []
        if rows:
            self.buttons = [(b["text"], b.get("callback_data", ""), message["message_id"]) for row in rows for b in row]
            self.print_buttons()
        elif edited is not None:  # edited into a message without buttons: its old numbers press nothing
            self.buttons = [b for b in self.buttons if b[2] != edited]
        print(file=self.out)
        self.out.flush()
        return message

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **_) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.parameters if request_data else {}
        if endpoint == "getMe":
            result: object = BOT_USER
        elif endpoint in {"sendMessage", "sendPhoto", "sendDocument"}:
            result = self._show(params, request_data)
        elif endpoint == "editMessageText":  # a form's next step in the same message: printed as it now reads
            result = self._show(params, request_data, edited=int(params.get("message_id", 0)), text=True)
        elif endpoint == "editMessageReplyMarkup" and not params.get("reply_markup"):  # an old step's buttons removed
            edited = int(params.get("message_id", 0))
            self.buttons = [b for b in self.buttons if b[2] != edited]
            result = self._message(params) | {"message_id": edited}
        elif endpoint == "editMessageReplyMarkup":  # another page of a picker: its buttons, numbered afresh
            result = self._show(params, request_data, edited=int(params.get("message_id", 0)))
        elif endpoint == "getUpdates":
            result = []
        else:  # setMyCommands, answerCallbackQuery, sendChatAction, deleteWebhook …
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


class TerminalChat:
    """Turns typed lines into Updates from the local operator and feeds them to the Application."""

    def __init__(self, application, request: TerminalRequest, language_code: str = "zh",
                 before_line: Callable[[], None] | None = None) -> None:
        self.app = application
        self.request = request
        self.before_line = before_line  # run in a worker thread before each line (the admin binding follows the org)
        self.user = {"id": OPERATOR_ID, "is_bot": False, "first_name": "operator", "language_code": language_code}
        self.chat = {"id": OPERATOR_ID, "type": "private"}
        self.update_ids = itertools.count(int(time.time() * 1000))

    def attach(self, line: str) -> str | None:
        """A typed line naming an image file (quotes and ~ allowed): copied into files_dir, its photo file id;
        else None (the line is text)."""
        files_dir, name = self.request.files_dir, line.strip().strip("'\"")
        if files_dir is None or not name or (mimetypes.guess_type(name)[0] or "").split("/")[0] != "image":
            return None
        source = Path(name).expanduser()
        if not source.is_file():
            return None
        files_dir.mkdir(parents=True, exist_ok=True)
        copy = files_dir / f"{self.request.stamp()}-sent-{source.name[-100:]}"
        shutil.copyfile(source, copy)
        print(t("terminal.attached", self.request.lang, path=copy.resolve()), file=self.request.out, flush=True)
        return PHOTO_ID + copy.name

    def _update(self, line: str, photo: str | None = None) -> Update:
        update_id = next(self.update_ids)
        if photo is not None:  # an image file's path: the photo, as Telegram delivers one
            size = {"file_id": photo, "file_unique_id": photo, "width": 0, "height": 0}
            message = {"message_id": self.request.new_id(), "date": int(time.time()), "chat": self.chat,
                       "from": self.user, "photo": [size]}
            return Update.de_json({"update_id": update_id, "message": message}, self.app.bot)
        if line.isdecimal() and 1 <= int(line) <= len(self.request.buttons):  # as numbered; others go as text
            _, data, message_id = self.request.buttons[int(line) - 1]
            message = {"message_id": message_id, "date": int(time.time()), "chat": self.chat, "from": BOT_USER, "text": ""}
            payload = {"update_id": update_id, "callback_query": {
                "id": str(update_id), "from": self.user, "chat_instance": "terminal", "data": data, "message": message}}
        else:
            message = {"message_id": self.request.new_id(), "date": int(time.time()), "chat": self.chat,
                       "from": self.user, "text": line}
            if line.startswith("/"):
                command = line.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            payload = {"update_id": update_id, "message": message}
        return Update.de_json(payload, self.app.bot)

    async def send(self, line: str) -> None:
        """Process one typed line to completion."""
        if self.before_line is not None:
            await asyncio.to_thread(self.before_line)
        await self.app.process_update(self._update(line, await asyncio.to_thread(self.attach, line)))
        self.request.save()

    async def run(self, lines: TextIO = sys.stdin, prompt: str = "> ", banner: str = "") -> None:
        """Print the banner, then read lines until end of input or /quit (Ctrl-C: see `run_until_quit`)."""
        in_flight: asyncio.Future | None = None  # the line being processed
        async with self.app:
            await self.app.start()
            try:
                if banner:
                    print(banner, end="\n\n", file=self.request.out, flush=True)
                if self.request.buttons:  # kept from the last chat: their numbers still press them
                    print(t("terminal.buttons_kept", self.request.lang), file=self.request.out)
                    self.request.print_buttons()
                    print(file=self.request.out, flush=True)
                queue: asyncio.Queue[str | None] = asyncio.Queue()
                answered = threading.Event()  # the next prompt waits for the answer to the line before it
                _start_reader(lines, prompt, queue, asyncio.get_running_loop(), answered)
                while True:
                    answered.set()
                    line = await queue.get()
                    if line is None or line.strip() in {"/quit", "/exit"}:
                        break
                    if line.strip():
                        # shielded: Ctrl-C right after a reply must not cut the step off before its state is kept
                        in_flight = asyncio.ensure_future(self.send(line.strip()))
                        await asyncio.shield(in_flight)
            finally:
                if in_flight is not None and not in_flight.done():
                    await asyncio.wait([in_flight], timeout=SETTLE_SECONDS)
                await self.app.stop()  # also on Ctrl-C: the conversations' state is flushed


def _read_state(path: Path | None) -> dict:
    """What `TerminalRequest.save` kept ({} when nothing, or nothing readable: the chat starts numbering afresh)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path is not None and path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def run_until_quit(chat: TerminalChat, banner: str, goodbye: str) -> None:
    """Run the chat; Ctrl-C ends it at once (the reader thread is a daemon: nothing waits for Enter)."""
    try:
        asyncio.run(chat.run(banner=banner))
    except KeyboardInterrupt:
        pass
    print(goodbye, file=chat.request.out, flush=True)


def leave_promptly() -> None:
    """Once the chat has stopped and everything is saved: skip the interpreter's last garbage collections, which
    walk every object the knowledge index holds (jieba's dictionary, synonym and pinyin tables, the index's
    lists — some 180,000 tracked objects, 1–3 s after Ctrl-C); atexit handlers (log files) and flushes still run."""
    sys.stdout.flush()
    gc.freeze()


def _start_reader(stream: TextIO, prompt: str, queue: asyncio.Queue, loop: asyncio.AbstractEventLoop,
                  answered: threading.Event | None = None) -> None:
    """A daemon thread putting each line read (None at end of input) on the queue; on a terminal the prompt
    is shown once the previous line was answered (`answered`), so it never lands in front of the answer."""

    def read() -> None:
        for line in itertools.chain(_lines(stream, prompt, answered), [None]):
            try:
                loop.call_soon_threadsafe(queue.put_nowait, line)
            except RuntimeError:  # the chat has ended
                return

    threading.Thread(target=read, name="terminal-input", daemon=True).start()


def _lines(stream: TextIO, prompt: str, answered: threading.Event | None = None) -> Iterator[str]:
    """The lines typed: input() with its prompt (and line editing) on a terminal, each prompt after the answer
    to the line before; from a pipe, the raw file descriptor, so a read still blocked at exit holds no lock of
    sys.stdin."""
    if stream is not sys.stdin:
        yield from iter(stream.readline, "")
    elif sys.stdin.isatty():
        import readline  # noqa: F401  (arrow keys and history for input(); without it they print ^[[D)

        while True:
            if answered is not None:
                answered.wait()
                answered.clear()
            try:
                yield input(prompt)
            except EOFError:
                return
    else:
        decoder = codecs.getincrementaldecoder(sys.stdin.encoding or "utf-8")(errors="replace")
        pending = ""
        while chunk := os.read(sys.stdin.fileno(), 65536):
            pending += decoder.decode(chunk)
            *complete, pending = pending.split("\n")
            yield from complete
        if pending:
            yield pending
