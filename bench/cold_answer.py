"""A cold bot's first answer to a policy question, through the Bot API emulator (tests/helpers/emulator).

A fresh process: the index is on disk (built on the first run in DATA_DIR), nothing is loaded yet. The bot
starts polling, a coordinator registers, then asks "小区党支部设几名委员？". Prints
`RESULT startup_s=… question_to_answer_s=… start_to_answer_s=…` (startup includes post_init, which opens
the index off the event loop).

    .venv/bin/python bench/cold_answer.py [DATA_DIR]
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.handlers.app import build_application  # noqa: E402
from assistant.org import invites  # noqa: E402
from assistant.org.tree import find_unit, import_org  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from assistant.storage.db import Database, upgrade  # noqa: E402
from tests.helpers.emulator import TelegramEmulator, run_app  # noqa: E402


def main() -> None:
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="cold-answer-"))
    data.mkdir(parents=True, exist_ok=True)
    emulator = TelegramEmulator().start()
    try:
        url = f"sqlite:///{data / f'cold-{time.time_ns()}.db'}"
        upgrade(url)
        settings = Settings(data_dir=data, DATABASE_URL=url, telegram_bot_token=emulator.token,
                            telegram_api_base_url=emulator.base_url, telegram_file_base_url=emulator.base_file_url)
        db = Database.from_url(url)
        import_org(db, ROOT / "examples" / "org_example.csv")
        with db.session() as session:
            code = invites.create_invite(session, settings, "branch_secretary", find_unit(session, "MY02")).code
        chat = emulator.new_chat_id()
        started = time.perf_counter()
        with run_app(build_application(Runtime(settings))):
            polling = time.perf_counter()
            emulator.send_command(chat, f"/start {code}")
            emulator.wait_for_reply(chat, "注册成功", timeout=120)
            asked = time.perf_counter()
            emulator.send_message(chat, "小区党支部设几名委员？")
            emulator.wait_for_reply(chat, "3-5 名", timeout=120)
            answered = time.perf_counter()
    finally:
        emulator.stop()
    print(f"RESULT startup_s={polling - started:.2f} question_to_answer_s={answered - asked:.2f} "
          f"start_to_answer_s={answered - started:.2f}")


if __name__ == "__main__":
    main()
