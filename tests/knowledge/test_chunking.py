from pathlib import Path

from assistant.knowledge.chunking import HEADER_LABEL, PREAMBLE_LABEL, chunk_document
from assistant.knowledge.ingest import SourceDocument, read_document, repair_paragraphs

CORPUS = Path(__file__).resolve().parents[2] / "docs_corpus" / "xuancheng-zutong-2020-15.txt"


def directive_chunks():
    return chunk_document(read_document(CORPUS))


def test_each_item_is_its_own_clause_with_its_path():
    chunks = directive_chunks()
    items = [c for c in chunks if c.clause.isdigit()]
    assert [c.clause for c in items] == [str(n) for n in range(1, 16)]
    by_label = {c.clause: c for c in chunks}
    assert by_label["3"].path == ["二、主要措施", "（一）聚焦互联互通，强化党组织的领导和引领", "3. 建立小区（网格）党支部"]
    assert by_label["3"].cite == "二、（一）3. 建立小区（网格）党支部"
    assert by_label["13"].path_str == "三、组织实施 > 13. 强化组织领导"
    assert by_label["一"].path == ["一、总体目标"] and "党员干部联户" in by_label["一"].text
    # no clause runs into the next one
    assert "建优社区" not in by_label["1"].text
    assert by_label["15"].text.endswith("良好社会氛围。")


def test_header_block_and_preamble():
    chunks = directive_chunks()
    header = next(c for c in chunks if c.clause == HEADER_LABEL)
    for needed in ("组通〔2020〕15号", "中共宣城市委组织部", "中共宣城市住房和城乡建设局党组", "2020年5月15日", "指导意见"):
        assert needed in header.text
    preamble = next(c for c in chunks if c.clause == PREAMBLE_LABEL)
    assert preamble.text.startswith("为探索")
    assert header.doc == "组通〔2020〕15号" and header.meta["date"] == "2020-05-15"


def test_page_breaks_repaired_real_breaks_kept():
    text = read_document(CORPUS).text
    assert "不占街道职数" in text and "联席会议制度" in text and "8月底前" in text
    paragraphs = text.split("\n\n")
    # short header lines stay separate paragraphs
    assert "中共宣城市委组织部" in paragraphs and "2020年5月15日" in paragraphs
    assert repair_paragraphs("一、总体目标\n\n坚持以……为指导。") == ["一、总体目标", "坚持以……为指导。"]


def test_long_clause_split_by_sentence_never_merged_with_next():
    long_item = "1. 长条款。" + "".join(f"第{n}句内容比较长，用来测试按句切分的规则是否正确。" for n in range(40))
    text = f"一、总则\n\n{long_item}\n\n2. 下一条。这是第二条的正文。"
    doc = SourceDocument(path=Path("x.txt"), text=text, sha256="0", meta={"source": "x.txt"})
    chunks = chunk_document(doc, max_chars=200)
    first = [c for c in chunks if c.clause == "1"]
    assert len(first) > 1 and all(len(c.text) <= 200 for c in first)
    assert all(c.text.endswith("。") for c in first)
    assert "".join(c.text for c in first) == long_item[3:]
    assert not any("第二条" in c.text for c in first)
    assert [c.part for c in first] == list(range(len(first)))


def test_article_style_documents():
    text = "某市物业管理办法\n\n第一章 总则\n\n第一条 为了规范物业管理，制定本办法。\n\n第二条 本办法适用于本市住宅小区。"
    doc = SourceDocument(path=Path("y.txt"), text=text, sha256="0", meta={"source": "y.txt"})
    chunks = chunk_document(doc)
    labels = [c.clause for c in chunks]
    assert "第一条" in labels and "第二条" in labels
    second = next(c for c in chunks if c.clause == "第二条")
    assert second.path[0] == "第一章总则" or second.path[0].startswith("第一章")
