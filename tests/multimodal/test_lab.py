"""toolkit.multimodal.lab: captions, prompt parsing, shots and splits, a small CLIP and prompt run end to end."""

import numpy as np
import pytest

from toolkit.data import shapes
from toolkit.multimodal import lab


def test_short_captions_name_every_shape_and_only_true_attributes():
    scenes = shapes.scenes(200, seed=3, max_objects=2)
    captions = lab.scene_captions(scenes, 1.0, seed=0)
    for i, caption in enumerate(captions):
        k = scenes.counts[i]
        for j in range(k):
            assert shapes.SHAPES[scenes.classes[i, j]] in caption
        named = {w for w in caption.split() if w in shapes.COLOUR_NAMES}
        assert named <= {shapes.COLOUR_NAMES[c] for c in scenes.colours[i, :k]}
    assert lab.scene_captions(scenes, 1.0, seed=0) == captions  # seeded
    long = lab.scene_captions(scenes, 0.0, seed=0)
    assert all(caption in scenes.captions[i] for i, caption in enumerate(long))


def test_parse_templates_keeps_each_line_once_and_names_bad_lines():
    assert lab.parse_templates("a {}\n\n  a small {}  \na {}") == ("a {}", "a small {}")
    for text, match in (("", "at least one"), ("a circle", "'{}'"), ("a {}\n" * 1 + "x{}" * 40, "at most"),
                        ("\n".join(f"t{k} {{}}" for k in range(lab.MAX_TEMPLATES + 1)), "at most")):
        with pytest.raises(ValueError, match=match):
            lab.parse_templates(text)


def test_config_bounds_and_the_novel_classes():
    config = lab.PromptConfig()
    assert config.novel == ("diamond", "star", "cross")
    with pytest.raises(ValueError, match="novel"):
        lab.PromptConfig(prompt_base=shapes.SHAPES)
    with pytest.raises(ValueError):
        lab.ClipConfig(clip_batch=7)


def test_only_clip_trains_with_knowledge():
    """K-LITE's captions need the dictionary's words in the vocabulary, which only ``build_clip`` adds."""
    from toolkit.multimodal import filip

    with pytest.raises(ValueError, match="CLIP only"):
        filip.run_filip(filip.FilipConfig(clip_knowledge=True))


def test_shots_are_balanced_and_the_probe_splits_reindex_labels():
    config = lab.PromptConfig(prompt_shots=3)
    x, y = lab.shots(config)
    assert x.shape == (9, 64, 64, 3) and list(np.bincount(y)) == [3, 3, 3]
    images, labels = lab.probe_scenes()
    novel_x, novel_y = lab.split_probe((images, labels), config.novel)
    assert len(novel_x) == np.isin(labels, [3, 4, 5]).sum() and set(novel_y) == {0, 1, 2}


def test_a_small_clip_and_its_prompts_run_end_to_end():
    config = lab.ClipConfig(clip_scenes=500, clip_epochs=1, clip_batch=64, clip_embed=16)
    monitor = lab.ClipMonitor()
    result = lab.run_clip(config, monitor=monitor)
    assert result.run.epochs_done == 1 and len(result.captions) == 50
    live = monitor(result.run)
    assert live["similarity"].shape == (8, 8) and set(live["zero_shot"]) == {1}
    accuracy, predicted, confusion = result.zero_shot(["a {}", "a small {}"])
    assert confusion.sum() == lab.PROBE_SCENES and accuracy == np.trace(confusion) / lab.PROBE_SCENES
    images, scores, order = result.search("a red circle", k=4)
    assert images.shape == (4, 64, 64, 3) and np.all(np.diff(scores) <= 0)
    assert lab.unknown_words(result.model, ["a photo of a {}"]) == ["photo"]
    prompts = lab.run_prompts(lab.PromptConfig(prompt_shots=2, prompt_epochs=1), result)
    assert [row["prompt"] for row in prompts.table()] == ["hand-written 'a {}'", "ensemble of 5 prompts", "CoOp",
                                                          "CoCoOp"]
    assert all(0 <= row["base"] <= 1 and 0 <= row["novel"] <= 1 for row in prompts.table())
