"""The autoencoder figures: latent scatter, 2-D manifold, codebook usage, β trade-off, interpolation strips."""

import json

import numpy as np
import pytest

from toolkit import viz

RNG = np.random.default_rng(0)


def test_latent_scatter_has_one_trace_per_class_and_named_axes():
    fig = viz.latent_scatter(RNG.normal(size=(30, 2)), np.arange(30) % 3, axis_title="PC 1, PC 2")
    assert [t.name for t in fig.data] == ["0", "1", "2"]
    assert fig.layout.xaxis.title.text == "PC 1" and fig.layout.yaxis.title.text == "PC 2"
    json.loads(fig.to_json())
    with pytest.raises(ValueError, match=r"`points` must be \(N, 2\)"):
        viz.latent_scatter(np.zeros((3, 3)), [0, 1, 2])
    with pytest.raises(ValueError, match="one class per point"):
        viz.latent_scatter(np.zeros((3, 2)), [0, 1])


def test_latent_manifold_labels_the_grid_with_z_values():
    fig = viz.latent_manifold(RNG.random((9, 8, 8, 1)), np.array([-1.0, 0.0, 1.0]))
    assert list(fig.layout.xaxis.ticktext) == ["-1", "0", "1"] and list(fig.layout.yaxis.ticktext) == ["1", "0", "-1"]
    assert fig.data[0].z.shape == (26, 26)
    with pytest.raises(ValueError, match="3×3 = 9 tiles"):
        viz.latent_manifold(RNG.random((8, 8, 8)), [0, 1, 2])


def test_codebook_usage_marks_dead_codes():
    fig = viz.codebook_usage([5, 0, 3, 0])
    assert "2 of 4 codes dead" in fig.layout.title.text.replace("<br>", " ")
    assert list(fig.data[1].x) == [1, 3] and fig.data[0].marker.color[1] == "#d62728"
    with pytest.raises(ValueError, match="non-negative counts"):
        viz.codebook_usage([1, -1])


def test_beta_tradeoff_and_interpolation_strips():
    fig = viz.beta_tradeoff([{"beta": 4, "kl": 2.0, "reconstruction": 150.0},
                             {"beta": 0.5, "kl": 20.0, "reconstruction": 100.0}])
    assert list(fig.data[0].text) == ["β=4", "β=0.5"] and fig.layout.xaxis.title.text.startswith("KL")
    with pytest.raises(ValueError, match="non-empty list"):
        viz.beta_tradeoff([])
    strips = viz.interpolation_strips({"GAN": RNG.random((5, 8, 8, 1)), "VAE": RNG.random((5, 8, 8, 1))})
    assert list(strips.layout.yaxis.ticktext) == ["GAN", "VAE"] and strips.data[0].z.shape == (17, 44)
    with pytest.raises(ValueError, match="same frames shape"):
        viz.interpolation_strips({"a": RNG.random((5, 8, 8)), "b": RNG.random((4, 8, 8))})


def test_few_labels_curves_name_the_splits_and_show_accuracy():
    histories = {"pretrained encoder": {"accuracy": [0.5, 0.9], "val_accuracy": [0.4, 0.7]},
                 "from scratch": {"accuracy": [0.3, 0.8], "val_accuracy": [0.2, 0.4]}}
    fig = viz.few_labels_curves(histories, 20)
    assert [t.name for t in fig.data] == ["pretrained encoder · labelled (train)", "pretrained encoder · test",
                                          "from scratch · labelled (train)", "from scratch · test"]
    assert "20 labelled images" in fig.layout.title.text.replace("<br>", " ") and fig.layout.yaxis.title.text == "accuracy"
    json.loads(fig.to_json())


def test_loss_terms_draw_each_term_for_training_and_held_out_images():
    """Item 3 of issue 14: the VAE's reconstruction and KL terms, and the held-out curves, beside the total."""
    history = {key: RNG.random(3) for key in ("loss", "reconstruction", "kl", "val_loss", "val_reconstruction",
                                               "val_kl")}
    fig = viz.autoencoders.loss_terms(history)
    assert [a.text.replace("<br>", " ") for a in fig.layout.annotations] == ["total loss L", "reconstruction −log P(x|z)",
                                                        "KL(q(z|x) ‖ P(z))"]
    assert [(t.name, t.line.dash) for t in fig.data[:2]] == [("train", "dash"), ("validation", "solid")]
    assert len(fig.data) == 6 and sum(t.showlegend for t in fig.data) == 2
    plain = viz.autoencoders.loss_terms({"loss": [1.0, 0.5]})  # no held-out images: the training curve only
    assert len(plain.data) == 1 and list(plain.data[0].y) == [1.0, 0.5]
    with pytest.raises(ValueError, match="at least 'loss'"):
        viz.autoencoders.loss_terms({"kl": [1.0]})
