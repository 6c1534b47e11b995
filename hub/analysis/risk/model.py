"""The learned risk model: trained on control-result feedback, persisted with its feature list.

Labels are the outcomes of controls (irregularity or seizure = 1, no irregularity = 0) of the
training consignments; features are :mod:`hub.analysis.risk.features`, as of each declaration.
The model file (``<data_dir>/models/risk-model.joblib``) holds the format version, the feature
names, the reference tables, the estimator and what it was trained on; loading refuses a file
whose version or feature list differs from the code's (retrain with ``hub risk train``).
The file is a pickle: load only files this hub wrote into its own data directory.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hub.analysis.risk.evidence import Evidence
from hub.analysis.risk.features import FEATURES, Reference, vector
from hub.analysis.risk.profiles import Profile
from hub.errors import ConfigError, InputError

FORMAT_VERSION = 1
MODEL_FILE = "risk-model.joblib"
KINDS = ("logistic", "boosting")
MIN_LABELS = 20


def model_path(data_dir: Path) -> Path:
    return data_dir / "models" / MODEL_FILE


def _estimator(kind: str, seed: int) -> Pipeline | HistGradientBoostingClassifier:
    if kind == "logistic":
        return make_pipeline(StandardScaler(), LogisticRegression(
            class_weight="balanced", max_iter=2_000, C=0.5, random_state=seed))
    if kind == "boosting":
        return HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, class_weight="balanced", random_state=seed)
    raise InputError(f"model kind {kind!r}: use one of {', '.join(KINDS)}")


@dataclass(slots=True)
class RiskModel:
    """A trained model and everything needed to apply it to new evidence."""

    kind: str
    reference: Reference
    estimator: Any
    features: tuple[str, ...] = FEATURES
    version: int = FORMAT_VERSION
    meta: dict[str, Any] = field(default_factory=dict)

    def matrix(self, evidence: Sequence[Evidence],
               profiles: Sequence[Profile]) -> list[list[float]]:
        return [vector(e, profiles, self.reference) for e in evidence]

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """P(hit) for each feature row."""
        if not rows:
            return []
        return [float(p) for p in self.estimator.predict_proba(rows)[:, 1]]

    def predict(self, evidence: Sequence[Evidence], profiles: Sequence[Profile]) -> list[float]:
        return self.probabilities(self.matrix(evidence, profiles))

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"version": self.version, "kind": self.kind, "features": list(self.features),
                     "reference": self.reference, "estimator": self.estimator,
                     "meta": self.meta}, path)
        return path

    @classmethod
    def load(cls, path: Path) -> RiskModel:
        """Raises ConfigError when the file is missing or was written by another version."""
        if not path.exists():
            raise ConfigError(f"no risk model at {path}; train one with `hub risk train`")
        data = joblib.load(path)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION \
                or tuple(data.get("features") or ()) != FEATURES:
            raise ConfigError(f"the risk model at {path} was trained by another version of the "
                              "hub (format or features differ); retrain with `hub risk train`")
        return cls(kind=data["kind"], reference=data["reference"], estimator=data["estimator"],
                   meta=dict(data.get("meta") or {}))


def train(evidence: Sequence[Evidence], labels: Sequence[int], profiles: Sequence[Profile],
          kind: str = "logistic", *, seed: int = 7,
          reference_from: Sequence[Evidence] | None = None) -> RiskModel:
    """Fit a model on labelled evidence (label 1: the control found an irregularity).

    ``reference_from`` are the consignments the reference tables are fitted on (default: the
    labelled ones); pass every consignment of the training period, never later ones.
    Raises InputError with fewer than :data:`MIN_LABELS` labels or a single class.
    """
    if len(evidence) != len(labels):
        raise InputError("one label per consignment is needed")
    if len(labels) < MIN_LABELS or len(set(labels)) < 2:
        raise InputError(f"training needs at least {MIN_LABELS} controlled consignments with "
                         f"both outcomes; got {len(labels)} ({sum(labels)} hits)")
    reference = Reference.fit(reference_from if reference_from is not None else evidence)
    model = RiskModel(kind=kind, reference=reference, estimator=_estimator(kind, seed))
    rows = model.matrix(evidence, profiles)
    model.estimator.fit(rows, list(labels))
    days = sorted(d for d in (e.consignment.day for e in evidence) if d)
    model.meta = {"labels": len(labels), "hits": int(sum(labels)), "kind": kind,
                  "trained_from": days[0] if days else None,
                  "trained_until": days[-1] if days else None, "seed": seed}
    return model


def coefficients(model: RiskModel) -> list[tuple[str, float]]:
    """The logistic model's standardised weights per feature, largest first (empty otherwise)."""
    if model.kind != "logistic":
        return []
    weights = model.estimator[-1].coef_[0]
    pairs = [(name, float(w)) for name, w in zip(model.features, weights, strict=True)]
    return sorted(pairs, key=lambda p: -abs(p[1]) if math.isfinite(p[1]) else 0.0)
