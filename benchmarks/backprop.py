"""Backpropagation against the perturbation methods of the notes, on a 2-8-8-1 network.

For each method: the forward passes one gradient estimate costs, the wall time of one
update, and the loss reached after the same budget of forward passes (full-batch gradient
descent, same initial weights, same learning rate). Data: Playground's XOR, 200 points,
half for training, inputs scaled from [-6, 6] to [-1, 1]. Timings are never asserted.

    python benchmarks/backprop.py
"""

import os
import time

import numpy as np

from toolkit.backprop import METHODS, forward_passes_per_update, init_network, race
from toolkit.data import toy2d

SIZES = (2, 8, 8, 1)
BUDGET = 5000
LR = 0.3


def seconds_per_update(method, net, x, y, repeats):
    rng = np.random.default_rng(0)
    METHODS[method](net, x, y, rng)  # warm up
    start = time.perf_counter()
    for _ in range(repeats):
        METHODS[method](net, x, y, rng)
    return (time.perf_counter() - start) / repeats


def main():
    data = toy2d("xor", n=200, seed=0)
    x, y = data.x_train / 6.0, data.y_train.astype(np.float64)
    net = init_network(SIZES, seed=0)
    results = race(list(METHODS), (x, y), budget_forward_passes=BUDGET, lr=LR, seed=0)
    print(f"Backprop vs perturbation, {'-'.join(map(str, SIZES))} net ({net.num_parameters} parameters), "
          f"{len(x)} samples, full batch, lr {LR}, os.cpu_count() = {os.cpu_count()}\n")
    print(f"| method | forward passes / update | ms / update | updates in {BUDGET} passes "
          f"| loss after {BUDGET} passes |")
    print("|---|---:|---:|---:|---:|")
    print(f"| (initial loss) | | | | {results['backprop']['loss'][0]:.4f} |")
    for method, result in results.items():
        ms = 1000 * seconds_per_update(method, net, x, y, repeats=20)
        print(f"| {method} | {forward_passes_per_update(method, net)} | {ms:.3f} "
              f"| {len(result['loss']) - 1} | {result['loss'][-1]:.4f} |")


if __name__ == "__main__":
    main()
