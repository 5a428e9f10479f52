"""Writing files so that a crash or an error never leaves half a file behind.

Everything minigrad saves (models, pictures, plots, lesson progress) goes through
`atomic_open`: the data is written to a temporary file in the target's folder and
renamed over the target only once it is complete (a rename within one folder is
atomic), so readers see the old file or the new one, never a mixture.
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO, Iterator


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb", encoding: str | None = None) -> Iterator[IO]:
    """Open a temporary file for writing that replaces ``path`` when the block ends without error."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp makes the file private (0600); give it the permissions open() would have given
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike, data: bytes | str) -> str:
    """Write ``data`` (bytes, or text as UTF-8) to ``path`` atomically and return the path."""
    text = isinstance(data, str)
    with atomic_open(path, "w" if text else "wb", encoding="utf-8" if text else None) as f:
        f.write(data)
    return str(path)
