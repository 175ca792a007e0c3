"""Convolutions built from Values: ``Conv2d``, ``MaxPool2d`` and ``flatten``.

An image is nested lists ``[channels][height][width]`` of Values or numbers.
A convolution slides a small grid of weights (a *filter*) over the image; each
output pixel is the weighted sum of the input pixels under the filter, plus a
bias.  Here that weighted sum is one fused node (:func:`micrograd.engine.linear`),
so a 4-filter 3x3 convolution of an 8x8 image adds 144 nodes to the graph, not
thousands.  Layouts and defaults are PyTorch's (``torch.nn.Conv2d``,
``torch.nn.MaxPool2d``), and the tests check the numbers against it.

    >>> import random
    >>> conv = Conv2d(1, 2, kernel_size=3, rng=random.Random(0))
    >>> image = [[[float(r == c) for c in range(5)] for r in range(5)]]   # 1 channel, 5x5
    >>> features = MaxPool2d(2)(conv(image))
    >>> len(features), len(features[0]), len(features[0][0])
    (2, 1, 1)
    >>> len(flatten(features))
    2
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from micrograd.engine import Value, linear, max_of
from micrograd.floats import first_largest
from micrograd.nn.module import Module, check_size

__all__ = ["Conv2d", "MaxPool2d", "flatten"]

Pixel = Value | float | int
Image = Sequence[Sequence[Sequence[Pixel]]]


def _pair(x: Any, name: str, who: str, smallest: int) -> tuple[int, int]:
    """An int or a pair of ints as (height, width), as PyTorch accepts them."""
    pair = (x, x) if isinstance(x, int) and not isinstance(x, bool) else x
    ok = (
        isinstance(pair, (tuple, list))
        and len(pair) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= smallest for n in pair)
    )
    if not ok:
        raise ValueError(f"{who}: {name} must be an int >= {smallest} or a pair of them, got {x!r}")
    return (pair[0], pair[1])


def _as_given(x: int | Sequence[int]) -> int | tuple[int, int]:
    return x if isinstance(x, int) else (x[0], x[1])


def _image_shape(x: Any, who: str) -> tuple[int, int, int]:
    """(channels, height, width) of nested lists, or a ValueError saying what is ragged."""
    if not isinstance(x, (list, tuple)) or not x or not isinstance(x[0], (list, tuple)):
        raise ValueError(f"{who}: expected an image as nested lists [channels][height][width]")
    if not x[0] or not isinstance(x[0][0], (list, tuple)) or not x[0][0]:
        raise ValueError(f"{who}: expected an image as nested lists [channels][height][width]")
    channels, height, width = len(x), len(x[0]), len(x[0][0])
    for c, plane in enumerate(x):
        if not isinstance(plane, (list, tuple)) or len(plane) != height:
            raise ValueError(f"{who}: channel {c} does not have {height} rows")
        for r, row in enumerate(plane):
            if not isinstance(row, (list, tuple)) or len(row) != width:
                raise ValueError(f"{who}: channel {c} row {r} does not have {width} pixels")
    return channels, height, width


def _out_size(size: int, kernel: int, stride: int, padding: int, what: str, who: str) -> int:
    n = (size + 2 * padding - kernel) // stride + 1
    if n < 1:
        raise ValueError(
            f"{who}: the input {what} {size} (padded by {padding} each side) "
            f"is smaller than the kernel {what} {kernel}"
        )
    return n


class Conv2d(Module):
    """A 2-D convolution: ``out[o][i][j] = bias[o] + sum(weight[o][c][a][b] * x[c][i*s+a][j*s+b])``.

    Args:
        in_channels: channels of the input image.
        out_channels: how many filters, so how many output channels.
        kernel_size: the filter's size, an int or (height, width).
        stride: how far the filter moves each step, an int or a pair.
        padding: rows and columns of zeros added on every side, an int or a pair.
        bias: whether each filter adds a learned bias.
        rng: a ``random.Random`` for the initial weights; default the ``random`` module.

    Attributes (PyTorch's names and layouts): ``weight`` is nested lists
    ``[out_channels][in_channels][kh][kw]`` of Values, ``bias`` a list of
    ``out_channels`` Values (or None); ``kernel_size``, ``stride`` and
    ``padding`` are pairs.  The initial weights and biases are uniform in
    ``±1/sqrt(in_channels * kh * kw)``, PyTorch's default.

    Calling it on ``[C][H][W]`` (Values or numbers) returns ``[out_channels][H'][W']``
    Values, ``H' = (H + 2 * padding - kh) // stride + 1``.  Each output is one
    fused node with the filter's weights, the pixels under it and the bias as
    parents; padding zeros are not parents, as they add nothing to the sum.

    >>> conv = Conv2d(1, 1, kernel_size=2, rng=random.Random(0))
    >>> conv.weight[0][0] = [[Value(1.0), Value(0.0)], [Value(0.0), Value(-1.0)]]
    >>> conv.bias[0].data = 0.5
    >>> out = conv([[[1, 2, 3], [4, 5, 6], [7, 8, 9]]])
    >>> [[v.data for v in row] for row in out[0]]         # x[i][j] - x[i+1][j+1] + 0.5
    [[-3.5, -3.5], [-3.5, -3.5]]
    >>> conv
    Conv2d(1, 1, kernel_size=(2, 2), stride=(1, 1))
    """

    tensor_names = ("weight", "bias")  # parameters(): every weight in layout order, then biases

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        bias: bool = True,
        rng: random.Random | None = None,
    ) -> None:
        self.in_channels = check_size(in_channels, "in_channels", "Conv2d")
        self.out_channels = check_size(out_channels, "out_channels", "Conv2d")
        if not isinstance(bias, bool):
            raise ValueError(f"Conv2d: bias must be True or False, got {bias!r}")
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = _pair(stride, "stride", "Conv2d", 1)
        self.padding = _pair(padding, "padding", "Conv2d", 0)
        uniform = random.uniform if rng is None else rng.uniform  # random.seed works too
        kh, kw = self.kernel_size
        # PyTorch's default: it keeps each output's variance about the same for any filter size.
        bound = 1.0 / math.sqrt(in_channels * kh * kw)
        self.weight = [
            [
                [[Value(uniform(-bound, bound)) for _ in range(kw)] for _ in range(kh)]
                for _ in range(in_channels)
            ]
            for _ in range(out_channels)
        ]
        self.bias: list[Value] | None = (
            [Value(uniform(-bound, bound)) for _ in range(out_channels)] if bias else None
        )

    def __call__(self, x: Image) -> list[list[list[Value]]]:
        channels, height, width = _image_shape(x, "Conv2d")
        if channels != self.in_channels:
            raise ValueError(f"Conv2d: expected {self.in_channels} input channels, got {channels}")
        (kh, kw), (sh, sw), (ph, pw) = self.kernel_size, self.stride, self.padding
        rows = _out_size(height, kh, sh, ph, "height", "Conv2d")
        cols = _out_size(width, kw, sw, pw, "width", "Conv2d")
        if len({_is_value(p, "Conv2d") for plane in x for row in plane for p in row}) == 2:
            # linear() takes all Values or all numbers: make the numbers leaves once here,
            # not once per filter and position inside linear().
            x = [[[p if isinstance(p, Value) else Value(p) for p in row] for row in m] for m in x]
        # Each filter's weights in the order of the sum: channel, then kernel row, then column.
        filters = [[w for plane in f for row in plane for w in row] for f in self.weight]
        biases = self.bias if self.bias is not None else [Value(0.0)] * self.out_channels
        out: list[list[list[Value]]] = [[[] for _ in range(rows)] for _ in filters]
        for i in range(rows):
            for j in range(cols):
                # The pixels under the filter at (i, j), and where each sits in the filter.
                taps, pixels = [], []
                k = 0
                for c in range(channels):
                    for a in range(kh):
                        r = i * sh + a - ph
                        for b in range(kw):
                            s = j * sw + b - pw
                            if 0 <= r < height and 0 <= s < width:
                                taps.append(k)
                                pixels.append(x[c][r][s])
                            k += 1
                whole = len(taps) == k
                for o, weights in enumerate(filters):
                    if whole:
                        node = linear(weights, pixels, biases[o])
                    elif taps:
                        node = linear([weights[t] for t in taps], pixels, biases[o])
                    else:  # the filter sits on padding only: bias + w * 0
                        node = linear(weights[:1], [0.0], biases[o])
                    out[o][i].append(node)  # j runs in order, so this is out[o][i][j]
        return out

    def __repr__(self) -> str:
        extra = f", padding={self.padding}" if self.padding != (0, 0) else ""
        extra += ", bias=False" if self.bias is None else ""
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}{extra})"
        )


def _is_value(x: Pixel, who: str) -> bool:
    """True for a Value, False for a number, TypeError naming ``who`` for anything else."""
    if isinstance(x, Value):
        return True
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return False
    raise TypeError(f"{who}: pixels must be Values or numbers, got {x!r}")


class MaxPool2d(Module):
    """The largest value in each window: ``out[c][i][j] = max(x[c][i*s : i*s+k][j*s : j*s+k])``.

    Args:
        kernel_size: the window's size, an int or (height, width).
        stride: how far the window moves; default the kernel size (windows side by side).

    Each output is one ``max`` node (:func:`~micrograd.engine.max_of`) whose
    operands are its whole window, so backpropagation sends the gradient to the
    largest input and none to the others, as the derivative of max says.  On a
    tie the first maximum in row-major order wins, as in PyTorch; a NaN makes
    the output NaN, so it is never hidden.  The node keeps every input of its
    window, so the graph's shape does not depend on which one is largest: a
    recorded tape (:func:`micrograd.tape.record`) replays it right when the
    largest moves.  A window of plain numbers gives a plain number.

    >>> pool = MaxPool2d(2)
    >>> x = [[[Value(1.0), Value(5.0)], [Value(3.0), Value(2.0)]]]
    >>> out = pool(x)
    >>> out[0][0][0]
    Value(data=5.0, grad=0.0, op='max')
    >>> (out[0][0][0] * 2).backward()
    >>> [[v.grad for v in row] for row in x[0]]
    [[0.0, 2.0], [0.0, 0.0]]
    """

    def __init__(
        self, kernel_size: int | tuple[int, int], stride: int | tuple[int, int] | None = None
    ) -> None:
        # Kept as given (an int stays an int), as PyTorch's MaxPool2d keeps them.
        self._kernel = _pair(kernel_size, "kernel_size", "MaxPool2d", 1)
        self._stride = self._kernel if stride is None else _pair(stride, "stride", "MaxPool2d", 1)
        self.kernel_size = _as_given(kernel_size)
        self.stride = self.kernel_size if stride is None else _as_given(stride)

    def __call__(self, x: Image) -> list[list[list[Pixel]]]:
        _, height, width = _image_shape(x, "MaxPool2d")
        (kh, kw), (sh, sw) = self._kernel, self._stride
        rows = _out_size(height, kh, sh, 0, "height", "MaxPool2d")
        cols = _out_size(width, kw, sw, 0, "width", "MaxPool2d")
        return [
            [[_largest(plane, i * sh, j * sw, kh, kw) for j in range(cols)] for i in range(rows)]
            for plane in x
        ]

    def __repr__(self) -> str:
        return f"MaxPool2d(kernel_size={self.kernel_size}, stride={self.stride})"


def _largest(plane: Sequence[Sequence[Pixel]], top: int, left: int, kh: int, kw: int) -> Pixel:
    """The max of a window: a ``max`` node over its pixels in row-major order, or a
    plain number when the window holds no Value."""
    window = [plane[r][s] for r in range(top, top + kh) for s in range(left, left + kw)]
    if any([_is_value(pixel, "MaxPool2d") for pixel in window]):  # every pixel checked
        return max_of(window)
    best = first_largest(window)  # type: ignore[arg-type]
    return math.nan if best < 0 else window[best]


def flatten(x: Any) -> list[Any]:
    """Nested lists as one flat list, in row-major order (as ``torch.flatten``).

    >>> flatten([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
    [1, 2, 3, 4, 5, 6, 7, 8]
    >>> flatten(Value(1.0))
    [Value(data=1.0, grad=0.0)]
    """
    if not isinstance(x, (list, tuple)):
        return [x]
    flat: list[Any] = []
    stack = [iter(x)]
    while stack:  # an explicit stack, so any depth of nesting works
        for item in stack[-1]:
            if isinstance(item, (list, tuple)):
                stack.append(iter(item))
                break
            flat.append(item)
        else:
            stack.pop()
    return flat
