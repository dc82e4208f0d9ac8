"""toolkit.data.shapes: scenes, their boxes and masks, captions and questions, checked against the arrays."""

import re

import numpy as np
import pytest

import toolkit.data
from toolkit.data import load
from toolkit.data.shapes import BACKGROUNDS, COLOURS, PALETTE, SHAPES, SIZES, Stamps, scenes

COLOUR_NAMES = tuple(COLOURS)
SCENES = scenes(500, seed=7, max_objects=4)  # the shared sample: 500 scenes of 1-4 objects


def objects(s, i):
    """Scene i's objects as (shape, colour, size, box) tuples of names and a box list."""
    return [(SHAPES[s.classes[i, m]], COLOUR_NAMES[s.colours[i, m]], SIZES[s.sizes[i, m]], s.boxes[i, m].tolist())
            for m in range(s.counts[i])]


def test_the_same_seed_gives_the_same_scenes_and_another_seed_others():
    a, b, c = scenes(30, seed=3), scenes(30, seed=3), scenes(30, seed=4)
    for name in ("images", "boxes", "classes", "masks", "colours", "sizes", "counts"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.captions == b.captions and a.questions == b.questions
    assert not np.array_equal(a.images, c.images) and a.captions != c.captions


def test_shapes_dtypes_and_padding():
    s = scenes(40, seed=1, size=48, max_objects=4)
    assert len(s) == 40 and s.input_shape == (48, 48, 3) and s.num_classes == 6 and s.class_names == SHAPES
    assert s.images.shape == (40, 48, 48, 3) and s.images.dtype == np.float32
    assert 0 <= s.images.min() and s.images.max() <= 1
    assert s.boxes.shape == (40, 4, 4) and s.boxes.dtype == np.float32
    assert s.masks.shape == (40, 4, 48, 48) and s.masks.dtype == bool
    for name in ("classes", "colours", "sizes"):
        assert getattr(s, name).shape == (40, 4) and getattr(s, name).dtype == np.int32
    assert s.counts.dtype == np.int32 and len(s.captions) == len(s.questions) == 40
    present = np.arange(4) < s.counts[:, None]
    assert np.all(s.boxes[~present] == -1) and not s.masks[~present].any()
    for name, k in (("classes", len(SHAPES)), ("colours", len(COLOURS)), ("sizes", len(SIZES))):
        values = getattr(s, name)
        assert np.all(values[~present] == -1) and np.all((values[present] >= 0) & (values[present] < k))


def test_boxes_are_the_extents_of_the_visible_masks():
    for i in range(len(SCENES)):
        for m in range(SCENES.counts[i]):
            rows, cols = np.nonzero(SCENES.masks[i, m])
            assert SCENES.boxes[i, m].tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]


def test_masks_are_disjoint_and_each_object_stays_at_least_40_percent_visible():
    assert SCENES.masks.sum(axis=1).max() == 1
    area = Stamps.draw(64).area[SCENES.classes * len(SIZES) + SCENES.sizes]  # full pixels of each object
    present = SCENES.classes >= 0
    visible = SCENES.masks.sum(axis=(2, 3))
    assert np.all(visible[present] >= 0.4 * area[present])
    assert np.any(visible[present] < area[present])  # occlusion happens


def test_pixels_show_their_object_colour_and_the_plain_background_elsewhere():
    owner_colour = np.full(SCENES.images.shape[:3], -1)
    for m in range(SCENES.masks.shape[1]):
        owner_colour = np.where(SCENES.masks[:, m], SCENES.colours[:, m, None, None], owner_colour)
    shown = owner_colour >= 0
    np.testing.assert_allclose(SCENES.images[shown], PALETTE[owner_colour[shown]])
    np.testing.assert_allclose(SCENES.images[~shown], 0.9)


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_backgrounds_are_light_grey_with_low_contrast(background):
    s = scenes(20, seed=0, background=background)
    grey = s.images[~s.masks.any(axis=1)]  # (pixels, 3)
    assert np.all(grey[:, 0] == grey[:, 2]) and 0.8 < grey.mean() < 0.95
    assert np.ptp(grey) == 0 if background == "plain" else grey.std() > 0.015
    if background == "texture":
        assert np.ptp(grey) <= 0.06


def test_counts_cover_their_range():
    s = scenes(300, seed=2, min_objects=2, max_objects=5)
    assert set(s.counts.tolist()) == {2, 3, 4, 5}
    np.testing.assert_array_equal(s.counts, (s.classes >= 0).sum(axis=1))


def test_without_overlap_no_two_boxes_touch():
    s = scenes(300, seed=5, max_objects=4, overlap=False)
    for i in range(len(s)):
        for a in range(s.counts[i]):
            for b in range(a + 1, s.counts[i]):
                (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = s.boxes[i, a], s.boxes[i, b]
                assert ax1 < bx0 or bx1 < ax0 or ay1 < by0 or by1 < ay0  # at least one free pixel between


def test_every_shape_colour_and_size_appears_about_evenly_over_500_scenes():
    for name, k in (("classes", len(SHAPES)), ("colours", len(COLOURS)), ("sizes", len(SIZES))):
        values = getattr(SCENES, name)
        counts = np.bincount(values[values >= 0], minlength=k)
        assert counts.min() > 0.6 * counts.mean(), (name, counts)


def test_captions_are_three_or_more_phrasings_naming_every_object():
    for i in range(len(SCENES)):
        captions = SCENES.captions[i]
        assert len(set(captions)) == len(captions) >= 3
        for shape, colour, size, _ in objects(SCENES, i):
            assert all(f"{colour} {shape}" in caption for caption in captions)
            assert f"a {size} {colour} {shape}" in captions[0]


def expected_relation(box_a, box_b):
    """The word for where a (painted later) is relative to b, from the box centres."""
    dx = (box_a[0] + box_a[2] - box_b[0] - box_b[2]) / 2
    dy = (box_a[1] + box_a[3] - box_b[1] - box_b[3]) / 2
    if max(abs(dx), abs(dy)) < 3:
        return "in front of"
    if abs(dx) >= abs(dy):
        return "right of" if dx > 0 else "left of"
    return "below" if dy > 0 else "above"


def test_two_object_captions_state_the_relation_of_the_box_centres():
    inverse = {"left of": "to the right of", "right of": "to the left of", "above": "below", "below": "above",
               "in front of": "behind"}
    long = {"left of": "to the left of", "right of": "to the right of"}
    checked = 0
    for i in np.flatnonzero(SCENES.counts == 2):
        (s0, c0, z0, box0), (s1, c1, z1, box1) = objects(SCENES, i)
        word = expected_relation(box1, box0)  # object 1 relative to object 0
        first, second = f"a {z0} {c0} {s0}", f"a {z1} {c1} {s1}"
        assert SCENES.captions[i][0] == f"{first} {inverse[word].removeprefix('to the ')} {second}"
        assert SCENES.captions[i][1] == f"{second} {long.get(word, word)} {first}"
        checked += 1
    assert checked > 50


def answer(s, i, question):
    """The answer to `question` about scene i, computed from the arrays."""
    shapes = [SHAPES[k] for k in s.classes[i, :s.counts[i]]]
    colours = [COLOUR_NAMES[c] for c in s.colours[i, :s.counts[i]]]
    sizes = [SIZES[z] for z in s.sizes[i, :s.counts[i]]]
    plural = {shape + ("es" if shape.endswith("ss") else "s"): shape for shape in SHAPES}
    if question == "how many shapes?":
        return str(len(shapes))
    if match := re.fullmatch(r"how many (\w+)\?", question):
        return str(shapes.count(plural[match[1]]))
    if match := re.fullmatch(r"what (colour|size) is the (\w+)\?", question):
        assert shapes.count(match[2]) == 1, "asked about a shape that is not unique"
        return (colours if match[1] == "colour" else sizes)[shapes.index(match[2])]
    if match := re.fullmatch(r"what shape is (\w+)\?", question):
        assert colours.count(match[1]) == 1, "asked about a colour that is not unique"
        return shapes[colours.index(match[1])]
    if match := re.fullmatch(r"is there a (\w+)\?", question):
        return "yes" if match[1] in shapes else "no"
    raise AssertionError(f"unknown question {question!r}")


def test_every_answer_is_right_against_the_arrays():
    kinds = set()
    for i in range(len(SCENES)):
        for question, reply in SCENES.questions[i]:
            assert reply == answer(SCENES, i, question), (i, question)
            kinds.add(question.split(" ")[0] + (" " + question.split(" ")[1] if question.startswith("what") else ""))
        assert any(q.startswith("is there") and a == "no" for q, a in SCENES.questions[i])  # 4 objects < 6 shapes
    assert kinds == {"how", "what colour", "what size", "what shape", "is"}


def test_take_and_split_keep_scenes_aligned():
    part = SCENES.take(np.array([4, 1]))
    np.testing.assert_array_equal(part.boxes, SCENES.boxes[[4, 1]])
    assert part.captions == (SCENES.captions[4], SCENES.captions[1]) and part.spec == SCENES.spec
    train, test = SCENES.split(100)
    assert (len(train), len(test)) == (400, 100)
    np.testing.assert_array_equal(test.masks, SCENES.masks[400:])
    assert test.questions == SCENES.questions[400:] and train.captions == SCENES.captions[:400]


def test_load_through_the_catalog_rebuilds_the_scenes_from_their_spec():
    s = load("shapes", n=12, seed=9, background="texture", overlap=False)
    assert s.spec == {"name": "shapes", "n": 12, "seed": 9, "size": 64, "min_objects": 1, "max_objects": 3,
                      "background": "texture", "overlap": False}
    again = toolkit.data.load(**s.spec)
    np.testing.assert_array_equal(again.images, s.images)
    assert again.captions == s.captions and "Scenes(n=12" in repr(s)


@pytest.mark.parametrize("kwargs, message", [
    ({"n": 0}, r"`n` must be an integer in \[1, 20000\], received n=0\."),
    ({"size": 16}, r"`size` must be an integer in \[32, 128\], received size=16\."),
    ({"max_objects": 7}, r"`max_objects` must be an integer in \[1, 6\], received max_objects=7\."),
    ({"min_objects": 4}, r"`min_objects` must be an integer in \[1, 3\], received min_objects=4\."),
    ({"background": "stripes"}, r"`background` must be one of 'plain', 'noise', 'texture', received background='stripes'\."),
    ({"overlap": "yes"}, r"`overlap` must be True or False, received overlap='yes'\."),
    ({"seed": -1}, r"`seed` must be a non-negative integer, received seed=-1\."),
])
def test_bad_arguments_raise_one_sentence(kwargs, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        scenes(**{"n": 10, **kwargs})


def test_split_needs_scenes_on_both_sides():
    with pytest.raises(ValueError, match=r"^`n_test` must be an integer in \[1, 9\], received n_test=10\.$"):
        scenes(10).split(10)
