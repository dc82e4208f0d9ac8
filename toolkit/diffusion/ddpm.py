"""DDPM: learn to predict the noise, then remove it step by step; DDIM samples in fewer steps.

Training (Ho et al. 2020, Algorithm 1; the notes' "denoising score matching": minimize the
difference between the noise added and the noise the network estimates):

    x_0 = a · data + b          (data in [0, 1] -> [-1, 1]; latents standardized)      (1)
    t ~ U{1, …, T},  ε ~ N(0, I),  x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε     (schedules Eq. 3)
    L = ‖ε - ε_θ(x_t, t, c)‖²,  c replaced by ∅ with probability p_∅                     (2)

Sampling, DDPM (Algorithm 2; the notes' reverse formula), from x_T ~ N(0, I):

    x_{t-1} = 1/√α_t · (x_t - β_t / √(1 - ᾱ_t) · ε̂) + σ_t z,   σ_t² = β_t, z = 0 at t = 1  (3)

With clipping (as the DDPM reference code and keras.io's example), x̂_0 of Eq. 4 is first clipped to
the data's range and Eq. 3's mean is the posterior mean μ̃_t(x̂_0, x_t) of ``schedules`` Eq. 4: the
same number when nothing is clipped, and an undertrained network cannot push pixels far outside
[0, 1] (measured: without it, DDIM samples of a DDPM trained 6 epochs on glyphs ranged over
[-13.6, 6.6] and the glyph judge recognized 17 %). DDIM then also uses the noise that agrees with
the clipped x̂_0, ε̂ = (x_t - √ᾱ_t x̂_0) / √(1 - ᾱ_t), so x_{t'} stays between x̂_0 and x_t; with
the network's own ε̂ a latent DDPM's DDIM chain overflowed at S = 100.

DDIM (Song et al. 2021), on S < T steps τ_S > … > τ_1 (η = 0: deterministic):

    x̂_0 = (x_t - √(1 - ᾱ_t) ε̂) / √ᾱ_t                                                  (4)
    x_{t'} = √ᾱ_{t'} x̂_0 + √(1 - ᾱ_{t'} - σ²) ε̂ + σ z,
        σ = η √((1 - ᾱ_{t'}) / (1 - ᾱ_t)) √(1 - ᾱ_t / ᾱ_{t'})                            (5)

Classifier-free guidance (Ho & Salimans 2022), guidance scale w ≥ 0, one network trained
with and without its condition (Eq. 2):

    ε̂ = (1 + w) ε_θ(x_t, t, c) - w ε_θ(x_t, t, ∅)                                        (6)

The score of the noisy data is s(x_t) = ∇ log q(x_t) ≈ -ε̂ / √(1 - ᾱ_t): predicting the noise is
denoising score matching (``toolkit.diffusion.elbo``).
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from toolkit.diffusion.schedules import NoiseSchedule
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.validation import check_choice, check_float, check_int, check_probability, check_seed

SAMPLERS = ("ddpm", "ddim")
MAX_GUIDANCE = 20.0
SAMPLE_BATCH = 256  # images denoised together when sampling


@keras.saving.register_keras_serializable(package="toolkit")
class DDPM(OwnOptimizers, keras.Model):
    """A denoising diffusion model around a noise-prediction network (Eqs. 1-6).

    Args:
        network: ε_θ, a Keras model with inputs {"x", "t"} and optionally "label" (class
            conditioning, ``diffusion_unet(num_classes=K)``: label K is ∅) or "tokens" (text
            conditioning, all-zero tokens are ∅); output shaped like "x".
        schedule, steps: the noise schedule ("linear" or "cosine") and T.
        scale, shift: a and b of Eq. 1 (data -> x_0); samples are returned as (x_0 - b) / a.
        drop_condition: p_∅ of Eq. 2, the share of steps trained without the condition
            (what classifier-free guidance needs); 0 without a condition.
        seed: seeds t, ε and the dropped conditions.
        data_range: (low, high) of the data, to which sampling clips x̂_0 (None: no clipping,
            e.g. for latents).

    Metrics: ``loss`` (Eq. 2, the mean squared error per value).
    """

    def __init__(self, network, *, schedule: str = "linear", steps: int = 1000, scale: float = 2.0,
                 shift: float = -1.0, drop_condition: float = 0.1, seed=None, data_range=(0.0, 1.0),
                 **kwargs):
        super().__init__(**kwargs)
        self.network = network
        self.schedule = NoiseSchedule(schedule, steps)
        self.scale, self.shift = check_float("scale", scale), check_float("shift", shift)
        if self.scale == 0:
            raise ValueError("`scale` must not be 0: samples are mapped back through (x_0 - shift) / scale.")
        self.drop_condition = check_probability("drop_condition", drop_condition)
        self.seed = seed
        if data_range is not None:
            low, high = (check_float("data_range", v) for v in data_range)
            if low >= high:
                raise ValueError(f"`data_range` must be (low, high) with low < high, received {tuple(data_range)}.")
            data_range = (low, high)
        self.data_range = data_range
        self.seed_generator = keras.random.SeedGenerator(seed)
        names = set(network.input_names if hasattr(network, "input_names") else network.input)
        self.condition = "label" if "label" in names else "tokens" if "tokens" in names else None
        self.num_classes = int(network.get_layer("class_embedding").input_dim) - 1 if self.condition == "label" else 0
        self.image_shape = tuple(network.input["x"].shape[1:])
        self.sqrt_alpha_bars = ops.convert_to_tensor(np.sqrt(self.schedule.alpha_bars), "float32")
        self.sqrt_one_minus = ops.convert_to_tensor(np.sqrt(1 - self.schedule.alpha_bars), "float32")
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self._predict = None
        self.built = True

    @property
    def steps(self) -> int:
        return self.schedule.steps

    @property
    def metrics(self):
        return [self.loss_tracker]

    def null_condition(self, n: int):
        """∅ for n samples: the label K, or captions with no words."""
        if self.condition == "label":
            return np.full((n,), self.num_classes, np.int32)
        return np.zeros((n, self.network.input["tokens"].shape[1]), np.int32)

    def _inputs(self, x, t, condition=None) -> dict:
        inputs = {"x": x, "t": ops.cast(t, "float32")}
        if self.condition is not None:
            inputs[self.condition] = condition
        return inputs

    def call(self, inputs, training=False):
        """ε̂ = ε_θ(x_t, t [, c]) for ``{"x", "t"[, "label" | "tokens"]}`` or ``[x_t, t[, c]]``."""
        if isinstance(inputs, (list, tuple)):
            inputs = self._inputs(*inputs)
        return self.network(inputs, training=training)

    def _drop(self, condition):
        """Eq. 2: each row's condition replaced by ∅ with probability p_∅."""
        batch = ops.shape(condition)[0]
        dropped = keras.random.uniform((batch,), seed=self.seed_generator) < self.drop_condition
        if self.condition == "label":
            return ops.where(dropped, ops.full_like(condition, self.num_classes), condition)
        return ops.where(dropped[:, None], ops.zeros_like(condition), condition)

    def _loss(self, data, training: bool):
        images, condition = (data if isinstance(data, (tuple, list)) else (data, None))[:2]
        if self.condition is not None and condition is None:
            raise ValueError(f"This DDPM is conditioned on '{self.condition}': train it on (images, {self.condition}s).")
        # Step 1: x_0 = a · data + b (Eq. 1)
        x0 = ops.cast(images, "float32") * self.scale + self.shift
        batch = ops.shape(x0)[0]
        # Step 2: t ~ U{1, …, T} and ε ~ N(0, I)
        t = keras.random.randint((batch,), 1, self.steps + 1, seed=self.seed_generator)
        noise = keras.random.normal(ops.shape(x0), seed=self.seed_generator)
        # Step 3: x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε (schedules Eq. 3)
        column = (-1,) + (1,) * (len(self.image_shape))
        x_t = (ops.reshape(ops.take(self.sqrt_alpha_bars, t), column) * x0
               + ops.reshape(ops.take(self.sqrt_one_minus, t), column) * noise)
        if self.condition is not None and training and self.drop_condition > 0:
            condition = self._drop(condition)
        # Step 4: L = ‖ε - ε_θ(x_t, t, c)‖² (Eq. 2)
        predicted = self.network(self._inputs(x_t, t, condition), training=training)
        return ops.mean(ops.square(noise - predicted))

    def train_step(self, data):
        with tf.GradientTape() as tape:
            loss = self._loss(data, training=True)
        # Step 5: one gradient step on θ
        weights = self.network.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        self.loss_tracker.update_state(self._loss(data, training=False))
        return {"loss": self.loss_tracker.result()}

    # -- sampling ------------------------------------------------------------------
    def predict_noise(self, x, t: int, condition=None, guidance: float = 0.0) -> np.ndarray:
        """ε̂ of Eq. 6 at one step t for a batch x_t (NumPy in and out); guidance w needs a condition."""
        if self._predict is None:
            self._predict = tf.function(self._network_inference, reduce_retracing=True)
        n = len(x)
        t_column = np.full((n,), t, np.float32)
        if self.condition is None:
            return self._predict({"x": x, "t": t_column}).numpy()
        if guidance == 0:
            return self._predict(self._inputs(x, t_column, condition)).numpy()
        both = self._predict(self._inputs(np.concatenate([x, x]), np.concatenate([t_column, t_column]),
                                          np.concatenate([condition, self.null_condition(n)]))).numpy()
        return (1 + guidance) * both[:n] - guidance * both[n:]  # Eq. 6

    @tf.autograph.experimental.do_not_convert
    def _network_inference(self, inputs):
        return self.network(inputs, training=False)

    def _clip(self, x0):
        if self.data_range is None:
            return x0
        low, high = sorted(v * self.scale + self.shift for v in self.data_range)  # Eq. 1's range
        return np.clip(x0, low, high)

    def _condition_rows(self, condition, n: int):
        if self.condition is None:
            if condition is not None:
                raise ValueError("This DDPM has no condition: call sample() without `condition`.")
            return None
        if condition is None:
            return self.null_condition(n)
        condition = np.asarray(condition, np.int32)
        if self.condition == "label":
            condition = np.broadcast_to(condition, (n,)).copy()
            if condition.min() < 0 or condition.max() > self.num_classes:
                raise ValueError(f"Class labels must be in [0, {self.num_classes}] ({self.num_classes} is ∅), "
                                 f"received {condition.min()}…{condition.max()}.")
            return condition
        return np.broadcast_to(condition, (n, condition.shape[-1])).copy()

    def timesteps(self, sampler: str, sampling_steps: int | None) -> np.ndarray:
        """The steps visited, T first: every step for DDPM, S evenly spaced ones for DDIM."""
        if check_choice("sampler", sampler, SAMPLERS) == "ddpm":
            return np.arange(self.steps, 0, -1)
        count = check_int("sampling_steps", sampling_steps or 50, 1, self.steps)
        return np.unique(np.linspace(1, self.steps, count).round().astype(int))[::-1]

    def sample(self, n: int, *, sampler: str = "ddpm", sampling_steps: int | None = None, condition=None,
               guidance: float = 0.0, eta: float = 0.0, seed: int = 0, keep: int = 0):
        """n samples in data units (NumPy), from x_T ~ N(0, I) drawn with `seed`.

        Args:
            sampler: "ddpm" (Eq. 3, all T steps) or "ddim" (Eqs. 4-5 on `sampling_steps`).
            condition: one label / token row for all samples, or one per sample; None is ∅.
            guidance: w of Eq. 6 (0: the conditional network alone).
            eta: DDIM's η (0 deterministic, 1 as random as DDPM).
            keep: also return `keep` snapshots of x_t (data units) evenly spaced along the
                chain, as ``(samples, [(t, images), …])``.
        """
        n = check_int("n", n, 1, 10_000)
        guidance = check_float("guidance", guidance, 0.0, MAX_GUIDANCE)
        if guidance and self.condition is None:
            raise ValueError("Guidance needs a conditional DDPM (a network with a 'label' or 'tokens' input).")
        eta = check_float("eta", eta, 0.0, 1.0)
        condition = self._condition_rows(condition, n)
        rng = np.random.default_rng(check_seed(seed))
        timesteps = self.timesteps(sampler, sampling_steps)
        parts, snapshots = [], []
        for start in range(0, n, SAMPLE_BATCH):
            rows = slice(start, min(start + SAMPLE_BATCH, n))
            x = rng.standard_normal((rows.stop - start, *self.image_shape)).astype(np.float32)  # x_T
            cond = None if condition is None else condition[rows]
            x, frames = self._denoise(x, timesteps, sampler, cond, guidance, eta, rng, keep if start == 0 else 0)
            parts.append(x)
            snapshots = snapshots or frames
        samples = self.to_data(np.concatenate(parts))
        return (samples, snapshots) if keep else samples

    def _denoise(self, x, timesteps, sampler, condition, guidance, eta, rng, keep):
        alpha_bars, betas = self.schedule.alpha_bars, self.schedule.betas
        marks = set(np.linspace(0, len(timesteps), keep, dtype=int)[:-1].tolist()) if keep > 1 else set()
        frames = []
        for i, t in enumerate(timesteps):
            if i in marks:
                frames.append((int(t), self.to_data(x)))
            noise = self.predict_noise(x, int(t), condition, guidance)
            z = rng.standard_normal(x.shape).astype(np.float32)
            x0 = self._clip((x - np.sqrt(1 - alpha_bars[t]) * noise) / np.sqrt(alpha_bars[t]))  # Eq. 4
            if sampler == "ddpm":
                if self.data_range is None:
                    # Eq. 3: x_{t-1} = (x_t - β_t / √(1 - ᾱ_t) ε̂) / √α_t + σ_t z, σ_t² = β_t
                    mean = (x - betas[t] / np.sqrt(1 - alpha_bars[t]) * noise) / np.sqrt(1 - betas[t])
                else:  # the same mean written with (clipped) x̂_0: μ̃_t(x̂_0, x_t)
                    mean, _ = self.schedule.posterior(x0, x, np.int64(t))
                x = mean + (np.sqrt(betas[t]) * z if t > 1 else 0.0)
            else:
                if self.data_range is not None:  # ε̂ that agrees with the clipped x̂_0 (docstring)
                    noise = (x - np.sqrt(alpha_bars[t]) * x0) / np.sqrt(1 - alpha_bars[t])
                previous = alpha_bars[timesteps[i + 1]] if i + 1 < len(timesteps) else 1.0
                sigma = eta * np.sqrt((1 - previous) / (1 - alpha_bars[t]) * (1 - alpha_bars[t] / previous))
                # Eq. 5
                x = np.sqrt(previous) * x0 + np.sqrt(max(1 - previous - sigma ** 2, 0.0)) * noise + sigma * z
            x = x.astype(np.float32)
        if keep:
            frames.append((0, self.to_data(x)))
        return x, frames

    def to_data(self, x) -> np.ndarray:
        """Inverse of Eq. 1: x_0 -> data units."""
        return (np.asarray(x, np.float32) - self.shift) / self.scale

    def get_config(self):
        return {**super().get_config(), "network": keras.saving.serialize_keras_object(self.network),
                "schedule": self.schedule.kind, "steps": self.steps, "scale": self.scale, "shift": self.shift,
                "drop_condition": self.drop_condition, "seed": self.seed,
                "data_range": None if self.data_range is None else list(self.data_range)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)
