"""TensorFlow Playground's 2-D datasets, reproduced from Playground's `src/dataset.ts`.

Points lie in the square [-6, 6]². Playground's noise slider runs 0..50 percent and the
generators receive `noise / 100`; written `ν` below. U(a, b) is a uniform draw, N(m, v) a normal
draw with variance v. Playground's labels are ±1; here class 1 is Playground's +1 (blue) and
class 0 is its -1 (orange).

    circle:     n/2 points with r ~ U(0, 2.5), n/2 with r ~ U(3.5, 5), angle ~ U(0, 2π);
                label = +1 if |p + ν·(U(-5, 5), U(-5, 5))| < 2.5 else -1               (1)
    xor:        p ~ U(-5, 5)² pushed 0.3 away from the axes;
                label = +1 if (p_x + ν·U(-5, 5)) (p_y + ν·U(-5, 5)) >= 0 else -1        (2)
    gauss:      p ~ N((±2, ±2), v) with variance v = 0.5 + 7ν  (ν in [0, .5] -> v in [.5, 4]) (3)
    spiral:     arm point i of n/2: r = 5 i/(n/2), t = 1.75 · 2π i/(n/2) + Δ, Δ in {0, π};
                p = r (sin t, cos t) + ν·(U(-1, 1), U(-1, 1))                             (4)
    plane:      p ~ U(-6, 6)²; y = (x' + y') / 10 at the noisy point p' = p + ν·U(-6, 6)²  (5)
    multigauss: y = the signed bump s_j · clamp(1 - |p' - c_j| / 2, 0, 1) of largest |.|
                over six centres c_j = (-4|0|4, ±2.5) with alternating signs s_j            (6)

Two additions follow the same conventions: `moons` is scikit-learn's `make_moons` mapped from
its [-1, 2] x [-0.5, 1] box onto x in [-6, 6] by p' = 4 (p - (0.5, 0.25)), with Gaussian noise
of standard deviation ν in moon units; `spiral_k` is Eq. 4 with k arms, Δ_j = 2π j / k.

Deviation from Playground: Eq. 5 reaches ±1.2 in the corners of the square (more with noise);
targets are clipped to [-1, 1], the range of Playground's own colour scale.
"""

from __future__ import annotations

import numpy as np

from toolkit.validation import check_choice, check_float, check_int, check_seed
from toolkit.data.dataset import Dataset, shuffled_split

CLASSIFICATION_NAMES = ("circle", "xor", "gauss", "spiral", "moons", "spiral_k")
REGRESSION_NAMES = ("plane", "multigauss")
TOY2D_NAMES = CLASSIFICATION_NAMES + REGRESSION_NAMES

DESCRIPTIONS = {
    "circle": "Playground 'circle': an inner disc (class 1) inside an outer ring (class 0).",
    "xor": "Playground 'exclusive or': the sign of x*y, four quadrants in two classes.",
    "gauss": "Playground 'gaussian': two Gaussian blobs at (2, 2) and (-2, -2).",
    "spiral": "Playground 'spiral': two interleaved spiral arms.",
    "moons": "scikit-learn's two interleaving half moons, scaled into Playground's square.",
    "spiral_k": "A spiral with k interleaved arms, one class per arm (Playground's spiral generalised).",
    "plane": "Playground 'plane' regression: the target rises linearly with x + y.",
    "multigauss": "Playground 'multi gaussian' regression: six signed Gaussian bumps.",
}

CLASS_NAMES = {
    "circle": ("outer ring (-1)", "inner disc (+1)"),
    "xor": ("x*y < 0 (-1)", "x*y >= 0 (+1)"),
    "gauss": ("blob at (-2,-2) (-1)", "blob at (2,2) (+1)"),
    "spiral": ("arm from angle pi (-1)", "arm from angle 0 (+1)"),
    "moons": ("upper moon", "lower moon"),
}


def halves(n: int) -> tuple[int, int]:
    """Sizes of Playground's two halves, summing to exactly n."""
    return n // 2, n - n // 2


def classify_circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 1; returns points (n, 2) and Playground labels ±1."""
    radius = 5.0
    inner, outer = halves(n)
    r = np.concatenate([rng.uniform(0, radius * 0.5, inner), rng.uniform(radius * 0.7, radius, outer)])
    angle = rng.uniform(0, 2 * np.pi, n)
    points = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    noisy = points + rng.uniform(-radius, radius, (n, 2)) * noise
    labels = np.where(np.hypot(noisy[:, 0], noisy[:, 1]) < radius * 0.5, 1, -1)
    return points, labels


def classify_xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 2; returns points (n, 2) and Playground labels ±1."""
    padding = 0.3
    points = rng.uniform(-5, 5, (n, 2))
    points += np.where(points > 0, padding, -padding)
    noisy = points + rng.uniform(-5, 5, (n, 2)) * noise
    labels = np.where(noisy[:, 0] * noisy[:, 1] >= 0, 1, -1)
    return points, labels


def classify_two_gauss(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 3; returns points (n, 2) and Playground labels ±1."""
    variance = 0.5 + (4 - 0.5) * noise / 0.5
    positive, negative = halves(n)
    centres = np.concatenate([np.full((positive, 2), 2.0), np.full((negative, 2), -2.0)])
    points = centres + np.sqrt(variance) * rng.standard_normal((n, 2))
    labels = np.concatenate([np.ones(positive, int), -np.ones(negative, int)])
    return points, labels


def spiral_arms(sizes: list[int], noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4 with len(sizes) arms, Δ_j = 2π j / k; returns points and arm ids 0..k-1."""
    points, arms = [], []
    for arm, size in enumerate(sizes):
        i = np.arange(size)
        r = i / size * 5
        t = 1.75 * i / size * 2 * np.pi + 2 * np.pi * arm / len(sizes)
        arm_points = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        points.append(arm_points + rng.uniform(-1, 1, (size, 2)) * noise)
        arms.append(np.full(size, arm))
    return np.concatenate(points), np.concatenate(arms)


def classify_spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4 with Playground's two arms: Δ = 0 is +1, Δ = π is -1."""
    points, arms = spiral_arms(list(halves(n)), noise, rng)
    return points, np.where(arms == 0, 1, -1)


def classify_spiral_k(n: int, noise: float, rng: np.random.Generator, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 4 with `classes` arms of near-equal size; labels are arm ids."""
    sizes = [n // classes + (arm < n % classes) for arm in range(classes)]
    return spiral_arms(sizes, noise, rng)


def classify_moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's make_moons with noise ν, mapped by p' = 4 (p - (0.5, 0.25)); labels 0/1."""
    from sklearn.datasets import make_moons

    points, labels = make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31 - 1)))
    return 4.0 * (points - np.array([0.5, 0.25])), labels


def regress_plane(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 5, clipped to [-1, 1]; returns points (n, 2) and targets (n,)."""
    radius = 6.0
    points = rng.uniform(-radius, radius, (n, 2))
    noisy = points + rng.uniform(-radius, radius, (n, 2)) * noise
    return points, np.clip((noisy[:, 0] + noisy[:, 1]) / 10, -1, 1)


def regress_gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Eq. 6; returns points (n, 2) and targets (n,) in [-1, 1]."""
    radius = 6.0
    centres = np.array([[-4, 2.5], [0, 2.5], [4, 2.5], [-4, -2.5], [0, -2.5], [4, -2.5]])
    signs = np.array([1, -1, 1, -1, 1, -1])
    points = rng.uniform(-radius, radius, (n, 2))
    noisy = points + rng.uniform(-radius, radius, (n, 2)) * noise
    distance = np.linalg.norm(noisy[:, None, :] - centres[None], axis=-1)  # (n, 6)
    bumps = signs * np.clip(1 - distance / 2, 0, 1)  # (n, 6)
    # Playground keeps the first bump of largest |value|; argmax also returns the first.
    return points, bumps[np.arange(n), np.argmax(np.abs(bumps), axis=1)]


GENERATORS = {
    "circle": classify_circle,
    "xor": classify_xor,
    "gauss": classify_two_gauss,
    "spiral": classify_spiral,
    "moons": classify_moons,
    "plane": regress_plane,
    "multigauss": regress_gaussian,
}


def generate(name: str, n: int, noise: float, rng: np.random.Generator, classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Points (n, 2) float32 and targets: int32 class ids, or float32 regression values."""
    if name == "spiral_k":
        points, labels = classify_spiral_k(n, noise, rng, classes)
    else:
        points, labels = GENERATORS[name](n, noise, rng)
    if name in REGRESSION_NAMES:
        return points.astype(np.float32), labels.astype(np.float32)
    if name in ("circle", "xor", "gauss", "spiral"):
        labels = (labels > 0).astype(np.int32)  # Playground's -1 -> 0, +1 -> 1
    return points.astype(np.float32), labels.astype(np.int32)


def class_names(name: str, classes: int) -> tuple[str, ...]:
    if name in REGRESSION_NAMES:
        return ()
    if name == "spiral_k":
        return tuple(f"arm {arm}" for arm in range(classes))
    return CLASS_NAMES[name]


def toy2d(name: str, n: int = 500, noise: float = 0.0, test_ratio: float = 0.5, seed: int = 0, classes: int = 3) -> Dataset:
    """One of Playground's 2-D datasets (module docstring), split into train and test.

    `noise` is Playground's slider in percent, 0..50. `classes` is the number of arms of
    `spiral_k` (2..10) and is ignored by the other datasets. The same arguments always give
    the same arrays.
    """
    check_choice("name", name, TOY2D_NAMES)
    n = check_int("n", n, 10, 100_000)
    noise = check_float("noise", noise, 0, 50)
    test_ratio = check_float("test_ratio", test_ratio, 0.0, 1.0, open_low=True, open_high=True)
    seed = check_seed(seed)
    classes = check_int("classes", classes, 2, 10)
    rng = np.random.default_rng(seed)
    x, y = generate(name, n, noise / 100, rng, classes)
    train, test = shuffled_split(n, test_ratio, rng)
    spec = {"name": name, "n": n, "noise": noise, "test_ratio": test_ratio, "seed": seed}
    if name == "spiral_k":
        spec["classes"] = classes
    description = DESCRIPTIONS[name]
    if name == "spiral_k":
        description = description.replace("k interleaved", f"{classes} interleaved")
    return Dataset.from_indices(name, x, y, train, test, task="regression" if name in REGRESSION_NAMES else "classification",
                                classes=class_names(name, classes), description=description, spec=spec)
