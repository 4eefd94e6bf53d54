"""Running the assistant: `assistant run`, `assistant bot` (Telegram), `assistant chat` (terminal)."""
from __future__ import annotations

import typer

from ..logs import configure_logging
from ..messages import LANGS, t
from ._common import choice, settings

LANG_OPTION = "The terminal chat's language (also of the banner)."


def bot() -> None:
    """Serve Telegram (needs TELEGRAM_BOT_TOKEN): polling, or webhook mode when ASSISTANT_WEBHOOK_URL is set."""
    from ..handlers.app import run_bot
    from ..runtime import Runtime

    config = settings()
    if not config.telegram_bot_token:
        typer.echo(t("cli.no_token"), err=True)
        raise typer.Exit(2)
    configure_logging(config, console=True)
    run_bot(Runtime(config))


def chat(lang: str = choice("zh", "--lang", LANGS, help=LANG_OPTION)) -> None:
    """Chat in the terminal with the same handlers as Telegram, no network (you are the local admin)."""
    from ..handlers.app import run_terminal
    from ..runtime import Runtime

    config = settings()
    configure_logging(config, console=False)  # the terminal is the chat: log lines go to the file only
    run_terminal(Runtime(config, channel="terminal"), lang)


def run(lang: str = choice("zh", "--lang", LANGS, help=LANG_OPTION + " Telegram users get theirs.")) -> None:
    """Start the assistant: the Telegram bot when a token is configured, otherwise the terminal chat."""
    if settings().telegram_bot_token:
        bot()
    else:
        chat(lang)
