import logging

import docx
import numpy as np
import pytest

from assistant.knowledge import generations
from assistant.knowledge.index import KnowledgeIndex
from assistant.knowledge.ingest import UnreadableDocument, read_document

ITEM = "1. 建强街道“大工委”。兼职委员一般为 3-5 名，不占街"
REST = "道职数和编制、不对应街道行政级别。"


def test_gbk_and_gb18030_text(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes(f"一、总体目标\n\n{ITEM}\n\n{REST}\n".encode("gbk"))
    doc = read_document(path)
    assert "不占街道职数" in doc.text
    rare = tmp_path / "gb18030.txt"
    rare.write_bytes("一、总则\n\n1. 㐀字测试。这是一个罕见字的文件，编码为 GB18030。\n".encode("gb18030"))
    assert "㐀" in read_document(rare).text


def test_docx(tmp_path):
    path = tmp_path / "policy.docx"
    document = docx.Document()
    for par in ("关于加强物业管理的通知", "一、总体要求", ITEM, REST, "2. 落实责任。各社区要明确责任人。"):
        document.add_paragraph(par)
    document.save(path)
    doc = read_document(path)
    assert "不占街道职数" in doc.text and "2. 落实责任" in doc.text


def test_pdf_text_layer_with_page_break(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    path = tmp_path / "policy.pdf"
    c = canvas.Canvas(str(path))
    for page in (["一、总体目标", ITEM], [REST, "2. 落实责任。各社区要明确责任人。"]):
        c.setFont("STSong-Light", 11)
        for i, line in enumerate(page):
            c.drawString(40, 800 - 20 * i, line)
        c.showPage()
    c.save()
    doc = read_document(path)
    assert "不占街道职数" in doc.text
    assert "一、总体目标" in doc.text.split("\n\n")


@pytest.mark.parametrize(
    "name,content",
    [("empty.txt", b""), ("blank.md", b"\n\n  \n"), ("binary.txt", b"\x00\x01\x02\xff" * 50),
     ("broken.docx", b"not a zip"), ("broken.pdf", b"%PDF-1.4 garbage")],
)
def test_unreadable_files_raise(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument) as err:
        read_document(path)
    assert name in str(err.value)


def test_bad_files_skipped_rest_ingested_and_only_changes_reread(settings, tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(f"一、总则\n\n{ITEM}\n\n{REST}\n", encoding="utf-8")
    (corpus / "other.md").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车。\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "broken.docx").write_bytes(b"not a zip")
    (corpus / "notes.xyz").write_text("ignored", encoding="utf-8")
    index = KnowledgeIndex(settings)
    with caplog.at_level(logging.WARNING):
        report = index.ingest([corpus], progress=False)
    assert sorted(report.added) == ["good.txt", "other.md"]
    assert sorted(name for name, _ in report.skipped) == ["broken.docx", "empty.txt"]
    assert "empty.txt" in caplog.text and "broken.docx" in caplog.text
    assert index.store.count() == len(index.chunks) == report.chunks

    again = KnowledgeIndex(settings).ingest([corpus], progress=False)
    assert sorted(again.unchanged) == ["good.txt", "other.md"] and not again.added and not again.updated

    (corpus / "other.md").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车，不占消防通道。\n", encoding="utf-8")
    (corpus / "good.txt").unlink()
    index = KnowledgeIndex(settings)
    third = index.ingest([corpus], progress=False)
    assert third.updated == ["other.md"] and third.removed == ["good.txt"]
    assert all("不占街道" not in c.text for c in index.chunks)
    assert any("消防通道" in c.text for c in index.chunks)
    assert index.store.count() == len(index.chunks)


def test_vector_store_rebuilt_when_lost(settings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车。\n", encoding="utf-8")
    first = KnowledgeIndex(settings)
    first.ingest([corpus], progress=False)
    first.store.reset()  # e.g. a new, empty Chroma server
    assert first.store.count() == 0
    index = KnowledgeIndex(settings)  # answering reads the generation's vectors file, not the store
    assert np.array_equal(index.chunk_vectors, first.chunk_vectors)
    index.ingest([corpus], progress=False)  # a build checks the store and writes it again
    assert index.store.count() == len(index.chunks) > 0
    assert np.array_equal(index.store.matrix([c.chunk_id for c in index.chunks]), first.chunk_vectors)
    (settings.index_dir / index.generation / generations.VECTORS_FILE).unlink()  # an earlier version's generation
    index.store.reset()
    again = KnowledgeIndex(settings)  # without the file the store is checked at open: embedded again
    assert again.store.count() == len(again.chunks) > 0
    assert (settings.index_dir / again.generation / generations.VECTORS_FILE).exists()


def test_vectors_are_embedded_once_per_model_and_text(tmp_path):
    from langchain_core.embeddings import Embeddings

    from assistant.config import Settings

    class CountingEmbeddings(Embeddings):
        """A stand-in model (not a real one) that counts the texts it embeds."""

        model_name = "counting-fake"
        calls = 0

        def embed_documents(self, texts):
            CountingEmbeddings.calls += len(texts)
            return [[float(len(t)), 1.0] for t in texts]

        def embed_query(self, text):
            CountingEmbeddings.calls += 1
            return [float(len(text)), 1.0]

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车。\n", encoding="utf-8")
    cache = tmp_path / "vectors.sqlite"
    first = KnowledgeIndex(Settings(data_dir=tmp_path / "one", embedding_cache_file=cache), embeddings=CountingEmbeddings())
    first.ingest([corpus], progress=False)
    embedded = CountingEmbeddings.calls
    assert embedded > 0
    second = KnowledgeIndex(Settings(data_dir=tmp_path / "two", embedding_cache_file=cache), embeddings=CountingEmbeddings())
    second.ingest([corpus], progress=False)
    assert CountingEmbeddings.calls == embedded  # every vector came from the cache
    assert second.store.count() == len(second.chunks) > 0
    off = KnowledgeIndex(Settings(data_dir=tmp_path / "three", embedding_cache_file=""), embeddings=CountingEmbeddings())
    off.ingest([corpus], progress=False)
    assert CountingEmbeddings.calls == 2 * embedded


def big_text(path, megabytes: int) -> None:
    """A generated .txt of about `megabytes` MB: numbered clauses, as a pasted 汇编 would be."""
    clause = "".join(f"{n}. 第{n}条规定，各小区应当按要求落实网格化管理责任。\n\n" for n in range(1, 101)).encode()
    with path.open("wb") as handle:
        for _ in range(megabytes * 1024 * 1024 // len(clause) + 1):
            handle.write(clause)


def test_a_file_over_the_size_limit_is_skipped_by_name_and_the_rest_indexed(settings, tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    big_text(corpus / "huge.txt", 50)
    (corpus / "ok.md").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车。\n", encoding="utf-8")
    index = KnowledgeIndex(settings)  # the default limit, ASSISTANT_MAX_DOCUMENT_BYTES = 10 MiB
    with caplog.at_level(logging.WARNING):
        report = index.ingest([corpus], progress=False)
    assert report.added == ["ok.md"]
    [(name, reason)] = report.skipped
    assert name == "huge.txt" and "ASSISTANT_MAX_DOCUMENT_BYTES=10,485,760" in reason and "52,4" in reason
    assert "ASSISTANT_MAX_DOCUMENT_BYTES" in caplog.text
    assert {c.source for c in index.chunks} == {"ok.md"}


def test_a_document_over_the_chunk_limit_is_skipped_by_name(tmp_path):
    from assistant.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "long.txt").write_text("一、总则\n\n" + "".join(f"{n}. 第{n}项要求。各社区要落实。\n\n" for n in range(1, 9)),
                                     encoding="utf-8")
    (corpus / "short.txt").write_text("一、停车\n\n1. 规范停车。党员要带头规范停车。\n", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", max_document_chunks=5)
    report = KnowledgeIndex(settings).ingest([corpus], progress=False)
    assert report.added == ["short.txt"]
    [(name, reason)] = report.skipped
    assert name == "long.txt" and "ASSISTANT_MAX_DOCUMENT_CHUNKS=5" in reason


def test_embedding_goes_in_batches_with_progress(tmp_path, caplog):
    from assistant.config import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("一、总则\n\n" + "".join(f"{n}. 第{n}项：各社区要落实责任。\n\n" for n in range(1, 21)),
                                  encoding="utf-8")
    # no vector cache: what a cache or the seed already knows is copied, not embedded, and not on the meter
    settings = Settings(data_dir=tmp_path / "data", embed_batch_size=4, embedding_cache_file="")
    with caplog.at_level(logging.INFO, logger="assistant.knowledge.index"):
        index = KnowledgeIndex(settings)
        index.ingest([corpus], progress=False)
    steps = [r.getMessage() for r in caplog.records if r.getMessage().startswith("embedding: ")]
    total = len(index.chunks) + len(index.unit_ids)
    assert 2 <= len(steps) <= 10 and steps[-1] == f"embedding: {total} of {total} texts", steps
    assert index.store.count() == len(index.chunks) and index.unit_store.count() == len(index.unit_ids)
