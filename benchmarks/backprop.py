"""Backpropagation against the perturbation methods of the notes, on a 2-8-8-1 network.

For each method: the forward passes one gradient estimate costs, the wall time of one
update, the loss reached after the same budget of forward passes (full-batch gradient
descent, same initial weights, same learning rate) and the loss held on average over that
budget (``toolkit.backprop.mean_loss``, the measure the page and the tests use), for three
seeds. Data: Playground's XOR, 200 points, half for training, inputs scaled from [-6, 6] to
[-1, 1]. The settings are the page's defaults (``PerturbationRaceConfig``). Timings are
never asserted.

    python benchmarks/backprop.py
"""

import os
import time

import numpy as np

from toolkit.backprop import (
    METHODS, PerturbationRaceConfig, forward_passes_per_update, init_network, mean_loss, run_perturbation_race,
)
from toolkit.data import toy2d

SIZES = (2, 8, 8, 1)
SEEDS = (0, 1, 2)


def seconds_per_update(method, net, x, y, repeats):
    rng = np.random.default_rng(0)
    METHODS[method](net, x, y, rng)  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        METHODS[method](net, x, y, rng)
    return (time.perf_counter() - start) / repeats


def main():
    data = toy2d("xor", n=200, seed=0)
    config = PerturbationRaceConfig()
    x, y = data.x_train / config.input_range, data.y_train.astype(np.float64)
    net = init_network(SIZES, seed=0)
    races = {seed: run_perturbation_race(config.replace(seed=seed), data) for seed in SEEDS}
    budget = config.budget
    print(f"Backprop vs perturbation, {'-'.join(map(str, SIZES))} net ({net.num_parameters} parameters), "
          f"{len(x)} samples, full batch, lr {config.lr}, seeds {SEEDS}, os.cpu_count() = {os.cpu_count()}\n")
    print(f"| method | forward passes / update | ms / update | updates in {budget} passes "
          f"| loss after {budget} passes (per seed) | mean loss over the budget (per seed) |")
    print("|---|---:|---:|---:|---:|---:|")
    print(f"| (initial loss) | | | | {races[0]['backprop']['loss'][0]:.4f} | |")
    for method in METHODS:
        ms = 1000 * seconds_per_update(method, net, x, y, repeats=20)
        finals = " / ".join(f"{races[seed][method]['loss'][-1]:.4f}" for seed in SEEDS)
        means = " / ".join(f"{mean_loss(races[seed][method], budget):.4f}" for seed in SEEDS)
        print(f"| {method} | {forward_passes_per_update(method, net)} | {ms:.3f} "
              f"| {len(races[0][method]['loss']) - 1} | {finals} | {means} |")


if __name__ == "__main__":
    main()
