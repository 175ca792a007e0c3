"""Model files: JSON written whole or not at all, and read with limits.

A model file is one JSON object: what the model is (a ``format`` name, a
``version`` and its constructor's arguments) and its weights, its
``state_dict()`` (see :meth:`micrograd.nn.MLP.save`).  This is the one module
that writes and reads those files, so their safety lives in one place: a file
is written by :func:`micrograd.files.write_text`, to a temporary file beside the
target that is renamed over it, so a full disk or a crash mid-write leaves the old
file whole; and it is read no further than :data:`MAX_FILE_BYTES`, with every
number checked to be a finite float, so a hostile file is a ValueError saying
what is wrong.

    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "model.json"
    >>> write_json(path, {"format": "demo", "weights": [0.5]}, who="demo.save")
    >>> read_json(path, who="demo.load")
    {'format': 'demo', 'weights': [0.5]}
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from micrograd.files import write_text

__all__ = ["MAX_FILE_BYTES", "read_json", "write_json"]

MAX_FILE_BYTES = 64 * 2**20
"""The largest model file :func:`read_json` reads (64 MiB, some two million weights); a
larger one, or an endless one such as a link to /dev/zero, is refused unread."""


def write_json(path: str | Path, document: Any, who: str) -> None:
    """Write ``document`` to ``path`` as JSON, whole or not at all.

    The text goes to a temporary file in the target's folder, which is then renamed
    over the target; a link is followed, so the file it points to is replaced.

    Args:
        path: the file to write.
        document: plain data: dicts, lists, strings and finite numbers.
        who: the caller's name, for the error message.

    Raises:
        ValueError: the document holds NaN or infinity, which JSON cannot hold.
    """
    try:
        text = json.dumps(document, allow_nan=False)
    except ValueError:
        raise ValueError(f"{who}: the weights hold NaN or infinity; refusing to save") from None
    write_text(path, text)


def read_json(path: str | Path, who: str, limit: int = MAX_FILE_BYTES) -> Any:
    """The JSON document in ``path``, read no further than ``limit`` bytes.

    Args:
        path: the file to read.
        who: the caller's name, for the error message.
        limit: the most bytes to read.

    Raises:
        ValueError: the file is larger than ``limit``, not valid JSON, not text,
            nested too deeply, or holds a number too large for a float, or NaN or
            Infinity (which Python's JSON reader would otherwise accept).
    """
    with open(path, "rb") as file:
        data = file.read(limit + 1)  # at most: the file may be endless
    if len(data) > limit:
        raise ValueError(
            f"{who}: {path} is larger than {limit // 2**20} MiB; not a model file this reads"
        )
    try:
        return json.loads(
            data.decode("utf-8"), parse_int=_int, parse_float=_float, parse_constant=_constant
        )
    except json.JSONDecodeError as error:
        raise ValueError(f"{who}: {path} is not valid JSON ({error})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{who}: {path} is not a text file") from None
    except RecursionError:
        raise ValueError(f"{who}: {path} is nested too deeply to be a model") from None
    except _NotAFloat as error:
        raise ValueError(f"{who}: {path}: {error}") from None


class _NotAFloat(ValueError):
    pass


def _int(digits: str) -> int:
    # Every number in a model file must fit a float.  Checking the length first also keeps
    # a 5,000-digit number from Python's own digit limit and its message about that.
    if len(digits.lstrip("-")) > 309 or abs(number := int(digits)) > sys.float_info.max:
        shown = digits if len(digits) <= 30 else f"{digits[:12]}... ({len(digits)} digits)"
        raise _NotAFloat(f"the number {shown} is too large for a float")
    return number


def _float(text: str) -> float:
    number = float(text)
    if math.isinf(number):  # 1e400 would otherwise become infinity unseen
        raise _NotAFloat(f"the number {text[:30]} is too large for a float")
    return number


def _constant(name: str) -> float:
    # NaN, Infinity and -Infinity: not JSON, but Python's reader takes them.  write_json
    # never writes them, and a model's weights must be finite, so say so by name.
    raise _NotAFloat(f"it holds {name}, and a model file holds only finite numbers")
