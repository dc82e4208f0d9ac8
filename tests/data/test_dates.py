"""dates and CharTokenizer: every format read back by Python's strptime, weekdays, two-digit years,
shapes and padding, decoder inputs, the baselines, validation, and the tokenizer against TextVectorization."""

import datetime
import json
import re

import numpy as np
import pytest

from toolkit.data import CharTokenizer, dates, load
from toolkit.data.dates import (
    CASES,
    DATE_RANGE,
    FORMATS,
    SOURCE_LENGTH,
    SOURCE_VOCAB,
    TARGET_VOCAB,
    character_accuracy,
    decoder_inputs,
    exact_match,
    longest_source,
    position_baseline,
    render_date,
    source_tokenizer,
    target_tokenizer,
)

# An independent reader of every format: Python's strptime (C locale, case-insensitive names).
STRPTIME = {
    "d month yyyy": "%d %B %Y",
    "month d, yyyy": "%B %d, %Y",
    "dth of month yyyy": "%d of %B %Y",  # after the suffix is removed
    "month dth, yyyy": "%B %d, %Y",
    "weekday, month d, yyyy": "%A, %B %d, %Y",
    "wkd d mon yy": "%a %d %b %y",
    "mon d yyyy": "%b %d %Y",
    "yyyy mon d": "%Y %b %d",
    "dd-mon-yyyy": "%d-%b-%Y",
    "dd/mm/yyyy": "%d/%m/%Y",  # day first
    "d.m.yyyy": "%d.%m.%Y",
    "dd.mm.yy": "%d.%m.%y",
}
WEEKDAY_FORMATS = {"weekday, month d, yyyy": "%A", "wkd d mon yy": "%a"}
SUFFIX = re.compile(r"(\d)(st|nd|rd|th)\b", re.IGNORECASE)


def read_date(source: str, date_format: str) -> datetime.date:
    """The day `source` denotes, read by strptime; two-digit years pivot at 50, not at strptime's 69."""
    day = datetime.datetime.strptime(SUFFIX.sub(r"\1", source), STRPTIME[date_format]).date()
    if "%y" in STRPTIME[date_format] and day.year >= 2050:
        day = day.replace(year=day.year - 100)
    return day


def every_day(first: datetime.date, last: datetime.date):
    return (datetime.date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1))


@pytest.fixture(scope="module")
def corpus():
    return dates(n=2400, seed=0)


def test_same_seed_same_arrays_other_seed_differs():
    a, b, c = dates(n=60, seed=3), dates(n=60, seed=3), dates(n=60, seed=4)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    for key in a.attrs_train:
        np.testing.assert_array_equal(a.attrs_train[key], b.attrs_train[key])
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("formats", [None, ["dd.mm.yy", "weekday, month d, yyyy"]])
def test_spec_rebuilds_identical_arrays(formats):
    ds = dates(n=60, formats=formats, test_ratio=0.25, seed=7)
    spec = json.loads(json.dumps(ds.spec))  # JSON-ready, as a run record stores it
    assert spec == {"name": "dates", "n": 60, "formats": formats, "test_ratio": 0.25, "seed": 7}
    rebuilt = load(**spec)
    assert rebuilt.spec == ds.spec and rebuilt.name == "dates" and (rebuilt.n_train, rebuilt.n_test) == (45, 15)
    for key in ("x_train", "y_train", "x_test", "y_test"):
        np.testing.assert_array_equal(getattr(rebuilt, key), getattr(ds, key))
    np.testing.assert_array_equal(rebuilt.attrs_test["source"], ds.attrs_test["source"])


def test_every_source_denotes_its_target_day(corpus):
    assert set(STRPTIME) == set(FORMATS)
    for attrs in (corpus.attrs_train, corpus.attrs_test):
        for source, target, index, ordinal, day_of_year in zip(attrs["source"], attrs["target"], attrs["format"],
                                                                attrs["ordinal"], attrs["day_of_year"]):
            day = read_date(source, FORMATS[index])
            assert day.isoformat() == target, (source, FORMATS[index], target)
            assert day.toordinal() == ordinal and day.timetuple().tm_yday == day_of_year
            if FORMATS[index] in WEEKDAY_FORMATS:  # strptime ignores the weekday: compare it with the day's
                written = source.split()[0].rstrip(",").lower()
                assert written == day.strftime(WEEKDAY_FORMATS[FORMATS[index]]).lower(), (source, target)


def test_every_format_reads_back_over_two_whole_years():
    """Every day of a leap year and of 1968 (strptime reads "68" as 2068), every format, every case."""
    for day in (*every_day(datetime.date(1968, 1, 1), datetime.date(1968, 12, 31)),
                *every_day(datetime.date(2000, 1, 1), datetime.date(2000, 12, 31))):
        for date_format in FORMATS:
            source = render_date(day, date_format, CASES[day.day % 3])
            assert read_date(source, date_format) == day, (source, date_format)


def test_golden_renders_of_one_day():
    day = datetime.date(2019, 3, 27)  # a Wednesday
    written = {date_format: render_date(day, date_format, "capitalized") for date_format in FORMATS}
    assert written == {
        "d month yyyy": "27 March 2019", "month d, yyyy": "March 27, 2019", "dth of month yyyy": "27th of March 2019",
        "month dth, yyyy": "March 27th, 2019", "weekday, month d, yyyy": "Wednesday, March 27, 2019",
        "wkd d mon yy": "Wed 27 Mar 19", "mon d yyyy": "Mar 27 2019", "yyyy mon d": "2019 Mar 27",
        "dd-mon-yyyy": "27-Mar-2019", "dd/mm/yyyy": "27/03/2019", "d.m.yyyy": "27.3.2019", "dd.mm.yy": "27.03.19",
    }
    assert render_date(day, "dth of month yyyy", "upper") == "27TH OF MARCH 2019"
    assert render_date(day, "wkd d mon yy") == "wed 27 mar 19"
    assert render_date(datetime.date(1969, 7, 20), "wkd d mon yy", "upper") == "SUN 20 JUL 69"  # the Moon landing
    assert render_date(datetime.date(2000, 1, 1), "weekday, month d, yyyy") == "saturday, january 1, 2000"
    assert render_date(datetime.date(2019, 4, 3), "dd/mm/yyyy") == "03/04/2019"  # day first: 3 April


def test_ordinal_suffixes():
    suffixes = {day: render_date(datetime.date(2020, 1, day), "dth of month yyyy").split()[0]
                for day in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 24, 30, 31)}
    assert list(suffixes.values()) == ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                                       "24th", "30th", "31st"]


def test_two_digit_years_pivot_at_50_and_the_range_ends():
    first, last = DATE_RANGE
    assert (first, last) == (datetime.date(1950, 1, 1), datetime.date(2049, 12, 31))
    assert render_date(first, "dd.mm.yy") == "01.01.50" and render_date(last, "dd.mm.yy") == "31.12.49"
    assert read_date("01.01.50", "dd.mm.yy") == first and read_date("31.12.49", "dd.mm.yy") == last
    with pytest.raises(ValueError, match=r"`day` must be a datetime.date from 1950-01-01 to 2049-12-31, "
                                         r"received day=datetime.date\(2050, 1, 1\)"):
        render_date(datetime.date(2050, 1, 1), "dd.mm.yy")


def test_no_source_is_written_for_two_days():
    ds = dates(n=10000, seed=1)
    sources = np.concatenate([ds.attrs_train["source"], ds.attrs_test["source"]])
    targets = np.concatenate([ds.attrs_train["target"], ds.attrs_test["target"]])
    meaning = {}
    for source, target in zip(sources, targets):
        assert meaning.setdefault(source.lower(), target) == target, source  # x is case-folded


def test_shapes_dtypes_and_post_padding(corpus):
    assert corpus.task == "classification" and corpus.classes == TARGET_VOCAB and corpus.num_classes == 13
    assert corpus.input_shape == (SOURCE_LENGTH,) == (29,) and (corpus.n_train, corpus.n_test) == (1920, 480)
    for x, y, attrs in ((corpus.x_train, corpus.y_train, corpus.attrs_train), (corpus.x_test, corpus.y_test, corpus.attrs_test)):
        assert x.dtype == y.dtype == np.int32 and y.shape == (len(x), 10)
        assert set(attrs) == {"source", "target", "format", "case", "ordinal", "day_of_year", "length"}
        lengths = attrs["length"]
        np.testing.assert_array_equal(lengths, [len(source) for source in attrs["source"]])
        assert lengths.min() == 8 and lengths.max() <= 29  # "27.03.19" .. "wednesday, september 27, 2019"
        np.testing.assert_array_equal((x != 0).sum(axis=1), lengths)
        assert all(np.all(row[:s] != 0) and np.all(row[s:] == 0) for row, s in zip(x, lengths))  # zeros after
        assert not np.any(x == SOURCE_VOCAB.index("<unk>"))  # every generated character is in the vocabulary
        assert source_tokenizer().decode(x) == [source.lower() for source in attrs["source"]]
        assert target_tokenizer().decode(y) == list(attrs["target"])
        assert y.min() >= 2  # pad and start are classes of the decoder's input, never targets


def test_source_length_is_the_longest_form_and_the_same_for_every_subset():
    longest = {date_format: 0 for date_format in FORMATS}
    for day in every_day(datetime.date(2000, 1, 1), datetime.date(2000, 12, 31)):  # widths do not depend on the year
        for date_format in FORMATS:
            longest[date_format] = max(longest[date_format], len(render_date(day, date_format)))
    assert longest == {date_format: longest_source(date_format) for date_format in FORMATS}
    assert SOURCE_LENGTH == max(longest.values()) == longest["weekday, month d, yyyy"] == 29
    assert dates(n=20, formats=["dd.mm.yy"]).input_shape == (29,)


def test_formats_and_cases_are_balanced(corpus):
    formats = np.concatenate([corpus.attrs_train["format"], corpus.attrs_test["format"]])
    assert np.bincount(formats, minlength=12).tolist() == [200] * 12  # N / K each, exactly
    assert np.all(np.abs(np.bincount(corpus.attrs_test["format"], minlength=12) - 40) <= 20)  # 480 held out
    cases = np.concatenate([corpus.attrs_train["case"], corpus.attrs_test["case"]])
    assert np.all(np.abs(np.bincount(cases, minlength=3) / 2400 - 1 / 3) < 0.05)
    ordinals = np.concatenate([corpus.attrs_train["ordinal"], corpus.attrs_test["ordinal"]])
    first, last = (day.toordinal() for day in DATE_RANGE)
    assert first <= ordinals.min() and ordinals.max() <= last
    assert abs(ordinals.mean() - (first + last) / 2) < 0.03 * (last - first)  # uniform: 0.6 % sd of the mean


def test_a_subset_of_formats_keeps_their_global_indices():
    ds = dates(n=100, formats=["dd/mm/yyyy", "d month yyyy"], seed=2)
    indices = np.concatenate([ds.attrs_train["format"], ds.attrs_test["format"]])
    assert np.bincount(indices, minlength=12).tolist() == [50] + [0] * 8 + [50] + [0] * 2
    assert all("/" in source for source in ds.attrs_train["source"][ds.attrs_train["format"] == 9])


def test_decoder_inputs_shift_the_targets_behind_start(corpus):
    y = corpus.y_train[:5]
    shifted = decoder_inputs(y)
    assert shifted.shape == (5, 10) and shifted.dtype == np.int32
    assert TARGET_VOCAB.index("<start>") == 1 and np.all(shifted[:, 0] == 1)
    np.testing.assert_array_equal(shifted[:, 1:], y[:, :-1])
    np.testing.assert_array_equal(decoder_inputs(y[0]), shifted[0])
    assert target_tokenizer().decode(decoder_inputs(target_tokenizer().encode("2019-03-27"))) == ["<start>2019-03-2"]
    with pytest.raises(ValueError, match=r"`y` must be integer target ids of shape \(T,\) or \(N, T\), received shape "
                                         r"\(2, 10, 13\)"):
        decoder_inputs(np.zeros((2, 10, 13), np.int32))


def test_baselines_match_the_docstring_and_the_data():
    modes, accuracy = position_baseline()
    assert modes == "2000-01-11"
    np.testing.assert_allclose(accuracy, [0.5, 0.5, 0.1, 0.1, 1, 0.748, 0.167, 1, 0.329, 0.118], atol=0.0006)
    assert accuracy.mean() == pytest.approx(0.456, abs=0.0005)
    ds = dates(n=10000, seed=5)
    y = np.concatenate([ds.y_train, ds.y_test])
    constant = np.broadcast_to(target_tokenizer().encode(modes), y.shape)
    assert character_accuracy(y, constant) == pytest.approx(accuracy.mean(), abs=0.01)  # measured 0.456 (seed 5)
    assert exact_match(y, constant) < 0.001  # one day in 36,525


def test_character_accuracy_and_exact_match():
    y = target_tokenizer().encode(["2019-03-27", "1950-01-01"])
    one_wrong = y.copy()
    one_wrong[0, 9] = TARGET_VOCAB.index("8")  # 2019-03-28
    assert character_accuracy(y, one_wrong) == pytest.approx(19 / 20) and exact_match(y, one_wrong) == 0.5
    scores = np.eye(len(TARGET_VOCAB))[one_wrong]  # (2, 10, 13): argmax gives the ids back
    assert exact_match(y, scores) == 0.5 and character_accuracy(y[1], scores[1]) == 1.0
    with pytest.raises(ValueError, match=r"`y_pred` must be ids shaped like y_true \(2, 10\)"):
        exact_match(y, one_wrong[:, :9])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"formats": ["27/03/2019"]}, r"`formats` must be a list of values among 'd month yyyy', .*, "
                                      r"received formats=\('27/03/2019',\)\. See toolkit.data.dates.FORMATS\."),
        ({"formats": "dd/mm/yyyy"}, r"`formats` must be a list of values among .* received formats='dd/mm/yyyy'"),
        ({"formats": []}, r"`formats` must be at least one value among"),
        ({"formats": ["dd.mm.yy", "dd.mm.yy"]}, r"`formats` must be a list without repeated values"),
        ({"n": 5}, r"`n` must be an integer in \[10, 100000\], received n=5\."),
        ({"test_ratio": 1.0}, r"`test_ratio` must be a finite number in \(0, 1\), received test_ratio=1\.0\."),
        ({"seed": -1}, r"`seed` must be a non-negative integer, received seed=-1\."),
    ],
)
def test_bad_dates_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        dates(**kwargs)


def test_bad_render_arguments_raise():
    day = datetime.date(2019, 3, 27)
    with pytest.raises(ValueError, match=r"`date_format` must be one of .* received date_format='%d/%m/%Y'"):
        render_date(day, "%d/%m/%Y")
    with pytest.raises(ValueError, match=r"`case` must be one of 'lower', 'capitalized', 'upper', received case='title'"):
        render_date(day, "dd/mm/yyyy", "title")
    with pytest.raises(ValueError, match=r"`day` must be a datetime.date .* received day='2019-03-27'"):
        render_date("2019-03-27", "dd/mm/yyyy")


def test_tokenizers_round_trip_and_are_fixed():
    source, target = source_tokenizer(), target_tokenizer()
    assert len(source) == 43 and len(target) == 13
    assert source.vocabulary == list(SOURCE_VOCAB) and target.vocabulary[2:] == list("0123456789-")
    texts = ["Wed 27 Mar 19", "27th of MARCH 2019", "27.3.2019", "march 27, 2019", "27-mar-2019"]
    ids = source.encode(texts, length=SOURCE_LENGTH)
    assert source.decode(ids) == [text.lower() for text in texts]
    assert source.decode(source.encode("Mai 1, 1999 §")) == ["mai 1, 1999 <unk>"]  # unknown -> id 1
    assert target.decode(target.encode(["2019-03-27", "1950-01-01"])) == ["2019-03-27", "1950-01-01"]
    np.testing.assert_array_equal(target.encode("19-3"), [[3, 11, 12, 5]])  # digit d is id d + 2
    np.testing.assert_array_equal(source.encode(["ab", "abc"], length=2, padding="pre"), [[17, 18], [18, 19]])
    restored = CharTokenizer.from_config(json.loads(json.dumps(source.get_config())))
    assert restored.vocabulary == source.vocabulary and restored.lowercase
    np.testing.assert_array_equal(restored.encode(texts), source.encode(texts))
    every_character = {c for day in every_day(datetime.date(2019, 1, 1), datetime.date(2019, 12, 31))
                       for date_format in FORMATS for c in render_date(day, date_format, "lower")}
    assert set(SOURCE_VOCAB[2:]) - every_character == set("kqxz")  # all of a-z, though no name has k, q, x or z


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: CharTokenizer("abc"), r"`vocabulary` must be a list of tokens, received vocabulary='abc'"),
        (lambda: CharTokenizer(["a", "<pad>"]), r"`vocabulary` must start with '<pad>' \(id 0\), received \['a', '<pad>'\]"),
        (lambda: CharTokenizer(["<pad>", "ab"]), r"single characters and '<name>' tokens, received \['ab'\]"),
        (lambda: CharTokenizer(["<pad>", "A"], lowercase=True), r"single characters \(lowercase\) .* received \['A'\]"),
        (lambda: CharTokenizer(["<pad>", "a", "a"]), r"must not repeat a token, received \['a'\]"),
        (lambda: CharTokenizer(["<pad>"], lowercase=1), r"`lowercase` must be True or False, received lowercase=1"),
        (lambda: target_tokenizer().encode("2019/03/27"), r"`texts` must use the characters of this vocabulary, "
                                                          r"received '/' in '2019/03/27'"),
        (lambda: target_tokenizer().encode([2019]), r"`texts` must be strings, received 2019 \(int\)"),
        (lambda: target_tokenizer().encode("1", padding="left"), r"`padding` must be one of 'pre', 'post'"),
        (lambda: target_tokenizer().decode([[0, 13]]), r"`ids` must lie in \[0, 12\]"),
    ],
)
def test_tokenizer_errors_name_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_source_encoding_matches_keras_text_vectorization():
    import keras

    texts = ["Wed 27 Mar 19", "WEDNESDAY, SEPTEMBER 27, 2019", "27.3.2019", "mai 1 1999 §", ""]
    layer = keras.layers.TextVectorization(vocabulary=list(SOURCE_VOCAB[2:]), standardize="lower", split="character",
                                           output_sequence_length=SOURCE_LENGTH)
    assert layer.get_vocabulary()[2:] == list(SOURCE_VOCAB[2:])
    expected = keras.ops.convert_to_numpy(layer(np.array(texts)))
    np.testing.assert_array_equal(source_tokenizer().encode(texts, length=SOURCE_LENGTH), expected)
