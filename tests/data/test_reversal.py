"""digit_reversal (toolkit.data.reversal): the target is the source backwards then "-", the ids and
padding are those of dates, lengths are uniform in range, the seed decides, bad arguments are named."""

import json

import numpy as np
import pytest

from toolkit.data import load
from toolkit.data.dates import SOURCE_VOCAB, TARGET_VOCAB, decoder_inputs, source_tokenizer, target_tokenizer
from toolkit.data.reversal import FILLER, digit_reversal, reversed_text


@pytest.fixture(scope="module")
def corpus():
    return digit_reversal(n=2000, min_length=3, max_length=12, seed=0)


def test_shapes_dtypes_and_spec(corpus):
    assert corpus.name == "reversal" and corpus.task == "classification"
    assert (corpus.n_train, corpus.n_test) == (1600, 400)
    for x, y in ((corpus.x_train, corpus.y_train), (corpus.x_test, corpus.y_test)):
        assert x.shape == (len(x), 12) and y.shape == (len(x), 12)
        assert x.dtype == np.int32 and y.dtype == np.int32
    assert corpus.classes == TARGET_VOCAB and corpus.num_classes == 13
    assert corpus.spec == {"name": "reversal", "n": 2000, "min_length": 3, "max_length": 12, "test_ratio": 0.2,
                           "seed": 0}
    rebuilt = load(**json.loads(json.dumps(corpus.spec)))  # a run record's spec rebuilds the same arrays
    np.testing.assert_array_equal(rebuilt.x_test, corpus.x_test)


def test_the_target_is_the_source_backwards_then_the_filler(corpus):
    for source, target in zip(corpus.attrs_train["source"], corpus.attrs_train["target"]):
        assert source.isdigit() and len(target) == 12
        assert target == source[::-1] + FILLER * (12 - len(source))
    assert reversed_text("40172", 7) == "27104--"


def test_ids_and_post_padding_are_those_of_dates(corpus):
    """The digits keep their dates ids in both vocabularies; the source is post-padded with 0."""
    x, y, attrs = corpus.x_train, corpus.y_train, corpus.attrs_train
    np.testing.assert_array_equal(x, source_tokenizer().encode(list(attrs["source"]), length=12))
    np.testing.assert_array_equal(y, target_tokenizer().encode(list(attrs["target"]), length=12))
    for row, ids, length in zip(attrs["source"], x, attrs["length"]):
        assert [SOURCE_VOCAB[i] for i in ids[:length]] == list(row)
        assert np.all(ids[length:] == 0) and np.all(ids[:length] > 0)
    digits_in_target = y[y != TARGET_VOCAB.index(FILLER)]
    assert {TARGET_VOCAB[i] for i in np.unique(digits_in_target)} <= set("0123456789")
    assert decoder_inputs(y).shape == y.shape  # teacher forcing reads both tasks


def test_lengths_are_uniform_in_range(corpus):
    lengths = np.concatenate([corpus.attrs_train["length"], corpus.attrs_test["length"]])
    assert lengths.min() == 3 and lengths.max() == 12
    counts = np.bincount(lengths)[3:]
    assert counts.min() > 0.7 * 200 and counts.max() < 1.3 * 200  # 2000 over 10 lengths, ~200 each
    assert all(len(s) == n for s, n in zip(corpus.attrs_test["source"], corpus.attrs_test["length"]))
    assert len(digit_reversal(n=50, min_length=7, max_length=7).attrs_train["source"][0]) == 7


def test_same_seed_same_arrays_other_seed_differs():
    a, b, c = digit_reversal(n=60, seed=3), digit_reversal(n=60, seed=3), digit_reversal(n=60, seed=4)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    np.testing.assert_array_equal(a.attrs_train["source"], b.attrs_train["source"])
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"max_length": 0}, r"`max_length` must be an integer in \[1, 64\], received max_length=0\."),
        ({"max_length": 65}, r"`max_length` must be an integer in \[1, 64\], received max_length=65\."),
        ({"min_length": 10, "max_length": 8},
         r"`min_length` must be an integer in \[1, 8\], received min_length=10\. The shortest string cannot"),
        ({"min_length": 2.5}, r"`min_length` must be an integer"),
        ({"n": 5}, r"`n` must be an integer in \[10, 100000\], received n=5\."),
        ({"test_ratio": 0.0}, r"`test_ratio` must be a finite number in \(0, 1\)"),
        ({"seed": -1}, r"`seed` must be a non-negative integer, received seed=-1\."),
    ],
)
def test_bad_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        digit_reversal(**kwargs)
