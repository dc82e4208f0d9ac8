"""The Transformers page's labs without training: configs, lessons, builders, the figures' inputs."""

import numpy as np
import pytest

from toolkit.sequence import seq2seq
from toolkit.transformers import lab


@pytest.mark.parametrize(("config_class", "presets"), [(lab.TranslationConfig, lab.TRANSLATION_PRESETS),
                                                       (lab.TCNConfig, lab.TCN_PRESETS),
                                                       (lab.VisionConfig, lab.VISION_PRESETS)])
def test_every_lesson_is_a_valid_config_of_its_tab(config_class, presets):
    for preset in presets:
        config_class(**preset.values)
    assert len({preset.name for preset in presets}) == len(presets)


def test_the_three_tabs_share_one_url_without_a_name_in_common():
    names = [set(config.settings()) for config in (lab.TranslationConfig, lab.TCNConfig, lab.VisionConfig)]
    assert not names[0] & names[1] and not names[0] & names[2] and not names[1] & names[2]
    lessons = [p.name for p in (*lab.TRANSLATION_PRESETS, *lab.TCN_PRESETS, *lab.VISION_PRESETS)]
    assert len(set(lessons)) == len(lessons)


def test_configs_reject_bad_values_in_one_sentence():
    with pytest.raises(ValueError, match="`dim` must be a multiple of `heads`"):
        lab.TranslationConfig(dim=20, heads=8)
    with pytest.raises(ValueError, match="`models` must"):
        lab.TranslationConfig(models=("bert",))
    with pytest.raises(ValueError, match="`tcn_levels` must"):
        lab.TCNConfig(tcn_levels=0)
    with pytest.raises(ValueError, match="`vision_dim` must be a multiple of 2"):
        lab.VisionConfig(vision_dim=12, vision_heads=8)


def test_the_default_receptive_fields_straddle_the_sequence_length():
    """Eq. 1: k = 3, L = 5 blocks of two convolutions: 1 + 4 · 31 = 125 dilated, 1 + 4 · 5 = 21 not."""
    config = lab.TCNConfig()
    assert config.dilations("tcn") == (1, 2, 4, 8, 16) and config.dilations("tcn_undilated") == (1,) * 5
    assert (config.receptive_field("tcn"), config.receptive_field("tcn_undilated")) == (125, 21)
    assert config.receptive_field("tcn_undilated") < config.tcn_length <= config.receptive_field("tcn")
    assert config.receptive_field("lstm") is None


def test_translators_plug_into_chapter_7s_lab():
    config = lab.TranslationConfig(models=("bahdanau", "transformer", "convs2s"), dim=16, heads=2, blocks=1, ffn=16)
    assert list(config.variants()) == ["Bahdanau attention", "Transformer", "ConvS2S"]
    source = np.ones((2, seq2seq.SOURCE_LENGTH), np.int32)
    for name in ("transformer", "convs2s"):
        model = lab.build_translator(config, name)
        assert model.optimizer is not None and model.inputs[0].name == "source"
        assert seq2seq.translate(model, source).shape == (2, seq2seq.TARGET_LENGTH)
    with pytest.raises(ValueError, match="`name` must be one of"):
        lab.build_translator(config, "bert")


def test_the_figures_inputs_before_training():
    config = lab.TranslationConfig(dim=32)
    table = lab.encoding_table(config)
    assert table.shape == (seq2seq.SOURCE_LENGTH, 32) and np.abs(table).max() <= 1
    glyph = lab.sample_glyph()
    assert glyph.shape == (28, 28, 1)
    regular, shifted = lab.swin_partitions(glyph.shape, 7)
    assert regular.shape == shifted.shape == (14, 14)
    assert len(np.unique(regular)) == 4 and len(np.unique(shifted)) == 9  # 2 × 2 windows; shifted, 3 × 3 regions
