"""Fit the answer engine's confidence model on the training split and write it as data.

usage: python bench/fit_confidence.py [TRAIN.jsonl] [--l2 1.0] [--out assistant/knowledge/data/confidence.json]
       python bench/fit_confidence.py [TRAIN.jsonl] --cv [--cv-seed 7]

For every training question, every candidate unit is one example: positive when the question is
answerable, the unit's clause is an acceptable one and the unit holds one of the required facts. The
model is an L2-regularised logistic regression over `evidence.FEATURES`; its probability is what
`Answer.confidence` reports. Prints the fitted weights and `RESULT examples=… positives=… train_log_loss=…`.
`--cv` writes nothing: it refits both models five times without one fold of the questions and answers that fold,
`RESULT mode=cv accuracy=… refusal=… confident_wrong=…`: the train split's honest numbers (what `qa_eval`
reports for the train split is in-sample). Never pass a test split here.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.config import get_settings  # noqa: E402
from assistant.knowledge.answer import answer_question, asks_several, clean_question, decision_input, quoted_units, rank  # noqa: E402
from assistant.knowledge.confidence import DECISION_FEATURES, DECISION_SIGNS, MODEL_FILE, Engine, Model, fit, fit_listwise  # noqa: E402
from assistant.knowledge.evaluation import Score, judge, judge_answer, load_questions  # noqa: E402
from assistant.knowledge.ingest import squash  # noqa: E402
from assistant.knowledge.evidence import FEATURES, candidates, corpus_words, feature_matrix  # noqa: E402
from assistant.knowledge.question import Question  # noqa: E402
from assistant.knowledge.index import KnowledgeIndex  # noqa: E402
from assistant.llm.provider import embeddings  # noqa: E402

TRAIN = ROOT / "bench" / "qa" / "own_train.jsonl"
SEED = 20261201


FOLDS = 5


@dataclass
class Example:
    item: dict
    cands: list
    x: np.ndarray
    y: np.ndarray  # per unit: it is in an acceptable clause and holds a required fact
    question: str  # as cleaned
    asked: str  # as searched (typos corrected)
    analysis: Question


def examples(index: KnowledgeIndex, items: list[dict]) -> list[Example]:
    """Each question twice: with the question bank, and as if its document had none."""
    out = []
    for item in items:
        question, _ = clean_question(item["q"], index.settings.max_question_chars)
        query, hits, analysis, with_bank = rank(index, question)
        for cands in (with_bank, candidates(index, query, analysis, hits, use_bank=False)):
            y = [float(item["clause"] is not None and (not item["clause"] or index.chunks[c.row].clause in item["clause"])
                       and any(squash(m) in squash(c.text) for m in item["must"])) for c in cands]
            out.append(Example(item, cands, feature_matrix(cands), np.array(y), question, query.text, analysis))
    return out


def decision_examples(index: KnowledgeIndex, units: Model, exs: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    """One row per question: the best unit's standing, labelled by whether the answer built on it is right."""
    rows, labels = [], []
    for ex in exs:
        if not ex.cands:
            continue
        probs = units.shares(ex.x)
        for cand, p in zip(ex.cands, probs):
            cand.probability = float(p)
        best = ex.cands[int(np.argmax(probs))]
        words = corpus_words(index, ex.analysis)
        quoted = quoted_units(index, ex.cands, best, *((words, ex.analysis.kind) if asks_several(ex.question) else ()))
        rows.append(decision_input(index, ex.asked, ex.analysis, words, ex.cands, probs, quoted))
        labels.append(float(judge(ex.item, True, index.chunks[best.row].clause, "".join(c.text for c in quoted))))
    return np.array(rows), np.array(labels)


def folds_of(count: int, seed: int = SEED) -> np.ndarray:
    """A fold per example; both copies of a question (with and without bank) in one fold."""
    return np.repeat(np.random.default_rng(seed).permutation(count // 2) % FOLDS, 2)


def fit_engine(index: KnowledgeIndex, exs: list[Example], l2: float) -> tuple[Engine, np.ndarray, np.ndarray]:
    """The unit model on all of `exs`; the decision model on rows scored by unit models that did not see them
    (out of fold). Also returns those rows and labels."""
    units = fit_listwise(FEATURES, [(e.x, e.y) for e in exs], l2=l2)
    fold_of = folds_of(len(exs))
    dx, dy = [], []
    for fold in range(FOLDS):
        train = [e for e, f in zip(exs, fold_of) if f != fold]
        held = [e for e, f in zip(exs, fold_of) if f == fold]
        rows, labels = decision_examples(index, fit_listwise(FEATURES, [(e.x, e.y) for e in train], l2=l2), held)
        dx.append(rows)
        dy.append(labels)
    dx, dy = np.vstack(dx), np.concatenate(dy)
    return Engine(units, fit(DECISION_FEATURES, dx, dy, l2=l2, signs=DECISION_SIGNS)), dx, dy


def cross_validate(index: KnowledgeIndex, exs: list[Example], l2: float, seed: int) -> str:
    """Both models refitted without one fold of the questions, then that fold answered by `answer_question` with
    the refitted engine: the train split's honest numbers (accuracy over answerable, refusal over must-refuse,
    confident-wrong), counted as `qa_eval` counts them."""
    fold_of = folds_of(len(exs), seed)
    score = Score()
    for fold in range(FOLDS):
        engine, _, _ = fit_engine(index, [e for e, f in zip(exs, fold_of) if f != fold], l2)
        for ex in (e for i, (e, f) in enumerate(zip(exs, fold_of)) if f == fold and i % 2 == 0):  # once per question
            result = answer_question(index, ex.item["q"], engine=engine)
            score.add(ex.item, judge_answer(ex.item, result), result.confident)
    return (f"RESULT mode=cv folds={FOLDS} cv_seed={seed} accuracy={score.accuracy:.3f} "
            f"refusal={score.refusal:.3f} confident_wrong={score.confident_wrong} n={score.total}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train", nargs="?", default=str(TRAIN))
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--cv", action="store_true", help="cross-validate on the train split; write nothing")
    parser.add_argument("--cv-seed", type=int, default=7)
    parser.add_argument("--out", default=str(MODEL_FILE))
    args = parser.parse_args()
    if "test" in Path(args.train).name:
        sys.exit("refusing to fit on a test split")
    settings = get_settings()
    index = KnowledgeIndex(settings, embeddings=embeddings(settings))
    index.ingest([settings.corpus_dir], progress=False)
    exs = examples(index, load_questions(Path(args.train)))
    if args.cv:
        print(cross_validate(index, exs, args.l2, args.cv_seed))
        return
    engine, dx, dy = fit_engine(index, exs, args.l2)
    y = np.concatenate([e.y for e in exs])
    p = np.clip(engine.decision.probabilities(dx), 1e-9, 1 - 1e-9)
    loss = float(-np.mean(dy * np.log(p) + (1 - dy) * np.log(1 - p)))
    for title, model in (("units", engine.units), ("decision", engine.decision)):
        print(title)
        for name, w in sorted(zip(model.features, model.weights), key=lambda nw: -abs(nw[1])):
            print(f"  {name:>16} {w:+.3f}")
    info = {"trained_on": Path(args.train).name, "unit_examples": int(len(y)), "unit_positives": int(y.sum()),
            "questions": len(exs), "answerable_right_in_fold": int(dy.sum()), "l2": args.l2, "folds": FOLDS}
    Path(args.out).write_text(json.dumps(engine.to_json(**info), indent=1) + "\n", encoding="utf-8")
    oof = float(np.mean((p >= 0.5) == (dy == 1)))
    print(f"RESULT questions={len(exs)} unit_examples={len(y)} unit_positives={int(y.sum())} "
          f"decision_log_loss={loss:.4f} decision_oof_agreement={oof:.3f}")


if __name__ == "__main__":
    main()
