"""Date-format translation, the classic sequence-to-sequence toy task: "Wed 27 Mar 19" -> "2019-03-27".

Each example is one calendar day written in one of 12 human forms (`FORMATS`); the target is the
same day in ISO 8601, always 10 characters. A model must read names ("march", "wed"), numbers in
several orders and two-digit years, and write the digits of year, month and day in a fixed order:
an encoder-decoder that translates one character sequence into another. Draws, with R the range
1950-01-01 .. 2049-12-31 (`DATE_RANGE`, 36,525 days) and K formats:

    day ~ U(R)  (a uniform day ordinal),   format ~ balanced over the K formats (N/K each, to one)   (1)
    x = ids(lowercase(render(day, format, case))), post-padded with 0 to S = 29 characters          (2)
    y = ids(day.isoformat()),   y_t for t = 1 .. 10                                                  (3)
    decoder input (teacher forcing):  y_in = (<start>, y_1, .., y_9)                                 (4)

The formats name their fields (`render_date`): d 7, dd 07, dth 7th, m 3, mm 03, month march,
mon mar, yyyy 2019, yy 19, weekday wednesday, wkd wed; any other word ("of") and the punctuation
are written as they are. Numeric forms are DAY FIRST (dd/mm/yyyy, as in most of Europe): "03/04/2019"
is 3 April, never 4 March. Two-digit years are read with the pivot 50, which makes R the 100
years in which every yy names one year:

    year(yy) = 1900 + yy if yy >= 50, else 2000 + yy                                               (5)

(Python's `strptime` pivots at 69 instead, so "19.05.55" is 1955 here and 2055 there.) Weekday
names are those of the day (`datetime.date.weekday`), so "wkd d mon yy" is redundant, not
contradictory. Each day is written in one of three cases (`CASES`, uniform): "lower" (27 march 2019),
"capitalized" (27 March 2019, names only) and "upper" (27 MARCH 2019); numeric forms read the same
in every case. attrs "source" keep the case, while x is case-folded (A-Z -> a-z, like
`WordTokenizer`), so the case is for reading only.
The source determines the target: no string is written for two different days.

Baselines. The most frequent character at each target position (over R, exact: `position_baseline`)

    acc_t = max_c P(y_t = c)                                                                        (6)

is right at the "-" (positions 5 and 8) always, at the century digits half of the time (19.. or
20..), at the decade and year digits a tenth of the time, at the month's tens digit 0.748 ("0" for
January to September), at its units 0.167, at the day's tens 0.329 and units 0.118: a mean
per-character accuracy of 0.456. Exact match needs all 10 characters right,

    exact = mean_i  Π_t [ŷ_it = y_it]                                                              (7)

and the constant string of per-position modes, "2000-01-11", is one day of R: exact match
1/36525 ≈ 0.00003. So a per-character accuracy of 0.9 can still mean that most dates are wrong
(`character_accuracy` vs `exact_match`).

Vocabularies are fixed, the same for every n and seed. SOURCE_VOCAB: 0 "<pad>", 1 "<unk>", the
punctuation " ,-./", the digits, a-z (43 ids). TARGET_VOCAB: 0 "<pad>", 1 "<start>", the digits
(id = digit + 2), "-" (13 ids; the targets' classes). Post-padding (pads after the text) keeps
position 0 on the first character, the layout attention models and `keras.layers.TextVectorization`
use; padded steps are 0, so `mask_zero=True` masks them. The target has a fixed length of 10, so
no end token is needed: a decoder runs exactly 10 steps.

| symbol | name (attrs key)                           |   | symbol | name           |
| day    | "ordinal" (`date.toordinal`), "day_of_year" |   | S      | SOURCE_LENGTH  |
| format | "format" (index into FORMATS)               |   | y_in   | decoder_inputs |
| case   | "case" (index into CASES)                   |   | len(x) | "length"       |
"""

from __future__ import annotations

import datetime
import re

import numpy as np

from toolkit.data.dataset import Dataset, shuffled_split
from toolkit.data.sequences import check_common
from toolkit.data.text import as_texts, checked_ids, lower_ascii, pad_ids
from toolkit.validation import check_bool, check_choice, check_choices

DESCRIPTION = ("Dates in 12 human forms ('27 March 2019', 'WED 27 MAR 19', '27.3.2019'); translate each "
               "into ISO 2019-03-27, one character at a time (sequence to sequence).")
DATE_RANGE = (datetime.date(1950, 1, 1), datetime.date(2049, 12, 31))  # Eq. 1; yy is unambiguous in it (Eq. 5)
FORMATS = (
    "d month yyyy",  # 27 march 2019
    "month d, yyyy",  # march 27, 2019
    "dth of month yyyy",  # 27th of march 2019
    "month dth, yyyy",  # march 27th, 2019
    "weekday, month d, yyyy",  # wednesday, march 27, 2019
    "wkd d mon yy",  # wed 27 mar 19
    "mon d yyyy",  # mar 27 2019
    "yyyy mon d",  # 2019 mar 27
    "dd-mon-yyyy",  # 27-mar-2019
    "dd/mm/yyyy",  # 27/03/2019, day first
    "d.m.yyyy",  # 27.3.2019
    "dd.mm.yy",  # 27.03.19
)
CASES = ("lower", "capitalized", "upper")
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")  # date.weekday() order
FIELD = re.compile(r"[a-z]+")
# The widest text of each field over R; every combination occurs (a 2-digit day of September on a Wednesday).
FIELD_WIDTHS = {"d": 2, "dd": 2, "dth": 4, "m": 2, "mm": 2, "month": max(map(len, MONTHS)), "mon": 3, "yyyy": 4,
                "yy": 2, "weekday": max(map(len, WEEKDAYS)), "wkd": 3}
PAD, UNKNOWN, START = "<pad>", "<unk>", "<start>"
SOURCE_VOCAB = (PAD, UNKNOWN, " ", ",", "-", ".", "/", *"0123456789", *"abcdefghijklmnopqrstuvwxyz")
TARGET_VOCAB = (PAD, START, *"0123456789", "-")
TARGET_LENGTH = 10  # "yyyy-mm-dd"


def longest_source(date_format: str) -> int:
    """The most characters `render_date` writes for `date_format` over DATE_RANGE."""
    check_choice("date_format", date_format, FORMATS)
    return len(FIELD.sub(lambda word: "x" * FIELD_WIDTHS.get(word[0], len(word[0])), date_format))


SOURCE_LENGTH = max(longest_source(date_format) for date_format in FORMATS)  # S of Eq. 2: 29


def ordinal_suffix(day: int) -> str:
    """"st", "nd", "rd" or "th": 1st, 2nd, 3rd, 4th .. 11th, 12th, 13th .. 21st, 22nd, 23rd .. 31st."""
    if day % 100 in (11, 12, 13):
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def date_fields(day: datetime.date, capitalized: bool = False) -> dict[str, str]:
    """The text of every field of `render_date` for one day, names lowercase or capitalized."""
    month, weekday = MONTHS[day.month - 1], WEEKDAYS[day.weekday()]
    names = {"month": month, "mon": month[:3], "weekday": weekday, "wkd": weekday[:3]}
    if capitalized:
        names = {field: text.capitalize() for field, text in names.items()}
    return {"d": str(day.day), "dd": f"{day.day:02d}", "dth": f"{day.day}{ordinal_suffix(day.day)}",
            "m": str(day.month), "mm": f"{day.month:02d}", "yyyy": f"{day.year:04d}", "yy": f"{day.year % 100:02d}",
            **names}


def render_date(day: datetime.date, date_format: str, case: str = "lower") -> str:
    """`day` written in `date_format` (one of FORMATS) and `case` (one of CASES): "Wed 27 Mar 19"."""
    if type(day) is not datetime.date or not DATE_RANGE[0] <= day <= DATE_RANGE[1]:
        raise ValueError(f"`day` must be a datetime.date from {DATE_RANGE[0]} to {DATE_RANGE[1]}, received day={day!r}.")
    check_choice("date_format", date_format, FORMATS)
    check_choice("case", case, CASES)
    fields = date_fields(day, capitalized=case == "capitalized")
    text = FIELD.sub(lambda word: fields.get(word[0], word[0]), date_format)
    return text.upper() if case == "upper" else text


def source_tokenizer() -> CharTokenizer:
    """The tokenizer of x: SOURCE_VOCAB, case-folded, unknown characters -> "<unk>" (id 1)."""
    return CharTokenizer(SOURCE_VOCAB, lowercase=True)


def target_tokenizer() -> CharTokenizer:
    """The tokenizer of y: TARGET_VOCAB (no "<unk>": a character outside it is an error)."""
    return CharTokenizer(TARGET_VOCAB)


def generate_dates(n: int, formats: tuple[str, ...], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """n days (Eq. 1) with balanced formats and uniform cases: the attrs of `dates`."""
    first, last = (day.toordinal() for day in DATE_RANGE)
    ordinals = rng.integers(first, last + 1, n)
    chosen = np.array([FORMATS.index(f) for f in formats])[rng.permutation(np.arange(n) % len(formats))]
    cases = rng.integers(len(CASES), size=n)
    days = [datetime.date.fromordinal(int(o)) for o in ordinals]
    sources = [render_date(day, FORMATS[f], CASES[c]) for day, f, c in zip(days, chosen, cases)]
    return {
        "source": np.array(sources, dtype=object),
        "target": np.array([day.isoformat() for day in days], dtype=object),
        "format": chosen.astype(np.int32),
        "case": cases.astype(np.int32),
        "ordinal": ordinals.astype(np.int32),
        "day_of_year": np.array([day.timetuple().tm_yday for day in days], np.int32),
        "length": np.array([len(source) for source in sources], np.int32),
    }


def dates(n: int = 10000, formats=None, test_ratio: float = 0.2, seed: int = 0) -> Dataset:
    """Date translation (Eqs. 1-3): x (N, S) int32 source character ids, y (N, 10) int32 target ids.

    `formats` is a list of FORMATS names (None: all 12). x holds `source_tokenizer()` ids,
    post-padded with 0 to S = SOURCE_LENGTH whatever the formats; y holds `target_tokenizer()`
    ids, one class of TARGET_VOCAB per character; `decoder_inputs(y)` is the teacher-forcing
    input (Eq. 4). attrs hold "source" and "target" strings, "format", "case", "ordinal",
    "day_of_year" and "length" (characters of the source). The split is uniform.
    """
    n, test_ratio, seed = check_common(n, test_ratio, seed)
    chosen = FORMATS if formats is None else check_choices("formats", formats, FORMATS, min_count=1,
                                                            hint="See toolkit.data.dates.FORMATS.")
    rng = np.random.default_rng(seed)
    attrs = generate_dates(n, chosen, rng)
    # Eq. 2: lowercase, character ids, post-padded to S
    x = source_tokenizer().encode(list(attrs["source"]), length=SOURCE_LENGTH)
    # Eq. 3: the ISO characters
    y = target_tokenizer().encode(list(attrs["target"]), length=TARGET_LENGTH)
    train, test = shuffled_split(n, test_ratio, rng)
    spec = {"name": "dates", "n": n, "formats": None if formats is None else list(chosen), "test_ratio": test_ratio,
            "seed": seed}
    return Dataset.from_indices("dates", x, y, train, test, attrs=attrs, task="classification", classes=TARGET_VOCAB,
                                description=DESCRIPTION, spec=spec)


def decoder_inputs(y) -> np.ndarray:
    """Eq. 4: the targets shifted right by one step behind "<start>", (N, 10) -> (N, 10) int32 (or (10,) -> (10,))."""
    y = np.asarray(y)
    if y.ndim not in (1, 2) or y.shape[-1] < 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"`y` must be integer target ids of shape (T,) or (N, T), received shape {y.shape} "
                         f"and dtype {y.dtype}.")
    start = np.full(y.shape[:-1] + (1,), TARGET_VOCAB.index(START), np.int32)
    # Eq. 4: y_in = (<start>, y_1 .. y_{T-1})
    return np.concatenate([start, y[..., :-1].astype(np.int32)], axis=-1)


def predicted_ids(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) as (N, T) ids; `y_pred` may be scores shaped y_true + (classes,), whose argmax is taken."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim == y_true.ndim + 1:
        y_pred = y_pred.argmax(axis=-1)
    if y_pred.shape != y_true.shape or y_true.ndim not in (1, 2) or y_true.size == 0:
        raise ValueError(f"`y_pred` must be ids shaped like y_true {y_true.shape} or scores {y_true.shape} + (classes,), "
                         f"received shape {np.shape(y_pred)}; y_true must be (T,) or (N, T) ids.")
    return np.atleast_2d(y_true), np.atleast_2d(y_pred)


def character_accuracy(y_true, y_pred) -> float:
    """Share of target characters predicted right (Eq. 6 scores this per position)."""
    y_true, y_pred = predicted_ids(y_true, y_pred)
    return float(np.mean(y_pred == y_true))


def exact_match(y_true, y_pred) -> float:
    """Eq. 7: share of dates with all of their characters right."""
    y_true, y_pred = predicted_ids(y_true, y_pred)
    return float(np.mean(np.all(y_pred == y_true, axis=-1)))


def position_baseline() -> tuple[str, np.ndarray]:
    """Eq. 6 over every day of DATE_RANGE: the most frequent character at each of the 10 target
    positions (ties: the smaller character) and its accuracy there, (10,) float64."""
    first, last = (day.toordinal() for day in DATE_RANGE)
    text = "".join(datetime.date.fromordinal(o).isoformat() for o in range(first, last + 1))
    characters = np.frombuffer(text.encode("ascii"), dtype="S1").reshape(-1, TARGET_LENGTH)  # (days, 10)
    modes, accuracies = [], []
    for column in characters.T:
        values, counts = np.unique(column, return_counts=True)
        modes.append(values[counts.argmax()].decode())
        accuracies.append(counts.max() / len(column))
    return "".join(modes), np.array(accuracies)


class CharTokenizer:
    """Characters <-> ids over a fixed vocabulary; mirrors `keras.layers.TextVectorization(split="character")`.

    `vocabulary` lists the tokens in id order: "<pad>" first (id 0), then special tokens written
    "<name>" and single characters. A character outside the vocabulary becomes "<unk>" when the
    vocabulary has it, and is an error otherwise. `lowercase=True` folds A-Z to a-z first. With
    the source vocabulary, `encode(texts, length)` gives the ids of
    `TextVectorization(vocabulary=SOURCE_VOCAB[2:], standardize="lower", split="character",
    output_sequence_length=length)`.
    """

    def __init__(self, vocabulary, lowercase: bool = False):
        self.lowercase = check_bool("lowercase", lowercase)
        if isinstance(vocabulary, str) or not hasattr(vocabulary, "__iter__"):
            raise ValueError(f"`vocabulary` must be a list of tokens, received vocabulary={vocabulary!r}.")
        tokens = list(vocabulary)
        if not tokens or tokens[0] != PAD:
            raise ValueError(f"`vocabulary` must start with '{PAD}' (id 0), received {tokens[:3]!r}.")
        bad = [t for t in tokens if not isinstance(t, str) or not (len(t) == 1 or re.fullmatch(r"<[a-z]+>", t))
               or (lowercase and t != lower_ascii(t))]
        if bad:
            raise ValueError(f"`vocabulary` must hold single characters{' (lowercase)' if lowercase else ''} and "
                             f"'<name>' tokens, received {bad[:5]!r}.")
        if len(set(tokens)) != len(tokens):
            repeated = sorted({t for t in tokens if tokens.count(t) > 1})
            raise ValueError(f"`vocabulary` must not repeat a token, received {repeated[:5]!r} more than once.")
        self._tokens = tokens
        self._ids = {token: index for index, token in enumerate(tokens)}

    @property
    def vocabulary(self) -> list[str]:
        """Tokens in id order, so `vocabulary[i]` is the token of id i."""
        return list(self._tokens)

    def __len__(self) -> int:
        return len(self._tokens)

    def encode(self, texts, length: int | None = None, padding: str = "post") -> np.ndarray:
        """(N, T) int32 ids of N texts (a single string is N = 1), one per character; pads are 0.

        T is `length`, or the longest text. "post" pads after the text and keeps its first T
        characters (TextVectorization); "pre" pads in front and keeps the last T.
        """
        rows = [[self._id(character, text) for character in self._standardize(text)] for text in as_texts(texts)]
        return pad_ids(rows, length, padding)

    def decode(self, ids) -> list[str]:
        """One text per row of ids (N, T), or [text] for one row (T,): pads dropped, other special tokens by name."""
        ids = checked_ids(ids, len(self._tokens))
        return ["".join(self._tokens[i] for i in row if i != 0) for row in ids]

    def get_config(self) -> dict:
        """Every constructor argument, JSON-ready: `CharTokenizer.from_config(config)` rebuilds it."""
        return {"vocabulary": list(self._tokens), "lowercase": self.lowercase}

    @classmethod
    def from_config(cls, config: dict) -> CharTokenizer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocabulary_size={len(self)}, lowercase={self.lowercase})"

    def _standardize(self, text: str) -> str:
        return lower_ascii(text) if self.lowercase else text

    def _id(self, character: str, text: str) -> int:
        if character in self._ids:
            return self._ids[character]
        if UNKNOWN in self._ids:
            return self._ids[UNKNOWN]
        raise ValueError(f"`texts` must use the characters of this vocabulary, received {character!r} in {text!r}; "
                         f"add it to the vocabulary or add '{UNKNOWN}'.")
