"""The GAN figures: lab picture, per-step curves, image columns, evaluation curves."""

import json

import numpy as np
import pytest

from toolkit import viz

RNG = np.random.default_rng(0)


def lab_figure(**kwargs):
    axis = np.linspace(-2, 2, 10)
    return viz.gan_lab_figure(RNG.normal(size=(30, 2)), RNG.normal(size=(20, 2)), axis, axis,
                              RNG.random((10, 10)), **kwargs)


def test_lab_figure_layers_heatmap_points_and_arrows():
    fig = lab_figure(arrows=RNG.normal(size=(20, 2)), anchors=np.zeros((8, 2)))
    names = [trace.name for trace in fig.data]
    assert names == ["D", "G's push −∂L_G/∂x", "real data", "fake G(z)", "modes"]
    assert fig.data[0].zmin == 0 and fig.data[0].zmax == 1
    arrows = np.asarray(fig.data[1].x, float).reshape(-1, 3)  # start, end, gap per arrow
    lengths = np.hypot(arrows[:, 1] - arrows[:, 0], np.asarray(fig.data[1].y, float).reshape(-1, 3)[:, 1]
                       - np.asarray(fig.data[1].y, float).reshape(-1, 3)[:, 0])
    assert lengths.max() == pytest.approx(0.08 * 4)
    json.loads(fig.to_json())


def test_lab_figure_with_raw_scores_and_bad_input():
    fig = lab_figure(probability=False)
    assert fig.data[0].colorbar.title.text == "D score"
    with pytest.raises(ValueError, match=r"`fake` must be \(N, 2\) points"):
        viz.gan_lab_figure(np.zeros((3, 2)), np.zeros((3, 3)), [0, 1], [0, 1], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="`arrows` must match"):
        lab_figure(arrows=np.zeros((3, 2)))


def test_step_curves_and_image_columns():
    fig = viz.step_curves({"D loss": [1.0, np.nan, 0.5], "G loss": [2.0, 1.0, 0.8]}, x_title="generator step")
    assert [t.name for t in fig.data] == ["D loss", "G loss"] and fig.layout.xaxis.title.text == "generator step"
    with pytest.raises(ValueError, match="non-empty mapping"):
        viz.step_curves({})
    cols = viz.image_columns({"input": RNG.random((3, 8, 8, 1)), "output": RNG.random((3, 8, 8, 1)),
                              "target": RNG.random((3, 8, 8, 1))})
    assert [a.text for a in cols.layout.annotations] == ["<b>input</b>", "<b>output</b>", "<b>target</b>"]
    assert cols.data[0].z.shape == (3 * 9 - 1, 3 * 9 - 1)
    with pytest.raises(ValueError, match="same shape"):
        viz.image_columns({"a": RNG.random((2, 8, 8)), "b": RNG.random((3, 8, 8))})


def test_evaluation_curves_one_panel_per_metric():
    history = {"epoch": [0, 1, 2], "fid": [50, 20, 9], "inception_score": [1, 3, 5], "classes_covered": [0, 6, 10]}
    fig = viz.evaluation_curves({"dcgan": history, "wgan-gp": history})
    assert len(fig.data) == 6 and [a.text for a in fig.layout.annotations][:1] == ["FID (lower is better)"]
    with pytest.raises(ValueError, match="has no 'fid'"):
        viz.evaluation_curves({"run": {"epoch": [1]}})


def test_adversarial_losses_draws_d_dashed_and_g_solid_per_run():
    """Item 3 of issue 14: both networks' losses, told apart by colour (one run) and by dash."""
    rng = np.random.default_rng(0)
    history = {"d_loss": rng.random(4), "g_loss": rng.random(4)}
    fig = viz.gan.adversarial_losses({"minimax": history, "lsgan": history})
    assert [t.line.dash for t in fig.data] == ["dash", "solid", "dash", "solid"]
    assert fig.data[0].name == "minimax: D loss L_D" and list(fig.data[1].x) == [1, 2, 3, 4]
    assert fig.data[0].line.color == fig.data[1].line.color != fig.data[2].line.color  # a colour per run
    single = viz.gan.adversarial_losses({"run": history})
    assert [t.name for t in single.data] == ["D loss L_D", "G loss L_G"]
    assert single.data[0].line.color != single.data[1].line.color  # a colour per network
    with pytest.raises(ValueError, match="has no 'g_loss'"):
        viz.gan.adversarial_losses({"run": {"d_loss": [1.0]}})


def test_compact_image_columns_send_one_png_of_the_same_mosaic():
    import base64
    import io

    from PIL import Image

    images = np.random.default_rng(0).random((3, 8, 8, 1))
    fig = viz.image_columns({"input": images, "output": images}, compact=True)
    source = fig.data[0].source
    assert source.startswith("data:image/png;base64,")
    pixels = np.asarray(Image.open(io.BytesIO(base64.b64decode(source.split(",", 1)[1]))))
    assert pixels.shape == (3 * 9 - 1, 2 * 9 - 1)  # 3 rows x 2 columns with 1-pixel gaps
    np.testing.assert_array_equal(pixels[:8, :8], np.round(images[0, ..., 0] * 255))
    assert pixels[8, 0] == 255  # gaps are white
    assert len(fig.to_json()) < len(viz.image_columns({"input": images, "output": images}).to_json())
