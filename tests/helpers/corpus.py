"""A corpus folder of the test's own (the directive plus documents added by the test) and a way to catch a
re-index in the middle: the real e5 model behind a gate that holds the next passage batch until released."""
from __future__ import annotations

import shutil
import threading
import uuid
from pathlib import Path

from langchain_core.embeddings import Embeddings

from assistant.knowledge.embeddings import E5Embeddings

DIRECTIVE = Path(__file__).resolve().parents[2] / "docs_corpus"
NEW_DOC = "宣民〔2026〕9号"
NEW_QUESTION = "每个小区至少建设几个公共充电桩？"


def directive_corpus(folder: Path) -> Path:
    """`folder` holding a copy of the directive with its sidecars."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in DIRECTIVE.iterdir():
        shutil.copy(file, folder / file.name)
    return folder


def add_document(corpus: Path, items: int = 6) -> str:
    """A new document (its text unique to this call, so no vector of it is cached anywhere); its 文号."""
    marker = uuid.uuid4().hex[:12]
    lines = [f"宣城市民政局关于加强小区公共充电桩管理的通知（{marker}）", NEW_DOC, "一、建设要求",
             "1. 每个小区至少建设4个公共充电桩，由物业服务企业负责日常维护。"]
    lines += [f"{n}. 第{n}项充电桩管理要求：巡查记录编号 {marker}-{n}，每月报街道备案。" for n in range(2, items + 1)]
    (corpus / f"charging-{marker}.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    return marker


class GatedEmbeddings(Embeddings):
    """The bundled e5 model (same name, so it serves the same index); once `arm()`ed, the next passage batch
    waits for `release()` — a re-index held in the middle while the test asks questions."""

    def __init__(self) -> None:
        self.model = E5Embeddings()
        self.model_name = self.model.model_name
        self.armed = False
        self.entered, self.released = threading.Event(), threading.Event()

    def arm(self) -> None:
        self.armed = True

    def release(self) -> None:
        self.armed = False
        self.released.set()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if self.armed:
            self.entered.set()
            self.released.wait(300)
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)

    def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return self.model.embed_queries(texts)
