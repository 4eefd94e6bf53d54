"""/check in chat and `assistant check` on the command line."""
import json
import os
import subprocess
import sys
from pathlib import Path

from ..cli import in_process
from ..conftest import EXAMPLES
from ..helpers.offline import OfflineBot
from .conftest import make_code

BIN = Path(sys.executable).parent / "assistant"


def test_check_in_chat_is_scoped_and_permissioned(bot_settings, tree):
    with OfflineBot(bot_settings) as bot:
        for user, role, unit in ((701, "community", "梅园社区"), (702, "building_leader", "MY01-1")):
            assert "注册成功" in bot.send(user, f"/start {make_code(bot_settings, tree, role, unit)}")[0]
        report = bot.send(701, "/check")[0]
        assert report.startswith("组织设置检查") and "梅园社区" in report and "敬亭社区" not in report
        assert "组通〔2020〕15号 二、（一）2." in report
        assert "您的角色不能进行此操作" in bot.send(702, "/check")[0]


def test_check_command_line(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    subprocess.run([str(BIN), "org", "import", str(EXAMPLES / "org_example.csv")], env=env, check=True,
                   capture_output=True)
    out = subprocess.run([str(BIN), "check", "--json", "--unit", "敬亭社区"], env=env, capture_output=True, text=True)
    findings = json.loads(out.stdout)
    assert findings and all(f["unit_path"].startswith("宣州区 > 澄江街道 > 敬亭社区") for f in findings)
    assert {f["clause"] for f in findings} == {"二、（一）2."}
    bad = subprocess.run([str(BIN), "check", "--unit", "火星社区"], env=env, capture_output=True, text=True)
    assert bad.returncode == 1 and "找不到单位" in bad.stderr and "Traceback" not in bad.stderr


def test_notices_command_line(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "notices.txt"
    proc = subprocess.run([str(BIN), "notices", "--unsent", "--out", str(out)], env=env, capture_output=True, text=True)
    assert proc.returncode == 0 and "已写出 0 份通报" in proc.stdout
    assert "没有需要通报" in out.read_text(encoding="utf-8")


def test_seats_entered_on_the_command_line_satisfy_the_street_rule(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}

    def cli(*args):  # the first run of each command a real process, the repeats in-process (tests.cli.in_process)
        return subprocess.run([str(BIN), *args], env=env, capture_output=True, text=True)

    def again_in_process(*args):
        return in_process(args, env)

    cli("org", "import", str(EXAMPLES / "org_example.csv"))
    roster = tmp_path / "members.csv"  # people without a role (the role and unit cells empty)
    roster.write_text("姓名,电话,角色,单位\n" + "".join(f"兼职委员{n},1390000010{n},,\n" for n in range(3)),
                      encoding="utf-8")
    assert cli("people", "import", str(roster)).returncode == 0
    rule = ("宣州区 > 澄江街道", "count_low")
    assert rule in {(f["unit_path"], f["rule"]) for f in json.loads(cli("check", "--json").stdout)}
    for n in range(3):
        added = (cli if n == 0 else again_in_process)("seats", "add", "--unit", "澄江街道", "--person", f"兼职委员{n}",
                                                     "--organ", "street_committee", "--position", "part_time_member",
                                                     "--from-unit", "驻区单位")
        assert added.returncode == 0 and "兼职委员" in added.stdout
    again = again_in_process("seats", "add", "--unit", "澄江街道", "--person", "兼职委员0", "--organ",
                             "street_committee", "--position", "member")
    assert again.returncode == 1 and "已在该机构任职" in again.stderr and "Traceback" not in again.stderr
    assert rule not in {(f["unit_path"], f["rule"]) for f in json.loads(again_in_process("check", "--json").stdout)}
    assert cli("seats", "group", "--building", "MY01-1").returncode == 0
