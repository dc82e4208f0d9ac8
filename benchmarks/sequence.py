"""Chapter 7 benchmarks: translators against the epochs and the source's length, captioners' BLEU.

Markdown tables, with the core count and the load average (the machine may be shared):

1. Dates (the Sequence models page's defaults but for the models and epochs: 10,000 dates, units
   64, batch 64, Adam 0.005, seed 0): greedy exact match on the 2,000 held-out dates after each
   epoch, for every translator, with the seconds of training (tracing included).
2. The bottleneck (the page's "bottleneck" lesson: strings of 4 to 16 digits written backwards):
   exact match against the number of digits, per translator, after the lesson's 3 epochs.
3. Captioning (the page's captioning defaults): corpus BLEU-4 of the held-out captions written
   greedily, by beam search of widths 3 and 5, and by sampling at T = 0.5 and 1, per captioner,
   next to the one-caption baseline.

Timings are never asserted. Run from the repository root:

    python benchmarks/sequence.py                  # all three tables (about 5 minutes on 2 cores)
    python benchmarks/sequence.py --tables 2 3
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from benchmarks.host import machine  # noqa: E402
from toolkit.data import load  # noqa: E402
from toolkit.data.dates import exact_match  # noqa: E402
from toolkit.sequence import captioning, seq2seq  # noqa: E402

DATES_EPOCHS = 4
DATES_MODELS = ("seq2seq", "rnn_encdec", "bahdanau", "luong_local", "gnmt")
WIDTHS = (1, 3, 5)
TEMPERATURES = (0.5, 1.0)


class ExactMatchEachEpoch(keras.callbacks.Callback):
    """Greedy exact match on the held-out sources after every epoch, with the seconds of training
    so far (the translations' own time left out)."""

    def __init__(self, data):
        super().__init__()
        self.data, self.scores = data, []
        self.start = self.excluded = 0.0

    def on_train_begin(self, logs=None):
        self.start, self.excluded = time.perf_counter(), 0.0

    def on_epoch_end(self, epoch, logs=None):
        now = time.perf_counter()
        predicted = seq2seq.translate(self.model, self.data.x_test, max_length=self.data.y_test.shape[1])
        self.scores.append((exact_match(self.data.y_test, predicted), now - self.start - self.excluded))
        self.excluded += time.perf_counter() - now


def dates_against_epochs() -> None:
    config = seq2seq.TranslationConfig(models=DATES_MODELS, epochs=DATES_EPOCHS)
    data = load(**seq2seq.data_spec(config))
    print(f"\n### 1. Dates: held-out exact match (seconds of training) after each epoch, {config.n:,} dates\n")
    print("| model | parameters | " + " | ".join(f"epoch {e}" for e in range(1, DATES_EPOCHS + 1)) + " |")
    print("|---|---:|" + "---:|" * DATES_EPOCHS)
    for name in DATES_MODELS:
        monitor = ExactMatchEachEpoch(data)
        one = seq2seq.TranslationConfig(models=(name,), epochs=DATES_EPOCHS)
        result = seq2seq.run_translation(one, data, callbacks=[monitor])
        run = next(iter(result.runs.values()))
        cells = " | ".join(f"{score:.3f} ({seconds:.0f} s)" for score, seconds in monitor.scores)
        print(f"| {seq2seq.MODEL_TITLES[name]} | {run.model.count_params():,} | {cells} |", flush=True)


def bottleneck() -> None:
    lesson = next(p for p in seq2seq.PRESETS if p.name == "bottleneck")
    config = seq2seq.TranslationConfig(**lesson.values)
    result = seq2seq.run_translation(config)
    curves = result.by_length()
    lengths = [length for length, _, _ in next(iter(curves.values()))]
    print(f"\n### 2. {lesson.title}: exact match against the digits reversed ({config.n:,} strings, "
          f"{config.epochs} epochs)\n")
    print("| model | " + " | ".join(str(n) for n in lengths) + " | all | training |")
    print("|---|" + "---:|" * (len(lengths) + 2))
    rows = {row["Model"]: row for row in result.table()}
    for label, curve in curves.items():
        cells = " | ".join(f"{exact:.2f}" for _, exact, _ in curve)
        print(f"| {label} | {cells} | {rows[label]['Exact match']:.3f} | {rows[label]['Training (s)']:.0f} s |",
              flush=True)


def caption_bleu() -> None:
    config = captioning.CaptionConfig()
    result = captioning.run_captioning(config)
    heads = [f"beam K = {k}" if k > 1 else "greedy" for k in WIDTHS] + [f"sampled, T = {t:g}" for t in TEMPERATURES]
    text, score = result.baseline
    print(f"\n### 3. Captioning: held-out BLEU-4 at the page's defaults (\"{text}\" for every scene: {score:.3f})\n")
    print("| captioner | " + " | ".join(heads) + " | training |")
    print("|---|" + "---:|" * (len(heads) + 1))
    for label, run in result.runs.items():
        if label not in result.models:
            continue
        scores = [result.bleu(label, "beam" if k > 1 else "greedy", width=k) for k in WIDTHS]
        scores += [result.bleu(label, "sample", temperature=t) for t in TEMPERATURES]
        print(f"| {label} | " + " | ".join(f"{s:.3f}" for s in scores) + f" | {run.wall_time:.0f} s |", flush=True)


TABLES = {1: dates_against_epochs, 2: bottleneck, 3: caption_bleu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tables", type=int, nargs="+", choices=sorted(TABLES), default=sorted(TABLES))
    args = parser.parse_args()
    print(f"Sequence models benchmark on {machine()}")
    for number in args.tables:
        TABLES[number]()


if __name__ == "__main__":
    main()
