"""atomic_open: a failed write leaves the old file as it was and no temporary file behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad
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


def test_replacing_a_file_keeps_its_mode(tmp_path):
    target = tmp_path / "secret.npz"
    target.write_bytes(b"old")
    target.chmod(0o600)
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new" and target.stat().st_mode & 0o777 == 0o600
    target.chmod(0o640)
    atomic_write(target, b"newer")
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_read_only_file_is_not_replaced(tmp_path):
    target = tmp_path / "frozen.npz"
    target.write_bytes(b"keep me")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"keep me" and os.listdir(tmp_path) == ["frozen.npz"]


def test_writing_through_a_symlink_updates_its_target(tmp_path):
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "model.npz"
    real.write_bytes(b"old")
    real.chmod(0o600)
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new" and real.stat().st_mode & 0o777 == 0o600
    dangling = tmp_path / "dangling.npz"
    dangling.symlink_to(tmp_path / "real" / "later.npz")
    atomic_write(dangling, b"x")
    assert dangling.is_symlink() and (tmp_path / "real" / "later.npz").read_bytes() == b"x"


def test_stale_partial_files_of_the_same_target_are_removed(tmp_path):
    target = tmp_path / "model.npz"
    stale = [tmp_path / ".model.npz.k3j2h1gq.part", tmp_path / ".model.npz.999999999.ab12cd34.part"]
    others = [tmp_path / ".other.npz.k3j2h1gq.part", tmp_path / ".model.npz.notes",
              tmp_path / f".model.npz.{os.getpid()}.live1234.part"]
    for p in stale + others:
        p.write_bytes(b"x" * 100)
    atomic_write(target, b"new")
    assert all(not p.exists() for p in stale)
    assert all(p.exists() for p in others)  # another target's, not a temp file, or a save still running here


ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(minigrad.__file__).parents[1]),
                                                                   os.environ.get("PYTHONPATH")]))}
SLOW_SAVE = """
import sys, time
from minigrad.fileio import atomic_open
with atomic_open(sys.argv[1]) as f:
    f.write(b"half of the new file")
    f.flush()
    print("writing", flush=True)
    time.sleep(30)
    f.write(b"rest")
"""


@pytest.mark.skipif(os.name != "posix", reason="signals")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_terminated_save_leaves_the_old_file_and_no_temporary(tmp_path, signum):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, str(target)], stdout=subprocess.PIPE, env=ENV)
    try:
        assert proc.stdout.readline() == b"writing\n"
        assert len(list(tmp_path.glob(".model.npz.*.part"))) == 1
        proc.send_signal(signum)
        assert proc.wait(timeout=20) == -signum  # still dies of the signal, as it would have
    finally:
        proc.kill()
    assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.skipif(os.name != "posix", reason="signals")
def test_a_killed_save_leaves_the_old_file_and_the_next_save_sweeps_up(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"old")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_SAVE, str(target)], stdout=subprocess.PIPE, env=ENV)
    try:
        assert proc.stdout.readline() == b"writing\n"
        proc.kill()
        proc.wait(timeout=20)
    finally:
        proc.kill()
    assert target.read_bytes() == b"old" and len(list(tmp_path.glob(".model.npz.*.part"))) == 1
    atomic_write(target, b"new")
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_a_pipe_or_device_is_written_to_not_replaced(tmp_path):
    """`minigrad graph -o /dev/stdout` or a named pipe: replacing it by a regular file (as root: /dev/null)
    would be wrong; it is written to, as open() would."""
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    atomic_write(fifo, b"picture bytes")
    reader.join(10)
    assert got == [b"picture bytes"] and fifo.is_fifo() and os.listdir(tmp_path) == ["pipe"]


def test_a_folder_is_not_replaced(tmp_path):
    (tmp_path / "out.png").mkdir()
    with pytest.raises(IsADirectoryError):
        atomic_write(tmp_path / "out.png", b"x")
    assert (tmp_path / "out.png").is_dir() and os.listdir(tmp_path) == ["out.png"]
