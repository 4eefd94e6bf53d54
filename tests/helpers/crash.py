"""kill -9 in the middle of forms: people filling /need and /checkin through the Bot API emulator, served by
`assistant run` as a real process, which is killed (SIGKILL) the moment the last of them has its reply.

Each user stops at another step of the form (all sending their last answer in the same round, so the kill
follows every user's last reply closely); the bot is started again and every user carries on from the last
question seen, reading the bot's messages to decide what to answer, as a person does. Then the database must
hold each user's need or check-in exactly once, with what they answered. Used by tests/handlers/test_crash.py
(20 users, SQLite and PostgreSQL) and bench/faults.py (100 users).
"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from assistant.messages import t
from assistant.org.people import bind_role, create_person
from assistant.storage.db import Database
from assistant.storage.models import ChannelAccount, CheckIn, Need, OrgUnit

BIN = Path(sys.executable).parent / "assistant"
CATEGORIES = ["property", "elevator", "leak", "parking", "sanitation", "safety"]
CHECKIN_COMPOUNDS = ["书香门第", "敬亭苑", "阳光花园"]
REPLY_TIMEOUT, START_TIMEOUT = 60, 180  # seconds: one answer; the first answers after a start (index opened)
FILED = re.compile(re.escape(t("needform.filed", ticket="TICKET")).replace("TICKET", r"(\S+?)"))
SUBMITTED = t("checkinform.submitted", compound="COMPOUND").split("COMPOUND")[0]

LETTERS = str.maketrans("0123456789", "ghijklmnop")  # hex without digits: never read as a phone or ID number


@dataclass
class User:
    """One person filling one form; `answers` is what they mean to enter."""

    n: int
    chat: int
    form: str  # "need" or "checkin"
    person_id: int
    answers: dict
    before_kill: int  # answers sent (the command included) before the bot is killed
    sent: int = 0
    last: dict | None = None  # the last question the bot asked (a bot message)
    done: str | None = None  # the ticket, or "submitted"
    stuck: str | None = None  # why the user gave up: the bot stopped answering
    seen: list[str] = field(default_factory=list)  # other messages (refusals, answers)
    pressed: dict | None = None  # the message whose button was pressed last: the next step may be it, edited

    @property
    def length(self) -> int:
        """Answers the whole form takes, the command and the final submit included."""
        if self.form == "need":
            return 8 + (2 if self.answers["consent"] else 0)
        return 11 + (1 if self.answers["moved_on"] else 0)


def cast(db: Database, chats: list[int]) -> list[User]:
    """A building leader (/need) or a resident (/checkin) per chat id, alternately, with an account each;
    each stops after another number of answers before the kill."""
    users = []
    with db.session() as session:
        buildings = list(session.scalars(select(OrgUnit).where(OrgUnit.level == "building").order_by(OrgUnit.path)))
        compounds = {u.name: u for u in session.scalars(select(OrgUnit).where(OrgUnit.level == "compound"))}
        for n, chat in enumerate(chats):
            form = "need" if n % 2 == 0 else "checkin"
            if form == "need":
                building = buildings[n // 2 % len(buildings)]
                role = "building_leader"
                answers = {"building_id": building.id, "category": CATEGORIES[n // 2 % len(CATEGORIES)],
                           "description": f"登记号 {uuid.uuid4().hex.translate(LETTERS)}：第{n}户",  # unlike each other, no digit run a phone
                           "urgency": "urgent" if n % 4 == 0 else "normal", "consent": n % 3 == 0,
                           "name": f"居民{n}", "phone": f"138{n:08d}"}
            else:
                compound = compounds[CHECKIN_COMPOUNDS[n // 2 % len(CHECKIN_COMPOUNDS)]]
                building = next(b for b in buildings if b.parent_id == compound.id)
                role = "resident"
                moved = n % 5 == 1
                answers = {"work_unit": f"宣城市第{n}测试单位", "party_org": f"宣城市第{n}测试单位机关党委",
                           "contact": f"0563-{n:07d}" if n % 3 == 1 else None, "compound": compound.name,
                           "compound_id": compound.id, "building_id": building.id, "phone": f"139{n:08d}",
                           "in_service": n % 2 == 1, "probationary": n % 7 == 3,
                           "moved_on": (date.today() - timedelta(days=30)).isoformat() if moved else None}
            person = create_person(session, f"崩溃测试{n}")
            bind_role(session, person, role, building)
            session.add(ChannelAccount(channel="telegram", external_id=str(chat), person=person, language_code="zh"))
            session.flush()
            user = User(n, chat, form, person.id, answers, before_kill=0)
            user.before_kill = 1 + (n // 2) % (user.length - 1)  # at least the command, never the submit
            users.append(user)
    return users


# ---------------------------------------------------------------- what a user answers


def _buttons(message: dict | None) -> list[str]:
    rows = ((message or {}).get("reply_markup") or {}).get("inline_keyboard") or []
    return [b.get("callback_data", "") for row in rows for b in row]


def _need_answer(a: dict, text: str, buttons: list[str]) -> tuple[str, str] | None:
    def has(prefix: str) -> bool:
        return any(b.startswith(prefix) for b in buttons)

    if has("nf:b:"):
        return "press", f"nf:b:{a['building_id']}"
    if has("nf:k:"):
        return "press", f"nf:k:{a['category']}"
    if text == t("needform.ask_description"):
        return "type", a["description"]
    if has("nf:u:"):
        return "press", f"nf:u:{a['urgency']}"
    if has("nf:y:"):
        return "press", "nf:y:1" if a["consent"] else "nf:y:0"
    if text == t("needform.ask_name"):
        return "type", a["name"]
    if text == t("needform.ask_phone"):
        return "type", a["phone"]
    if has("nf:ph:"):
        return "press", "nf:ph:skip"
    if has("nf:submit"):
        return "press", "nf:submit"
    if has("nf:new"):  # a similar need of the same place and category was filed meanwhile: file this one anyway
        return "press", "nf:new"
    return None


def _checkin_answer(a: dict, text: str, buttons: list[str]) -> tuple[str, str] | None:
    typed = {"work_unit": a["work_unit"], "party_org": a["party_org"], "phone": a["phone"],
             "moved_on": a["moved_on"]}
    for step, value in typed.items():
        if text == t(f"checkinform.{step}"):
            return "type", value
    if text == t("checkinform.contact"):
        return ("type", a["contact"]) if a["contact"] else ("press", "ci:skip")
    if text == t("checkinform.compound"):
        return "type", a["compound"]
    if any(b.startswith("ci:b:") for b in buttons):
        return "press", f"ci:b:{a['building_id']}"
    yes_no = {"in_service": a["in_service"], "full": not a["probationary"], "moved": bool(a["moved_on"])}
    for step, yes in yes_no.items():
        if text == t(f"checkinform.{step}"):
            return "press", "ci:y:1" if yes else "ci:y:0"
    if "ci:submit" in buttons:
        return "press", "ci:submit"
    return None


def answer_to(user: User, message: dict | None) -> tuple[str, str] | None:
    """What the user enters in reply to `message` (None: it asks nothing the user knows)."""
    if message is None:
        return "command", "/need" if user.form == "need" else "/checkin"
    text, buttons = message.get("text") or "", _buttons(message)
    return (_need_answer if user.form == "need" else _checkin_answer)(user.answers, text, buttons)


def _read(user: User, message: dict) -> bool:
    """Take in one bot message; True when it is a question (or the form's end)."""
    text = message.get("text") or ""
    if match := FILED.fullmatch(text):
        user.done = match.group(1)
    elif text.startswith(SUBMITTED):
        user.done = "submitted"
    elif answer_to(user, message) is None:
        user.seen.append(text[:60])
        return False
    user.last = message
    return True


# ---------------------------------------------------------------- driving


class Driver:
    """The users of one run, acting through the emulator's client API."""

    def __init__(self, emu, users: list[User]) -> None:
        self.emu, self.users = emu, users

    def send(self, user: User) -> None:
        kind, value = answer_to(user, user.last) or ("type", "")
        user.pressed = None
        if kind == "command":
            self.emu.send_command(user.chat, value)
        elif kind == "press":
            self.emu.press(user.chat, value, user.last["message_id"])
            user.pressed = user.last
        else:
            self.emu.send_message(user.chat, value)
        user.sent += 1

    def wait(self, users: list[User], timeout: float) -> None:
        """Until each of `users` has been asked something (or told the form is in), reading their messages;
        a user the bot leaves without a question for `timeout` seconds gives up (stuck)."""
        waiting, deadline = list(users), time.monotonic() + timeout
        while waiting:
            for user in list(waiting):
                if [m for m in self.emu.replies(user.chat) if _read(user, m)] or self._edited(user):
                    waiting.remove(user)
            if waiting and time.monotonic() > deadline:
                for user in waiting:
                    user.stuck = f"no question within {timeout}s after {(user.last or {}).get('text', '')[:30]!r}"
                return
            time.sleep(0.02)

    def _edited(self, user: User) -> bool:
        """The message pressed was edited into the next step (not only stripped of its buttons); read it."""
        pressed = user.pressed
        if pressed is None:
            return False
        now = self.emu.bot_message(user.chat, pressed["message_id"])
        if now is None or now["edits"] <= pressed.get("edits", 0):
            return False
        if now.get("text") == pressed.get("text") and not _buttons(now):
            return False  # its buttons removed: the next step is a new message
        user.pressed = None
        return _read(user, now)

    def until_kill(self, timeout: float) -> None:
        """Rounds of one answer per user, aligned so that everyone sends their last answer in the last round."""
        rounds = max(u.before_kill for u in self.users)
        for r in range(rounds):
            active = [u for u in self.users if r >= rounds - u.before_kill and not u.stuck]
            for user in active:
                self.send(user)
            self.wait(active, timeout if r == 0 else REPLY_TIMEOUT)

    def catch_up(self, sentinel: int) -> None:
        """After a start: once a /help sent now is answered, every update delivered again has been handled;
        each user takes in what the bot sent since the kill (a question asked again, say)."""
        self.emu.send_command(sentinel, "/help")
        self.emu.wait_for_reply(sentinel, "/ask", timeout=START_TIMEOUT)  # /help by role: a stranger sees /ask
        for user in self.users:
            for message in self.emu.replies(user.chat):
                _read(user, message)

    def to_the_end(self, max_rounds: int) -> None:
        """Rounds of one answer per user until every form is in."""
        for _ in range(max_rounds):
            active = [u for u in self.users if u.done is None and not u.stuck]
            if not active:
                return
            for user in active:
                self.send(user)
            self.wait(active, REPLY_TIMEOUT)
        for user in self.users:
            if user.done is None and not user.stuck:
                user.stuck = f"not done after {max_rounds} rounds"


# ---------------------------------------------------------------- the bot as a process


class BotProcess:
    """`assistant run` with the given environment, its output in `log`."""

    def __init__(self, env: dict, log: Path) -> None:
        self.env, self.log, self.proc = env, log, None

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen([str(BIN), "run"], env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(60)

    def ensure_dead(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)


def bot_env(emu, database_url: str, data_dir: Path, log_file: Path, poll_interval: float) -> dict:
    """The environment of `assistant run` against the emulator and `database_url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "TELEGRAM_", "LLM_"))}
    return env | {"DATABASE_URL": database_url, "ASSISTANT_DATA_DIR": str(data_dir),
                  "ASSISTANT_LOG_FILE": str(log_file), "TELEGRAM_BOT_TOKEN": emu.token,
                  "TELEGRAM_API_BASE_URL": emu.base_url, "TELEGRAM_FILE_BASE_URL": emu.base_file_url,
                  "ASSISTANT_TELEGRAM_POLL_INTERVAL": str(poll_interval)}


# ---------------------------------------------------------------- the run and its counts


def run(emu, db: Database, env: dict, log: Path, n_users: int) -> dict:
    """The whole scenario; returns the counts (see `count`) and `exit_code`, `replayed`, `asked_again`."""
    users = cast(db, [emu.new_chat_id() for _ in range(n_users)])
    sentinel = emu.new_chat_id()
    driver = Driver(emu, users)
    bot = BotProcess(env, log)
    clock = [time.monotonic()]

    def lap() -> float:
        clock.append(time.monotonic())
        return round(clock[-1] - clock[-2], 1)

    try:
        bot.start()
        driver.until_kill(START_TIMEOUT)
        bot.kill9()  # 0 s after the last reply
        before_s = lap()
        before = {u.n: (u.last or {}).get("message_id") for u in users}
        bot.start()
        driver.catch_up(sentinel)
        restart_s = lap()
        replayed = sum(1 for u in users if (u.last or {}).get("message_id") != before[u.n])
        driver.to_the_end(max_rounds=3 * max(u.length for u in users))
        exit_code = bot.stop()
        after_s = lap()
    finally:
        bot.ensure_dead()
    return count(db, users) | {"exit_code": exit_code, "replayed": replayed,
                               "asked_again": sum(1 for u in users if u.sent > u.length),
                               "seconds": {"until_kill": before_s, "restart": restart_s, "after": after_s}}


def count(db: Database, users: list[User]) -> dict:
    """lost = users whose form is not stored once with what they answered (or who never got to the end);
    duplicated = rows beyond the first for a user's form; `problems` names each."""
    problems, duplicated = [], 0
    with db.session(read_only=True) as session:
        for u in users:
            a = u.answers
            if u.form == "need":
                rows = list(session.scalars(select(Need).where(Need.submitter_id == u.person_id)))
                want = dict(building_id=a["building_id"], category=a["category"], description=a["description"],
                            urgency=a["urgency"], consent=a["consent"], ticket=u.done,
                            resident_name=a["name"] if a["consent"] else None,
                            resident_phone=a["phone"] if a["consent"] else None)
            else:
                rows = list(session.scalars(select(CheckIn).where(CheckIn.person_id == u.person_id)))
                want = dict(status="pending", work_unit=a["work_unit"], work_unit_party_org=a["party_org"],
                            work_unit_contact=(a["contact"] or "").replace("-", "") or None,
                            compound_id=a["compound_id"], building_id=a["building_id"], phone=a["phone"],
                            in_service=a["in_service"], probationary=a["probationary"],
                            moved=bool(a["moved_on"]), moved_on=date.fromisoformat(a["moved_on"]) if a["moved_on"] else None)
            duplicated += max(0, len(rows) - 1)
            wrong = {k: (getattr(rows[0], k), v) for k, v in want.items() if getattr(rows[0], k) != v} if rows else want
            if u.done is None or len(rows) != 1 or wrong:
                problems.append(f"user {u.n} ({u.form}, killed after {u.before_kill} answers): done={u.done} "
                                f"stuck={u.stuck} rows={len(rows)} differs={wrong} other messages={u.seen[-3:]}")
    return {"users": len(users), "lost": len(problems), "duplicated": duplicated, "problems": problems}
