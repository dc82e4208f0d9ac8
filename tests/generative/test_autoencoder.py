"""Autoencoders: shapes, bad input, the L2 loss, serialization, learning, the encoder reused with few labels."""

import keras
import numpy as np
import pytest

from toolkit.generative import autoencoder_lab as lab
from toolkit.generative.autoencoder import (
    Autoencoder, build_decoder, build_encoder, corrupt, encoder_classifier, few_labels_comparison,
    reconstruction_error,
)
from toolkit.train import Callback


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def pair(architecture="conv", latent_dim=4, **kwargs):
    return (build_encoder(architecture, latent_dim=latent_dim, width=8, **kwargs),
            build_decoder(architecture, latent_dim=latent_dim, width=8))


@pytest.mark.parametrize("architecture", ["dense", "conv"])
def test_encoder_and_decoder_are_symmetric(architecture, rng):
    encoder, decoder = pair(architecture)
    x = rng.random((3, 28, 28, 1)).astype("float32")
    z = encoder(x)
    assert z.shape == (3, 4)
    out = keras.ops.convert_to_numpy(decoder(z))
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1
    assert build_encoder("conv", latent_dim=6, width=8, spatial=True).outputs[0].shape[1:] == (7, 7, 6)
    mu, log_var = build_encoder(architecture, latent_dim=3, width=8, variational=True)(x)
    assert mu.shape == log_var.shape == (3, 3)


def test_bad_input_gets_one_clear_sentence():
    with pytest.raises(ValueError, match=r"`latent_dim` must be a positive integer, received latent_dim=0\. "
                                         r"It is the size of the code z"):
        build_encoder("conv", latent_dim=0)
    with pytest.raises(ValueError, match=r"`architecture` must be one of 'dense', 'conv', received architecture='cnn'"):
        build_decoder("cnn")
    with pytest.raises(ValueError, match=r"The decoder draws images of shape \(32, 32, 1\) but the encoder reads "
                                         r"images of shape \(28, 28, 1\)"):
        Autoencoder(build_encoder(latent_dim=4, width=8), build_decoder(image_shape=(32, 32, 1), latent_dim=4, width=8))
    with pytest.raises(ValueError, match="makes codes of shape"):
        Autoencoder(build_encoder(latent_dim=4, width=8), build_decoder(latent_dim=5, width=8))
    with pytest.raises(ValueError, match="divisible by 4"):
        build_encoder("conv", image_shape=(30, 30, 1))
    with pytest.raises(ValueError, match=r"`noise_std` must be a finite number in \[0, 1\], received noise_std=-0\.1"):
        Autoencoder(*pair(), noise_std=-0.1)


def test_lab_config_declares_its_bounds_once_and_explains_each_bad_setting():
    cases = {"latent": (0, r"`latent` must be an integer in \[1, 64\], received latent=0"),
             "beta": (-1.0, r"`beta` must be a finite number in \[0, 20\], received beta=-1\.0"),
             "codes": (1, r"`codes` must be an integer in \[2, 512\], received codes=1"),
             "noise": (2.0, r"`noise` must be a finite number in \[0, 1\]"),
             "model": ("gan", "`model` must be one of 'autoencoder', 'denoising', 'vae', 'vqvae'")}
    for name, (value, message) in cases.items():
        with pytest.raises(ValueError, match=message):
            lab.AutoencoderLabConfig(**{name: value})
    with pytest.raises(ValueError, match="choose architecture='conv'"):
        lab.AutoencoderLabConfig(model="vqvae", architecture="dense")
    settings = lab.AutoencoderLabConfig.settings()
    assert (settings["latent"].lo, settings["latent"].hi) == (1, 64)  # what the page's widget offers
    assert lab.dataset_spec(lab.AutoencoderLabConfig(n=300)) == {"name": "glyphs", "seed": 0, "n": 300}
    assert lab.dataset_spec(lab.AutoencoderLabConfig(dataset="digits")) == {"name": "digits", "size": 28}


def test_reconstruction_error_and_corruption_against_numpy(rng):
    x, y = rng.random((4, 5, 5, 1)), rng.random((4, 5, 5, 1))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(reconstruction_error(x, y)),
                               ((x - y) ** 2).reshape(4, -1).mean(1), rtol=1e-5)  # Eq. 3
    noisy = keras.ops.convert_to_numpy(corrupt(keras.ops.convert_to_tensor(x, "float32"), 0.5, seed=1))
    assert noisy.min() >= 0 and noisy.max() <= 1 and not np.allclose(noisy, x)
    assert corrupt(x, 0.0) is x


def test_get_config_round_trip_and_keras_file(tmp_path, rng):
    model = Autoencoder(*pair("dense"), noise_std=0.2, seed=3)
    clone = Autoencoder.from_config(model.get_config())
    assert clone.noise_std == 0.2 and clone.seed == 3 and clone.latent_dim == 4
    model.compile()
    model.optimizer.build(model.trainable_variables)  # saved as after training
    path = tmp_path / "ae.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    x = rng.random((2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(x)), keras.ops.convert_to_numpy(model(x)), atol=1e-6)


def test_denoising_training_lowers_the_reconstruction_loss(glyphs_small):
    config = lab.AutoencoderLabConfig(model="denoising", architecture="dense", latent=8, width=32, n=200)
    ae = lab.build_model(config)
    from toolkit.train import fit

    run = fit(ae, glyphs_small, epochs=12, batch_size=32, seed=0)
    loss = run.history["loss"]
    assert loss[-1] < 0.6 * loss[0], loss  # learning happened
    noisy, out = ae.reconstruct(glyphs_small[:4])
    assert out.shape == (4, 28, 28, 1) and not np.allclose(noisy, glyphs_small[:4])  # the input was corrupted
    samples = lab.latent_sampler(ae, glyphs_small)(5)  # z from a Gaussian fitted to the codes
    assert samples.shape == (5, 28, 28, 1)


def test_encoder_classifier_copies_or_reinitializes_the_encoder(glyphs_small):
    encoder, _ = pair("dense")
    pretrained, scratch = encoder_classifier(encoder, 10), encoder_classifier(encoder, 10, pretrained=False)
    for mine, reference in zip(pretrained.layers[1].get_weights(), encoder.get_weights()):
        np.testing.assert_array_equal(mine, reference)
    assert not all(np.array_equal(a, b) for a, b in zip(scratch.layers[1].get_weights(), encoder.get_weights()))
    labels = np.arange(len(glyphs_small)) % 10
    seen = Seen()
    result = few_labels_comparison(encoder, glyphs_small, labels, glyphs_small[:50], labels[:50],
                                   labels_per_class=2, epochs=2, callbacks=[seen])
    assert seen.started == seen.ended == ["pretrained encoder", "from scratch"]  # each run reported by name
    assert all(run.config["labelled_images"] == 20 for run in result.runs.values())
    assert set(result.accuracy) == {"pretrained encoder", "from scratch"}
    assert all(0 <= a <= 1 for a in result.accuracy.values())
    for name, history in result.histories.items():  # the test accuracy after every epoch, the last one reported
        assert history["val_accuracy"][-1] == pytest.approx(result.accuracy[name], abs=1e-6)
    rows = lab.few_labels_table(result)
    assert [r["classifier"] for r in rows] == ["pretrained encoder", "from scratch"]
    assert {r["labelled images"] for r in rows} == {20}  # 2 labels per class × 10 classes


def test_a_stopped_few_labels_comparison_keeps_what_it_trained(glyphs_small):
    encoder, _ = pair("dense")
    labels = np.arange(len(glyphs_small)) % 10
    seen = Seen()
    result = few_labels_comparison(encoder, glyphs_small, labels, glyphs_small[:50], labels[:50],
                                   labels_per_class=2, epochs=200, callbacks=[seen], stop=lambda: seen.progress > 0)
    assert seen.started == ["pretrained encoder"] and result.runs["pretrained encoder"].status == "stopped"
    assert 0 < result.runs["pretrained encoder"].epochs_done < 200
    assert [row["classifier"] for row in lab.few_labels_table(result)] == ["pretrained encoder"]


def test_few_labels_and_beta_points_explain_what_is_missing():
    from toolkit.data import glyphs
    from toolkit.train import Run

    data = glyphs(n=250, seed=0)
    with pytest.raises(ValueError, match="no trained autoencoder"):
        lab.few_labels(None, data)
    trained = lab.LabResult(lab.AutoencoderLabConfig(), Run(name="ae", model=None, epochs=1))
    with pytest.raises(ValueError, match=r"`labels` \(labelled images per class\) must be at most \d+ .*labels=500"):
        lab.few_labels(trained, data, lab.FewLabelsConfig(labels=500))
    run = Run(name="vae", model=None, epochs=1, history={"kl": np.array([3.0]), "reconstruction": np.array([90.0])})
    point = {"beta": 2.0, "kl": 3.0, "reconstruction": 90.0}
    assert lab.beta_points(run, lab.AutoencoderLabConfig(beta=2.0)) == [point]
    assert not lab.has_encoder(lab.LabResult(lab.AutoencoderLabConfig(), Run(name="x", model=None, epochs=1,
                                                                            status="diverged")))
    assert lab.beta_points(run, lab.AutoencoderLabConfig(model="vqvae")) == []


def test_run_lab_draws_the_live_pictures_before_the_watchers_and_measures_the_model():
    from toolkit.data import glyphs

    data = glyphs(n=250, seed=0)
    for kind, latent in (("vae", 2), ("vqvae", 3)):
        config = lab.AutoencoderLabConfig(model=kind, latent=latent, width=8, codes=4, n=250, epochs=2, batch=64)
        monitor, seen = lab.LabMonitor(data.x_train, data.x_test), Seen()
        seen.pictures_of = monitor
        result = lab.run_lab(config, data, monitor=monitor, callbacks=[seen], picture_seconds=0)
        assert seen.started == seen.ended == [config.run_name]
        assert seen.epochs_pictured[-1] == 2  # a watcher after the monitor sees the final pictures
        assert result.pictures["reconstructions"].shape == (lab.SHOWN, 28, 28, 1)
        assert result.pictures["samples"].shape == (lab.SAMPLES, 28, 28, 1)
        assert result.points.shape == (len(data.x_test), 2) and len(result.labels) == len(data.x_test)
        if kind == "vae":  # d = 2: the decoder over the whole latent grid, and a point of the β figure
            assert result.axes == "z₁, z₂" and result.manifold[0].shape == (lab.GRID_SIZE ** 2, 28, 28, 1)
            assert result.code_counts is None and result.beta_points[0]["beta"] == 1.0
        else:
            assert "principal component 1" in result.axes and result.manifold is None
            assert result.code_counts.shape == (4,) and result.code_counts.sum() == len(data.x_test) * 7 * 7
            assert result.beta_points == []


class Seen(Callback):
    """Records the runs it is told about (and, with `pictures_of`, the epoch of the monitor's pictures)."""

    def __init__(self):
        self.started, self.ended, self.epochs_pictured, self.pictures_of = [], [], [], None
        self.progress = 0

    def on_start(self, run):
        self.started.append(run.name)

    def on_progress(self, run):
        self.progress += 1
        if self.pictures_of is not None:
            self.epochs_pictured.append(self.pictures_of.pictures.get("epoch"))

    def on_end(self, run):
        self.ended.append(run.name)
        self.on_progress(run)
