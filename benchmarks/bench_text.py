"""Text-analysis throughput: kizuna.text vs the raw libraries underneath, in the same run.

Run: python benchmarks/bench_text.py [n_comments] [n_theme_comments]   (default 20000 10000)

* analyse_comments on n Japanese and n English comments (recombined from the hand-written
  phrases in ``kizuna.text.samples``: 1–3 phrases, mixed topics and polarity, so most texts
  are distinct), median of 3 runs, in comments/s;
* the reference in the same run: raw Sudachi tokenisation (``sudachidict_small``, mode C)
  of the same Japanese texts, raw VADER ``polarity_scores`` of the same English texts;
  the ratio reference/kizuna is the cost of kizuna's layer (lexicon, negation, contrast,
  key phrases, domain words);
* find_themes on n_theme comments per language (median of 3), plus the time to cluster a
  50/50 mix.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from kizuna.text import api, en, ja, samples

RUNS = 3
T = TypeVar("T")


def corpus(n: int, language: str, seed: int) -> list[str]:
    rng = random.Random(seed)
    sep = "。" if language == "ja" else ". "
    out = []
    for _ in range(n):
        parts = [
            samples.comment(rng, language, rng.choice(samples.TOPICS), rng.random() < 0.5)
            for _ in range(rng.choice((1, 1, 2, 3)))
        ]
        out.append(
            sep.join(p.rstrip("。！.!") for p in parts) + ("。" if language == "ja" else ".")
        )
    return out


CPU: list[float] = []  # CPU seconds of the last median_time call (median)


def median_time(fn: Callable[[], T]) -> tuple[float, T]:
    """Median wall time of RUNS calls, and the last call's result.

    The median process CPU time is kept in ``CPU[0]``: on a shared, busy machine it is the
    steadier figure (the work is single-threaded).
    """
    times = []
    cpu = []
    result: T | None = None
    for _ in range(RUNS):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None
    CPU[:] = [statistics.median(cpu)]
    return statistics.median(times), result


def raw_sudachi(texts: list[str]) -> list[int]:
    return [ja.raw_tokenize_count(t) for t in texts]


def raw_vader(vader: Any, texts: list[str]) -> list[Any]:
    return [vader.polarity_scores(t) for t in texts]


def main(argv: list[str]) -> None:
    n = int(argv[0]) if argv else 20_000
    n_themes = int(argv[1]) if len(argv) > 1 else 10_000
    print(f"python {platform.python_version()}, {os.cpu_count()} cpus, medians of {RUNS} runs")
    api.analyse_comment("配送が遅い")  # load the dictionary and lexicons once
    api.analyse_comment("warm up")
    vader = en.raw_analyser()
    for language in ("ja", "en"):
        texts = corpus(n, language, seed=1 if language == "ja" else 2)
        chars = sum(len(t) for t in texts) / len(texts)
        ours, _ = median_time(partial(api.analyse_comments, texts, [language] * len(texts)))
        ours_cpu = CPU[0]
        if language == "ja":
            ref_name = "raw Sudachi tokenize"
            ref, _ = median_time(partial(raw_sudachi, texts))
            ref_cpu = CPU[0]
        else:
            ref_name = "raw VADER polarity_scores"
            ref, _ = median_time(partial(raw_vader, vader, texts))
            ref_cpu = CPU[0]
        print(
            f"{language}: {n} comments (mean {chars:.0f} chars): "
            f"analyse_comments {n / ours:,.0f}/s "
            f"({ours:.2f} s); {ref_name} {n / ref:,.0f}/s ({ref:.2f} s); "
            f"kizuna/reference time ratio {ours / ref:.2f}\n"
            f"    CPU time: analyse_comments {n / ours_cpu:,.0f}/s, "
            f"reference {n / ref_cpu:,.0f}/s, "
            f"ratio {ours_cpu / ref_cpu:.2f}"
        )
    for language in ("ja", "en"):
        texts = corpus(n_themes, language, seed=3)
        t, model = median_time(partial(api.find_themes, texts))
        labels = ", ".join(f"{th.label} ({th.size})" for th in model.themes[:6])
        print(
            f"find_themes {language} {n_themes}: {t:.2f} s (CPU {CPU[0]:.2f} s), "
            f"{len(model.themes)} themes: {labels} …"
        )
    mixed = corpus(n_themes // 2, "ja", seed=4) + corpus(n_themes // 2, "en", seed=5)
    t, _ = median_time(partial(api.find_themes, mixed))
    print(f"find_themes mixed ja+en {n_themes}: {t:.2f} s (CPU {CPU[0]:.2f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
