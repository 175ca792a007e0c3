"""micrograd.files: every file micrograd writes is written whole or not at all."""

import os
import stat

import pytest

from micrograd.files import write_bytes, write_text
from tests.full_disk import fill_the_disk


def test_text_that_cannot_be_utf8_leaves_the_old_file_whole(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("the old page")
    with pytest.raises(UnicodeEncodeError):
        write_text(path, "<title>\ud800</title>")  # a lone surrogate
    assert path.read_text() == "the old page"
    assert os.listdir(tmp_path) == ["page.html"]


def test_a_full_disk_leaves_the_old_file_whole_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "graph.svg"
    path.write_bytes(b"<svg>old</svg>")
    fill_the_disk(monkeypatch)
    with pytest.raises(OSError, match="No space left"):
        write_bytes(path, b"<svg>new</svg>" * 100)
    monkeypatch.undo()
    assert path.read_bytes() == b"<svg>old</svg>"
    assert os.listdir(tmp_path) == ["graph.svg"]


def test_ctrl_c_while_writing_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "graph.svg"
    path.write_bytes(b"old")

    def interrupted(descriptor):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_bytes(path, b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["graph.svg"]


def test_writing_through_a_link_replaces_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.svg"
    target.write_text("old")
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    write_text(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new"


def test_the_mode_of_the_replaced_file_is_kept_and_a_new_file_is_readable(tmp_path):
    old = tmp_path / "old.txt"
    old.write_text("x")
    old.chmod(0o640)
    write_text(old, "y")
    assert stat.S_IMODE(old.stat().st_mode) == 0o640
    new = tmp_path / "new.txt"
    write_text(new, "z")
    assert stat.S_IMODE(new.stat().st_mode) == 0o644 and new.read_text() == "z"
