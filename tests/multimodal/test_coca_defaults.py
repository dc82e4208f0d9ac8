"""The notes' claim of the CoCa page, measured at its defaults: "CoCa enhances CLIP by adding a generative branch
allowing model to captioning images [...] Model not only creates a global representation of the text, but also
predicts word by word the text associated with the image."

One default run (``CocaConfig()``: 15 epochs of 3,000 captioned crops, λ_con = λ_cap = 1; about 31 s of training
on 2 idle cores). On 1,000 held-out crops the greedy captions name the right shape (measured 0.74) and, where
they name a colour, the right one (1.00); the same model classifies the shapes zero-shot from its contrastive
embeddings (0.77) and from the likelihood of each prompt as its caption (0.75), where chance is 1/6. Slow.
"""

import pytest

from toolkit.multimodal import coca_lab as lab

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group(__name__)]


@pytest.fixture(scope="module")
def trained():
    return lab.run_coca(lab.CocaConfig())


def test_one_model_writes_captions_that_name_what_it_sees(trained):
    assert trained.run.status == "completed" and trained.run.epochs_done == lab.CocaConfig().epochs
    scores = trained.caption_scores
    assert scores["names the right shape"] >= 0.55, scores
    assert scores["the right colour, when named"] >= 0.9 and scores["names a colour"] >= 0.3, scores
    for loss in ("caption", "contrastive"):
        history = trained.run.history[loss]
        assert history[-1] < 0.7 * history[0], (loss, history)


def test_the_same_model_classifies_zero_shot_both_ways(trained):
    by_embedding, by_likelihood = trained.zero_shot.values()
    assert by_embedding >= 0.5 and by_likelihood >= 0.5, trained.zero_shot  # chance: 1/6
