"""The index against a real Chroma server started by the test on 127.0.0.1."""
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.knowledge.answer import answer_question
from assistant.knowledge.index import open_index

from ..conftest import make_settings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    port = free_port()
    chroma = Path(sys.executable).parent / "chroma"
    path = tmp_path_factory.mktemp("chroma-server")
    proc = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail("chroma server exited at start-up")
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start within 60 s")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_index_on_chroma_server(chroma_server, tmp_path):
    settings = make_settings(tmp_path, chroma_url=chroma_server, chroma_collection="server-test")
    index = open_index(settings)
    assert not settings.chroma_dir.exists(), "nothing is written to the embedded store"
    assert index.store.count() == len(index.chunks) > 0
    result = answer_question(index, "业主委员会成员中党员比例有什么要求？")
    assert result.confident and result.citations[0].clause == "9"
    # a second process-like open reuses the server's vectors
    again = open_index(settings)
    assert again.store.count() == len(again.chunks)
