"""`assistant chat`: the same Application in a terminal, driven through stdin of a real process."""
import io
import json
import os
import queue
import re
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant.handlers.terminal import ID_MARGIN, TerminalRequest

from ..cli import in_process
from ..conftest import EXAMPLES

BIN = Path(sys.executable).parent / "assistant"
HANG_GUARD = 180  # seconds: a chat that never answers fails the test instead of hanging it


def test_terminal_chat_through_stdin(tmp_path, indexed_data_dir):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(indexed_data_dir)}  # the index built (tests/conftest.py)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    assert in_process(["org", "import", EXAMPLES / "org_example.csv"], env).returncode == 0  # a process in tests/cli
    lines = ["/whoami", "小区党支部设几名委员？", "1", "/invite", "4", "1", "/cancel", "/quit"]
    proc = subprocess.run([str(BIN), "run"], input="\n".join(lines) + "\n", env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "本地管理员" in out and "管理员：宣州区" in out  # the operator is the local admin
    assert "3-5 名" in out and "[1] 相关条款" in out  # buttons become numbered choices
    assert "2. 建优社区“大党委”" in out  # pressing 1 showed the related clauses
    assert "设在哪个单位" in out and "已取消" in out
    assert "<blockquote>" not in out


class Chat:
    """`assistant run` as a real process: lines typed into its stdin, its output read as it comes."""

    def __init__(self, env: dict, tmp_path: Path) -> None:
        self.stderr = open(tmp_path / "stderr.txt", "w")
        self.proc = subprocess.Popen([str(BIN), "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.stderr, env=env, text=True, encoding="utf-8")
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, marker: str) -> str:
        """The output up to the end of the message (its blank line) containing `marker`."""
        seen, found = [], False
        while True:
            try:
                line = self.lines.get(timeout=HANG_GUARD)
            except queue.Empty:
                raise AssertionError(f"no {marker!r} from the chat:\n" + "\n".join(seen)) from None
            assert line is not None, f"the chat ended before {marker!r}:\n" + "\n".join(seen)
            seen.append(line)
            found = found or marker in line
            if found and line == "":
                return "\n".join(seen)

    def type(self, line: str, marker: str) -> str:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.until(marker)

    def press(self, shown: str, *steps: tuple[str, str]) -> str:
        """Type the number of each (button label, marker of the answer) in turn, each on the last answer shown."""
        for label, marker in steps:
            shown = self.type(choice(shown, label), marker)
        return shown

    def rest(self) -> str:
        """Everything printed until the process ended."""
        seen = []
        while (line := self.lines.get(timeout=HANG_GUARD)) is not None:
            seen.append(line)
        return "\n".join(seen)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.stderr.close()


FORM_TO_PHOTO = (("✓ 电梯", "使用原文"), ("使用原文", "一般"), ("一般", "不记录"), ("不记录", "跳过"))  # the /need
# form from its category step to its photo step: the category read from the text, its words, normal, no resident


def choice(text: str, label: str) -> str:
    """The number the chat printed before the button `label`."""
    found = re.search(r"\[(\d+)\] [^\n]*" + re.escape(label), text)
    assert found, f"no button {label!r} in:\n{text}"
    return found[1]


@pytest.fixture
def env(indexed_data_dir):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(indexed_data_dir), "PYTHONIOENCODING": "utf-8"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


def test_first_run_on_an_empty_organisation(env, tmp_path):
    chat = Chat(env, tmp_path)
    try:
        banner = chat.until("Ctrl-C")
        assert "社区治理助手" in banner and "您是：本地管理员" in banner and "组织单位 0 个" in banner
        assert "政策文件 1 份（组通〔2020〕15号）" in banner and "/help" in banner and "/quit" in banner
        assert ".venv/bin/assistant org import examples/org_example.csv" in banner and "assistant demo" in banner
        denied = chat.type("/digest", "make demo")
        assert "还没有导入组织架构" in denied
        assert in_process(["org", "import", EXAMPLES / "org_example.csv"], env).returncode == 0  # from another process
        assert "管理员：宣州区" in chat.type("/whoami", "管理员")  # no restart needed
        help_text = chat.type("/help", "/quit")
        assert "/invite" in help_text and "/need_编号" in help_text and "近30天" in help_text
        chat.proc.send_signal(signal.SIGINT)  # Ctrl-C, with stdin still open: no Enter needed
        assert "再见" in chat.rest()
        assert chat.proc.wait(timeout=HANG_GUARD) == 0
    finally:
        chat.close()


def test_demo_then_a_need_filed_with_the_numbers_shown(env, tmp_path):
    demo = subprocess.run([str(BIN), "demo"], env=env, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr
    assert "组织单位新增 35 个" in demo.stdout and "示例需求 3 条" in demo.stdout
    again = in_process(["demo"], env)  # the second time in-process (what it says)
    assert "未再添加示例需求" in again.stdout and "示例需求 0 条" in again.stdout
    chat = Chat(env, tmp_path)
    try:
        banner = chat.until("Ctrl-C")
        assert "组织单位 35 个" in banner and "需求 3 条" in banner
        offer = chat.type("3号楼电梯坏了两天了，老人上下楼很不方便", "登记为需求")
        compounds = chat.type(choice(offer, "登记为需求"), "哪个小区")
        buildings = chat.type(choice(compounds, "梅园社区 > 锦绣华庭"), "不指定楼栋")
        assert "[2] 2栋" in buildings and "[3] ✓ 3栋" in buildings  # the recognised one keeps its place
        again = chat.type("第二栋", "不指定楼栋")  # not a number: told to type one (there is nothing to press)
        assert "请输入上面选项前的编号" in again and "[2] 2栋" in again and "点上面" not in again
        confirm = chat.press(chat.type("2", "其他"), *FORM_TO_PHOTO, ("跳过", "提交"))
        assert "2栋" in confirm and "3栋" not in confirm.split("提交")[0].split("请确认需求")[1]
        entrance = chat.type(choice(confirm, "修改：单元"), "不指定单元")  # a typed number would press a choice
        assert "只输入数字会选择下面的编号" in entrance
        confirm = chat.type("2单元", "提交")
        assert "2单元" in confirm.split("提交")[0]
        assert "需求已登记" in chat.type(choice(confirm, "提交"), "需求已登记")
        mine = chat.type("/mine", "锦绣华庭")  # each line starts with the command of its card
        card_command = re.search(r"(/need_\d+) XQ-\d{8}-\d{4} 待签收 · 锦绣华庭", mine)[1]
        assert "处理记录" in chat.type(card_command, "处理记录")
        digest = chat.type("/digest", "文件已保存")
        chart = Path(re.search(r"文件已保存：(.+?)）", digest)[1])
        assert "[photo]" in digest and chart.parent == tmp_path / "data" / "terminal"
        assert chart.read_bytes().startswith(b"\x89PNG")
        export = chat.type("/export", "文件已保存")
        workbook = Path(re.search(r"文件已保存：(.+?)）", export)[1])
        assert "[document]" in export and workbook.suffix == ".xlsx" and workbook.read_bytes().startswith(b"PK")
        chat.proc.stdin.write("/quit\n")
        chat.proc.stdin.close()
        assert "再见" in chat.rest() and chat.proc.wait(timeout=HANG_GUARD) == 0
    finally:
        chat.close()


def test_on_a_terminal_the_prompt_follows_the_answer(env, tmp_path):
    """Through a pseudo-terminal: the `> ` prompt comes after the answer to the line before, never in front of it."""
    import pty

    subprocess.run([str(BIN), "org", "import", str(EXAMPLES / "org_example.csv")], env=env, check=True,
                   capture_output=True)
    master, slave = pty.openpty()
    proc = subprocess.Popen([str(BIN), "run"], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    seen = bytearray()

    def text() -> str:
        return seen.decode("utf-8", "replace").replace("\r\n", "\n")

    def read_until(marker: str) -> str:
        deadline = time.monotonic() + HANG_GUARD
        while marker not in text() and time.monotonic() < deadline:
            if select.select([master], [], [], 1)[0]:
                try:
                    seen.extend(os.read(master, 65536))
                except OSError:  # the process ended
                    break
        assert marker in text(), text()
        return text()

    try:
        read_until("Ctrl-C")
        read_until("> ")
        os.write(master, "/whoami\n".encode())
        out = read_until("管理员：宣州区\n\n> ")  # the answer, its blank line, then the prompt
        answer = out.split("/whoami\n", 1)[1]
        assert answer.startswith("本地管理员\n"), answer  # not "> 本地管理员"
        os.write(master, "/frobnicate\n".encode())
        out = read_until("/help 查看您可以使用的命令。\n\n> ")
        assert "> /frobnicate\n没有 /frobnicate 这个命令" in out
        proc.send_signal(signal.SIGINT)
        assert "再见" in read_until("再见") and proc.wait(timeout=HANG_GUARD) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)


def test_the_chat_in_english_and_unknown_commands(env, tmp_path):
    """`assistant run --lang en`: the banner, answers and refusals in English; a command nobody knows is named."""
    lines = ["/whoami", "/frobnicate now", "/need", "/quit"]
    proc = subprocess.run([str(BIN), "run", "--lang", "en"], input="\n".join(lines) + "\n", env=env,
                          capture_output=True, text=True, timeout=HANG_GUARD)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "You are:" in out and "The organisation is empty" in out and "/help" in out
    assert "There is no command /frobnicate. Send /help" in out
    assert "No organisation has been imported yet" in out and "Bye." in out
    trail = subprocess.run([str(BIN), "audit", "--json"], env=env, capture_output=True, text=True)
    assert [e["action"] for e in json.loads(trail.stdout)] == ["policy_load"]  # the policies the chat started with
    bad = subprocess.run([str(BIN), "run", "--lang", "fr"], env=env, capture_output=True, text=True)
    assert bad.returncode == 2 and "zh, en" in bad.stderr


def test_a_picker_of_many_units_is_paged_and_every_unit_reachable(env, tmp_path):
    """/invite for a 联户干部: 25 buildings and households, 20 a page (ASSISTANT_PICKER_PAGE_SIZE), ▶ shows the rest.
    A number typed picks only among the numbers shown: page 1 shows [1]–[22] (20 units, the page label, ▶), and 23
    (the row id of a unit on page 2) is refused with the picker kept; a unit's code typed is taken."""
    subprocess.run([str(BIN), "org", "import", str(EXAMPLES / "org_example.csv")], env=env, check=True,
                   capture_output=True)
    chat = Chat(env, tmp_path)
    try:
        chat.until("Ctrl-C")
        roles = chat.type("/invite", "居民")
        first = chat.type(choice(roles, "联户干部"), "下一页")
        assert "第 1/2 页" in first and "书香门第" not in first and "单位较多" not in first
        assert "[22] 下一页" in first and "[23]" not in first
        refused = chat.type("23", "不是上面列出的编号")
        assert "“23”不是上面列出的编号：请输入 [ ] 中显示的编号" in refused and "受邀人姓名" not in refused
        second = chat.type(choice(first, "下一页"), "上一页")  # the picker stayed: its numbers still press
        assert "第 2/2 页" in second and "书香门第 > 2栋" in second
        named = chat.type(choice(second, "书香门第 > 2栋"), "受邀人姓名")
        assert "单位：宣州区 > 澄江街道 > 敬亭社区 > 书香门第 > 2栋" in named
        chat.type("/cancel", "已取消")
        roles = chat.type("/invite", "居民")
        chat.type(choice(roles, "联户干部"), "下一页")
        assert "单位：宣州区 > 澄江街道 > 梅园社区 > 梅园新村 > 1栋\n" in chat.type("MY01-1", "受邀人姓名")
        chat.type("/cancel", "已取消")
    finally:
        chat.close()



def test_the_local_admin_is_named_in_the_viewers_language_whichever_ran_first(env, tmp_path):
    """The first chat in English stores the admin under one stable name; each chat shows it in its own language,
    and a row named the English way by an older version is still the local admin."""
    assert in_process(["org", "import", EXAMPLES / "org_example.csv"], env).returncode == 0
    english = subprocess.run([str(BIN), "run", "--lang", "en"], input="/whoami\n/people show 1\n/quit\n", env=env,
                             capture_output=True, text=True, timeout=HANG_GUARD)
    assert "You are: local operator" in english.stdout and "本地管理员" not in english.stdout
    assert "id 1: local operator" in english.stdout, english.stdout  # /people show
    shown = json.loads(subprocess.run([str(BIN), "people", "show", "1", "--json"], env=env, capture_output=True,
                                      text=True).stdout)
    assert shown["name"] == "本地管理员"  # stored the same whichever language ran first
    from assistant.storage.db import Database
    from assistant.storage.models import Person

    db = Database.from_url(f"sqlite:///{Path(env['ASSISTANT_DATA_DIR']) / 'assistant.db'}")
    with db.session() as s:
        s.get(Person, 1).name = "local operator"  # as an English first start of an older version left it
    db.dispose()
    chinese = subprocess.run([str(BIN), "run"], input="/whoami\n/quit\n", env=env, capture_output=True, text=True,
                             timeout=HANG_GUARD)
    assert "您是：本地管理员" in chinese.stdout and "local operator" not in chinese.stdout
    assert "• 管理员：宣州区" in chinese.stdout  # still the admin: the same account, not a second person
    listed = json.loads(subprocess.run([str(BIN), "people", "list", "--json"], env=env, capture_output=True,
                                       text=True).stdout)
    assert [(p["id"], p["name"]) for p in listed] == [(1, "本地管理员")]


def test_a_photo_is_attached_in_the_terminal_by_typing_its_path(env, tmp_path):
    """The photo step says how (type an image file's path, or the number of 跳过); the path sends the photo, copied
    into the data dir, and the need's card shows where it is."""
    assert subprocess.run([str(BIN), "demo"], env=env, capture_output=True, text=True).returncode == 0
    picture = tmp_path / "电梯 门.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    chat = Chat(env, tmp_path)
    try:
        chat.until("Ctrl-C")
        offer = chat.type("3号楼电梯坏了两天了，老人上下楼很不方便", "登记为需求")
        compounds = chat.type(choice(offer, "登记为需求"), "哪个小区")
        buildings = chat.type(choice(compounds, "梅园社区 > 锦绣华庭"), "不指定楼栋")
        photo_step = chat.press(buildings, ("✓ 3栋", "其他"), *FORM_TO_PHOTO)
        assert "输入图片文件的路径" in photo_step and "点“跳过”" not in photo_step
        hint = chat.type("拍不了", "跳过")
        assert "这一步需要一张照片：输入图片文件" in hint and "请发送照片" not in hint
        confirm = chat.type(f"'{picture}'", "提交")  # quoted, as a terminal pastes a dropped file
        sent = Path(re.search(r"已发送照片：(.+?)）", confirm)[1])
        assert sent.parent == tmp_path / "data" / "terminal" and sent.read_bytes() == picture.read_bytes()
        assert "照片：有" in confirm
        filed = chat.type(choice(confirm, "提交"), "需求已登记")
        ticket = re.search(r"XQ-\d{8}-\d{4}", filed)[0]
        card_command = re.search(r"(/need_\d+) " + ticket, chat.type("/mine", ticket))[1]
        card = chat.type(card_command, "（照片：")
        assert "[photo] XQ-" in card and f"（照片：{sent}）" in card
    finally:
        chat.close()


def test_files_the_terminal_writes_are_named_in_the_deployments_time_zone(env, tmp_path):
    """On a machine whose clock is UTC, /digest's chart is saved as <Asia/Shanghai date-time>-…png."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    assert subprocess.run([str(BIN), "demo"], env=env, capture_output=True, text=True).returncode == 0
    zone = ZoneInfo("Asia/Shanghai")
    before = datetime.now(zone)
    proc = subprocess.run([str(BIN), "run"], input="/digest\n/quit\n", env={**env, "TZ": "UTC"},
                          capture_output=True, text=True, timeout=HANG_GUARD)
    after = datetime.now(zone)
    chart = Path(re.search(r"文件已保存：(.+?)）", proc.stdout)[1])
    stamp = datetime.strptime(chart.name[:15], "%Y%m%d-%H%M%S").replace(tzinfo=zone)
    assert before - timedelta(seconds=1) <= stamp <= after, (chart.name, before, after)
    assert abs(stamp - datetime.now(UTC)) < timedelta(minutes=10)  # the same moment, written in local time


def test_ctrl_c_leaves_within_a_second_and_loses_nothing(env, tmp_path):
    """Ctrl-C mid-form: the process is gone in under a second (the index's objects are not garbage-collected on the
    way out); the next chat goes on from the step it was at, and what it creates is stored."""
    assert in_process(["org", "import", EXAMPLES / "org_example.csv"], env).returncode == 0
    chat = Chat(env, tmp_path)
    try:
        chat.until("Ctrl-C")
        roles = chat.type("/invite", "居民")
        assert "设在哪个单位" in chat.type(choice(roles, "楼栋长"), "设在哪个单位")
        started = time.monotonic()
        chat.proc.send_signal(signal.SIGINT)
        assert chat.proc.wait(timeout=HANG_GUARD) == 0
        took = time.monotonic() - started
        assert "再见" in chat.rest()
        assert took < 1.0, f"{took:.2f} s from Ctrl-C to exit"
    finally:
        chat.close()
    again = Chat(env, tmp_path)
    try:
        again.until("Ctrl-C")
        assert "受邀人姓名" in again.type("MY01-1", "受邀人姓名")  # the conversation's state was kept
        created = again.type("新楼长", "邀请码")
        code = re.search(r"/start (\S+)", created)[1]
        again.proc.send_signal(signal.SIGINT)
        assert again.proc.wait(timeout=HANG_GUARD) == 0
    finally:
        again.close()
    trail = json.loads(in_process(["audit", "--json"], env).stdout)
    assert [e["subject"] for e in trail if e["action"] == "invite_create"] == ["新楼长"] and code


def test_the_numbers_shown_before_a_restart_still_press_their_buttons(env, tmp_path):
    """Ctrl-C right after an offer: the next chat takes the number shown for 登记为需求 as that button (not as text),
    and files that offer's text."""
    assert in_process(["org", "import", EXAMPLES / "org_example.csv"], env).returncode == 0
    chat = Chat(env, tmp_path)
    try:
        chat.until("Ctrl-C")
        offer = chat.type("3号楼电梯坏了两天了，老人上下楼很不方便", "登记为需求")
        chat.proc.send_signal(signal.SIGINT)
        assert chat.proc.wait(timeout=HANG_GUARD) == 0
    finally:
        chat.close()
    again = Chat(env, tmp_path)
    try:
        kept = again.until("仍可输入编号")
        assert choice(offer, "登记为需求") == choice(kept, "登记为需求")  # shown again, with the same number
        step = again.type(choice(offer, "登记为需求"), "哪个小区")
        assert "请输入上面选项前的编号" not in step
        again.proc.send_signal(signal.SIGINT)
        assert again.proc.wait(timeout=HANG_GUARD) == 0
    finally:
        again.close()


@pytest.mark.parametrize("kept", ['{"next_id": 9, "buttons": [["登记为需求", "nf:offer", 8]]}', "not json",
                                  '{"next_id": "x", "buttons": [["a"], 3, ["b", "c", "d"]]}', "[]"])
def test_the_kept_numbering_is_read_back_and_junk_is_ignored(tmp_path, kept):
    state = tmp_path / "chat-state.json"
    state.write_text(kept, encoding="utf-8")
    request = TerminalRequest(io.StringIO(), state=state)
    good = kept.startswith('{"next_id": 9')
    assert request.buttons == ([("登记为需求", "nf:offer", 8)] if good else [])
    first = request.new_id()
    assert first == (9 + ID_MARGIN if good else 1)  # past what a chat killed inside a line may have used
    request.save()
    assert json.loads(state.read_text(encoding="utf-8"))["next_id"] == first + 1
