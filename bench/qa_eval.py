"""Policy Q&A accuracy, refusals and latency on a question set, with the standard recipe as baseline.

usage: python bench/qa_eval.py [FILE.jsonl] [--verbose] [--llm]

FILE lines: {"q": question, "clause": [acceptable labels] | [] (any) | null (must refuse), "must": [facts]}.
Prints `RESULT accuracy=… refusal=… p50_ms=… p95_ms=… baseline_accuracy=… n=…` last.

--llm answers through the configured LLM (LLM_BASE_URL, LLM_MODEL) under the grounding validator, times one
round, and adds `mode=llm llm_answers=… fallback_rate=…` (fallbacks / LLM calls; uncovered questions make
no call). Without a model, `python -m tests.llm.fake_server --mode grounded|corrupt` is a stand-in server.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import get_settings  # noqa: E402
from assistant.knowledge.chunking import chunk_document  # noqa: E402
from assistant.knowledge.evaluation import Score, judge, judge_answer, load_questions  # noqa: E402
from assistant.knowledge.index import BM25, KnowledgeIndex  # noqa: E402
from assistant.knowledge.ingest import discover, read_document  # noqa: E402
from assistant.llm.answer import answer_sync  # noqa: E402
from assistant.llm.provider import chat_model  # noqa: E402

DEFAULT_SET = ROOT.parent / "shared" / "eval" / "dev_qa.jsonl"
TIMED_ROUNDS = 5


class Baseline:
    """The standard recipe: fixed 250-character chunks, 50 overlap, BM25 over plain jieba, top-1 answers."""

    SIZE, OVERLAP = 250, 50

    def __init__(self, corpus: Path) -> None:
        import jieba

        self.cut = lambda s: [w for w in jieba.cut_for_search(s) if w.strip() and any(c.isalnum() for c in w)]
        self.chunks: list[tuple[str, str]] = []  # (clause label, text)
        for path in discover([corpus]):
            doc = read_document(path)
            text = doc.text
            spans = []  # (start, end, label) of each clause, for labelling the fixed chunks
            for clause in chunk_document(doc):
                start = text.find(clause.text.split("\n")[0])
                if start >= 0:
                    spans.append((start, start + len(clause.text), clause.clause))
            for start in range(0, max(len(text) - self.OVERLAP, 1), self.SIZE - self.OVERLAP):
                piece = text[start : start + self.SIZE]
                overlap = lambda s: max(0, min(s[1], start + self.SIZE) - max(s[0], start))  # noqa: E731
                label = max(spans, key=overlap)[2] if spans else ""
                self.chunks.append((label, piece))
        self.bm25 = BM25([self.cut(c[1]) for c in self.chunks])

    def ask(self, question: str) -> tuple[str | None, str]:
        scores = self.bm25.scores(self.cut(question))
        if not scores:
            return None, ""
        best = max(scores, key=scores.get)
        return self.chunks[best]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default=str(DEFAULT_SET))
    parser.add_argument("--verbose", "-v", action="store_true")
    parser.add_argument("--llm", action="store_true", help="answer through the configured LLM (LLM_BASE_URL, LLM_MODEL)")
    args = parser.parse_args()
    items = load_questions(Path(args.file))

    settings = get_settings()
    model = chat_model(settings) if args.llm else None
    if args.llm and model is None:
        sys.exit("--llm needs LLM_BASE_URL and LLM_MODEL")
    calls = fallbacks = 0

    def ask(question: str):
        return answer_sync(index, model, question)
    index = KnowledgeIndex(settings)
    index.ingest([settings.corpus_dir], progress=False)
    baseline = Baseline(settings.corpus_dir)

    score, baseline_score = Score(), Score()
    for item in items:
        result = ask(item["q"])
        calls += result.mode == "llm" or result.fallback is not None
        fallbacks += result.fallback is not None
        ok = judge_answer(item, result)
        score.add(item, ok)
        b_clause, b_text = baseline.ask(item["q"])
        baseline_score.add(item, judge(item, True, b_clause, b_text))
        if args.verbose or not ok:
            clause = result.citations[0].clause if result.citations else None
            print(f"{'ok ' if ok else 'MISS'} {item.get('id', '')} want={item['clause']} got={clause} "
                  f"conf={result.confidence:.2f} confident={result.confident} mode={result.mode} "
                  f"fallback={result.fallback} | {item['q']}\n     {result.answer[:160]!r}")

    timings = []
    for _ in range(1 if model else TIMED_ROUNDS):  # one round of LLM calls is enough to time them
        for item in items:
            started = time.perf_counter()
            ask(item["q"])
            timings.append((time.perf_counter() - started) * 1000)

    llm = f" mode=llm llm_answers={calls - fallbacks} fallback_rate={fallbacks / calls if calls else 0:.3f}" if model else ""
    print(
        f"RESULT accuracy={score.accuracy:.3f} refusal={score.refusal:.2f} "
        f"p50_ms={statistics.median(timings):.1f} p95_ms={percentile(timings, 0.95):.1f} "
        f"baseline_accuracy={baseline_score.accuracy:.3f} n={score.total}{llm}"
    )


if __name__ == "__main__":
    main()
