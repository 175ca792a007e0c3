"""A full disk, for the tests of files written whole or not at all.  Not a test file (no
``test_`` prefix)."""

import io
import os


class FullDisk:
    """A file object whose write stores half the text, then fails as a full disk does."""

    def __init__(self, file):
        self.file = file

    def write(self, text):
        self.file.write(text[: len(text) // 2])
        self.file.flush()
        raise OSError(28, "No space left on device")

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self.file.__exit__(*exc)


def fill_the_disk(monkeypatch):
    """From now on, every file opened for writing (os.fdopen, open, io.open, Path's
    write_text and write_bytes) fills the disk halfway through its first write."""
    real_fdopen, real_open = os.fdopen, open
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k)))
    monkeypatch.setattr("builtins.open", lambda *a, **k: FullDisk(real_open(*a, **k)))
    monkeypatch.setattr(io, "open", lambda *a, **k: FullDisk(real_open(*a, **k)))
