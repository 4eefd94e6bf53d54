"""Needs under load: N workers file needs concurrently through the real Application (the offline bot of
tests/helpers/offline.py: real handlers, persistence and rate limiter, Bot API answered in-process), every
update delivered twice, the bot restarted in the middle; on SQLite and on PostgreSQL.

usage: python bench/needs_load.py [--backend sqlite|postgresql|both] [--workers 50] [--needs 4] [--seed 1]
                                  [--no-rate-limit] [--concurrent-updates N]

Setup (not timed): a fresh database (SQLite file bench/out/needs_load/sqlite/assistant.db, or a PostgreSQL
schema `bench_needs_…` on $ASSISTANT_BENCH_POSTGRES_URL / $ASSISTANT_TEST_POSTGRES_URL / the machine's
postgresql+psycopg://postgres@127.0.0.1:5432/test, created and dropped by the bench), the example tree
(examples/org_example.csv), one invite code per worker (building leaders, branch members and community
workers spread over the tree), each redeemed through the bot with /start CODE.

Driving phase (timed): every worker files K needs through the whole /need conversation, reading the bot's
buttons to decide what to press (compound, building, category, typed description, urgency, no resident
details, no photo, submit; "nf:new" when a duplicate is offered, which is counted). Descriptions are
distinct (a phrase and a random reference) so the duplicate detector should stay quiet. The workers run as
concurrent asyncio tasks on one Application; each waits for the answer to its update before sending the
next, as a person does. Updates go through `application.update_processor` exactly as the update fetcher
hands them over in polling/webhook mode, so they are processed with the project's own concurrency setting
(the project sets no concurrent_updates: one update at a time) and its AIORateLimiter.

Every update is delivered twice, with the same update_id: right after the first copy, after the worker's
next update (so some second copies arrive after the restart), or at the same moment as the first copy
(a third each, seeded). A second copy must cause no Bot API call at all. After about half of the updates
the Application is stopped cleanly (stop + shutdown, which flushes the SQL persistence) and a new offline
bot is built on the same database; every worker then continues its conversation where it stopped.

Counted afterwards in SQL: filed = tickets the bot announced; stored = rows in `needs`; duplicates = rows
beyond the first for the same worker and description; lost = needs a worker set out to file that are not
stored (or not under the ticket announced). updates_per_s = deliveries in the driving phase (second copies
included) / its wall time (restart included). A worker whose update gets no answer at all abandons that
need (/cancel) instead of retrying, so a dropped update shows up as lost.

--no-rate-limit and --concurrent-updates N are diagnostics, not the project's configuration: they swap the
bot's rate limiter for one without limits / the update processor for one running N updates at a time.

Prints detail lines and `RESULT backend=… workers=… filed=… stored=… duplicates=… lost=… updates_per_s=…`
per backend; the last line is a RESULT line. Targets: lost=0, duplicates=0, ≥ 300 updates/s on 2 cores.
"""
from __future__ import annotations

import argparse
import asyncio
import contextvars
import logging
import random
import re
import shutil
import statistics
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402
from telegram import Update  # noqa: E402
from telegram.ext import AIORateLimiter, SimpleUpdateProcessor  # noqa: E402

from assistant.config import Settings  # noqa: E402
from assistant.handlers.persistence import CONVERSATIONS  # noqa: E402
from assistant.messages import t  # noqa: E402
from assistant.org import invites  # noqa: E402
from assistant.org.tree import import_org  # noqa: E402
from assistant.storage import kv  # noqa: E402
from assistant.storage.db import Database, make_engine, open_database  # noqa: E402
from assistant.storage.models import ChannelAccount, Need, ProcessedUpdate  # noqa: E402
from bench._db import scratch_schema  # noqa: E402
from tests.helpers.offline import OfflineBot, callback_update, message_update  # noqa: E402

OUT = ROOT / "bench" / "out" / "needs_load"
TREE = ROOT / "examples" / "org_example.csv"
TOKEN = "123456:BENCH"
FIRST_USER = 700_000
MODES = ("immediate", "later", "concurrent")
MAX_STEPS = 25  # updates per need before the worker gives up on it
SENDS = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
ASK_DESCRIPTION = t("needform.ask_description", "zh")
_FILED = t("needform.filed", "zh", ticket="\0").split("\0")
FILED = re.compile(re.escape(_FILED[0]) + r"(\S+?)" + re.escape(_FILED[1]))
REGISTERED = t("bot.registered", "zh", name="\0", role="\0", unit="\0").split("\0")[0]
PHRASES = ["楼道灯不亮，晚上出行不便", "电梯经常停运，老人上下楼困难", "下水道堵塞，污水外溢到路面",
           "垃圾清运不及时，夏天气味很大", "单元门禁损坏，外来人员随意进出", "路面破损积水，雨天难以通行",
           "楼顶漏水，顶楼住户墙面发霉", "绿化带杂草丛生，蚊虫很多", "消防通道被私家车长期占用",
           "健身器材松动，存在安全隐患", "楼上深夜噪音扰民，多次沟通无果", "独居老人行动不便，需要上门帮扶"]
# (role, level of the unit it is bound at), cycled over the workers: building leaders are most of them
ROLE_PLAN = ["building_leader", "branch_member", "building_leader", "community", "building_leader",
             "branch_member", "building_leader", "branch_secretary", "building_leader", "branch_member"]
ROLE_LEVEL = {"building_leader": "building", "branch_member": "compound", "branch_secretary": "compound",
              "community": "community"}

# The delivery a Bot API call belongs to: handlers run in the task (or a copy of its context) that
# delivered the update, so every call made while processing it lands in that delivery's list.
DELIVERY: contextvars.ContextVar[list | None] = contextvars.ContextVar("delivery", default=None)


@dataclass
class Call:
    endpoint: str
    params: dict

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return int(chat) if chat is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    @property
    def buttons(self) -> list[str]:
        markup = self.params.get("reply_markup") or {}
        if isinstance(markup, str):
            import json

            markup = json.loads(markup)
        return [b.get("callback_data", "") for row in markup.get("inline_keyboard", []) for b in row]


@dataclass
class Stats:
    originals: int = 0
    duplicates: int = 0
    by_mode: Counter = field(default_factory=Counter)
    reprocessed: int = 0  # second copies that caused Bot API calls
    messages: int = 0  # Bot API calls with a chat_id (the ones AIORateLimiter's overall limit counts)
    persistence: Counter = field(default_factory=Counter)  # SQLPersistence transactions by kind
    no_reply: int = 0  # first copies that caused none
    abandoned: int = 0
    duplicate_offers: int = 0  # "similar need" offers answered with nf:new
    re_asked: int = 0  # a step answered with an error and asked again
    cancels: int = 0
    update_ids: set = field(default_factory=set)
    service_ms: dict = field(default_factory=lambda: {"original": [], "duplicate": []})
    anomalies: list = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.anomalies) < 8:
            self.anomalies.append(text)


class ErrorCount(logging.Handler):
    """Counts the errors the bot logs (PTB logs handler exceptions when no error handler is registered)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count, self.first = 0, []

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if len(self.first) < 3:
            exc = record.exc_info[1] if record.exc_info else None
            self.first.append(f"{record.name}: {record.getMessage()}" + (f" [{exc!r}]" if exc else ""))


class Driver:
    """One Application at a time; delivers updates the way the update fetcher does and records the calls."""

    def __init__(self, settings: Settings, stats: Stats, rate_limit: bool, concurrent_updates: int | None) -> None:
        self.settings, self.stats = settings, stats
        self.rate_limit, self.concurrent_updates = rate_limit, concurrent_updates
        self.bot: OfflineBot | None = None

    def start(self) -> OfflineBot:
        bot = OfflineBot(self.settings)
        if not self.rate_limit:  # diagnostic: same code path, no limits
            bot.app.bot._rate_limiter = AIORateLimiter(overall_max_rate=0, overall_time_period=0,
                                                       group_max_rate=0, group_time_period=0, max_retries=3)
        if self.concurrent_updates:  # diagnostic: what ApplicationBuilder.concurrent_updates(N) would set
            bot.app._update_processor = SimpleUpdateProcessor(self.concurrent_updates)
        request_post = bot.request.do_request

        async def do_request(url, method, request_data=None, **kwargs):
            calls = DELIVERY.get()
            if calls is not None:
                calls.append(Call(url.rsplit("/", 1)[-1], dict(request_data.parameters) if request_data else {}))
            return await request_post(url, method, request_data, **kwargs)

        bot.request.do_request = do_request
        persistence, persistence_run = bot.app.persistence, bot.app.persistence._run

        async def counted(fn, *args):  # one transaction (and one thread hop) per call
            namespace = str(args[0]) if args else ""
            self.stats.persistence[f"{fn.__name__} {namespace}"] += 1
            return await persistence_run(fn, *args)

        persistence._run = counted
        self.bot = bot.__enter__()
        return self.bot

    def stop(self) -> None:
        self.bot.__exit__(None, None, None)  # app.stop() + shutdown(): flushes the persistence
        self.bot = None

    async def deliver(self, payload: dict, copy: str, judge: bool = True) -> list[Call]:
        """Process one delivery of `payload` (copy "original" or "second"); the Bot API calls it caused.

        A second copy that causes any call counts as processed again (unless `judge` is off: for two copies
        delivered at the same moment either may be the one that goes through; the caller judges the pair)."""
        app = self.bot.app
        update = Update.de_json(payload, app.bot)
        calls: list[Call] = []
        kind = "original" if copy == "original" else "duplicate"

        async def timed():
            started = time.perf_counter()
            try:
                await app.process_update(update)
            finally:
                self.stats.service_ms[kind].append((time.perf_counter() - started) * 1000)

        token = DELIVERY.set(calls)
        try:  # what Application.__process_update_wrapper does with an update taken from update_queue
            await app.update_processor.process_update(update, timed())
        finally:
            DELIVERY.reset(token)
        self.stats.messages += sum(1 for c in calls if c.chat_id is not None)
        if copy == "original":
            self.stats.originals += 1
            self.stats.update_ids.add(payload["update_id"])
        else:
            self.stats.duplicates += 1
            if calls and judge:
                self.reprocessed(payload, calls)
        return calls

    def reprocessed(self, payload: dict, calls: list[Call]) -> None:
        self.stats.reprocessed += 1
        self.stats.note(f"second copy of update {payload['update_id']} processed again: {[c.endpoint for c in calls]}")

    async def deliver_both(self, payload: dict) -> list[Call]:
        """Both copies at the same moment, each in a task of its own; the calls of the one that went through."""
        loop = asyncio.get_running_loop()
        one, other = await asyncio.gather(loop.create_task(self.deliver(payload, "original")),
                                          loop.create_task(self.deliver(payload, "second", judge=False)))
        if one and other:
            self.reprocessed(payload, other)
        return one or other


class Worker:
    """A worker with an invite code who files `descriptions` one after the other through /need."""

    def __init__(self, n: int, role: str, unit_id: int, descriptions: list[str]) -> None:
        self.n, self.uid, self.role, self.unit_id = n, FIRST_USER + n, role, unit_id
        self.name = f"压测{n:04d}"
        self.code = ""
        self.descriptions = descriptions
        self.k = 0  # needs done (filed or abandoned)
        self.prompt: Call | None = None  # the form's last question to this worker
        self.steps = 0
        self.tickets: dict[int, str] = {}
        self.later: list[dict] = []  # second copies still to deliver

    @property
    def done(self) -> bool:
        return self.k >= len(self.descriptions)

    def _pick(self, buttons: list[str], prefix: str, salt: int) -> str:
        options = [b for b in buttons if b.startswith(prefix)]
        return options[(self.n * 7 + self.k * 3 + salt) % len(options)]

    def next_payload(self, stats: Stats) -> dict | None:
        """The next update of the conversation, decided from the bot's last question (None: unknown question)."""
        if self.prompt is None:
            return message_update(self.uid, "/need")
        buttons, text = self.prompt.buttons, self.prompt.text
        if text == ASK_DESCRIPTION:
            return message_update(self.uid, self.descriptions[self.k])
        if "nf:new" in buttons:
            stats.duplicate_offers += 1
            return callback_update(self.uid, "nf:new")
        for prefix, salt in (("nf:c:", 0), ("nf:b:", 1), ("nf:k:", 2)):
            if any(b.startswith(prefix) for b in buttons):
                return callback_update(self.uid, self._pick(buttons, prefix, salt))
        for data in ("nf:u:normal", "nf:y:0", "nf:ph:skip", "nf:submit"):
            if data in buttons:
                return callback_update(self.uid, data)
        return None

    async def step(self, driver: Driver, rng: random.Random) -> None:
        stats = driver.stats
        payload = self.next_payload(stats)
        if payload is None:
            stats.note(f"worker {self.n}: unexpected question {self.prompt.text[:40]!r} {self.prompt.buttons[:4]}")
            await self.abandon(driver)
            return
        mode = rng.choice(MODES)
        stats.by_mode[mode] += 1
        if mode == "concurrent":
            calls = await driver.deliver_both(payload)
        else:
            calls = await driver.deliver(payload, "original")
        for earlier in self.later:  # second copies of earlier updates, after this one
            await driver.deliver(earlier, "second")
        self.later = [payload] if mode == "later" else []
        if mode == "immediate":
            await driver.deliver(payload, "second")
        await self.observe(driver, payload, calls)

    async def flush(self, driver: Driver) -> None:
        for earlier in self.later:
            await driver.deliver(earlier, "second")
        self.later = []

    async def observe(self, driver: Driver, payload: dict, calls: list[Call]) -> None:
        stats = driver.stats
        own = [c for c in calls if c.endpoint in SENDS and c.chat_id == self.uid]
        if not own:
            stats.no_reply += 1
            what = payload.get("message", {}).get("text") or payload.get("callback_query", {}).get("data")
            stats.note(f"worker {self.n}: no answer to update {payload['update_id']} ({what!r}), "
                       f"after {self.prompt.text[:30] if self.prompt else '-'!r}")
            await self.abandon(driver)
            return
        for call in own:
            if match := FILED.fullmatch(call.text):
                self.tickets[self.k] = match.group(1)
                self.k, self.prompt, self.steps = self.k + 1, None, 0
                return
        if len(own) > 1:
            stats.re_asked += 1
            stats.note(f"worker {self.n}: {own[0].text[:50]!r} then asked again")
        self.prompt = own[-1]
        self.steps += 1
        if self.steps > MAX_STEPS:
            stats.note(f"worker {self.n}: need {self.k} still open after {MAX_STEPS} updates")
            await self.abandon(driver)

    async def abandon(self, driver: Driver) -> None:
        """Give up this need (it will count as lost): /cancel whatever is open and go on with the next."""
        driver.stats.abandoned += 1
        driver.stats.cancels += 1
        await driver.deliver(message_update(self.uid, "/cancel"), "original")
        self.k, self.prompt, self.steps = self.k + 1, None, 0


@dataclass
class Result:
    backend: str
    workers: int
    filed: int
    stored: int
    duplicates: int
    lost: int
    updates_per_s: float
    details: list[str]
    rate_limit: bool = True

    def line(self) -> str:
        return (f"RESULT backend={self.backend} workers={self.workers} filed={self.filed} stored={self.stored} "
                f"duplicates={self.duplicates} lost={self.lost} updates_per_s={self.updates_per_s:.1f} "
                f"rate_limit={'on' if self.rate_limit else 'off'}")


def descriptions_for(rng: random.Random, n: int, count: int) -> list[str]:
    """Distinct texts: a phrase and a 24-character reference (bigram similarity to each other well below 0.3)."""
    alphabet = string.ascii_lowercase + string.digits
    return [f"{PHRASES[(n * 5 + k) % len(PHRASES)]}（登记号 {''.join(rng.choices(alphabet, k=24))}）"
            for k in range(count)]


def setup(settings: Settings, n_workers: int, n_needs: int, rng: random.Random) -> list[Worker]:
    """Schema, example tree, one invite code per worker."""
    db = open_database(settings)
    try:
        import_org(db, TREE)
        workers = []
        with db.session() as session:
            from assistant.storage.models import OrgUnit

            units = {level: list(session.scalars(select(OrgUnit).where(OrgUnit.level == level).order_by(OrgUnit.path)))
                     for level in set(ROLE_LEVEL.values())}
            seen: Counter = Counter()
            for n in range(n_workers):
                role = ROLE_PLAN[n % len(ROLE_PLAN)]
                level = ROLE_LEVEL[role]
                unit = units[level][seen[level] % len(units[level])]
                seen[level] += 1
                worker = Worker(n, role, unit.id, descriptions_for(rng, n, n_needs))
                worker.code = invites.create_invite(session, settings, role, unit, name=worker.name).code
                workers.append(worker)
        return workers
    finally:
        db.dispose()


async def register(driver: Driver, workers: list[Worker]) -> None:
    """/start CODE for everyone at once, each delivered twice."""
    async def one(w: Worker) -> None:
        payload = message_update(w.uid, f"/start {w.code}")
        calls = await driver.deliver(payload, "original")
        await driver.deliver(payload, "second")
        if not any(c.text.startswith(REGISTERED) for c in calls):
            raise SystemExit(f"worker {w.n} could not register: {[c.text for c in calls]}")

    await asyncio.gather(*(one(w) for w in workers))


async def drive(driver: Driver, workers: list[Worker], rng: random.Random, stop_at: int | None) -> None:
    """Run every worker until done, or until `stop_at` first copies have been delivered in all."""
    async def run(w: Worker) -> None:
        while not w.done and (stop_at is None or driver.stats.originals < stop_at):
            await w.step(driver, rng)
        if stop_at is None:
            await w.flush(driver)

    await asyncio.gather(*(run(w) for w in workers))


def count(settings: Settings, workers: list[Worker], stats: Stats) -> tuple[dict, list[str]]:
    """filed / stored / duplicates / lost from the database, and the checks behind them."""
    db = Database(make_engine(settings.sqlalchemy_url, poolclass=NullPool))
    try:
        with db.session() as session:
            rows = session.execute(select(Need.ticket, Need.submitter_id, Need.description)).all()
            person_of = {int(e): p for e, p in session.execute(
                select(ChannelAccount.external_id, ChannelAccount.person_id).where(ChannelAccount.channel == "telegram"))}
            processed = session.scalar(select(func.count()).select_from(ProcessedUpdate))
            open_forms = len(kv.get_all(session, CONVERSATIONS + "need"))
    finally:
        db.dispose()
    pairs = Counter((submitter, description) for _, submitter, description in rows)
    tickets_of: dict[tuple, set] = {}
    for ticket, submitter, description in rows:
        tickets_of.setdefault((submitter, description), set()).add(ticket)
    expected = {(person_of.get(w.uid), d): w.tickets.get(k) for w in workers for k, d in enumerate(w.descriptions)}
    lost = sum(1 for pair, announced in expected.items()
               if pair not in tickets_of or (announced is not None and announced not in tickets_of[pair]))
    announced = [tk for w in workers for tk in w.tickets.values()]
    stored_tickets = {r[0] for r in rows}
    numbers = {
        "filed": len(set(announced)),
        "stored": len(rows),
        "duplicates": sum(c - 1 for c in pairs.values() if c > 1),
        "lost": lost,
    }
    checks = [
        (f"announced tickets not stored={len(set(announced) - stored_tickets)}, announced twice="
         f"{len(announced) - len(set(announced))}, stored but never set out to file={sum(1 for p in pairs if p not in expected)}"),
        (f"processed_updates rows={processed} for {len(stats.update_ids)} distinct update ids delivered; "
         f"need conversations still open after the last stop={open_forms}"),
    ]
    return numbers, checks


def run_backend(backend: str, url: str, n_workers: int, n_needs: int, data_dir: Path, *, seed: int = 1,
                rate_limit: bool = True, concurrent_updates: int | None = None, say=print) -> Result:
    """The whole benchmark on an empty database at `url` (a missing SQLite file or an empty schema)."""
    rng = random.Random(seed)
    settings = Settings(data_dir=data_dir, DATABASE_URL=url, telegram_bot_token=TOKEN)
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    try:
        started = time.perf_counter()
        workers = setup(settings, n_workers, n_needs, rng)
        setup_s = time.perf_counter() - started
        stats = Stats()
        driver = Driver(settings, stats, rate_limit, concurrent_updates)
        bot = driver.start()
        started = time.perf_counter()
        bot.loop.run_until_complete(register(driver, workers))
        register_s = time.perf_counter() - started
        registered = stats.originals + stats.duplicates
        stats.originals = stats.duplicates = stats.messages = 0
        stats.persistence.clear()
        concurrency = bot.app.concurrent_updates
        stats.service_ms = {"original": [], "duplicate": []}

        multi = {w.n for w in workers if w.role == "community"}  # they also choose the compound
        expected_updates = sum(n_needs * (9 if w.n in multi else 8) for w in workers)
        started = time.perf_counter()
        bot.loop.run_until_complete(drive(driver, workers, rng, stop_at=expected_updates // 2))
        at_restart = stats.originals
        restart_started = time.perf_counter()
        driver.stop()
        bot = driver.start()
        restart_s = time.perf_counter() - restart_started
        bot.loop.run_until_complete(drive(driver, workers, rng, stop_at=None))
        wall = time.perf_counter() - started
        driver.stop()

        numbers, checks = count(settings, workers, stats)
        deliveries = stats.originals + stats.duplicates
        per_s = deliveries / wall if wall else 0.0
        svc = {k: (statistics.mean(v) if v else 0.0) for k, v in stats.service_ms.items()}
        p95 = (statistics.quantiles(stats.service_ms["original"], n=20)[-1]
               if len(stats.service_ms["original"]) >= 20 else max(stats.service_ms["original"], default=0.0))
        processing = (f"{concurrent_updates} updates at a time (diagnostic)" if concurrent_updates else
                      f"{concurrency} update at a time (project setting: no concurrent_updates)")
        limiter = "AIORateLimiter as configured (30 messages/s overall)" if rate_limit else "no rate limit (diagnostic)"
        details = [
            (f"{backend}: setup {setup_s:.1f}s (schema, tree, {n_workers} invite codes); {n_workers} workers "
             f"registered with /start CODE ({registered} deliveries) in {register_s:.1f}s"),
            f"{backend}: processing {processing}; {limiter}",
            (f"{backend}: drove {deliveries} deliveries = {stats.originals} updates + {stats.duplicates} second copies "
             f"({stats.by_mode['immediate']} right after, {stats.by_mode['later']} after the next update, "
             f"{stats.by_mode['concurrent']} at the same time) in {wall:.1f}s; restart after {at_restart} updates "
             f"took {restart_s:.2f}s ({deliveries / (wall - restart_s):.1f} deliveries/s without it)"),
            f"{backend}: the bot sent {stats.messages} messages ({stats.messages / wall:.1f}/s, "
            f"{stats.messages / max(stats.originals, 1):.2f} per update); SQL persistence: "
            f"{sum(stats.persistence.values())} transactions ("
            + ", ".join(f"{k} {v}" for k, v in stats.persistence.most_common()) + ")",
            (f"{backend}: service time per update mean {svc['original']:.1f} ms (p95 {p95:.1f} ms), per second "
             f"copy {svc['duplicate']:.1f} ms"),
            (f"{backend}: second copies processed again={stats.reprocessed}; updates without answer={stats.no_reply}; "
             f"needs abandoned={stats.abandoned}; steps asked again={stats.re_asked}; duplicate offers answered "
             f"nf:new={stats.duplicate_offers}; errors logged by the bot={errors.count}"),
            *(f"{backend}: {c}" for c in checks),
            *(f"{backend}: ! {a}" for a in stats.anomalies),
            *(f"{backend}: ! logged {e}" for e in errors.first),
        ]
        for line in details:
            say(line)
        result = Result(backend, n_workers, updates_per_s=per_s, details=details, rate_limit=rate_limit, **numbers)
        say(result.line())
        return result
    finally:
        logging.getLogger().removeHandler(errors)


def sqlite_run(args) -> Result:
    base = OUT / "sqlite"
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    return run_backend("sqlite", f"sqlite:///{base / 'assistant.db'}", args.workers, args.needs, base / "data",
                       seed=args.seed, rate_limit=not args.no_rate_limit, concurrent_updates=args.concurrent_updates)


def postgresql_run(args) -> Result:
    with scratch_schema("bench_needs") as url:
        return run_backend("postgresql", url, args.workers, args.needs, OUT / "postgresql" / "data",
                           seed=args.seed, rate_limit=not args.no_rate_limit,
                           concurrent_updates=args.concurrent_updates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--needs", type=int, default=4, help="needs per worker")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-rate-limit", action="store_true", help="diagnostic: no AIORateLimiter limits")
    parser.add_argument("--concurrent-updates", type=int, default=None, metavar="N",
                        help="diagnostic: process N updates at a time")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if args.backend in ("sqlite", "both"):
        sqlite_run(args)
    if args.backend in ("postgresql", "both"):
        postgresql_run(args)


if __name__ == "__main__":
    main()
