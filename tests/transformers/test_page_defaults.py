"""The notes' transformer claims, measured at the Transformers page's defaults.

Notes, chapter 8: convolutions and attention exploit "PARALLEL COMPUTATION" where an RNN steps
through the sequence; dilation "extends the receptive field of the convolutional filter, enabling it
to incorporate more context"; "Transformers don't generalize well when trained on insufficient
amount of data".
"""

import pytest

from toolkit.data.sequences import ADDING_CONSTANT_MSE
from toolkit.transformers.lab import (MODEL_TITLES, TCN_TITLES, VISION_TITLES, TCNConfig, TranslationConfig,
                                      VisionConfig, run_tcn, run_translation, run_vision)

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


def test_the_transformer_translates_more_dates_than_attention_rnns_in_the_same_epochs():
    """Measured at the defaults (3 epochs, the same batches, Adam 0.002): exact match 0.935 against
    Bahdanau's 0.672 (the seconds are in the table, never asserted)."""
    rows = {row["Model"]: row for row in run_translation(TranslationConfig()).table()}
    transformer, rnn = rows[MODEL_TITLES["transformer"]], rows[MODEL_TITLES["bahdanau"]]
    assert transformer["Exact match"] >= 0.85, rows
    assert transformer["Exact match"] > rnn["Exact match"] + 0.15, rows


def test_only_the_tcn_whose_receptive_field_covers_the_sequence_solves_the_adding_problem():
    """Measured at the defaults: see TCNConfig's docstring."""
    config = TCNConfig()
    result = run_tcn(config)
    rows = {row["Network"]: row for row in result.table()}
    dilated, undilated = rows[TCN_TITLES["tcn"]], rows[TCN_TITLES["tcn_undilated"]]
    assert dilated["Receptive field R"] >= config.tcn_length > undilated["Receptive field R"], rows
    assert dilated["Held-out MSE"] < 0.1 * ADDING_CONSTANT_MSE, rows
    assert undilated["Held-out MSE"] > 0.5 * ADDING_CONSTANT_MSE, rows


def test_with_few_images_the_cnn_generalizes_better_than_vit():
    """Measured at the defaults: see VisionConfig's docstring."""
    rows = {row["architecture"]: row for row in run_vision(VisionConfig()).table}
    cnn, vit = rows[VISION_TITLES["cnn"]]["test accuracy"], rows[VISION_TITLES["vit"]]["test accuracy"]
    assert vit > 0.3, rows  # ViT learns (chance is 0.1) ...
    assert cnn > vit + 0.1, rows  # ... but the CNN's locality prior wins with this little data
