import math

import pytest

from micrograd.datasets import batches, make_circles, make_moons, make_spirals, xor


@pytest.mark.parametrize(
    "make", [lambda s: make_moons(60, 0.1, s), lambda s: make_circles(60, 0.05, seed=s)]
)
def test_two_class_datasets_are_seeded_and_balanced(make):
    X, y = make(4)
    assert (X, y) == make(4)
    assert make(5)[0] != X
    assert len(X) == 60 and all(len(p) == 2 for p in X)
    assert y.count(0) == y.count(1) == 30


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = make_moons(40, seed=0)
    for (a, b), label in zip(X, y):
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(a - centre[0], b - centre[1]) == pytest.approx(1.0)


def test_circles_without_noise_have_two_radii():
    X, y = make_circles(20, factor=0.3, seed=0)
    for (a, b), label in zip(X, y):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)


def test_spirals():
    X, y = make_spirals(50, classes=3, noise=0.2, seed=1)
    assert len(X) == 150 and sorted(set(y)) == [0, 1, 2]
    assert (X, y) == make_spirals(50, classes=3, noise=0.2, seed=1)
    assert max(math.hypot(*p) for p in X) <= 1.0 + 1e-12


def test_xor():
    assert xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])


def test_batches_cover_every_item_once_and_are_seeded():
    data = list(range(10))
    got = list(batches(data, 4, seed=3))
    assert [len(b) for b in got] == [4, 4, 2]
    assert sorted(x for b in got for x in b) == data
    assert got == list(batches(data, 4, seed=3))
    assert next(batches(data, 4, shuffle=False)) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "call",
    [
        lambda: make_moons(0),
        lambda: make_moons(10, noise=-1),
        lambda: make_circles(10, factor=1.5),
        lambda: make_spirals(10, classes=1),
        lambda: list(batches([1], 0)),
    ],
)
def test_bad_arguments_are_value_errors(call):
    with pytest.raises(ValueError):
        call()


# --- Sequences ----------------------------------------------------------------------


def test_names_are_the_32033_lowercase_names_of_makemore():
    from micrograd.datasets import names

    words = names()
    assert len(words) == 32033
    assert words[0] == "emma" and words[-1] == "zzyzx"
    assert set("".join(words)) == set("abcdefghijklmnopqrstuvwxyz")
    assert max(map(len, words)) == 15  # a GPT's block_size of 16 fits every name plus an end
    words.clear()  # the caller owns its list
    assert len(names()) == 32033


def test_remember_first_is_deterministic_shaped_and_balanced():
    from micrograd.datasets import remember_first

    data = remember_first(400, 12, seed=5)
    assert data == remember_first(400, 12, seed=5)
    assert data != remember_first(400, 12, seed=6)
    assert all(len(bits) == 12 and set(bits) <= {0, 1} for bits, _ in data)
    assert all(target == bits[0] for bits, target in data)
    ones = sum(target for _, target in data)
    assert 150 < ones < 250  # both classes, roughly equally


@pytest.mark.parametrize("n, length", [(0, 5), (5, 0), (2.5, 5), (5, True)])
def test_remember_first_rejects_bad_sizes_naming_them(n, length):
    from micrograd.datasets import remember_first

    with pytest.raises(ValueError, match="remember_first"):
        remember_first(n, length, seed=0)


def test_digits_are_8x8_images_in_0_1_with_every_class_and_deterministic():
    from micrograd.datasets import digits

    data = digits(200, seed=7)
    assert data == digits(200, seed=7)
    assert data != digits(200, seed=8)
    assert all(len(image) == 8 and all(len(row) == 8 for row in image) for image, _ in data)
    assert all(type(p) is float and 0.0 <= p <= 1.0 for image, _ in data for r in image for p in r)
    labels = [label for _, label in data]
    assert all(labels.count(d) == 20 for d in range(10))  # balanced: 0..9 in turn
    assert sorted({label for _, label in digits(10, seed=0)}) == list(range(10))


def test_digits_without_noise_are_the_font_shifted_with_a_few_pixels_dropped():
    from micrograd.datasets import _FONT, digits

    for image, label in digits(100, seed=1, noise=0.0):
        inked = {(r, c) for r in range(8) for c in range(8) if image[r][c] > 0}
        ink = {image[r][c] for r, c in inked}
        assert len(ink) == 1 and 0.6 <= ink.pop() <= 1.0  # one stroke brightness per image
        rows = enumerate(_FONT[label])
        glyph = {(r, c) for r, row in rows for c, mark in enumerate(row) if mark == "#"}
        # Some placement of the glyph in the frame covers the ink, missing only a few pixels.
        fits = [
            len(glyph) - len(inked)
            for top in range(2)
            for left in range(4)
            if inked <= {(r + top, c + left) for r, c in glyph}
        ]
        assert fits and min(fits) <= 4


def test_digits_are_shifted_to_different_places():
    from micrograd.datasets import digits

    corners = set()
    for image, _ in digits(100, seed=2, noise=0.0):
        rows = [r for r in range(8) if any(image[r])]
        cols = [c for c in range(8) if any(image[r][c] for r in range(8))]
        corners.add((rows[0], cols[0]))
    assert len(corners) >= 6


def test_digits_noise_changes_pixels_but_stays_in_range():
    from micrograd.datasets import digits

    clean = digits(20, seed=3, noise=0.0)
    noisy = digits(20, seed=3, noise=0.3)
    assert [label for _, label in clean] == [label for _, label in noisy]
    assert clean != noisy


@pytest.mark.parametrize(
    "n, noise, message",
    [(0, 0.1, "n must be a positive int"), (3.0, 0.1, "n must be"), (True, 0.1, "n must be"),
     (5, -0.1, "noise must be >= 0"), (5, float("nan"), "noise must be >= 0")],
)  # fmt: skip
def test_digits_rejects_bad_arguments_naming_them(n, noise, message):
    from micrograd.datasets import digits

    with pytest.raises(ValueError, match=f"digits: {message}"):
        digits(n, seed=0, noise=noise)
