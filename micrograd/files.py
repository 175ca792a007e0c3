"""Files written whole or not at all.

Every file micrograd writes (model files, pictures, explorer pages) goes through
:func:`write_bytes` or :func:`write_text`: the content goes to a temporary file
in the target's folder, which is then renamed over the target.  A full disk, an
error while encoding, a crash or Ctrl-C mid-write leaves the old file whole and
no temporary file behind.  A symbolic link is followed, so the file it points to
is replaced and the link stays a link.

It imports nothing from micrograd.

    >>> import tempfile
    >>> from pathlib import Path
    >>> path = Path(tempfile.mkdtemp()) / "note.txt"
    >>> write_text(path, "kept")
    >>> write_text(path, "\\ud800")  # a lone surrogate cannot be UTF-8: the old text stays
    Traceback (most recent call last):
    ...
    UnicodeEncodeError: 'utf-8' codec can't encode character '\\ud800' in position 0: ...
    >>> path.read_text()
    'kept'
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_bytes", "write_text"]


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8, whole or not at all.

    The text is encoded before any file is touched, so text that cannot be UTF-8
    (a lone surrogate) raises UnicodeEncodeError and leaves ``path`` as it was:
    make such text safe first (the drawings replace what XML cannot hold with U+FFFD).

    Args:
        path: the file to write; a link is followed.
        text: the text.
    """
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path``, whole or not at all.

    The bytes go to a temporary file beside the target (same folder, so the rename
    cannot cross file systems), are flushed to disk, and the temporary file is then
    renamed over the target.  The target keeps its permissions; a new file gets the
    usual 0o644.

    Args:
        path: the file to write; a link is followed, so the file it points to is
            replaced and the link stays.
        data: the content.
    """
    target = Path(os.path.realpath(path))
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            # mkstemp makes the file private; keep the mode of the file being replaced.
            os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else 0o644)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:  # Ctrl-C too: no temporary file is left behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
