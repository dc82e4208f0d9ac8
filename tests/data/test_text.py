"""sentiment and WordTokenizer: the labelling rules on hand-written reviews, the corpus, the
bag-of-words baseline, and the tokenizer against keras.layers.TextVectorization."""

import warnings

import numpy as np
import pytest

from toolkit.data import WordTokenizer, load, sentiment, sentiment_tokenizer
from toolkit.data.text import (
    CLASSES,
    FILLERS,
    INTENSIFIERS,
    NEGATIONS,
    POLARITY,
    decisive_position,
    is_negated,
    label_review,
    sentiment_vocabulary,
    tokenize,
)

NEGATIVE, NEUTRAL, POSITIVE = range(3)


@pytest.fixture(scope="module")
def corpus():
    return sentiment(n=3000, seed=0)


@pytest.mark.parametrize(
    "review, label",
    [
        ("The phone is good.", POSITIVE),
        ("The phone is not good.", NEGATIVE),
        ("The phone is not very good.", NEGATIVE),  # intensifiers between negation and word
        ("The phone is not really extremely good.", NEGATIVE),
        ("This kettle was never bad!", POSITIVE),  # a negated negative is positive
        ("It is hardly terrible", POSITIVE),
        ("The lamp is extremely bad", NEGATIVE),  # intensifiers change nothing
        ("The lamp is very good", POSITIVE),
        ("It is ok.", NEUTRAL),
        ("It is not ok.", NEUTRAL),  # negation flips the sign; 0 stays 0
        ("I bought it last week.", NEUTRAL),  # no word with a polarity
        ("I did not read the manual, the phone is great.", POSITIVE),  # "not" is not next to "great"
        ("The phone is great. I did not read the manual.", POSITIVE),
        ("Not the best, the phone is good", POSITIVE),  # "not" negates only an adjective after it
        ("It looked good but it is terrible", NEGATIVE),  # the last polar word decides
        ("Terrible at first, now it is not bad", POSITIVE),
        ("good not", POSITIVE),  # a negation after the word does not count
        ("NOT GOOD", NEGATIVE),  # standardized before labelling
    ],
)
def test_label_rules_on_hand_written_reviews(review, label):
    assert label_review(review) == label
    assert label_review(tokenize(review)) == label  # a list of words gives the same label
    assert label_review(review.split()) == label  # words are standardized one by one


def test_decisive_position_and_negation_on_words():
    words = "i did not read it the phone is not very good".split()
    assert decisive_position(words) == 10 and is_negated(words, 10)
    assert not is_negated(words, 4)
    assert decisive_position("i bought it") == -1


def test_shapes_dtypes_and_pre_padding(corpus):
    assert corpus.input_shape == (30,) and corpus.x_train.dtype == np.int32 and corpus.y_train.dtype == np.int32
    assert (corpus.n_train, corpus.n_test) == (2400, 600) and corpus.classes == CLASSES == ("negative", "neutral", "positive")
    for x, attrs in ((corpus.x_train, corpus.attrs_train), (corpus.x_test, corpus.attrs_test)):
        assert set(attrs) == {"text", "length", "position", "negated"}
        lengths = attrs["length"]
        assert lengths.min() >= 4 and lengths.max() <= 30
        np.testing.assert_array_equal((x != 0).sum(axis=1), lengths)
        starts = 30 - lengths
        assert all(np.all(row[:s] == 0) and np.all(row[s:] != 0) for row, s in zip(x, starts))  # zeros first
        assert not np.any(x == 1)  # every generated word is in the vocabulary


def test_ids_decode_to_the_review_text(corpus):
    tokenizer = sentiment_tokenizer()
    decoded = tokenizer.decode(corpus.x_test[:50])
    assert decoded == [" ".join(tokenize(text)) for text in corpus.attrs_test["text"][:50]]


def test_labels_and_attrs_follow_the_rules(corpus):
    for x, y, attrs in ((corpus.x_train, corpus.y_train, corpus.attrs_train), (corpus.x_test, corpus.y_test, corpus.attrs_test)):
        words = [tokenize(text) for text in attrs["text"]]
        assert [label_review(w) for w in words] == y.tolist()
        for review, position, negated, label in zip(words, attrs["position"], attrs["negated"], y):
            if position < 0:
                assert label == NEUTRAL and not any(word in POLARITY for word in review)
            else:
                assert review[position] in POLARITY and is_negated(review, position) == negated
    negated = np.concatenate([corpus.attrs_train["negated"], corpus.attrs_test["negated"]])
    labels = np.concatenate([corpus.y_train, corpus.y_test])
    polar = labels != NEUTRAL
    assert 0.45 < negated[polar].mean() < 0.55 and not negated[~polar].any()


def test_filler_carries_negations_and_decisive_words_come_early(corpus):
    attrs = corpus.attrs_train
    filler_words = {word for template in FILLERS for word in tokenize(template)}
    assert filler_words & set(NEGATIONS) and filler_words & set(INTENSIFIERS)
    assert not filler_words & set(POLARITY)
    polar = attrs["position"] >= 0
    after = (attrs["length"] - 1 - attrs["position"])[polar]  # words that follow the decisive one
    # measured (seed 0): half of the opinion words have filler after them, a quarter 10 words or more
    assert np.mean(after >= 1) > 0.45 and np.mean(after >= 10) > 0.2 and after.max() >= 20


def test_classes_are_balanced_in_both_splits(corpus):
    assert np.bincount(np.concatenate([corpus.y_train, corpus.y_test])).tolist() == [1000, 1000, 1000]
    assert np.bincount(corpus.y_test).tolist() == [200, 200, 200]


def test_same_seed_same_corpus_other_seed_differs_and_spec_rebuilds():
    a, b, c = sentiment(n=90, seed=4), sentiment(n=90, seed=4), sentiment(n=90, seed=5)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.attrs_test["text"], b.attrs_test["text"])
    assert not np.array_equal(a.x_train, c.x_train)
    rebuilt = load(**sentiment(n=90, max_words=20, seed=4, test_ratio=0.3).spec)
    reference = sentiment(n=90, max_words=20, seed=4, test_ratio=0.3)
    assert rebuilt.spec == {"name": "sentiment", "n": 90, "max_words": 20, "test_ratio": 0.3, "seed": 4}
    assert rebuilt.input_shape == (20,)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(rebuilt, key), getattr(reference, key))


def test_vocabulary_does_not_depend_on_n_or_seed():
    vocabulary = sentiment_vocabulary()
    assert vocabulary == sorted(vocabulary) and len(set(vocabulary)) == len(vocabulary)
    assert sentiment_tokenizer().vocabulary == ["<pad>", "<unk>", *vocabulary]
    small = sentiment(n=30, seed=9)
    fitted = WordTokenizer().fit(small.attrs_train["text"])
    assert set(fitted.vocabulary[2:]) <= set(vocabulary)


def test_bag_of_words_is_clearly_below_the_rule(corpus):
    """A unigram count model cannot see which word a negation precedes: it stays far from 100%."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = CountVectorizer(tokenizer=tokenize, lowercase=False, token_pattern=None)
    train = vectorizer.fit_transform(corpus.attrs_train["text"])
    test = vectorizer.transform(corpus.attrs_test["text"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(max_iter=1000).fit(train, corpus.y_train)
    accuracy = model.score(test, corpus.y_test)
    negated = corpus.attrs_test["negated"]
    assert 0.5 < accuracy < 0.75, accuracy  # measured 0.65 (seed 0); chance is 1/3
    assert model.score(test[negated], corpus.y_test[negated]) < 0.65


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n": 10}, r"`n` must be an integer in \[30, 100000\], received n=10\."),
        ({"max_words": 5}, r"`max_words` must be an integer in \[10, 200\], received max_words=5\."),
        ({"test_ratio": 0}, r"`test_ratio` must be a finite number in \(0, 1\), received test_ratio=0\."),
        ({"seed": "a"}, r"`seed` must be a non-negative integer, received seed='a'\."),
    ],
)
def test_bad_sentiment_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sentiment(**kwargs)


def test_fit_orders_by_count_then_alphabet_and_encodes():
    tokenizer = WordTokenizer().fit(["the cat, the dog", "A dog!", "the end"])
    assert tokenizer.vocabulary == ["<pad>", "<unk>", "the", "dog", "a", "cat", "end"] and len(tokenizer) == 7
    ids = tokenizer.encode(["The dog", "a zebra", "the cat the dog the end"], length=4)
    np.testing.assert_array_equal(ids, [[0, 0, 2, 3], [0, 0, 4, 1], [2, 3, 2, 6]])  # pre: keep the last 4
    post = tokenizer.encode(["The dog", "the cat the dog the end"], length=4, padding="post")
    np.testing.assert_array_equal(post, [[2, 3, 0, 0], [2, 5, 2, 3]])  # post: keep the first 4
    assert tokenizer.encode("the dog").tolist() == [[2, 3]]  # one string is a batch of one
    assert tokenizer.encode(["dog", "the end"]).shape == (2, 2)  # T = the longest text
    assert tokenizer.decode(ids) == ["the dog", "a <unk>", "the dog the end"]
    assert tokenizer.decode([0, 2, 5]) == ["the cat"]


def test_config_round_trip_and_given_vocabulary():
    tokenizer = WordTokenizer(lowercase=False).fit(["Big cat", "big dog"])
    assert tokenizer.vocabulary[2:] == ["Big", "big", "cat", "dog"]
    config = tokenizer.get_config()
    assert config == {"vocabulary": ["Big", "big", "cat", "dog"], "lowercase": False}
    restored = WordTokenizer.from_config(config)
    np.testing.assert_array_equal(restored.encode(["big Big cat"]), tokenizer.encode(["big Big cat"]))
    assert WordTokenizer(vocabulary=tokenizer.vocabulary, lowercase=False).vocabulary == tokenizer.vocabulary


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: WordTokenizer().encode(["x"]), r"no vocabulary yet: call fit\(texts\)"),
        (lambda: WordTokenizer(vocabulary=["a", "a"]), r"must not repeat a word, received \['a'\]"),
        (lambda: WordTokenizer(vocabulary=["Cat"]), r"must hold standardized words .* received \['Cat'\]"),
        (lambda: WordTokenizer(vocabulary=["two words"]), r"received \['two words'\]"),
        (lambda: WordTokenizer(vocabulary="cat"), r"`vocabulary` must be a list of words, received vocabulary='cat'"),
        (lambda: WordTokenizer(lowercase=1), r"`lowercase` must be True or False, received lowercase=1"),
        (lambda: sentiment_tokenizer().encode(["x"], padding="left"), r"`padding` must be one of 'pre', 'post', received padding='left'"),
        (lambda: sentiment_tokenizer().encode(["x"], length=0), r"`length` must be an integer in \[1, 100000\], received length=0"),
        (lambda: sentiment_tokenizer().encode([3]), r"`texts` must be strings, received 3 \(int\)"),
        (lambda: sentiment_tokenizer().decode([[0, 999]]), r"`ids` must lie in \[0, \d+\]"),
    ],
)
def test_tokenizer_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


SENTENCES = [
    "The phone is NOT very good.",
    "I didn't read the manual -- honestly, it's fine!",
    "  tabs\tand\nnewlines   between words ",
    "well-made (really) [extremely] {good}; 100% sure?",
    "Très BIEN, ÉTÉ à la plage",  # only A-Z is lowercased, as tf.strings.lower
    "a\u00a0non-breaking space stays inside a word",
    "",
    "one two three four five six seven eight nine ten eleven twelve",  # longer than the length
]


@pytest.mark.parametrize("lowercase, standardize", [(True, "lower_and_strip_punctuation"), (False, "strip_punctuation")])
def test_encode_matches_keras_text_vectorization(lowercase, standardize):
    import keras

    tokenizer = WordTokenizer(lowercase=lowercase).fit(SENTENCES[:5] + ["Good fine the a"])
    layer = keras.layers.TextVectorization(vocabulary=tokenizer.vocabulary[2:], standardize=standardize,
                                           split="whitespace", output_sequence_length=10)
    assert layer.get_vocabulary() == ["", "[UNK]", *tokenizer.vocabulary[2:]]
    expected = keras.ops.convert_to_numpy(layer(np.array(SENTENCES)))
    np.testing.assert_array_equal(tokenizer.encode(SENTENCES, length=10, padding="post"), expected)


def test_pre_padding_matches_keras_pad_sequences():
    import keras

    tokenizer = sentiment_tokenizer()
    texts = ["The phone is good", "I did not read the manual, the laptop is not very good. It arrived on monday."]
    unpadded = [[tokenizer.vocabulary.index(word) for word in tokenize(text)] for text in texts]
    expected = keras.utils.pad_sequences(unpadded, maxlen=12)  # Keras's defaults: pre-padding, pre-truncating
    np.testing.assert_array_equal(tokenizer.encode(texts, length=12), expected)
