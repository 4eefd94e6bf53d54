"""Read documents (.txt/.md/.docx/.pdf) into clean text, repairing page-break artifacts."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SUPPORTED = {".txt", ".md", ".docx", ".pdf"}
TERMINAL = "。！？；：!?;:…」』”）)】》"
HEADING_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|\d{1,3}\s*[.．、](?!\d)\s*\S|第[一二三四五六七八九十百零\d]+[章节条]|#+\s|[-*•]\s)"
)
DOC_NUMBER_RE = re.compile(r"\S{1,8}〔\d{4}〕\d+号")
# A paragraph with no full stop that is shorter than this is a title, signature or date line, never
# a sentence cut by a page break.
PAGE_BREAK_MIN_CHARS = 60


class UnreadableDocument(Exception):
    """The file cannot be turned into text."""


class OverLimit(UnreadableDocument):
    """The file is over one of the index's limits (the message names its setting); it is not indexed."""

    def __init__(self, key: str, **values) -> None:
        from ..messages import t

        self.key, self.values = key, values
        super().__init__(t(key, **values))


def check_size(path: Path, max_bytes: int) -> None:
    """OverLimit when the file is larger than `max_bytes` (checked before anything is read)."""
    from ..config import Settings

    size = path.stat().st_size
    if size > max_bytes:
        raise OverLimit("ingest.over_bytes", name=path.name, size=f"{size:,}", limit=f"{max_bytes:,}",
                        setting=Settings.env_name("max_document_bytes"))


@dataclass
class SourceDocument:
    """A document's text and metadata, ready for chunking."""

    path: Path
    text: str
    sha256: str
    meta: dict = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return self.meta.get("doc_number") or self.meta.get("title") or self.path.stem


SIDECARS = (".meta.json", ".questions.jsonl")  # metadata and question bank, beside the document


def squash(text: str) -> str:
    """The text without whitespace (how facts, evidence and document identity are compared)."""
    return "".join(text.split())


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sidecar(path: Path, suffix: str) -> Path:
    return path.with_name(path.stem + suffix)


def source_sha256(path: Path) -> str:
    """Hash of the file and its sidecars: a change to any of them re-reads the document."""
    digest = hashlib.sha256(path.read_bytes())
    for suffix in SIDECARS:
        if sidecar(path, suffix).exists():
            digest.update(suffix.encode() + sidecar(path, suffix).read_bytes())
    return digest.hexdigest()


def decode_text(raw: bytes, name: str = "") -> str:
    """Decode bytes as UTF-8 (with or without BOM), falling back to detection (GBK/GB18030 …)."""
    if b"\x00" in raw[:4096]:
        raise UnreadableDocument(f"{name}: binary content")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw).best()
    if best is None:
        raise UnreadableDocument(f"{name}: unknown text encoding")
    encoding = best.encoding.lower().replace("-", "_")
    if encoding in {"gbk", "gb2312", "hz", "cp936"}:
        encoding = "gb18030"  # superset: never loses characters GBK detection missed
    return raw.decode(encoding, errors="strict")


def _ends_sentence(par: str) -> bool:
    return par.rstrip()[-1:] in TERMINAL


def _join(left: str, right: str) -> str:
    left, right = left.rstrip(), right.lstrip()
    sep = " " if left[-1:].isascii() and left[-1:].isalpha() and right[:1].isascii() and right[:1].isalpha() else ""
    return left + sep + right


def repair_paragraphs(text: str, *, join_lines: bool = False) -> list[str]:
    """Split text into paragraphs, rejoining sentences broken by page breaks.

    Paragraphs are separated by blank lines. A paragraph is glued to the next when it is long,
    is not a heading, does not end a sentence, and the next one is not a heading either
    ("不占街\\n\\n道职数" → "不占街道职数"). With join_lines (PDF text layers) single line
    wraps inside a paragraph are undone by the same rule.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ").replace("\f", "\n\n")
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    paragraphs: list[str] = []
    for block in blocks:
        lines = [ln.strip() for ln in block.split("\n") if ln.strip()]
        if join_lines:
            merged: list[str] = []
            for ln in lines:
                if merged and not _ends_sentence(merged[-1]) and not HEADING_RE.match(ln) and not _is_heading(merged[-1]):
                    merged[-1] = _join(merged[-1], ln)
                else:
                    merged.append(ln)
            lines = merged
        for i, ln in enumerate(lines):
            continues = (
                i == 0
                and paragraphs
                and ("。" in paragraphs[-1] or len(paragraphs[-1]) >= PAGE_BREAK_MIN_CHARS)
                and not _ends_sentence(paragraphs[-1])
                and not _is_heading(paragraphs[-1])
                and not HEADING_RE.match(ln)
            )
            if continues:
                paragraphs[-1] = _join(paragraphs[-1], ln)
            else:
                paragraphs.append(ln)
    return paragraphs


def _is_heading(par: str) -> bool:
    """A heading line: a numbered marker with a short title and no sentence inside it."""
    return bool(HEADING_RE.match(par)) and "。" not in par and len(par) <= 60


def _read_docx(path: Path) -> str:
    import docx

    document = docx.Document(str(path))
    return "\n\n".join(p.text for p in document.paragraphs if p.text.strip())


def _read_pdf(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(str(path))
    pages = [(page.extract_text() or "") for page in reader.pages]
    return "\n\n".join(pages)


def load_meta(path: Path) -> dict:
    """The metadata sidecar `<stem>.meta.json` next to a document, if any."""
    meta = sidecar(path, ".meta.json")
    if meta.exists():
        return json.loads(meta.read_text(encoding="utf-8"))
    return {}


def read_document(path: Path) -> SourceDocument:
    """Read one file into a SourceDocument; raises UnreadableDocument with the reason."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnreadableDocument(f"{path.name}: unsupported file type {suffix or '(none)'}")
    try:
        if suffix == ".docx":
            raw_text = _read_docx(path)
        elif suffix == ".pdf":
            raw_text = _read_pdf(path)
        else:
            raw_text = decode_text(path.read_bytes(), path.name)
    except UnreadableDocument:
        raise
    except Exception as exc:  # corrupt docx/pdf, permission errors …
        raise UnreadableDocument(f"{path.name}: {type(exc).__name__}: {exc}") from exc
    paragraphs = repair_paragraphs(raw_text, join_lines=suffix == ".pdf")
    text = "\n\n".join(paragraphs)
    if len(re.sub(r"\W", "", text)) < 2:
        raise UnreadableDocument(f"{path.name}: no text")
    meta = {"source": path.name, **load_meta(path)}
    if "doc_number" not in meta:
        found = DOC_NUMBER_RE.search(text[:2000])
        if found:
            meta["doc_number"] = found.group(0)
    return SourceDocument(path=path, text=text, sha256=file_sha256(path), meta=meta)


def discover(paths: list[Path]) -> list[Path]:
    """Expand directories into the supported files below them, sorted."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(
                f for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in SUPPORTED
            )
        elif p.exists():
            found.append(p)
        else:
            log.warning("skipped %s: no such file", p)
    return found
