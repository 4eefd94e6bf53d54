"""One calibrated confidence: the fitted probability that the quoted sentence answers the question.

Two logistic models, fitted by `bench/fit_confidence.py` on the training split of the labelled questions,
their coefficients shipped as data (`data/confidence.json`), not code:
- `units` ranks the candidate units: a softmax over one question's units of a linear score of the signals of
  `evidence.FEATURES` (its share: how much of the evidence points at this unit);
- `decision` turns the best unit's standing (its score, its margin over the best unit of any other clause,
  whether the question looks like a known gap, the share of unknown words, the answer-type check) into
  the confidence: P(the answer quoting that unit is right). It is fitted on out-of-fold unit scores.
An answer is given when the confidence reaches `Settings.confidence_threshold` (0.5: more likely right
than not); below it, the assistant says the documents do not state it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .tokenize import DATA_DIR

MODEL_FILE = DATA_DIR / "confidence.json"


@dataclass(frozen=True)
class Model:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        if not len(x):
            return np.zeros(0)
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def shares(self, x: np.ndarray) -> np.ndarray:
        """Softmax of the scores over one question's candidates: how the evidence is shared among them."""
        if not len(x):
            return np.zeros(0)
        z = ((x - self.mean) / self.scale) @ self.weights
        z = np.exp(z - z.max())
        return z / z.sum()

    def to_json(self, **info) -> dict:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "weights": self.weights.tolist(), "bias": self.bias, **info}


def fit(features: tuple[str, ...], x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 200,
        signs: dict[str, int] | None = None) -> Model:
    """L2-regularised logistic regression by Newton's method on standardised features. A feature named in `signs`
    may only push the way its sign says: one whose fitted weight points the other way (a side effect of the
    features it is correlated with) is held at zero and the rest refitted, the worst first, until none does."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    direction = np.array([(signs or {}).get(name, 0) for name in features] + [0])
    free = np.ones(z.shape[1], dtype=bool)
    while True:
        w = np.zeros(z.shape[1])
        w[free] = _newton(z[:, free], y, l2, steps)
        wrong = w * direction
        if wrong.min() >= 0:
            return Model(tuple(features), mean, scale, w[:-1], float(w[-1]))
        free[int(np.argmin(wrong))] = False


def _newton(z: np.ndarray, y: np.ndarray, l2: float, steps: int) -> np.ndarray:
    """The weights of the logistic regression on z (its last column the bias, not shrunk)."""
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        grad = z.T @ (p - y) + reg * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(reg) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


DECISION_FEATURES = ("best_logit", "margin_logit", "best_share", "gap_rel", "unseen", "type_missing", "type_found",
                     "clause_cov", "unit_cov", "english", "bank_unit", "bank_best", "dense_unit",
                     "dense_chunk", "number_missing", "known_share", "english_unseen", "title", "outline", "bank_density",
                     "echo_unseen", "value_clash")
# The way a signal is known to push the confidence (+1: more of it, more likely right; -1: less likely): the words
# asked found in the text, the evidence's share and its margin, question–clause and bank similarity raise it; words
# the documents never use, a missing value of the asked type, numbers or values the text lacks, a closer known gap
# lower it. Signals not named (the language, a title, the outline) may go either way.
DECISION_SIGNS = {"best_logit": 1, "margin_logit": 1, "best_share": 1, "clause_cov": 1, "unit_cov": 1,
                  "known_share": 1, "type_found": 1, "dense_unit": 1, "dense_chunk": 1, "bank_unit": 1,
                  "bank_best": 1, "unseen": -1, "english_unseen": -1, "type_missing": -1, "number_missing": -1,
                  "echo_unseen": -1, "value_clash": -1, "gap_rel": -1}
LOGIT_CLIP = 1e-6


def _logit(p: float) -> float:
    p = min(max(p, LOGIT_CLIP), 1 - LOGIT_CLIP)
    return float(np.log(p / (1 - p)))


def decision_row(rows: list[int], features: list[dict[str, float]], shares: np.ndarray,
                 quoted: float | None = None) -> np.ndarray:
    """The question-level signals of the best unit: rows[i] is candidate i's chunk, features its signals,
    shares the ranking model's softmax; `quoted`, the share the units an answer quotes hold together (when it
    quotes several: they answer as one)."""
    best = int(np.argmax(shares))
    clause_share = sum(p for r, p in zip(rows, shares) if r == rows[best])
    other = max((p for r, p in zip(rows, shares) if r != rows[best]), default=LOGIT_CLIP)
    held = float(shares[best]) if quoted is None else quoted
    f = features[best]
    values = {"best_logit": _logit(clause_share), "margin_logit": _logit(held) - _logit(other),
              "best_share": held, **f}
    return np.array([values[name] for name in DECISION_FEATURES], dtype=np.float64)


@dataclass(frozen=True)
class Engine:
    """The two fitted models."""

    units: Model
    decision: Model

    def to_json(self, **info) -> dict:
        return {"units": self.units.to_json(), "decision": self.decision.to_json(), **info}


def _model(data: dict) -> Model:
    return Model(tuple(data["features"]), np.array(data["mean"]), np.array(data["scale"]),
                 np.array(data["weights"]), float(data["bias"]))


def fit_listwise(features: tuple[str, ...], groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1.0,
                 steps: int = 600, rate: float = 0.05) -> Model:
    """A ranking model: softmax over each question's candidates, maximising the share of its right units
    (questions with no right unit are left out). Adam on standardised features, L2-regularised."""
    groups = [(x, y) for x, y in groups if y.any()]
    stacked = np.vstack([x for x, _ in groups])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale == 0] = 1.0
    zs = [((x - mean) / scale, y > 0) for x, y in groups]
    w = np.zeros(len(features))
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for step in range(1, steps + 1):
        grad = l2 * w
        for z, pos in zs:
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            q = np.where(pos, p, 0.0)
            q /= q.sum()
            grad += z.T @ (p - q)
        grad /= len(zs)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Model(tuple(features), mean, scale, w, 0.0)


def load(path: Path = MODEL_FILE) -> Engine:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Engine(_model(data["units"]), _model(data["decision"]))


@lru_cache
def shipped() -> Engine:
    return load()
