"""Generative adversarial networks: a generator G and a discriminator D trained against each other.

G turns random noise z ~ p_z into samples G(z); D learns to tell real samples from G's.
Training alternates, as in the notes, k steps of gradient ASCENT on V for D with one step
of gradient DESCENT for G (Goodfellow et al., 2014, Algorithm 1):

    for each training step (one minibatch x of m real samples):
        repeat k times:
            1. sample m noise vectors z ~ p_z and make G(z)
            2. update D by ascending V(D, G) (descending L_D; Eq. 2 of gan_losses, or
               Eq. 10 with one-sided label smoothing)
            3. WGAN only: clip every weight of D to [-c, c]
        4. sample m noise vectors z ~ p_z
        5. update G by descending L_G (Eq. 3, 4, 6 or 8 of gan_losses, or the
           feature-matching loss of tricks, Eq. 1)
        6. optional: move the averaged generator Ḡ towards G (tricks, Eqs. 8-9);
           samples are then drawn from Ḡ

The loss (minimax, non-saturating, LSGAN, WGAN, WGAN-GP) is an argument; ``gan_losses``
holds the equations. Deviation from Algorithm 1: the k discriminator steps reuse the
step's real minibatch with fresh noise each time (``toolkit.train.fit`` hands one batch
to each ``train_step``).

``ConditionalGAN`` feeds a one-hot class label y to both networks, G(z, y) and D(x, y)
(Mirza & Osindero, 2014): "labels are an extension of the latent space".
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from toolkit import validation
from toolkit.generative.gan_losses import LOSSES, discriminator_loss, generator_loss, gradient_penalty
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.generative.tricks import VirtualBatchNormalization, feature_matching_loss, update_weight_average

NOISES = ("gaussian", "uniform")
# noise name -> how z is drawn: N(0, I) or U(-1, 1)^d
NOISE_LABELS = {"gaussian": "Gaussian N(0, I)", "uniform": "uniform U(-1, 1)"}


def sample_noise(kind: str, shape, seed=None):
    """z ~ p_z: N(0, I) for "gaussian", U(-1, 1) for "uniform" (Keras random ops)."""
    if kind == "gaussian":
        return keras.random.normal(shape, seed=seed)
    return keras.random.uniform(shape, minval=-1.0, maxval=1.0, seed=seed)


def numpy_noise(kind: str, n: int, latent_dim: int, seed: int = 0) -> np.ndarray:
    """The same distributions drawn with NumPy from `seed`: fixed latent grids for pictures."""
    rng = np.random.default_rng(seed)
    if kind == "gaussian":
        return rng.standard_normal((n, latent_dim)).astype(np.float32)
    return rng.uniform(-1.0, 1.0, (n, latent_dim)).astype(np.float32)


def with_networks(config: dict, keys) -> dict:
    """``config`` with the serialized sub-networks under ``keys`` rebuilt (for ``from_config``)."""
    return {**config, **{key: keras.saving.deserialize_keras_object(config[key]) for key in keys}}


@keras.saving.register_keras_serializable(package="toolkit")
class GAN(OwnOptimizers, keras.Model):
    """A GAN whose ``train_step`` follows the notes' alternating algorithm (module docstring).

    Args:
        generator: a Keras model z (B, latent_dim) -> samples.
        discriminator: a Keras model samples -> raw scores (B, 1) (logits, or critic values).
        loss: one of ``gan_losses.LOSSES``.
        d_steps: k, discriminator steps per generator step (>= 1).
        clip_value: c of WGAN's weight clipping (Eq. 7); 0 turns clipping off (and the
            critic is then free to diverge, which the notes' WGAN-GP fixes).
        gp_weight: λ of WGAN-GP (Eq. 9).
        feature_matching: train G with the feature-matching loss (tricks, Eq. 1) on the
            discriminator layer named `feature_layer`.
        noise: "gaussian" or "uniform" p_z.
        seed: seeds the noise and the gradient-penalty mixing weights.
        label_smoothing: α of one-sided label smoothing (gan_losses, Eq. 10): D's
            target for real samples is 1 - α; 0 turns it off.
        ema_decay: d of the generator's weight average (tricks, Eqs. 8-9), in [0, 1);
            0 turns it off. When on, ``ema_generator`` holds the average Ḡ and every
            inference-mode sample (``generate(training=False)``, ``sample``,
            ``generate_numpy``) comes from it; training always uses G.

    Compile with ``compile(d_optimizer=..., g_optimizer=...)`` (``OwnOptimizers``: both are
    saved with the model); train with
    ``toolkit.train.fit(gan, x_real, epochs=...)`` or ``gan.fit(x_real)``.
    """

    def __init__(self, generator, discriminator, *, loss="non_saturating", d_steps=1,
                 clip_value=0.01, gp_weight=10.0, feature_matching=False,
                 feature_layer="features", noise="gaussian", seed=None, label_smoothing=0.0,
                 ema_decay=0.0, **kwargs):
        super().__init__(**kwargs)
        self.generator, self.discriminator = generator, discriminator
        self.loss_name = validation.check_choice("loss", loss, LOSSES)
        self.d_steps = validation.check_positive_int("d_steps", d_steps)
        self.clip_value = validation.check_nonnegative("clip_value", clip_value, hint="0 turns clipping off.")
        self.gp_weight = validation.check_nonnegative("gp_weight", gp_weight)
        self.ema_decay = validation.check_float("ema_decay", ema_decay, 0.0, 1.0, open_high=True,
                                                hint="0 turns the average off.")
        self.label_smoothing = validation.check_float("label_smoothing", label_smoothing, 0.0, 0.5, open_high=True,
                                                      hint="0 = off.")
        self.noise = validation.check_choice("noise", noise, NOISES)
        self.feature_matching, self.feature_layer, self.seed = bool(feature_matching), feature_layer, seed
        self.latent_dim = int(generator.inputs[0].shape[-1])
        self.ema_generator = self._average_generator() if self.ema_decay > 0 else None
        self._check_critic()
        self._features = self._feature_model() if self.feature_matching else None
        self.seed_generator = keras.random.SeedGenerator(seed)
        self._reference = self._reference_noise()
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self.built = True  # G and D are built functional models

    # -- set-up -------------------------------------------------------------------
    def _check_critic(self):
        if self.loss_name == "wgan_gp" and any(
                isinstance(layer, keras.layers.BatchNormalization) for layer in all_layers(self.discriminator)):
            raise ValueError("`loss`='wgan_gp' penalises each sample's gradient, but the discriminator has "
                             "BatchNormalization, which mixes the samples of a batch: build it with "
                             "batch_norm=False.")

    def _feature_model(self):
        try:
            layer = self.discriminator.get_layer(self.feature_layer)
        except ValueError:
            raise ValueError(f"`feature_layer` must name a layer of the discriminator for feature matching, "
                             f"received feature_layer={self.feature_layer!r}.") from None
        return keras.Model(self.discriminator.input, layer.output, name="discriminator_features")

    def _average_generator(self):
        """Ḡ: a copy of G with G's initial weights, moved towards G after every G step."""
        average = keras.models.clone_model(self.generator)
        average.name = "ema_generator"
        average.set_weights(self.generator.get_weights())
        average.trainable = False
        return average

    def _reference_noise(self):
        """Fixed reference noise for virtual batch normalization (None without VBN layers)."""
        sizes = {layer.reference_size for layer in all_layers(self.generator)
                 if isinstance(layer, VirtualBatchNormalization)}
        if not sizes:
            return None
        if len(sizes) > 1:
            raise ValueError(f"Every VirtualBatchNormalization layer of the generator must use the same "
                             f"`reference_size`, received {sorted(sizes)}.")
        noise = numpy_noise(self.noise, sizes.pop(), self.latent_dim, seed=12345)
        return self.add_weight(name="reference_noise", shape=noise.shape, trainable=False,
                               initializer=keras.initializers.Constant(noise))

    optimizer_networks = {"d_optimizer": ("discriminator",), "g_optimizer": ("generator",)}

    def default_optimizer(self):
        """Adam(2e-4, beta_1=0.5), DCGAN's, for each optimizer ``compile`` was not given."""
        return keras.optimizers.Adam(2e-4, beta_1=0.5)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    # -- the two networks -----------------------------------------------------------
    def call(self, z, training=False):
        return self.generate(z, training=training)

    def generate(self, z, labels=None, training=False, average=None):
        """G(z); with virtual batch normalization the reference noise is prepended, then dropped.

        `average` picks Ḡ (True) or G (False); None means Ḡ in inference mode when
        ``ema_decay`` > 0, G otherwise.
        """
        use_average = (not training) if average is None else bool(average)
        network = self.ema_generator if use_average and self.ema_generator is not None else self.generator
        if self._reference is None:
            return network(self._generator_inputs(z, labels), training=training)
        size = self._reference.shape[0]
        z_all = keras.ops.concatenate([keras.ops.convert_to_tensor(self._reference), z], axis=0)
        labels_all = None if labels is None else keras.ops.concatenate(
            [keras.ops.zeros((size,) + tuple(labels.shape[1:]), labels.dtype), labels], axis=0)
        return network(self._generator_inputs(z_all, labels_all), training=training)[size:]

    def score(self, samples, labels=None, training=False):
        """D's raw score of `samples` (a logit for the cross-entropy losses)."""
        return self.discriminator(self._discriminator_inputs(samples, labels), training=training)

    def _generator_inputs(self, z, labels):
        return z

    def _discriminator_inputs(self, samples, labels):
        return samples

    def _unpack(self, data):
        """(real samples, conditioning labels or None) from one batch handed to train_step."""
        if isinstance(data, (tuple, list)):
            data = data[0]
        return data, None

    def sample_z(self, batch_size):
        return sample_noise(self.noise, (batch_size, self.latent_dim), seed=self.seed_generator)

    def _fake_labels(self, labels):
        return labels

    # -- the training step ----------------------------------------------------------
    def train_step(self, data):
        real, labels = self._unpack(data)
        batch_size = tf.shape(real)[0]
        for _ in range(self.d_steps):  # k discriminator steps per generator step
            self.discriminator_step(real, labels, batch_size)
        self.generator_step(real, labels, batch_size)
        return {m.name: m.result() for m in self.metrics}

    def discriminator_step(self, real, labels, batch_size):
        """Steps 1-3: noise, one ascent step of V for D (descent on L_D), WGAN clipping."""
        # Step 1: a minibatch of noise and the fakes it makes (G is not updated here)
        fake_labels = self._fake_labels(labels)
        fake = tf.stop_gradient(self.generate(self.sample_z(batch_size), fake_labels, training=True))
        with tf.GradientTape() as tape:
            real_scores = self.score(real, labels, training=True)
            fake_scores = self.score(fake, fake_labels, training=True)
            d_loss = discriminator_loss(self.loss_name, real_scores, fake_scores, self.label_smoothing)
            if self.loss_name == "wgan_gp":  # Eq. 9 of gan_losses
                d_loss += self.gp_weight * self._penalty(real, fake, labels, batch_size)
        # Step 2: gradient ascent on V = descent on L_D
        weights = self.discriminator.trainable_variables
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, weights), weights))
        # Step 3 (WGAN): w <- clip(w, -c, c), Eq. 7 of gan_losses
        if self.loss_name == "wgan" and self.clip_value > 0:
            for weight in weights:
                weight.assign(tf.clip_by_value(weight, -self.clip_value, self.clip_value))
        self.d_loss_tracker.update_state(d_loss)
        self.d_real_tracker.update_state(self._readable(real_scores))
        self.d_fake_tracker.update_state(self._readable(fake_scores))
        return d_loss

    def _penalty(self, real, fake, labels, batch_size):
        epsilon = keras.random.uniform((batch_size,), seed=self.seed_generator)
        return gradient_penalty(lambda mixed: self.score(mixed, labels, training=True), real, fake, epsilon)

    def generator_step(self, real, labels, batch_size):
        """Steps 4-5: fresh noise, one descent step of L_G for G."""
        # Step 4: a minibatch of noise
        z = self.sample_z(batch_size)
        fake_labels = self._fake_labels(labels)
        with tf.GradientTape() as tape:
            fake = self.generate(z, fake_labels, training=True)
            if self._features is not None:  # tricks Eq. 1: match E f(x)
                g_loss = feature_matching_loss(
                    self._features(self._discriminator_inputs(real, labels), training=True),
                    self._features(self._discriminator_inputs(fake, fake_labels), training=True))
            else:
                g_loss = generator_loss(self.loss_name, self.score(fake, fake_labels, training=True))
        # Step 5: gradient descent on L_G
        weights = self.generator.trainable_variables
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        # Step 6 (optional): Ḡ <- d_t Ḡ + (1 - d_t) G, tricks Eqs. 8-9, t = G steps so far
        if self.ema_generator is not None:
            update_weight_average(self.ema_generator.weights, self.generator.weights, self.ema_decay,
                                  self.g_optimizer.iterations)
        self.g_loss_tracker.update_state(g_loss)
        return g_loss

    def _readable(self, scores):
        """D(x) as a probability for the cross-entropy losses; the raw score otherwise."""
        scores = tf.cast(scores, tf.float32)
        return tf.sigmoid(scores) if self.loss_name in ("minimax", "non_saturating") else scores

    # -- sampling -------------------------------------------------------------------
    def sample(self, n: int, labels=None, seed: int = 0, batch_size: int = 500) -> np.ndarray:
        """n samples G(z) as a NumPy array, z drawn with NumPy from `seed` (reproducible)."""
        z = numpy_noise(self.noise, validation.check_positive_int("n", n), self.latent_dim, seed)
        return self.generate_numpy(z, labels, batch_size)

    def generate_numpy(self, z, labels=None, batch_size: int = 500, average=None) -> np.ndarray:
        """G(z) (Ḡ(z) with the weight average on) for NumPy latent vectors (and labels), in inference mode."""
        z = np.asarray(z, np.float32)
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(f"`z` must have shape (n, {self.latent_dim}), received shape {z.shape}.")
        chunks = []
        for start in range(0, len(z), batch_size):
            part = None if labels is None else self._label_batch(labels[start:start + batch_size])
            z_part = keras.ops.convert_to_tensor(z[start:start + batch_size])
            chunks.append(keras.ops.convert_to_numpy(self.generate(z_part, part, average=average)))
        return np.concatenate(chunks)

    def _label_batch(self, labels):
        return labels

    def get_config(self):
        return {
            **super().get_config(),
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "loss": self.loss_name, "d_steps": self.d_steps, "clip_value": self.clip_value,
            "gp_weight": self.gp_weight, "feature_matching": self.feature_matching,
            "feature_layer": self.feature_layer, "noise": self.noise, "seed": self.seed,
            "label_smoothing": self.label_smoothing, "ema_decay": self.ema_decay,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**with_networks(config, ("generator", "discriminator")))


@keras.saving.register_keras_serializable(package="toolkit")
class ConditionalGAN(GAN):
    """G(z, y) and D(x, y) with a one-hot class label y; train on (images, labels) tuples.

    The generator's inputs are [z, one-hot y], the discriminator's [x, one-hot y] (see
    ``dcgan.dcgan_generator(num_classes=...)``). Fakes are made for the labels of the real
    minibatch, so both networks see the data's class frequencies.

    Args:
        num_classes: number of classes K of the labels.
        (the other arguments as ``GAN``)
    """

    def __init__(self, generator, discriminator, *, num_classes=10, **kwargs):
        self.num_classes = validation.check_int("num_classes", num_classes, 2)
        if len(generator.inputs) != 2 or len(discriminator.inputs) != 2:
            raise ValueError("A ConditionalGAN needs a generator with inputs [z, label] and a discriminator "
                             f"with inputs [x, label], received {len(generator.inputs)} and "
                             f"{len(discriminator.inputs)} inputs; build them with num_classes > 0.")
        super().__init__(generator, discriminator, **kwargs)

    def _generator_inputs(self, z, labels):
        return [z, labels]

    def _discriminator_inputs(self, samples, labels):
        return [samples, labels]

    def _unpack(self, data):
        if not (isinstance(data, (tuple, list)) and len(data) == 2):
            raise ValueError("A ConditionalGAN trains on (images, labels): pass x=(images, labels) to fit.")
        images, labels = data
        if isinstance(images, (tuple, list)):  # fit(x=(images, labels), y=None) may nest once more
            images, labels = images
        return images, self._label_batch(labels)

    def _label_batch(self, labels):
        labels = keras.ops.convert_to_tensor(labels)
        if len(labels.shape) == 1:  # class ids (B,) -> one-hot (B, K)
            labels = keras.ops.one_hot(keras.ops.cast(labels, "int32"), self.num_classes)
        return keras.ops.cast(labels, "float32")

    def call(self, inputs, training=False):
        z, labels = inputs
        return self.generate(z, self._label_batch(labels), training=training)

    def sample(self, n: int, labels=None, seed: int = 0, batch_size: int = 500) -> np.ndarray:
        """n samples; `labels` (n,) class ids, default 0, 1, ..., K-1, 0, 1, ..."""
        labels = np.arange(n) % self.num_classes if labels is None else np.asarray(labels)
        if labels.shape != (n,) or labels.min() < 0 or labels.max() >= self.num_classes:
            raise ValueError(f"`labels` must be {n} class ids in [0, {self.num_classes}), received "
                             f"shape {labels.shape} with values in [{labels.min()}, {labels.max()}].")
        return super().sample(n, labels=labels, seed=seed, batch_size=batch_size)

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes}


def all_layers(model):
    """Every layer of `model`, nested models included."""
    found = []
    for layer in model.layers:
        found.append(layer)
        if isinstance(layer, keras.Model):
            found.extend(all_layers(layer))
    return found
