"""A small OpenAI-compatible server on 127.0.0.1 standing in for a model (it is not one).

Answers /v1/chat/completions and /v1/embeddings. `mode` decides the chat reply:
  grounded   the sentence of the first clause in the prompt that shares most characters with the question,
             cited by that clause's label (an extractive echo in the answer format the assistant asks for)
  corrupt    the same with its first number changed (+1), or its citation label when it has no number
  malformed  a body that is not JSON
  script     `reply(request) -> content` set by the test
`delay` (seconds) slows every reply. As a program it serves until stopped:

    python -m tests.llm.fake_server --mode grounded --port 8765   # then LLM_BASE_URL=http://127.0.0.1:8765/v1
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLAUSE_RE = re.compile(r"^\[([^\]]+)\] [^\n]*\n(.+?)(?=\n\n\[|\n\nQuestion: |\Z)", re.DOTALL | re.MULTILINE)
SENTENCE_RE = re.compile(r"(?<=[。；！？])")
EMBEDDING_DIM = 8


def grounded_reply(prompt: str) -> str:
    """The clause sentence nearest the question, cited: what a faithful model might write."""
    question = prompt.rsplit("Question: ", 1)[-1]
    clauses = CLAUSE_RE.findall(prompt)
    if not clauses:
        return "没有可引用的条款。"
    label, text = clauses[0]
    sentences = [s.strip() for s in SENTENCE_RE.split(text.replace("\n", "")) if s.strip()]
    best = max(sentences, key=lambda s: len(set(s) & set(question)))
    return f"{best} [{label}]"


def corrupt_reply(prompt: str) -> str:
    """A grounded reply with one fact changed, as a careless model would."""
    text = grounded_reply(prompt)
    body, _, label = text.rpartition(" [")
    if m := re.search(r"\d+", body):
        return f"{body[:m.start()]}{int(m.group()) + 1}{body[m.end():]} [{label}"
    number = re.search(r"\d+", label)
    return f"根据第{int(number.group()) + 1 if number else 1}条，{body} [{label}"


class FakeLLMServer:
    """`with FakeLLMServer(mode) as server:` → `server.url` is an OpenAI-compatible base URL."""

    def __init__(self, mode: str = "grounded", delay: float = 0.0, port: int = 0) -> None:
        self.mode, self.delay, self.reply = mode, delay, None
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                request = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                server.requests.append({"path": self.path, **request})
                time.sleep(server.delay)
                body = server.respond(self.path, request)
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"

    def respond(self, path: str, request: dict) -> bytes:
        if path.endswith("/embeddings"):
            texts = request["input"] if isinstance(request["input"], list) else [request["input"]]
            data = [{"object": "embedding", "index": i, "embedding": _vector(str(t))} for i, t in enumerate(texts)]
            return json.dumps({"object": "list", "data": data, "model": request.get("model"),
                               "usage": {"prompt_tokens": 1, "total_tokens": 1}}).encode()
        if self.mode == "malformed":
            return b'{"id": "x", "choices": [{"message": {"content": "3-5'
        prompt = "\n".join(str(m.get("content", "")) for m in request.get("messages", []))
        content = {"grounded": grounded_reply, "corrupt": corrupt_reply}.get(self.mode, None)
        content = content(prompt) if content else self.reply(request)
        return json.dumps({
            "id": "chatcmpl-stand-in", "object": "chat.completion", "created": int(time.time()),
            "model": request.get("model"), "choices": [{"index": 0, "finish_reason": "stop",
                                                        "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }, ensure_ascii=False).encode()

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [b / 255 for b in digest[:EMBEDDING_DIM]]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="OpenAI-compatible stand-in server (not a model)")
    parser.add_argument("--mode", choices=["grounded", "corrupt", "malformed"], default="grounded")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    with FakeLLMServer(args.mode, args.delay, args.port) as running:
        print(f"serving {args.mode} at {running.url}", flush=True)
        threading.Event().wait()
