"""The ONLY place that builds the telegram Application: handlers, persistence, rate limiting, menu."""
from __future__ import annotations

import asyncio

from telegram.ext import AIORateLimiter, Application, ApplicationBuilder
from telegram.request import BaseRequest, HTTPXRequest

from ..messages import t
from ..needs.queries import count_needs
from ..org import audit, invites
from ..org.people import ensure_local_operator
from ..org.tree import units_by_level
from ..policies import Policies
from ..runtime import Runtime
from . import ask, guard, health, jobs, menu, pickers, router, sender
from .common import RUNTIME
from .digest import digest
from .durable import DurableApplication, DurableBot
from .errors import on_error
from .needs import need, need_card, resource
from .org import invite, people, start
from .party import cases, check, checkin, checkin_report, flowin, points
from .persistence import SQLPersistence
from .property import evaluate, ratings
from .terminal import (
    OPERATOR_ID, TERMINAL_STATE, TerminalChat, TerminalRequest, banner, leave_promptly, run_until_quit,
)

TERMINAL_TOKEN = "0:terminal"


def build_application(rt: Runtime, request: BaseRequest | None = None) -> Application:
    """An Application wired with every handler; `request` replaces the HTTP layer (terminal chat)."""
    s = rt.settings
    bot = DurableBot(  # the requests ApplicationBuilder would make: 256 connections, 1 for getUpdates
        s.telegram_bot_token or TERMINAL_TOKEN, base_url=s.telegram_api_base_url,
        base_file_url=s.telegram_file_base_url, request=request or HTTPXRequest(),
        get_updates_request=request or HTTPXRequest(connection_pool_size=1),
        rate_limiter=AIORateLimiter(max_retries=3),
    )
    application = (
        ApplicationBuilder()
        .application_class(DurableApplication)
        .bot(bot)
        .persistence(SQLPersistence(rt.db))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data[RUNTIME] = rt
    application.add_handler(guard.build_handler(), group=-2)  # updates with no sender: answered, not handled
    application.add_handler(pickers.page_handler(), group=-1)  # ◀ ▶ of paged pickers, in place
    application.add_handlers(start.command_handlers())
    application.add_handler(check.build_handler())
    application.add_handlers(checkin_report.handlers())
    application.add_handler(ask.build_handler())
    application.add_handler(invite.build_handler())
    application.add_handler(people.build_handler())
    application.add_handler(need.build_handler())
    application.add_handler(need_card.build_handler())
    application.add_handler(resource.build_handler())
    application.add_handler(checkin.build_handler())
    application.add_handler(flowin.build_handler())
    application.add_handler(points.build_handler())
    application.add_handler(cases.build_handler())
    application.add_handler(evaluate.build_handler())
    application.add_handler(ratings.build_handler())
    application.add_handlers(ask.extra_handlers())
    application.add_handlers(need.extra_handlers())
    application.add_handlers(digest.handlers())
    application.add_handler(router.build_handler())
    application.add_handler(start.cancel_handler())
    application.add_handler(router.unknown_command_handler())  # any command nothing above took
    application.add_handler(guard.stale_button_handler())  # any button nothing above took
    application.add_error_handler(on_error)
    jobs.schedule(application, s.escalation_interval_seconds)
    checkin_report.schedule(application, s.reminder_interval_seconds)
    cases.schedule(application, rt.policies.party.zone)
    digest.schedule(application, s.digest_tick_seconds)
    sender.schedule(application, s.outbox_tick_seconds)
    return application


async def post_init(application: Application) -> None:
    """Before the first update: /healthz (webhook mode), the commands menu, then the knowledge index (e5 + Chroma)
    opened in a worker thread, so the event loop stays free and the first question finds it ready; a re-index of
    a changed corpus then runs in the background while the previous index answers."""
    await health.start(application)
    await menu.set_default(application)
    rt = application.bot_data[RUNTIME]
    await asyncio.to_thread(lambda: rt.index)


async def post_shutdown(application: Application) -> None:
    """After the last update: close /healthz, stop a re-index still under way."""
    await health.stop(application)
    await asyncio.to_thread(application.bot_data[RUNTIME].close)


def record_policies(rt: Runtime) -> None:
    """A policy file changed since the last start (or the first start) goes into the audit trail."""
    with rt.db.session() as session:
        audit.record_policies(session, Policies.files(rt.settings))


def run_bot(rt: Runtime) -> None:
    """Serve Telegram: polling by default, webhook mode when a webhook URL is configured."""
    s = rt.settings
    record_policies(rt)
    application = build_application(rt)  # post_init opens the index off the event loop
    if s.webhook_url:
        from urllib.parse import urlparse

        application.run_webhook(
            listen=s.webhook_listen, port=s.webhook_port, webhook_url=s.webhook_url,
            url_path=urlparse(s.webhook_url).path.lstrip("/"), secret_token=s.webhook_secret,
        )
    else:
        application.run_polling(poll_interval=s.telegram_poll_interval)


def run_terminal(rt: Runtime, lang: str = "zh") -> None:
    """The same Application in the terminal, no network: a banner, then the chat until /quit or Ctrl-C."""
    import sys

    def bind_operator() -> None:  # admin of whatever top-level units exist now: an org imported meanwhile counts
        with rt.db.session() as session:
            ensure_local_operator(session, rt.channel, str(OPERATOR_ID))

    bind_operator()
    record_policies(rt)
    files = rt.settings.data_dir / "terminal"
    request = TerminalRequest(sys.stdout, files_dir=files, lang=lang, state=files / TERMINAL_STATE,
                              zone=rt.policies.needs.zone)  # the deployment's zone (tickets, digests) names the files
    application = build_application(rt, request=request)
    documents = sorted({c.doc for c in rt.index.chunks})  # load the index before the first question arrives
    with rt.db.session(read_only=True) as session:
        text = banner(invites.whoami(session, rt.channel, str(OPERATOR_ID)), units_by_level(session),
                      count_needs(session), documents, lang)
    try:
        run_until_quit(TerminalChat(application, request, lang, before_line=bind_operator), text, t("banner.bye", lang))
    finally:
        rt.close()  # a re-index under way stops between batches (it publishes nothing half-built) and is joined
        rt.db.dispose()  # every step was committed with its update; the connections are closed
        leave_promptly()
