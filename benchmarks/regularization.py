"""Regularization lab, measured: test accuracy and gap of every strategy over several seeds.

1. The default overfitting scenario (``LabConfig()``: 50 noisy ``circle`` points, a
   3 x 128 ReLU network, 300 epochs of SGD with momentum), no regularization against each strategy of
   the notes, seeds 0..S-1. Each seed draws new data, new initial weights and new batches;
   within a seed every variant shares them (``toolkit.train.compare``). Reported: mean ± std
   over seeds of the test accuracy, of the gap (train − test accuracy) and of the test loss,
   and the paired gain over "none" (mean ± std, and on how many seeds it was positive).
2. The same for the glyph scenario (``LabConfig.for_task("glyphs")``: 300 glyphs, a 3 x 256
   network, 60 epochs).
3. Wall time of the default comparison of 6 variants (``LabConfig()``'s strategies).

Timings depend on the machine and its load; they are printed, never asserted.

    python benchmarks/regularization.py                 # everything (10-15 min on 2 idle cores)
    python benchmarks/regularization.py --seeds 3 --task toy2d --strategies none,L2,dropout
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from toolkit.regularization import STRATEGIES, LabConfig, run_lab  # noqa: E402


def measure(task: str, strategies: tuple, seeds: int, overrides: dict) -> dict:
    """{strategy name: {metric: (seeds,) array}} for one scenario."""
    results = {key: {"test": [], "gap": [], "loss": [], "epochs": []} for key in strategies}
    for seed in range(seeds):
        config = LabConfig.for_task(task, seed=seed, strategies=strategies, **overrides)
        result = run_lab(config)
        for label, key in result.strategies.items():
            score = result.scores[label]
            results[key]["test"].append(score["test_accuracy"])
            results[key]["gap"].append(score["gap"])
            results[key]["loss"].append(score["test_loss"])
            results[key]["epochs"].append(result.runs[label].epochs_done)
        print(f"  seed {seed}: " + ", ".join(
            f"{key} {result.scores[label]['test_accuracy']:.3f}" for label, key in result.strategies.items()),
            flush=True)
    return {key: {name: np.array(values) for name, values in metrics.items()}
            for key, metrics in results.items()}


def pm(values, digits: int = 3) -> str:
    return f"{np.mean(values):.{digits}f} ± {np.std(values):.{digits}f}"


def print_table(task: str, results: dict, config: LabConfig) -> None:
    base = results["none"]["test"]
    print(f"\n| strategy ({task}) | strength | test accuracy | gap (train − test) | test loss | "
          f"gain over none | seeds with a gain | epochs |")
    print("|---|---|---|---|---|---|---|---|")
    for key, metrics in results.items():
        gain = metrics["test"] - base
        wins = "–" if key == "none" else f"{int(np.sum(gain > 0))}/{len(gain)}"
        strength = config.strength(key)
        print(f"| {key} | {'' if strength is None else f'{STRATEGIES[key].symbol}={strength:g}'} "
              f"| {pm(metrics['test'])} | {pm(metrics['gap'])} | {pm(metrics['loss'])} "
              f"| {'–' if key == 'none' else pm(gain)} | {wins} | {np.mean(metrics['epochs']):.0f} |")


def time_default(repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run_lab(LabConfig())
        times.append(time.perf_counter() - started)
    return times


def parse_override(text: str):
    """"l2=0.01" -> ("l2", 0.01); "hidden=64,64" -> ("hidden", (64, 64))."""
    name, _, value = text.partition("=")
    if name == "hidden":
        return name, tuple(int(v) for v in value.split(","))
    for kind in (int, float):
        try:
            return name, kind(value)
        except ValueError:
            pass
    return name, value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--task", choices=("toy2d", "glyphs", "both"), default="both")
    parser.add_argument("--strategies", default=",".join(STRATEGIES),
                        help="names of toolkit.regularization.STRATEGIES, e.g. 'none,L2,early stopping'")
    parser.add_argument("--timing", type=int, default=2, help="repeats of the default comparison's timing")
    parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                        help="override a LabConfig field, e.g. --set l2=0.01 --set hidden=64,64")
    args = parser.parse_args()
    overrides = dict(parse_override(text) for text in args.set)
    strategies = tuple(s for s in args.strategies.split(",") if s)
    if "none" not in strategies:
        strategies = ("none", *strategies)
    print(f"{os.cpu_count()} CPU cores, seeds 0..{args.seeds - 1}")
    for task in (("toy2d", "glyphs") if args.task == "both" else (args.task,)):
        config = LabConfig.for_task(task, strategies=strategies, **overrides)
        print(f"\n{task}: {config.n_train} training samples, hidden {config.hidden}, {config.epochs} epochs, "
              f"{config.optimizer} η={config.learning_rate}")
        print_table(task, measure(task, strategies, args.seeds, overrides), config)
    if args.timing:
        times = time_default(args.timing)
        print(f"\nDefault comparison {LabConfig().strategies} ({LabConfig().epochs} epochs): "
              f"{min(times):.1f} s best of {len(times)} ({', '.join(f'{t:.1f}' for t in times)} s)")


if __name__ == "__main__":
    main()
