"""`assistant chat`: the same Application in a terminal, driven through stdin of a real process."""
import os
import subprocess
import sys
from pathlib import Path

from ..conftest import EXAMPLES

BIN = Path(sys.executable).parent / "assistant"


def test_terminal_chat_through_stdin(tmp_path):
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    subprocess.run([str(BIN), "org", "import", str(EXAMPLES / "org_example.csv")], env=env, check=True,
                   capture_output=True)
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
