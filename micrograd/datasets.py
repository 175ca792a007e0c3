"""Small classification datasets in pure Python (no numpy), seeded and reproducible.

Each returns ``(X, y)``: X a list of ``[x1, x2]`` points, y a list of int labels.
For sequence models, ``names()`` gives makemore's 32,033 names and
``remember_first(n, length, seed)`` the long-range memory task.

    >>> X, y = make_moons(100, noise=0.1, seed=1)
    >>> len(X), sorted(set(y))
    (100, [0, 1])
    >>> make_moons(5, seed=3) == make_moons(5, seed=3)
    True
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from functools import lru_cache
from importlib import resources
from typing import TypeVar

__all__ = [
    "batches",
    "digits",
    "make_circles",
    "make_moons",
    "make_spirals",
    "names",
    "remember_first",
    "xor",
]

T = TypeVar("T")
Points = list[list[float]]


def _check(n: int, noise: float, name: str) -> None:
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"{name}: the number of points must be a positive int, got {n!r}")
    if noise < 0:
        raise ValueError(f"{name}: noise must be >= 0, got {noise}")


def make_moons(
    n_samples: int = 100, noise: float = 0.0, seed: int | None = None
) -> tuple[Points, list[int]]:
    """Two interleaving half circles (class 0 on top, class 1 below), as scikit-learn's.

    >>> X, y = make_moons(4, seed=0)
    >>> [[round(a, 2), round(b, 2)] for a, b in X], y
    ([[0.0, 0.5], [1.0, 0.0], [-1.0, 0.0], [2.0, 0.5]], [1, 0, 0, 1])
    """
    _check(n_samples, noise, "make_moons")
    rng = random.Random(seed)
    n_top = n_samples // 2
    top = _circle(n_top, math.pi, endpoint=True)
    bottom = _circle(n_samples - n_top, math.pi, endpoint=True)
    X = [[c, s] for c, s in top] + [[1 - c, 0.5 - s] for c, s in bottom]
    y = [0] * len(top) + [1] * len(bottom)
    return _shuffled_with_noise(X, y, noise, rng)


def _circle(n: int, sweep: float, endpoint: bool) -> list[tuple[float, float]]:
    """``n`` evenly spaced (cos t, sin t), t from 0 across ``sweep`` (to it if ``endpoint``)."""
    steps = max(n - 1, 1) if endpoint else n
    return [(math.cos(sweep * i / steps), math.sin(sweep * i / steps)) for i in range(n)]


def make_circles(
    n_samples: int = 100, noise: float = 0.0, factor: float = 0.5, seed: int | None = None
) -> tuple[Points, list[int]]:
    """A small circle (class 1) inside a large one (class 0); ``factor`` is their ratio.

    >>> X, y = make_circles(8, factor=0.5, seed=0)
    >>> sorted({round((a * a + b * b) ** 0.5, 6) for a, b in X})
    [0.5, 1.0]
    """
    _check(n_samples, noise, "make_circles")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be between 0 and 1, got {factor}")
    rng = random.Random(seed)
    n_outer = n_samples // 2
    outer = _circle(n_outer, 2 * math.pi, endpoint=False)
    inner = _circle(n_samples - n_outer, 2 * math.pi, endpoint=False)
    X = [[c, s] for c, s in outer] + [[factor * c, factor * s] for c, s in inner]
    y = [0] * len(outer) + [1] * len(inner)
    return _shuffled_with_noise(X, y, noise, rng)


def make_spirals(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int | None = None
) -> tuple[Points, list[int]]:
    """``classes`` arms spiralling out from the origin, ``n_per_class`` points each (CS231n's).

    >>> X, y = make_spirals(10, classes=3, seed=0)
    >>> len(X), sorted(set(y))
    (30, [0, 1, 2])
    """
    _check(n_per_class, noise, "make_spirals")
    if not isinstance(classes, int) or classes < 2:
        raise ValueError(f"make_spirals: classes must be an int >= 2, got {classes!r}")
    rng = random.Random(seed)
    X, y = [], []
    for c in range(classes):
        for i in range(n_per_class):
            radius = i / max(n_per_class - 1, 1)
            theta = c * 4.0 + 4.0 * radius + rng.gauss(0.0, noise)
            X.append([radius * math.sin(theta), radius * math.cos(theta)])
            y.append(c)
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def xor() -> tuple[Points, list[int]]:
    """The four points of XOR: the class is 1 when exactly one input is 1.

    >>> xor()[1]
    [0, 1, 1, 0]
    """
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0]


def _shuffled_with_noise(X: Points, y: list[int], noise: float, rng: random.Random):
    order = list(range(len(X)))
    rng.shuffle(order)
    X = [
        [a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b]
        for a, b in (X[i] for i in order)
    ]
    return X, [y[i] for i in order]


def batches(
    data: Sequence[T], size: int, shuffle: bool = True, seed: int | None = None
) -> Iterator[list[T]]:
    """Mini-batches of ``size`` items (the last may be smaller), shuffled with ``seed``.

    >>> list(batches(list(range(5)), 2, shuffle=False))
    [[0, 1], [2, 3], [4]]
    >>> X, y = xor()
    >>> [len(b) for b in batches(list(zip(X, y)), 3, seed=0)]
    [3, 1]
    """
    if not isinstance(size, int) or size < 1:
        raise ValueError(f"batches: size must be a positive int, got {size!r}")
    order = list(range(len(data)))
    if shuffle:
        random.Random(seed).shuffle(order)
    for start in range(0, len(order), size):
        yield [data[i] for i in order[start : start + size]]


# --- Sequences ----------------------------------------------------------------------


@lru_cache(maxsize=1)
def _names() -> tuple[str, ...]:
    text = resources.files("micrograd").joinpath("data/names.txt").read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line)


def names() -> list[str]:
    """The 32,033 lowercase first names of Karpathy's makemore, one string each.

    Shipped with the package (``micrograd/data/names.txt``), so no download; the
    characters are ``a`` to ``z``.  Each call returns a new list, safe to shuffle.

    >>> words = names()
    >>> len(words), words[:3]
    (32033, ['emma', 'olivia', 'ava'])
    """
    return list(_names())


def remember_first(n: int, length: int, seed: int | None = None) -> list[tuple[list[int], int]]:
    """The long-range memory task: ``n`` pairs ``(bits, target)`` where ``bits`` is
    ``length`` random 0/1 values and ``target == bits[0]``.

    A model that reads the bits one at a time must carry the first one through
    ``length - 1`` steps: easy to state, hard for a plain RNN whose gradients
    vanish on the way back.

    >>> data = remember_first(3, 5, seed=0)
    >>> [len(bits) for bits, _ in data], all(target == bits[0] for bits, target in data)
    ([5, 5, 5], True)
    >>> remember_first(2, 4, seed=1) == remember_first(2, 4, seed=1)
    True
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"remember_first: n must be a positive int, got {n!r}")
    if not isinstance(length, int) or isinstance(length, bool) or length < 1:
        raise ValueError(f"remember_first: length must be a positive int, got {length!r}")
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        bits = [rng.randrange(2) for _ in range(length)]
        pairs.append((bits, bits[0]))
    return pairs


# --- Images -------------------------------------------------------------------------

# A 5-wide, 7-tall pixel font for the digits, one string per row ("#" is ink).
_FONT = {
    0: (".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."),
    1: ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
    2: (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    3: ("####.", "....#", "....#", ".###.", "....#", "....#", "####."),
    4: ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    5: ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    6: ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    7: ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    8: (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    9: (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
}
_SIZE = 8


def digits(
    n: int, seed: int | None = None, noise: float = 0.1
) -> list[tuple[list[list[float]], int]]:
    """``n`` pairs ``(image, label)``: handwriting-like 8x8 digits for a small CNN.

    Each image is 8 rows of 8 floats in [0, 1] (0 is background), drawn from a
    built-in 5x7 pixel font: shifted to a random place in the 8x8 frame, with a
    random stroke brightness (0.6 to 1), a few pixels of ink dropped, and
    gaussian noise of standard deviation ``noise`` on every pixel, clipped to
    [0, 1].  The labels run through 0 to 9 in turn before shuffling, so every
    class appears once ``n >= 10``.  The same seed gives the same images.

    >>> data = digits(20, seed=0)
    >>> image, label = data[0]
    >>> len(image), len(image[0]), sorted({label for _, label in data})
    (8, 8, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    >>> all(0.0 <= p <= 1.0 for image, _ in data for row in image for p in row)
    True
    >>> image, label = digits(1, seed=3, noise=0.0)[0]
    >>> print(label); print("\\n".join("".join(".#"[p > 0.5] for p in row) for row in image))
    0
    ..###...
    .....#..
    .#...#..
    .#...#..
    .#...#..
    .#...#..
    ..###...
    ........
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"digits: n must be a positive int, got {n!r}")
    if not noise >= 0:  # also refuses NaN
        raise ValueError(f"digits: noise must be >= 0, got {noise!r}")
    rng = random.Random(seed)
    labels = [i % 10 for i in range(n)]
    rng.shuffle(labels)
    return [(_draw_digit(label, noise, rng), label) for label in labels]


def _draw_digit(label: int, noise: float, rng: random.Random) -> list[list[float]]:
    glyph = _FONT[label]
    top = rng.randint(0, _SIZE - len(glyph))
    left = rng.randint(0, _SIZE - len(glyph[0]))
    ink = rng.uniform(0.6, 1.0)
    image = [[0.0] * _SIZE for _ in range(_SIZE)]
    for r, row in enumerate(glyph):
        for c, mark in enumerate(row):
            if mark == "#" and rng.random() > 0.05:  # a pen skips now and then
                image[top + r][left + c] = ink
    return [[min(1.0, max(0.0, p + rng.gauss(0.0, noise))) for p in row] for row in image]
