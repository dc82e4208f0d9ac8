"""Autoencoders: an encoder squeezes x into a small code z, a symmetric decoder rebuilds x.

The notes: "unsupervised models that learn to represent input data in a space of reduced
size and then reconstruct it". The encoder maps the input to a lower-dimensional latent z,
the decoder (its mirror image) maps z back to x' with the input's shape, and training
minimizes the L2 reconstruction loss. A denoising autoencoder reconstructs the CLEAN x from
a corrupted x̃, so it cannot just copy its input. After training "the decoder can be
discarded and the encoder can be used to initialize a supervised model":

    z  = E(x̃),   x̃ = clip(x + σ ε, 0, 1),  ε ~ N(0, I)  (σ = 0: plain autoencoder)   (1)
    x' = D(z)                                                                        (2)
    L  = (1/P) ‖x − x'‖²   (P pixels: the squared L2 norm per pixel, batch-averaged)  (3)
    ŷ  = softmax(W E(x) + b)   the encoder reused by a classifier                    (4)

Shapes for 28x28 glyphs, F = `width` (conv) or hidden units (dense), d = `latent_dim`:

    conv E: x (B, 28, 28, C) -> Conv(F, 3, s2) -> (B, 14, 14, F) -> Conv(2F, 3, s2)
            -> (B, 7, 7, 2F) -> Flatten -> Dense(d) -> z (B, d)
    conv D: z (B, d) -> Dense(7·7·2F) -> (B, 7, 7, 2F) -> ConvT(F, 3, s2) -> (B, 14, 14, F)
            -> ConvT(C, 3, s2), sigmoid -> x' (B, 28, 28, C)
    dense E: x -> Flatten -> Dense(2F) -> Dense(F) -> z;  dense D: z -> Dense(F) -> Dense(2F)
            -> Dense(H·W·C), sigmoid -> Reshape -> x'

``variational=True`` gives the encoder two heads (μ, log σ²) for ``vae.VAE``;
``spatial=True`` (conv only) stops before Flatten and gives (B, 7, 7, d) for ``vqvae.VQVAE``.
"""

from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from toolkit.generative.gan import with_networks
from toolkit.generative.own_optimizers import OwnOptimizers
from toolkit.validation import check_choice, check_float, check_int, check_positive_int

ARCHITECTURES = ("dense", "conv")
LATENT_HINT = "It is the size of the code z: with 0 the decoder has nothing to rebuild the image from."


def _image_shape(image_shape, architecture):
    """(H, W, C) as ints; the conv networks halve H and W twice, so they must be multiples of 4."""
    shape = tuple(int(s) for s in image_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"`image_shape` must be (H, W, C), received image_shape={tuple(image_shape)}.")
    if architecture == "conv" and (shape[0] % 4 or shape[1] % 4):
        raise ValueError("`image_shape` must have H and W divisible by 4 for the conv autoencoder (two stride-2 "
                         f"layers), received image_shape={shape}; use architecture='dense'.")
    return shape


def build_encoder(architecture="conv", image_shape=(28, 28, 1), latent_dim=16, width=32, *,
                  variational=False, spatial=False, name="encoder") -> keras.Model:
    """The encoder E of Eq. 1 (shapes in the module docstring).

    Args:
        architecture: "conv" or "dense".
        latent_dim: d, the size of z (per position when `spatial`).
        width: F, the filters of the first convolution or the units of the last hidden layer.
        variational: two outputs [μ, log σ²] (each (B, d)) instead of z.
        spatial: keep the (B, H/4, W/4, d) map (conv only; the VQ-VAE quantizes each position).
    """
    check_choice("architecture", architecture, ARCHITECTURES)
    shape = _image_shape(image_shape, architecture)
    check_positive_int("latent_dim", latent_dim, hint=LATENT_HINT)
    width = check_positive_int("width", width)
    if spatial and (architecture != "conv" or variational):
        raise ValueError("`spatial`=True needs architecture='conv' and variational=False.")
    image = keras.Input(shape, name="image")
    if architecture == "conv":
        h = keras.layers.Conv2D(width, 3, strides=2, padding="same", activation="relu", name="down_1")(image)  # (B, H/2, W/2, F)
        h = keras.layers.Conv2D(2 * width, 3, strides=2, padding="same", activation="relu", name="down_2")(h)  # (B, H/4, W/4, 2F)
        if spatial:
            z = keras.layers.Conv2D(latent_dim, 1, name="z_e")(h)  # (B, H/4, W/4, d)
            return keras.Model(image, z, name=name)
        h = keras.layers.Flatten(name="flatten")(h)  # (B, H/4 · W/4 · 2F)
    else:
        h = keras.layers.Flatten(name="flatten")(image)  # (B, H·W·C)
        h = keras.layers.Dense(2 * width, activation="relu", name="hidden_1")(h)
        h = keras.layers.Dense(width, activation="relu", name="hidden_2")(h)
    if variational:
        mu = keras.layers.Dense(latent_dim, name="mu")(h)
        log_var = keras.layers.Dense(latent_dim, name="log_var")(h)
        return keras.Model(image, [mu, log_var], name=name)
    return keras.Model(image, keras.layers.Dense(latent_dim, name="z")(h), name=name)


def build_decoder(architecture="conv", image_shape=(28, 28, 1), latent_dim=16, width=32, *,
                  spatial=False, name="decoder") -> keras.Model:
    """The decoder D of Eq. 2, the encoder's mirror image; sigmoid outputs in [0, 1]."""
    check_choice("architecture", architecture, ARCHITECTURES)
    height, wide, channels = _image_shape(image_shape, architecture)
    check_positive_int("latent_dim", latent_dim, hint=LATENT_HINT)
    width = check_positive_int("width", width)
    if spatial and architecture != "conv":
        raise ValueError("`spatial`=True needs architecture='conv'.")
    if spatial:
        z = keras.Input((height // 4, wide // 4, latent_dim), name="z_q")
        h = keras.layers.Conv2D(2 * width, 3, padding="same", activation="relu", name="from_codes")(z)
    else:
        z = keras.Input((latent_dim,), name="z")
    if architecture == "dense":
        h = keras.layers.Dense(width, activation="relu", name="hidden_2")(z)
        h = keras.layers.Dense(2 * width, activation="relu", name="hidden_1")(h)
        h = keras.layers.Dense(height * wide * channels, activation="sigmoid", name="pixels")(h)
        return keras.Model(z, keras.layers.Reshape((height, wide, channels), name="image")(h), name=name)
    if not spatial:
        h = keras.layers.Dense(height // 4 * wide // 4 * 2 * width, activation="relu", name="project")(z)
        h = keras.layers.Reshape((height // 4, wide // 4, 2 * width), name="to_maps")(h)  # (B, H/4, W/4, 2F)
    h = keras.layers.Conv2DTranspose(width, 3, strides=2, padding="same", activation="relu", name="up_1")(h)  # (B, H/2, W/2, F)
    image = keras.layers.Conv2DTranspose(channels, 3, strides=2, padding="same", activation="sigmoid",
                                         name="image")(h)  # (B, H, W, C)
    return keras.Model(z, image, name=name)


def pair_image_shape(encoder, decoder, what="autoencoder"):
    """The image shape an encoder-decoder pair works on; a ValueError when the decoder does not
    read the encoder's code or does not draw images of the encoder's input shape."""
    image_shape = tuple(encoder.inputs[0].shape[1:])
    drawn = tuple(decoder.outputs[0].shape[1:])
    if drawn != image_shape:
        raise ValueError(f"The decoder draws images of shape {drawn} but the encoder reads images of shape "
                         f"{image_shape}: build the {what}'s decoder with image_shape={image_shape}.")
    code = tuple(encoder.outputs[0].shape[1:])
    read = tuple(decoder.inputs[0].shape[1:])
    if code != read:
        raise ValueError(f"The encoder makes codes of shape {code} but the decoder reads codes of shape {read}: "
                         "build both with the same latent_dim.")
    return image_shape


def reconstruction_error(x, x_reconstructed):
    """Eq. 3 per image: the mean squared pixel error (B,)."""
    squared = keras.ops.square(keras.ops.cast(x, "float32") - keras.ops.cast(x_reconstructed, "float32"))
    return keras.ops.mean(keras.ops.reshape(squared, (keras.ops.shape(squared)[0], -1)), axis=1)


def corrupt(x, noise_std, seed=None):
    """Eq. 1: x̃ = clip(x + σ ε, 0, 1)."""
    if noise_std <= 0:
        return x
    return keras.ops.clip(x + noise_std * keras.random.normal(keras.ops.shape(x), seed=seed), 0.0, 1.0)


def first_input(data):
    """The images of one batch handed to ``train_step`` (``x``, ``(x,)`` or ``(x, y)``)."""
    while isinstance(data, (tuple, list)):
        data = data[0]
    return data


@keras.saving.register_keras_serializable(package="toolkit")
class Autoencoder(OwnOptimizers, keras.Model):
    """An autoencoder (or, with ``noise_std`` > 0, a denoising autoencoder) of Eq. 1-3.

    Args:
        encoder: a Keras model x (B, H, W, C) -> z (B, d) (``build_encoder``).
        decoder: a Keras model z -> x' of the encoder's input shape (``build_decoder``).
        noise_std: σ of the Gaussian corruption of Eq. 1 (0: a plain autoencoder).
        seed: seeds the corruption noise.

    Compile with ``compile(optimizer=...)`` (default Adam(1e-3)); train with
    ``toolkit.train.fit(ae, images, epochs=...)``.
    """

    def __init__(self, encoder, decoder, *, noise_std=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder = encoder, decoder
        self.image_shape = pair_image_shape(encoder, decoder)
        self.noise_std = check_float("noise_std", noise_std, 0.0, 1.0, hint="It is σ of the denoising corruption.")
        self.seed = seed
        self.latent_dim = int(np.prod(encoder.outputs[0].shape[1:]))
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.built = True

    @property
    def metrics(self):
        return [self.loss_tracker]

    def call(self, x, training=False):
        return self.decoder(self.encoder(x, training=training), training=training)

    def train_step(self, data):
        x = first_input(data)
        # Step 1: corrupt the input (denoising only), Eq. 1
        noisy = corrupt(x, self.noise_std, self.seed_generator)
        with tf.GradientTape() as tape:
            # Step 2: encode and decode, Eq. 1-2
            x_reconstructed = self.decoder(self.encoder(noisy, training=True), training=True)
            # Step 3: L2 reconstruction of the CLEAN input, Eq. 3
            loss = keras.ops.mean(reconstruction_error(x, x_reconstructed))
        # Step 4: one gradient step on the encoder and decoder weights
        weights = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    def test_step(self, data):
        x = first_input(data)
        loss = keras.ops.mean(reconstruction_error(x, self(x)))
        self.loss_tracker.update_state(loss)
        return {"loss": self.loss_tracker.result()}

    # -- NumPy helpers for pages and measurements ------------------------------------
    def encode(self, images, batch_size=500) -> np.ndarray:
        """z = E(x) for NumPy images (inference mode)."""
        return predict(self.encoder, images, batch_size)

    def decode(self, z, batch_size=500) -> np.ndarray:
        return predict(self.decoder, z, batch_size)

    def reconstruct(self, images, noise_std=None, seed=0) -> tuple[np.ndarray, np.ndarray]:
        """(input the encoder saw, reconstruction): the input is corrupted as in training."""
        images = np.asarray(images, np.float32)
        sigma = self.noise_std if noise_std is None else noise_std
        noisy = np.clip(images + sigma * np.random.default_rng(seed).standard_normal(images.shape), 0, 1)
        noisy = noisy.astype(np.float32)
        return noisy, self.decode(self.encode(noisy))

    def get_config(self):
        return {**super().get_config(), "encoder": keras.saving.serialize_keras_object(self.encoder),
                "decoder": keras.saving.serialize_keras_object(self.decoder),
                "noise_std": self.noise_std, "seed": self.seed}

    @classmethod
    def from_config(cls, config):
        return cls(**with_networks(config, ("encoder", "decoder")))


def predict(model, inputs, batch_size=500):
    """A model's (first) output on NumPy inputs, in chunks, as NumPy."""
    inputs = np.asarray(inputs, np.float32)
    parts = []
    for start in range(0, len(inputs), batch_size):
        out = model(inputs[start:start + batch_size], training=False)
        parts.append(keras.ops.convert_to_numpy(out[0] if isinstance(out, (list, tuple)) else out))
    return np.concatenate(parts)


# -- Eq. 4: the encoder reused by a supervised model -------------------------------------
def encoder_classifier(encoder, num_classes=10, *, pretrained=True, learning_rate=1e-3) -> keras.Model:
    """Eq. 4: a softmax layer on top of a copy of `encoder` (its weights kept, or re-initialized).

    `pretrained=False` gives the same network trained from scratch (fresh initial weights).
    """
    check_int("num_classes", num_classes, 2)
    body = keras.models.clone_model(encoder)
    if pretrained:
        body.set_weights(encoder.get_weights())
    image = keras.Input(tuple(encoder.inputs[0].shape[1:]), name="image")
    features = body(image)
    features = features[0] if isinstance(features, (list, tuple)) else features  # μ of a VAE encoder
    if len(features.shape) > 2:
        features = keras.layers.Flatten(name="flatten_code")(features)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="class")(features)
    model = keras.Model(image, probs, name="pretrained_classifier" if pretrained else "scratch_classifier")
    model.compile(keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@dataclasses.dataclass
class FewLabelsResult:
    """Test accuracy of the classifier from the pretrained encoder and from scratch.

    A stopped comparison holds only the classifiers that were trained (the first one may be
    cut short); ``runs`` are their ``toolkit.train.Run`` records.
    """

    labels_per_class: int
    accuracy: dict  # "pretrained encoder" / "from scratch" -> test accuracy
    histories: dict  # same keys -> Keras-style history: "accuracy" (labelled images), "val_accuracy" (test)
    num_classes: int = 10
    runs: dict = dataclasses.field(default_factory=dict)
    encoder_of: str = ""  # the run whose encoder was reused


CLASSIFIERS = {"pretrained encoder": True, "from scratch": False}  # name -> pretrained


def few_labels_comparison(encoder, x_train, y_train, x_test, y_test, *, labels_per_class=10, epochs=30,
                          seed=0, batch_size=32, callbacks=(), stop=None) -> FewLabelsResult:
    """The notes' use of the encoder: classifiers trained on `labels_per_class` labels per class,
    one starting from the autoencoder's encoder, one from scratch (same seed and batches); the
    test images are scored after every epoch (``val_accuracy`` of the histories).

    Each classifier's run is reported to `callbacks` (``toolkit.train.Callback``) under its
    name; `stop` (an Event or a callable) ends the comparison between chunks of epochs.
    """
    from toolkit.train import fit

    check_positive_int("labels_per_class", labels_per_class)
    y_train = np.asarray(y_train).astype(np.int32)
    classes = np.unique(y_train)
    rng = np.random.default_rng(seed)
    chosen = np.concatenate([rng.permutation(np.flatnonzero(y_train == c))[:labels_per_class] for c in classes])
    validation = (x_test, np.asarray(y_test).astype(np.int32))
    labelled = {"labels_per_class": int(labels_per_class), "labelled_images": len(chosen)}
    result = FewLabelsResult(int(labels_per_class), {}, {}, len(classes))
    for name, pretrained in CLASSIFIERS.items():
        keras.utils.set_random_seed(seed)
        model = encoder_classifier(encoder, len(classes), pretrained=pretrained)
        run = fit(model, x_train[chosen], y_train[chosen], epochs=epochs, batch_size=batch_size, seed=seed,
                  validation_data=validation, callbacks=callbacks, stop=stop, config=labelled, name=name)
        predictions = predict(model, x_test).argmax(1)
        result.accuracy[name] = float(np.mean(predictions == validation[1]))
        result.histories[name], result.runs[name] = run.history, run
        if run.status == "stopped":
            break
    return result
