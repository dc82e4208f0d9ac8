"""Text for recurrent networks: a templated three-class review corpus and a word tokenizer.

sentiment (many-to-one, the notes' chapter 6 example): product reviews labelled negative,
neutral or positive. A review is a shuffled list of clauses, at most `max_words` words: at most
one opinion clause ("the phone is not very good") and neutral filler clauses ("i bought it last
week", "i did not read the manual"). Its label follows three rules, applied to its words w_1..w_n:

    1. The decisive word is the last word with a polarity: +1 for POSITIVE, -1 for NEGATIVE,
       0 for NEUTRAL adjectives. A review without one is neutral (polarity 0).
    2. The decisive word is negated when the nearest word before it that is not an intensifier
       ("very", "really", "extremely") is a negation ("not", "never", "hardly"). Negation flips
       the sign: "not good" is negative, "never bad" is positive, "not ok" stays neutral (0).
    3. Intensifiers change nothing: "extremely good" is positive, like "good".

    label = sign(polarity(w_d) · (-1)^negated)  ->  -1 negative, 0 neutral, +1 positive   (1)

with w_d the decisive word (polarity 0 when there is none).

Classes are balanced (N/3 each, to one review). Half of the opinion clauses of the negative and
positive reviews are negated, and negations and intensifiers also occur in the filler, where they
decide nothing; the neutral reviews are half with a neutral adjective, half with filler only.
Because the opinion clause lands anywhere in the review, the decisive word often comes first
and up to `max_words` - 4 filler words follow: a model reading the last state must carry it.
`attrs` hold each review's "text", "length" (words), "position" (index of the decisive word,
-1 when there is none) and "negated".

Reference points, measured with n=3000, max_words=30, test_ratio=0.2, seeds 0-2 (test accuracy):
a bag of words (scikit-learn CountVectorizer(tokenizer=tokenize) + LogisticRegression) reaches
0.65-0.67, and only 0.46-0.56 on the negated reviews: "the lamp is not good. i use it every
day" and "the lamp is good. i did not read the manual" both hold a negation and "good". Adding
bigrams gives 0.87. Embedding(130, 16) + LSTM(32) + Dense(3) on the pre-padded ids, Adam 1e-2,
batch 32, reaches 0.99-1.0 after 5 epochs and 1.0 after 10, negated reviews included (seeds
0-2); GRU(32) 0.97 after 5 and 1.0 after 6 (seed 0). At Keras's default Adam 1e-3 the LSTM is
slower (0.83 after 10 epochs); 3e-3 gives 0.98 after 7.

x is (N, max_words) int32 token ids of `sentiment_tokenizer()`, PRE-padded with 0: the last
step of a many-to-one RNN is always the last real word. The vocabulary is built from the word
lists alone, so it is the same for every n and seed.

WordTokenizer: text -> words -> ids, with the standardization of `keras.layers.TextVectorization`
(standardize="lower_and_strip_punctuation", split="whitespace"): lowercase A-Z, delete every
ASCII punctuation character, split on ASCII whitespace,

    words = re.findall(r"[^ \\t\\n\\r\\f\\v]+", PUNCTUATION.sub("", lower_ascii(text)))            (2)

so "Don't!" is the word "dont". Ids: 0 "<pad>", 1 "<unk>" (any word not in the vocabulary),
then the vocabulary words; `fit` sorts them by decreasing count, ties alphabetically.
"""

from __future__ import annotations

import re
import string

import numpy as np

from toolkit.validation import check_bool, check_choice, check_float, check_int, check_seed
from toolkit.data.dataset import Dataset, stratified_split

CLASSES = ("negative", "neutral", "positive")
DESCRIPTION = ("Templated product reviews, negative / neutral / positive; negations flip the opinion word "
               "and filler clauses put it far from the end (many-to-one).")
PAD, UNKNOWN = "<pad>", "<unk>"
PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")  # TextVectorization's DEFAULT_STRIP_REGEX set
WHITESPACE_WORD = re.compile(r"[^ \t\n\r\f\v]+")
ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

PRODUCTS = ("phone", "laptop", "camera", "kettle", "blender", "headset", "charger", "keyboard",
            "lamp", "backpack", "watch", "speaker", "printer", "toaster", "monitor", "router")
POSITIVE = ("good", "great", "excellent", "amazing", "wonderful", "perfect", "fantastic", "superb",
            "lovely", "brilliant")
NEGATIVE = ("bad", "terrible", "awful", "poor", "horrible", "disappointing", "useless", "dreadful",
            "faulty", "flimsy")
NEUTRAL = ("ok", "okay", "average", "fine", "ordinary", "acceptable", "adequate", "standard")
INTENSIFIERS = ("very", "really", "extremely")
NEGATIONS = ("not", "never", "hardly")
POLARITY = {**{word: 1 for word in POSITIVE}, **{word: -1 for word in NEGATIVE}, **{word: 0 for word in NEUTRAL}}
# "{opinion}" is "[negation] [intensifier] adjective"; every clause has at least 4 words.
OPINIONS = (
    "the {product} is {opinion}",
    "this {product} was {opinion}",
    "i found the {product} {opinion}",
    "overall the {product} is {opinion}",
    "my new {product} feels {opinion}",
    "the build quality is {opinion}",
    "to be honest it is {opinion}",
)
FILLERS = (
    "i bought it last week",
    "it arrived on monday",
    "my sister recommended it to me",
    "i use it every day at work",
    "i have never owned one before",
    "i did not read the manual",
    "the delivery took three days",
    "it came with a cable and a case",
    "i paid for it with a card",
    "we keep it in the kitchen",
    "i was not at home when it came",
    "i really wanted a new one",
    "the seller sent me an email",
    "i have used it for a month",
    "it replaced my old {product}",
    "the box was very light",
    "i checked the reviews first",
    "i hardly ever shop online",
    "my brother has the same {product}",
    "i bought it as a gift",
)
NEGATED_SHARE = 0.5  # share of negative / positive reviews whose opinion word is negated
INTENSIFIED_SHARE = 0.3  # share of opinion words with an intensifier
NO_OPINION_SHARE = 0.5  # share of neutral reviews made of filler only
MIN_WORDS = 4  # the shortest clause, so the shortest review


def lower_ascii(text: str) -> str:
    """A-Z -> a-z only, as TensorFlow's `tf.strings.lower` (other letters are kept)."""
    return text.translate(ASCII_LOWER)


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Eq. 2: the words of `text` (ASCII punctuation deleted, split on ASCII whitespace)."""
    if not isinstance(text, str):
        raise ValueError(f"`text` must be a string, received text={text!r}.")
    return WHITESPACE_WORD.findall(PUNCTUATION.sub("", lower_ascii(text) if lowercase else text))


def as_words(review) -> list[str]:
    """A review given as text or as a list of words, as a list of standardized words."""
    return tokenize(review) if isinstance(review, str) else [w for word in review for w in tokenize(str(word))]


def decisive_position(review) -> int:
    """Rule 1: index of the last word with a polarity in the review, -1 if there is none."""
    words = as_words(review)
    positions = [i for i, word in enumerate(words) if word in POLARITY]
    return positions[-1] if positions else -1


def is_negated(words: list[str], position: int) -> bool:
    """Rule 2: the nearest non-intensifier word before `position` is a negation."""
    before = position - 1
    while before >= 0 and words[before] in INTENSIFIERS:
        before -= 1
    return before >= 0 and words[before] in NEGATIONS


def label_review(review) -> int:
    """Eq. 1: the class id (0 negative, 1 neutral, 2 positive) of a review, text or list of words."""
    words = as_words(review)
    position = decisive_position(words)
    if position < 0:
        return CLASSES.index("neutral")
    polarity = POLARITY[words[position]] * (-1 if is_negated(words, position) else 1)
    return int(np.sign(polarity)) + 1  # -1, 0, +1 -> 0, 1, 2


def fill(template: str, rng: np.random.Generator, opinion: str = "") -> list[str]:
    """The words of one clause, with a random product and the given opinion words."""
    product = PRODUCTS[rng.integers(len(PRODUCTS))]
    return template.format(product=product, opinion=opinion).split()


def opinion_words(label: int, rng: np.random.Generator) -> tuple[str, bool]:
    """"[negation] [intensifier] adjective" whose Eq. 1 label is `label`, and whether it is negated."""
    if label == 1:
        negated, adjectives = False, NEUTRAL
    else:
        negated = bool(rng.random() < NEGATED_SHARE)
        wanted = 1 if label == 2 else -1
        adjectives = POSITIVE if wanted * (-1 if negated else 1) > 0 else NEGATIVE
    words = [adjectives[rng.integers(len(adjectives))]]
    if rng.random() < INTENSIFIED_SHARE:
        words.insert(0, INTENSIFIERS[rng.integers(len(INTENSIFIERS))])
    if negated:
        words.insert(0, NEGATIONS[rng.integers(len(NEGATIONS))])
    return " ".join(words), negated


def add_fillers(clauses: list[list[str]], budget: int, rng: np.random.Generator) -> list[list[str]]:
    """Filler clauses drawn at random while one still fits in `budget` words."""
    fillers = []
    used = sum(len(clause) for clause in clauses)
    while True:
        fitting = [template for template in FILLERS if len(template.split()) <= budget - used]
        if not fitting:
            return fillers
        fillers.append(fill(fitting[rng.integers(len(fitting))], rng))
        used += len(fillers[-1])


def review_clauses(label: int, max_words: int, rng: np.random.Generator) -> tuple[list[list[str]], bool]:
    """The clauses of one review meant to have class `label`, in reading order, and its negation."""
    budget = int(rng.integers(MIN_WORDS, max_words + 1))
    opinion, negated = [], False
    if label != 1 or rng.random() >= NO_OPINION_SHARE:
        words, negated = opinion_words(label, rng)
        opinion = [fill(OPINIONS[rng.integers(len(OPINIONS))], rng, words)]
        budget = max(budget, len(opinion[0]))
    fillers = add_fillers(opinion, budget, rng)
    where = int(rng.integers(len(fillers) + 1))  # the opinion can come first, last or between
    return fillers[:where] + opinion + fillers[where:], negated


def review_text(clauses: list[list[str]], rng: np.random.Generator) -> str:
    """Clauses joined into sentences: ", " or ". " between clauses, capitals ("I"), a final full stop."""
    text = " ".join(clauses[0])
    for clause in clauses[1:]:
        text += (", " if rng.random() < 0.5 else ". ") + " ".join(clause)
    text = re.sub(r"\bi\b", "I", text)
    sentences = [sentence[:1].upper() + sentence[1:] for sentence in text.split(". ")]
    return ". ".join(sentences) + "."


def sentiment_vocabulary() -> list[str]:
    """Every word the generator can write, sorted alphabetically (no "<pad>" / "<unk>")."""
    words = set(PRODUCTS) | set(POLARITY) | set(INTENSIFIERS) | set(NEGATIONS)
    for template in OPINIONS + FILLERS:
        words |= set(tokenize(template.format(product="", opinion="")))
    return sorted(words)


def sentiment_tokenizer() -> WordTokenizer:
    """The tokenizer of `sentiment`: ids 2.. are `sentiment_vocabulary()`, for every n and seed."""
    return WordTokenizer(vocabulary=sentiment_vocabulary())


def generate_reviews(n: int, max_words: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n reviews with balanced intended classes: text, Eq. 1 label, length, position, negated."""
    texts, negations = [], []
    for intended in rng.permutation(np.arange(n) % len(CLASSES)):
        clauses, negated = review_clauses(int(intended), max_words, rng)
        texts.append(review_text(clauses, rng))
        negations.append(negated)
    words = [tokenize(text) for text in texts]
    return {
        "text": np.array(texts, dtype=object),
        "label": np.array([label_review(review) for review in words], np.int32),
        "length": np.array([len(review) for review in words], np.int32),
        "position": np.array([decisive_position(review) for review in words], np.int32),
        "negated": np.array(negations, bool),
    }


def sentiment(n: int = 3000, max_words: int = 30, test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """Three-class review sentiment (Eq. 1): x (N, max_words) int32 pre-padded ids, y (N,) int32.

    Ids are those of `sentiment_tokenizer()`; attrs hold "text", "length", "position" and
    "negated" per review (module docstring). The split is stratified by class.
    """
    n = check_int("n", n, 30, 100_000)
    max_words = check_int("max_words", max_words, 10, 200)
    test_ratio = check_float("test_ratio", test_ratio, 0.0, 1.0, open_low=True, open_high=True)
    seed = check_seed(seed)
    rng = np.random.default_rng(seed)
    reviews = generate_reviews(n, max_words, rng)
    x = sentiment_tokenizer().encode(list(reviews["text"]), length=max_words, padding="pre")
    train, test = stratified_split(reviews["label"], test_ratio, rng)
    attrs = {key: values for key, values in reviews.items() if key != "label"}
    spec = {"name": "sentiment", "n": n, "max_words": max_words, "test_ratio": test_ratio, "seed": seed}
    return Dataset.from_indices("sentiment", x, reviews["label"], train, test, attrs=attrs, task="classification",
                                classes=CLASSES, description=DESCRIPTION, spec=spec)


class WordTokenizer:
    """Words <-> ids with TextVectorization's standardization (Eq. 2); mirrors `keras.layers.TextVectorization`.

    `vocabulary` is a list of distinct words, with or without the leading "<pad>", "<unk>"
    (ids 0 and 1, always present); `fit(texts)` builds it instead. With the same vocabulary,
    `encode(texts, length, padding="post")` gives the ids of
    `TextVectorization(vocabulary=tokenizer.vocabulary[2:], output_sequence_length=length)`;
    `encode(texts, length)` (pre) gives `keras.utils.pad_sequences` of the unpadded ids.
    `lowercase=False` matches standardize="strip_punctuation".
    """

    def __init__(self, vocabulary=None, lowercase: bool = True):
        self.lowercase = check_bool("lowercase", lowercase)
        self._words: list[str] | None = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    def set_vocabulary(self, vocabulary) -> None:
        """Use `vocabulary` (words in id order, from id 2, or from id 0 with "<pad>", "<unk>")."""
        if isinstance(vocabulary, str) or not hasattr(vocabulary, "__iter__"):
            raise ValueError(f"`vocabulary` must be a list of words, received vocabulary={vocabulary!r}.")
        words = list(vocabulary)
        if words[:2] == [PAD, UNKNOWN]:
            words = words[2:]
        bad = [w for w in words if not isinstance(w, str) or w in (PAD, UNKNOWN) or tokenize(w, self.lowercase) != [w]]
        if bad:
            raise ValueError(f"`vocabulary` must hold standardized words (no spaces or punctuation"
                             f"{', lowercase' if self.lowercase else ''}, no '{PAD}'/'{UNKNOWN}' after the start), "
                             f"received {bad[:5]!r}.")
        if len(set(words)) != len(words):
            repeated = sorted({w for w in words if words.count(w) > 1})
            raise ValueError(f"`vocabulary` must not repeat a word, received {repeated[:5]!r} more than once.")
        self._words = words
        self._ids = {word: index + 2 for index, word in enumerate(words)}

    def fit(self, texts) -> WordTokenizer:
        """Vocabulary = every word of `texts`, by decreasing count, ties alphabetically; returns self."""
        counts: dict[str, int] = {}
        for text in as_texts(texts):
            for word in tokenize(text, self.lowercase):
                counts[word] = counts.get(word, 0) + 1
        self.set_vocabulary(sorted(counts, key=lambda word: (-counts[word], word)))
        return self

    @property
    def vocabulary(self) -> list[str]:
        """Words in id order: ["<pad>", "<unk>", ...], so `vocabulary[i]` is the word of id i."""
        return [PAD, UNKNOWN, *self._fitted_words()]

    def __len__(self) -> int:
        return len(self._fitted_words()) + 2

    def encode(self, texts, length: int | None = None, padding: str = "pre") -> np.ndarray:
        """(N, T) int32 ids of N texts (a single string is N = 1); unknown words are 1, pads 0.

        T is `length`, or the longest text. "pre" pads with zeros in front and keeps the last T
        words of a longer text; "post" pads after and keeps the first T words (TextVectorization).
        """
        self._fitted_words()
        rows = [[self._ids.get(word, 1) for word in tokenize(text, self.lowercase)] for text in as_texts(texts)]
        return pad_ids(rows, length, padding)

    def decode(self, ids) -> list[str]:
        """One text per row of ids (N, T), or [text] for one row (T,): words joined by spaces, pads dropped."""
        vocabulary = self.vocabulary
        return [" ".join(vocabulary[i] for i in row if i != 0) for row in checked_ids(ids, len(vocabulary))]

    def get_config(self) -> dict:
        """Every constructor argument, JSON-ready: `WordTokenizer.from_config(config)` rebuilds it."""
        return {"vocabulary": None if self._words is None else list(self._words), "lowercase": self.lowercase}

    @classmethod
    def from_config(cls, config: dict) -> WordTokenizer:
        return cls(**config)

    def __repr__(self) -> str:
        size = len(self) if self._words is not None else "unfitted"
        return f"WordTokenizer(vocabulary_size={size}, lowercase={self.lowercase})"

    def _fitted_words(self) -> list[str]:
        if self._words is None:
            raise ValueError("This WordTokenizer has no vocabulary yet: call fit(texts) or pass vocabulary=[...].")
        return self._words


# ---------------------------------------------------------------- shared by the tokenizers
def as_texts(texts) -> list[str]:
    """A list of strings: a single string is a batch of one; anything else must hold strings."""
    texts = [texts] if isinstance(texts, str) else list(np.asarray(texts, dtype=object).ravel())
    bad = [t for t in texts if not isinstance(t, str)]
    if bad:
        raise ValueError(f"`texts` must be strings, received {bad[0]!r} ({type(bad[0]).__name__}).")
    return texts


def pad_ids(rows: list[list[int]], length: int | None, padding: str) -> np.ndarray:
    """(N, T) int32 ids, 0 as padding. T is `length`, or the longest row. "pre" pads in front and
    keeps the last T ids of a longer row; "post" pads after and keeps the first T (TextVectorization)."""
    check_choice("padding", padding, ("pre", "post"))
    if length is not None:
        length = check_int("length", length, 1, 100_000)
    width = length if length is not None else max((len(row) for row in rows), default=0)
    ids = np.zeros((len(rows), width), np.int32)
    for i, row in enumerate(rows):
        kept = row[max(len(row) - width, 0):] if padding == "pre" else row[:width]
        start = width - len(kept) if padding == "pre" else 0
        ids[i, start:start + len(kept)] = kept
    return ids


def checked_ids(ids, size: int) -> np.ndarray:
    """`ids` as a 2-D integer array (one row for (T,)), each in [0, size)."""
    ids = np.asarray(ids)
    if ids.ndim not in (1, 2) or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(f"`ids` must be integer ids of shape (T,) or (N, T), received shape {ids.shape} "
                         f"and dtype {ids.dtype}.")
    if ids.size and (ids.min() < 0 or ids.max() >= size):
        raise ValueError(f"`ids` must lie in [0, {size - 1}], the ids of this vocabulary, "
                         f"received ids from {ids.min()} to {ids.max()}.")
    return np.atleast_2d(ids)
