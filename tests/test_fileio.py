"""atomic_open: a failed write leaves the old file as it was and no temporary file behind."""
from __future__ import annotations

import os

import pytest

from minigrad.fileio import atomic_open, atomic_write


def test_atomic_write_replaces_and_sets_normal_permissions(tmp_path):
    target = tmp_path / "sub" / "a.txt"
    atomic_write(target, "first")
    atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(target) as f:
            f.write(b"half of the new")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
