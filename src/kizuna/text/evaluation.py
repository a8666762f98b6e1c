"""Sentiment accuracy on kizuna's own labelled sets (``data/eval_ja.tsv`` / ``eval_en.tsv``).

Reports accuracy, macro-F1 and a confusion matrix per language and split, next to a
majority-class baseline (the most frequent label of the *dev* half, predicted for all).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from kizuna.text.analysis import analyse
from kizuna.text.contracts import EvalReport
from kizuna.text.lexicon import read_tsv

LABELS = ("negative", "neutral", "positive")
SPLITS = ("dev", "held_out", "all")


@dataclass(frozen=True, slots=True, kw_only=True)
class EvalItem:
    split: str
    label: str
    text: str


def load(language: str) -> list[EvalItem]:
    """The evaluation set of ``language`` ("ja" or "en")."""
    return [
        EvalItem(split=r[0].strip(), label=r[1].strip(), text=r[2])
        for r in read_tsv(f"eval_{language}.tsv")
    ]


def _macro_f1(gold: list[str], pred: list[str]) -> float:
    f1s = []
    for lab in LABELS:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p == lab)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if g != lab and p == lab)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == lab and p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return sum(f1s) / len(f1s)


def score(language: str, gold: list[str], pred: list[str], split: str, majority: str) -> EvalReport:
    n = len(gold)
    confusion = {g: {p: 0 for p in LABELS} for g in LABELS}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    base = [majority] * n
    return EvalReport(
        language=language,
        split=split,
        n=n,
        accuracy=sum(1 for g, p in zip(gold, pred, strict=True) if g == p) / n if n else 0.0,
        macro_f1=_macro_f1(gold, pred),
        baseline_label=majority,
        baseline_accuracy=sum(1 for g in gold if g == majority) / n if n else 0.0,
        baseline_macro_f1=_macro_f1(gold, base),
        confusion=confusion,
    )


def evaluate(language: str, splits: tuple[str, ...] = SPLITS) -> list[EvalReport]:
    """Run the analyser over the set and score each requested split."""
    items = load(language)
    preds = [analyse(it.text, language).label for it in items]
    dev_counts = Counter(it.label for it in items if it.split == "dev")
    majority = sorted(dev_counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    reports = []
    for split in splits:
        idx = [i for i, it in enumerate(items) if split == "all" or it.split == split]
        reports.append(
            score(
                language,
                [items[i].label for i in idx],
                [preds[i] for i in idx],
                split,
                majority,
            )
        )
    return reports


def errors(language: str, split: str = "dev") -> list[tuple[str, str, float, str]]:
    """Misclassified items of a split: (gold, predicted, sentiment, text) — for lexicon work."""
    out = []
    for it in load(language):
        if it.split != split:
            continue
        a = analyse(it.text, language)
        if a.label != it.label:
            out.append((it.label, a.label, a.sentiment, it.text))
    return out


def format_report(r: EvalReport) -> str:
    """A small plain-text table of one report."""
    lines = [
        f"{r.language} {r.split}: n={r.n}  accuracy={r.accuracy:.3f}  macro-F1={r.macro_f1:.3f}",
        f"  majority baseline ({r.baseline_label}): accuracy={r.baseline_accuracy:.3f}"
        f"  macro-F1={r.baseline_macro_f1:.3f}",
        "  gold \\ predicted   " + "  ".join(f"{p:>8}" for p in LABELS),
    ]
    for g in LABELS:
        lines.append(f"  {g:<18}" + "  ".join(f"{r.confusion[g][p]:>8}" for p in LABELS))
    return "\n".join(lines)
