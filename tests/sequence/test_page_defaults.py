"""The notes' sequence-model claims, measured at the Sequence models page's defaults.

Notes, chapter 7: "RNN had difficulty to handle long sequences. Attention models was introduced to
handle this problem"; the encoder-decoder must "compress all info ... in a fixed-length context
vector"; Show, Attend and Tell lets the "model focus attention on specific parts of the image while
generating the corresponding description"; beam search "allows more word combinations to be
explored, improving quality of generated sentences". (The bottleneck against the source's length
is checked, small, in tests/sequence/test_seq2seq.py.)
"""

import pytest

from toolkit.sequence.captioning import CaptionConfig, run_captioning
from toolkit.sequence.seq2seq import TranslationConfig, run_translation

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


def test_attention_translates_dates_that_the_fixed_context_gets_wrong():
    """Measured at the defaults (10,000 dates, 3 epochs): exact match Bahdanau 0.985, seq2seq 0.578."""
    table = run_translation(TranslationConfig()).table()
    assert set(table[0]) >= {"Model", "Exact match", "Character accuracy", "Exact, ≤ 10 characters",
                             "Exact, 21–29 characters", "Training (s)"}
    rows = {row["Model"]: row for row in table}
    attention, plain = rows["Bahdanau attention"]["Exact match"], rows["Seq2seq (fixed context)"]["Exact match"]
    assert attention >= 0.95, rows  # the target: 95 % within 2 minutes on 2 cores
    assert attention > plain + 0.2, rows


def test_soft_attention_captions_beat_show_and_tell_and_the_baseline_and_beam_beats_greedy():
    """Measured at the defaults (3,000 scenes, 4 epochs), BLEU-4 greedy / beam K = 3: soft attention
    0.50 / 0.64, Show and Tell 0.13 / 0.50 (one caption for every scene), the commonest caption 0.095."""
    result = run_captioning(CaptionConfig())
    _, baseline = result.baseline
    soft, show_and_tell = "Show, Attend and Tell (soft)", "Show and Tell"
    greedy = {label: result.bleu(label, "greedy") for label in result.models}
    assert greedy[soft] > baseline + 0.25, greedy
    assert greedy[soft] > greedy[show_and_tell] + 0.2, greedy
    assert result.bleu(soft, "beam", width=3) > greedy[soft], greedy
    rows = result.table(width=2, temperature=0.5)
    assert set(rows[0]) == {"Model", "Parameters", "BLEU-4 greedy", "BLEU-4 beam K=2", "BLEU-4 sampled T=0.5",
                            "Training (s)"}
    assert rows[-1]["Parameters"] == 0  # the commonest caption, the baseline row  # the K best prefixes find likelier captions
