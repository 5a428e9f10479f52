"""Writing files so that a crash or an error never leaves half a file behind.

Everything minigrad saves (models, pictures, plots, lesson progress) goes through
`atomic_open`: the data is written to a hidden temporary file ``.NAME.PID.XXXXXXXX.part``
in the target's folder and renamed over the target only once it is complete (a rename
within one folder is atomic), so readers see the old file or the new one, never a mixture.

Replacing behaves like writing the file in place would (a pipe or device is written to): the target keeps its mode (a
``chmod 600`` checkpoint stays private) and owner where we may set it, a read-only file
is refused, and a symlink is written through to the file it points to (it stays a link).
A SIGTERM or SIGHUP during the write removes the temporary file before the process dies;
what a ``kill -9`` leaves behind is swept up by the next save of the same target.
"""
from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

_STALE_AFTER_S = 24 * 3600  # a temp file this old is stale even if its pid now belongs to someone else
_live: set[str] = set()  # temporary files being written by this process
_lock = threading.Lock()
_previous: dict[int, Any] = {}  # signal -> the handler ours replaced, while a write is in flight
_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing that replaces ``path`` when the block ends without error.

    A pipe or a device (``-o /dev/stdout``) has nothing to replace: it is written to directly.
    """
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file", str(path))
    if st is not None and not stat.S_ISREG(st.st_mode):  # replacing /dev/null by a file (as root) would be wrong
        with open(path, mode, encoding=encoding) as f:
            yield f
        return
    target = Path(os.path.realpath(path))  # through symlinks: the link stays, its target is replaced
    target.parent.mkdir(parents=True, exist_ok=True)
    existing = _check_replaceable(target)
    _remove_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=f"{_prefix(target)}{os.getpid()}.", suffix=".part", dir=target.parent)
    _track(tmp)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        _copy_permissions(tmp, existing)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        _untrack(tmp)


def atomic_write(path: str | os.PathLike, data: bytes | str) -> str:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically and return the path."""
    text = isinstance(data, str)
    with atomic_open(path, "w" if text else "wb", encoding="utf-8" if text else None) as f:
        f.write(data)
    return str(path)


# -- replacing like an in-place write would ----------------------------------------------------------
def _check_replaceable(target: Path) -> os.stat_result | None:
    """The target's stat (None if it does not exist); PermissionError if the user could not write it.

    A rename only needs the folder to be writable, so without this check a read-only file, or one
    owned by someone else, would be silently replaced. Root may write anything, so for root a file
    that nobody may write (no w bit) counts as read-only.
    """
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return None
    if not os.access(target, os.W_OK) or not st.st_mode & 0o222:
        raise PermissionError(f"{target} is read-only; not replacing it (make it writable, or save elsewhere)")
    return st


def _copy_permissions(tmp: str, existing: os.stat_result | None) -> None:
    if existing is None:  # mkstemp makes the file private (0600); give it what open() would have given
        os.chmod(tmp, 0o666 & ~_umask())
        return
    os.chmod(tmp, existing.st_mode & 0o7777)
    if hasattr(os, "chown") and (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away; others keep their own
            os.chown(tmp, existing.st_uid, existing.st_gid)


# -- temporary files: removed on SIGTERM, swept up after a kill -9 ---------------------------------------
def _prefix(target: Path) -> str:
    return f".{target.name[:180]}."  # room for the pid and mkstemp's letters within a 255-byte name


def _remove_stale(target: Path) -> None:
    """Delete temporary files of ``target`` left by saves that were killed (their process is gone)."""
    prefix = _prefix(target)
    pattern = re.compile(r"(?:(\d+)\.)?[a-z0-9_]{8}")  # PID.XXXXXXXX, or XXXXXXXX from older versions
    try:
        names = os.listdir(target.parent)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".part")):
            continue
        match = pattern.fullmatch(name[len(prefix):-len(".part")])
        if match is None:
            continue  # another target whose name starts like this one's
        path = target.parent / name
        with contextlib.suppress(OSError):
            old = time.time() - path.stat().st_mtime > _STALE_AFTER_S
            if old or match.group(1) is None or not _alive(int(match.group(1))):
                path.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":  # Windows' os.kill(pid, 0) would end that process, not probe it
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process (or an unknowable one): leave its file alone
    return True


def _track(tmp: str) -> None:
    with _lock:
        if not _live and threading.current_thread() is threading.main_thread():
            for signum in _SIGNALS:  # signal handlers can only be set from the main thread
                with contextlib.suppress(ValueError, OSError):
                    _previous[signum] = signal.signal(signum, _on_signal)
        _live.add(tmp)


def _untrack(tmp: str) -> None:
    with _lock:
        _live.discard(tmp)
        if not _live and threading.current_thread() is threading.main_thread():
            for signum, previous in list(_previous.items()):
                if signal.getsignal(signum) is _on_signal:  # unless someone installed theirs meanwhile
                    signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
                del _previous[signum]


def _on_signal(signum: int, frame: Any) -> None:
    """Do what the signal would have done, removing our temporary files first if that is dying."""
    previous = _previous.get(signum, signal.SIG_DFL)
    if callable(previous):
        previous(signum, frame)  # e.g. one that raises: atomic_open's cleanup runs as the exception passes
        return
    if previous == signal.SIG_IGN:
        return
    for tmp in list(_live):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
