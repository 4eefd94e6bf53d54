"""`GET /healthz` in webhook mode: a small tornado server beside PTB's webhook server (PTB 22 offers no way to add a
route to its own), on ASSISTANT_HEALTH_LISTEN:ASSISTANT_HEALTH_PORT. 200 when the database answers and the
knowledge index is loaded, else 503; the body says which: {"status": "ok", "database": true, "index": true}."""
from __future__ import annotations

import asyncio
import json

import tornado.web
from telegram.ext import Application
from tornado.httpserver import HTTPServer

from ..runtime import Runtime
from .common import RUNTIME

SERVER = "health_server"  # bot_data key (bot_data is not persisted)
CHECK_SECONDS = 5.0  # a database that does not answer by then counts as unreachable


class HealthHandler(tornado.web.RequestHandler):
    def initialize(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def get(self) -> None:
        try:
            report = await asyncio.wait_for(asyncio.to_thread(self.runtime.health), CHECK_SECONDS)
        except asyncio.TimeoutError:
            report = {"database": False, "index": self.runtime.index_loaded}
        healthy = all(report.values())
        self.set_status(200 if healthy else 503)
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps({"status": "ok" if healthy else "unavailable", **report}))


async def start(application: Application) -> None:
    """Listen for /healthz when the bot runs in webhook mode and a health port is set."""
    rt: Runtime = application.bot_data[RUNTIME]
    s = rt.settings
    if not (s.webhook_url and s.health_port):
        return
    web = tornado.web.Application([(r"/healthz", HealthHandler, {"runtime": rt})], log_function=lambda _: None)
    server = HTTPServer(web)
    server.listen(s.health_port, address=s.health_listen)
    application.bot_data[SERVER] = server


async def stop(application: Application) -> None:
    """Close the health server, if one was started."""
    server = application.bot_data.pop(SERVER, None)
    if server is not None:
        server.stop()
        await server.close_all_connections()
