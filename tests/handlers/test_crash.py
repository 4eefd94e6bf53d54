"""kill -9 right after the last reply, 20 users in the middle of the /need and /checkin forms, `assistant run`
as a real process against the Bot API emulator, on SQLite and PostgreSQL: after a restart every user
finishes, and each form is stored once with what was answered (tests/helpers/crash.py)."""
from __future__ import annotations

from ..helpers import crash
from ..helpers.emulator import telegram_emulator  # noqa: F401  (fixture)


def test_kill_9_after_the_last_reply_loses_no_step(telegram_emulator, db_url, tree, shared_data_dir, tmp_path):
    env = crash.bot_env(telegram_emulator, db_url, shared_data_dir, tmp_path / "assistant.log", poll_interval=0.2)
    log = tmp_path / "bot.log"
    counts = crash.run(telegram_emulator, tree, env, log, n_users=20)
    output = log.read_text() + (tmp_path / "assistant.log").read_text()
    assert (counts["lost"], counts["duplicated"]) == (0, 0), "\n".join(counts["problems"])
    assert counts["exit_code"] == 0 and "Traceback" not in output, output[-3000:]
