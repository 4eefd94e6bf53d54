"""Policy Q&A accuracy, refusals and latency on a question set, with the standard recipe as baseline.

usage: python bench/qa_eval.py [FILE.jsonl ...] [--verbose] [--llm]

FILE lines: {"q": question, "clause": [acceptable labels] | [] (any) | null (must refuse), "must": [facts]}.
Default files: the two shared dev sets, our own train and test splits and the out-of-domain probe (bench/qa/).
One line per file: `RESULT file=… accuracy=… refusal=… confident_wrong=… p50_ms=… p95_ms=… baseline_accuracy=…
n=…`, where accuracy = right ÷ answerable questions, refusal = refused ÷ must-refuse questions (`na` when a file
has none), confident_wrong counts confident answers with the wrong clause, a missing fact, or to a must-refuse
question. The baseline is the
standard recipe (fixed chunks, BM25, always answers top-1). p50/p95 are warm, one pass per file.

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
from assistant.knowledge.bm25 import BM25  # noqa: E402
from assistant.knowledge.index import KnowledgeIndex  # noqa: E402
from assistant.knowledge.ingest import discover, read_document  # noqa: E402
from assistant.llm.answer import answer_sync  # noqa: E402
from assistant.llm.provider import chat_model, embeddings  # noqa: E402

# The team's shared sets: beside the checkout (/work/main → /work/shared) or beside a worktree's parent
SHARED = next((p / "shared" / "eval" for p in ROOT.parents if (p / "shared" / "eval").is_dir()), ROOT.parent / "shared" / "eval")
DEFAULT_SETS = [SHARED / "dev_qa.jsonl", SHARED / "dev_qa_v2.jsonl", ROOT / "bench" / "qa" / "own_train.jsonl",
                ROOT / "bench" / "qa" / "own_test.jsonl", ROOT / "bench" / "qa" / "ood_probe.jsonl"]
WARMUP = 5


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


def evaluate(path: Path, ask, baseline: Baseline, verbose: bool) -> tuple[Score, Score, list[float], int, int]:
    """Score one file; time every question again once the index is warm."""
    items = load_questions(path)
    score, baseline_score = Score(), Score()
    calls = fallbacks = 0
    for item in items:
        result = ask(item["q"])
        calls += result.mode == "llm" or result.fallback is not None
        fallbacks += result.fallback is not None
        ok = judge_answer(item, result)
        score.add(item, ok, result.confident)
        b_clause, b_text = baseline.ask(item["q"])
        baseline_score.add(item, judge(item, True, b_clause, b_text), True)
        if verbose and not ok:
            clause = result.citations[0].clause if result.citations else None
            print(f"MISS {item.get('id', '')} want={item['clause']} got={clause} "
                  f"conf={result.confidence:.2f} confident={result.confident} mode={result.mode} "
                  f"fallback={result.fallback} | {item['q']}\n     {result.answer[:200]!r}")
    timings = []
    for item in items:
        started = time.perf_counter()
        ask(item["q"])
        timings.append((time.perf_counter() - started) * 1000)
    return score, baseline_score, timings, calls, fallbacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", default=[str(p) for p in DEFAULT_SETS])
    parser.add_argument("--verbose", "-v", action="store_true", help="print the misses (never on a test split)")
    parser.add_argument("--llm", action="store_true", help="answer through the configured LLM (LLM_BASE_URL, LLM_MODEL)")
    args = parser.parse_args()

    settings = get_settings()
    model = chat_model(settings) if args.llm else None
    if args.llm and model is None:
        sys.exit("--llm needs LLM_BASE_URL and LLM_MODEL")
    index = KnowledgeIndex(settings, embeddings=embeddings(settings))
    index.ingest([settings.corpus_dir], progress=False)
    baseline = Baseline(settings.corpus_dir)

    def ask(question: str):
        return answer_sync(index, model, question)

    def share(value: float, of: int) -> str:
        return f"{value:.3f}" if of else "na"  # a file without answerable (or must-refuse) questions

    for _ in range(WARMUP):
        ask("小区党支部设几名委员？")
    for name in args.files:
        path = Path(name)
        score, base, timings, calls, fallbacks = evaluate(path, ask, baseline, args.verbose)
        llm = f" mode=llm llm_answers={calls - fallbacks} fallback_rate={fallbacks / calls if calls else 0:.3f}" if model else ""
        print(
            f"RESULT file={path.stem} accuracy={share(score.accuracy, score.answerable)} "
            f"refusal={share(score.refusal, score.refusals)} "
            f"confident_wrong={score.confident_wrong} confident_wrong_rate={score.confident_wrong_rate:.3f} "
            f"p50_ms={statistics.median(timings):.1f} p95_ms={percentile(timings, 0.95):.1f} "
            f"baseline_accuracy={share(base.accuracy, base.answerable)} baseline_refusal={share(base.refusal, base.refusals)} "
            f"n={score.total} answerable={score.answerable} unanswerable={score.refusals}{llm}",
            flush=True,
        )


if __name__ == "__main__":
    main()
