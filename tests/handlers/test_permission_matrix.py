"""The permission matrix (issue 14): every role × every registered command and callback, inside its subtree and
outside it, on SQLite and PostgreSQL. It fails on any action outside scope that is allowed (a row of the outside
district changed: see tests/helpers/scope.py) and on any reply showing another unit's residents or phones.

Nothing is listed by hand. The commands are read from the Application's handlers; each role's actor walks
every one of them as far as the bot lets it — pressing the buttons it is offered, typing texts from a pool
that holds the outside district's phones, names and unit names (so /flowin is tried with an outsider's phone,
/invite with an outside unit, a member picker with an outsider's name) — and at every step also presses the
*forged* twins of its own buttons: the same callback data with each id replaced by the id of its outside twin.
Every callback the bot ever sent to anyone inside, forged the same way, is also pressed from outside any
conversation (where entry-point buttons act), and every `/command_<id>` the bot wrote, with the outside ids.
A registered entry-point callback pattern that nothing probed fails the test, so a new command cannot hide.
Bounded: one unit inside and one outside per role, at most MAX_STEPS steps per command, FORGED_PER_STEP forged
buttons per step (about 1,600 updates per database).
"""
from __future__ import annotations

import re

import pytest
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler

from assistant.org.people import mask_phone

from ..helpers import scope
from ..helpers.offline import OfflineBot, callback_update, message_update
from ..helpers.offline import texts_of
from .test_needs import button, last

MAX_STEPS = 9
MAX_RESTARTS = 3   # walks back to a step after a forged button was taken or ended the conversation
MAX_BRANCHES = 1   # forged buttons taken, walked on per command
BRANCH_STEPS = 5
FORGED_PER_STEP = 4
UNREGISTERED = 3999
LONG_TEXT = "3栋电梯坏了两天了，老人上下楼很不方便，请尽快处理"
PAGER_PROBES = ("pg:1:1", "pg:999999:0", "pg:x:y")  # page buttons of pickers nobody opened: another one's, none, junk


def walk(handler):
    """The handler and, for a conversation, every handler inside it."""
    yield handler
    if isinstance(handler, ConversationHandler):
        for inner in [*handler.entry_points, *handler.fallbacks, *(h for hs in handler.states.values() for h in hs)]:
            yield from walk(inner)


class Matrix:
    """Drives the offline bot as one actor after another and records every breach it sees."""

    def __init__(self, bot, inside: scope.Side, outside: scope.Side):
        self.bot, self.inside, self.outside = bot, inside, outside
        self.twins = scope.twins(inside, outside)
        self.markers = scope.markers(outside)
        top = [h for group in bot.app.handlers.values() for h in group]
        every = [h for t in top for h in walk(t)]
        self.conversations = [h for h in every if isinstance(h, ConversationHandler)]
        self.commands = sorted({c for h in every if isinstance(h, CommandHandler) for c in h.commands})
        self.command_patterns = sorted({h.filters.pattern.pattern for h in every if isinstance(h, MessageHandler)
                                        and getattr(h.filters, "pattern", None) is not None
                                        and h.filters.pattern.pattern.startswith("^/")})
        entry = [h for t in top for h in (t.entry_points if isinstance(t, ConversationHandler) else [t])]
        self.entry_patterns = sorted({h.pattern.pattern for h in entry if isinstance(h, CallbackQueryHandler)
                                      and h.pattern is not None})  # None: the last handler, it only answers
        self.inside_chats = inside.all_chats
        self.typed: set[str] = set()  # what inside actors typed (and its masked phones): theirs to see again
        self.breaches: list[str] = []
        self.probed: set[str] = set()  # entry patterns a forged press matched

    # ------------------------------------------------------------------ talking
    def state(self, chat: int) -> tuple:
        return tuple(h._conversations.get((chat, chat)) for h in self.conversations)

    def takes_text(self, chat: int) -> bool:
        """Whether the conversation under way has a text step now."""
        return any(isinstance(h, MessageHandler) for c in self.conversations
                   if (state := c._conversations.get((chat, chat))) is not None for h in c.states.get(state, ()))

    def _check(self, who: str, chat: int, sent: list[dict], what: str) -> None:
        for message in sent:
            if int(message.get("chat_id", 0)) != chat:
                continue
            text = " ".join(texts_of(message))
            for echo in sorted(self.typed, key=len, reverse=True):
                text = text.replace(echo, "")
            if hits := sorted(m for m in self.markers if m in text):
                self.breaches.append(f"{who} after {what}: shown {hits}: {text[:200]!r}")

    def say(self, who, chat, text) -> list[dict]:
        self.typed |= {text, *(mask_phone(p) for p in re.findall(r"1\d{10}", text))}
        sent = self.bot.process(message_update(chat, text))
        self._check(who, chat, sent, repr(text))
        return sent

    def press(self, who, chat, data) -> list[dict]:
        sent = self.bot.process(callback_update(chat, data))
        self._check(who, chat, sent, f"pressing {data!r}")
        return sent

    def cancel(self, chat) -> None:
        for _ in range(3):
            if not any(self.state(chat)):
                return
            self.bot.process(message_update(chat, "/cancel"))

    # ------------------------------------------------------------------ forging
    def forged(self, data: str, keyboard: list[str] = ()) -> list[str]:
        """The data with one of its ids replaced by an outside twin, every way there is. A 0 or 1 whose other half
        is on the same keyboard (y:1 / y:0) is a yes or no, not an id."""
        out = []
        for m in re.finditer(r"\d+", data):
            head, value, tail = data[:m.start()], m.group(), data[m.end():]
            if value in ("0", "1") and f"{head}{'10'[int(value)]}{tail}" in keyboard:
                continue
            out += [f"{head}{twin}{tail}" for twin in sorted(self.twins.get(int(value), ()))]
        return out

    def harvested(self) -> list[str]:
        """Every entry-point callback the bot sent to anyone inside, forged (as it is when no id has a twin); one
        per shape."""
        shapes, out = set(), []
        for message in self.bot.request.sent:
            if int(message.get("chat_id", 0)) in self.inside_chats:
                keyboard = [data for _, data in self.bot.buttons(message)]
                for data in keyboard:
                    for forged in self.forged(data, keyboard) or [data]:
                        shape = re.sub(r"\d+", "#", forged)
                        if shape not in shapes and any(re.match(p, forged) for p in self.entry_patterns):
                            shapes.add(shape)
                            out.append(forged)
        return out

    def outside_commands(self) -> list[str]:
        """Every /command_<id> the bot wrote to someone inside, with each id's outside twins."""
        found = set()
        for pattern in self.command_patterns:
            body = re.compile(pattern.lstrip("^").rstrip("$"))
            for message in self.bot.request.sent:
                if int(message.get("chat_id", 0)) in self.inside_chats:
                    found |= {f for m in body.finditer(message.get("text") or "") for f in self.forged(m.group())}
        return sorted(found)

    # ------------------------------------------------------------------ walking
    def crawl(self, who: str, chat: int, command: str, pool: list[str], attacks: list[str], prefix: tuple = (),
              forge: bool = True) -> None:
        """Walk `command` (after the actions of `prefix`) as far as the bot lets it: at every step press the forged
        twins of its buttons, type the `attacks` where ids are chosen, then take the first of its own buttons or
        the `pool`'s texts that moves the conversation on. A forged button the bot takes is walked on afterwards
        as a branch of its own; the walk itself goes back to where it was (at most MAX_RESTARTS times)."""
        path, branches, pressed, tried = list(prefix), [], set(), set()
        restarts = 0

        def act(kind, value):
            return self.say(who, chat, value) if kind == "text" else self.press(who, chat, value)

        def replay() -> list[dict]:
            self.cancel(chat)
            sent = self.say(who, chat, command)
            for kind, value in path:
                sent = act(kind, value)
            return sent

        def keyboard(sent) -> list[str]:
            mine = [m for m in sent if int(m.get("chat_id", 0)) == chat]
            return [data for _, data in self.bot.buttons(mine[-1])] if mine else []

        sent = replay()
        for _ in range(MAX_STEPS if forge else BRANCH_STEPS):
            buttons, state = keyboard(sent), self.state(chat)
            forged = [f for d in buttons for f in self.forged(d, buttons) if f not in buttons and f not in tried]
            for data in forged[:FORGED_PER_STEP] if forge else []:
                if restarts == MAX_RESTARTS:
                    break
                tried.add(data)
                self.press(who, chat, data)
                if self.state(chat) == state:
                    continue  # refused, nothing moved
                if any(self.state(chat)) and len(branches) < MAX_BRANCHES:
                    branches.append((*path, ("press", data)))
                restarts += 1
                sent = replay()
            texts = self.takes_text(chat)
            candidates = [("text", t) for t in (attacks if texts and any(re.search(r"\d", d) for d in buttons)
                                                else [])]
            candidates += [("press", d) for d in buttons if d not in pressed] + [("text", t) for t in pool if texts]
            for kind, value in candidates:
                out = act(kind, value)
                if kind == "press":
                    pressed.add(value)
                if self.state(chat) != state or (kind == "press" and not any(state) and out):
                    sent = out
                    path.append((kind, value))
                    break
            else:
                break
            if not any(self.state(chat)) and not keyboard(sent):
                break
        for branch in branches:
            self.crawl(who, chat, command, pool, attacks, branch, forge=False)

    def role(self, who: str, chat: int, own_person: int | None) -> None:
        """Everything one actor can try; the outside district's rows compared before and after."""
        before = scope.outside_rows(self.bot.runtime.db, self.outside, own_person)
        out = self.outside
        # an outsider's phone and another outsider's name (a reply naming the first is never an echo), a unit
        attacks = [out.phones[out.kit["member"]], out.names[out.kit["waiting"]], scope.OUTSIDE_COMPOUND]
        pool = ["测试某某", *attacks, "2026-01-05", "80", LONG_TEXT]
        for command in self.commands:
            self.crawl(who, chat, f"/{command}", pool, attacks)
            self.cancel(chat)
        for text in (*attacks[:2], LONG_TEXT):  # free text: a question, or a need offered for filing (as /need)
            self.say(who, chat, text)
        for text in self.outside_commands():
            self.say(who, chat, text)
            self.cancel(chat)
        for data in [*self.harvested(), *PAGER_PROBES]:
            self.probed |= {p for p in self.entry_patterns if re.match(p, data)}
            self.press(who, chat, data)
            self.cancel(chat)
        after = scope.outside_rows(self.bot.runtime.db, self.outside, own_person)
        changed = sorted({key for key in before.keys() | after.keys() if before.get(key) != after.get(key)})
        if changed:
            self.breaches.append(f"{who} changed the outside district's rows (table, key): {changed[:10]}")


def seed_through_the_bot(bot, side: scope.Side, compound: str) -> None:
    """What only the bot sends: a check-in waiting for the branch (确认 / 退回) and a case for the member to answer."""
    chat = side.chats["waiting"]
    bot.send(chat, "/checkin")
    for text in ("宣城市教育局", "宣城市教育局机关党委"):
        bot.send(chat, text)
    last(bot.press(chat, "ci:skip"), chat)
    step = last(bot.process(message_update(chat, compound)), chat)
    step = last(bot.press(chat, button(step, "2栋")), chat)
    step = last(bot.process(message_update(chat, "13600000000")), chat)
    for label in ("是", "是", "否", "提交"):
        step = last(bot.press(chat, button(step, label)), chat)
    secretary = side.chat("branch_secretary")
    step = last(bot.process(message_update(secretary, "/case")), secretary)
    step = last(bot.press(secretary, button(step, side.names[side.kit["member"]])), secretary)
    step = last(bot.press(secretary, button(step, "")), secretary)  # the first case type
    step = last(bot.process(message_update(secretary, "不按规定停车，占用消防通道")), secretary)
    last(bot.press(secretary, button(step, "")), secretary)  # the default deadline


@pytest.fixture
def matrix(bot_settings, tree):
    inside, outside, _ = scope.build(tree)
    with OfflineBot(bot_settings, rate_limit=False) as bot:
        for job in bot.app.job_queue.jobs():  # no escalation or digest run changes anything behind the probes
            job.schedule_removal()
        seed_through_the_bot(bot, inside, "梅园新村")
        seed_through_the_bot(bot, outside, "外区新村")
        yield Matrix(bot, inside, outside)


def test_nobody_acts_or_sees_outside_their_subtree(matrix):
    for role in scope.ROLES:
        chat, person = matrix.inside.actors[role]
        matrix.role(role, chat, person)
    matrix.role("unregistered", UNREGISTERED, None)
    assert not matrix.breaches, "\n".join(matrix.breaches)
    assert set(matrix.entry_patterns) == matrix.probed, "entry callbacks nothing probed: extend the seeding"
