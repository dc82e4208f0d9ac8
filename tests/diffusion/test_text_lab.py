"""The Text-to-image lab: crops and captions, prompts, the shape reader, a small run and its table.

The page's claims at its defaults are in tests/diffusion/test_text_defaults.py.
"""

import numpy as np
import pytest

from toolkit.data import shapes
from toolkit.diffusion import text_lab as lab
from toolkit.diffusion.lab import DiffusionMonitor

pytestmark = pytest.mark.xdist_group(__name__)


@pytest.fixture(scope="module")
def crops():
    return lab.shape_crops(300, seed=5)


def test_crops_hold_their_whole_shape_near_the_centre(crops):
    scenes = shapes.scenes(300, seed=5, size=lab.SCENE, max_objects=1)
    assert crops.images.shape == (300, lab.SIDE, lab.SIDE, 3)
    np.testing.assert_array_equal(crops.classes, scenes.classes[:, 0])
    visible = scenes.masks[:, 0].sum((1, 2))
    drawn = lab.foreground(crops.images).sum((1, 2))
    assert np.mean(drawn >= 0.95 * visible) > 0.95  # the crop keeps (nearly) all of the shape
    rows, cols = np.nonzero(lab.foreground(crops.images[:50]).any(0))
    assert abs(rows.mean() - lab.SIDE / 2) < 3 and abs(cols.mean() - lab.SIDE / 2) < 3


def test_captions_name_the_shape_and_each_attribute_with_its_probability(crops):
    never = lab.captions(crops, size_named=0.0, colour_named=0.0)
    assert never == [f"a {shapes.SHAPES[c]}" for c in crops.classes]
    always = lab.captions(crops, size_named=1.0, colour_named=1.0)
    assert always[0] == (f"a {shapes.SIZES[crops.sizes[0]]} {shapes.COLOUR_NAMES[crops.colours[0]]} "
                         f"{shapes.SHAPES[crops.classes[0]]}")
    half = lab.captions(crops, size_named=0.5, colour_named=0.5)
    named = np.mean([any(c in caption.split() for c in shapes.COLOUR_NAMES) for caption in half])
    assert 0.4 < named < 0.6


def test_prompts_become_word_ids_and_their_asks():
    ids = lab.tokens(["a large red star", ""])
    assert ids.shape == (2, lab.TEXT_LENGTH) and np.all(ids[1] == 0) and np.all(ids[0, :4] > 1)
    assert lab.asked("A large RED star") == {"size": 2, "colour": 0, "shape": 4}
    assert lab.unknown_words("a purple star, please") == ["please", "purple"]
    with pytest.raises(ValueError, match="at most 8 words"):
        lab.tokens(["one two three four five six seven eight nine"])
    with pytest.raises(ValueError, match="at most 8 words"):
        lab.PromptConfig(prompt="one two three four five six seven eight nine")
    with pytest.raises(ValueError, match="prompt"):
        lab.PromptConfig(prompt="x" * (lab.PROMPT_CHARACTERS + 1))


def test_colours_are_read_from_the_foreground_mean(crops):
    np.testing.assert_array_equal(lab.read_colours(crops.images), crops.colours)
    blank = np.full((1, lab.SIDE, lab.SIDE, 3), shapes.BACKGROUND_GREY, np.float32)
    assert lab.read_colours(blank)[0] == -1  # no shape: no colour


def test_the_reader_reads_real_crops_of_another_seed():
    reader = lab.shape_reader()
    assert reader.accuracy["shape"] >= 0.95 and reader.accuracy["colour"] == 1.0 and reader.accuracy["size"] >= 0.95
    shares = reader.obeyed(lab.shape_crops(60, seed=7).images, [{"shape": 0}] * 60)
    assert 0.0 < shares["shape"] < 0.5 and np.isnan(shares["colour"])  # about a sixth of the shapes are circles


def test_a_small_run_is_watched_scored_and_prompted():
    monitor = DiffusionMonitor(lab.WATCHED)
    config = lab.TextDiffusionConfig(n=500, autoencoder_epochs=1, diffusion_epochs=2, latent=8)
    result = lab.run_text_diffusion(config, monitor=monitor)
    assert [run.epochs_done for run in result.runs.values()] == [1, 2]
    rows = result.table()
    assert [row["prompt"] for row in rows][-2:] == ["the empty prompt ∅ (chance)", "real crops (the reader's accuracy)"]
    assert len(rows) == len(lab.GUIDANCES) + 2 and all(0 <= row["shape as asked ↑"] <= 1 for row in rows)
    prompts, images = result.gallery
    assert len(prompts) == 36 and images.shape == (36, lab.SIDE, lab.SIDE, 3)
    assert monitor(result.runs["text DDPM"])["samples"]["text DDPM"][1].shape == (len(lab.WATCHED), 32, 32, 3)
    out = lab.prompt_samples(result.model, lab.PromptConfig(prompt="a blue square", count=5), lab.shape_reader())
    assert out["images"].shape == (5, 32, 32, 3) and set(out["obeyed"]) == {"shape", "colour"}
    assert lab.prompt_samples(result.model, lab.PromptConfig(prompt="", count=5), lab.shape_reader())["obeyed"] == {}


def test_a_run_stopped_in_the_autoencoder_has_no_model():
    result = lab.run_text_diffusion(lab.TextDiffusionConfig(n=500, autoencoder_epochs=3), stop=lambda: True)
    assert result.model is None and result.rows == [] and list(result.runs) == ["autoencoder"]


@pytest.mark.parametrize("values, message", [({"n": 100}, "n"), ({"latent": 5}, "latent"),
                                             ({"colour_named": 1.5}, "colour_named")])
def test_bad_settings_are_named(values, message):
    with pytest.raises(ValueError, match=message):
        lab.TextDiffusionConfig(**values)


def test_a_second_run_with_the_same_autoencoder_settings_reuses_it():
    config = lab.TextDiffusionConfig(n=500, autoencoder_epochs=1, diffusion_epochs=1, latent=8, seed=11)
    first = lab.run_text_diffusion(config)
    second = lab.run_text_diffusion(lab.TextDiffusionConfig(**{**config.values(), "colour_named": 0.0}))
    assert not first.reused_autoencoder and second.reused_autoencoder
    assert second.runs["autoencoder"] is first.runs["autoencoder"] and second.model.decoder is first.model.decoder
    assert len(lab.AUTOENCODERS) <= lab.KEPT_AUTOENCODERS
