"""Reading an ``.npz`` archive that may be damaged or hostile, without trusting it.

`numpy.load` on an ``.npz`` decompresses a member as soon as it is asked for and
allocates whatever shape a member's header declares, so a 1 MB file can inflate
to gigabytes, and a crafted header ends in a raw MemoryError. `Archive` checks
everything it can from the zip directory and the ``.npy`` headers first (member
names, declared sizes, compression ratio, dtypes, shapes, and that each
header's shape matches the member's size), and reads array data only when asked,
for members that passed. Object arrays are refused from their header: nothing
is ever unpickled. Every failure is one `SerializationError` line.
"""
from __future__ import annotations

import math
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

MAX_BYTES = 4 * 2**30  # uncompressed size a load may read in all (override with MINIGRAD_MAX_LOAD_BYTES)
MAX_MEMBERS = 100_000
MAX_RATIO = 100  # minigrad writes uncompressed archives; real weights compress ~1.1:1, zeros ~1000:1
_RATIO_FLOOR = 2**20  # members smaller than this are not worth a ratio check
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")


class SerializationError(ValueError):
    """A file that is not a minigrad checkpoint, is damaged, or does not fit what it is loaded into."""


@dataclass(frozen=True)
class Member:
    """One array of the archive as its header declares it (nothing of its data read yet)."""

    name: str
    info: zipfile.ZipInfo
    shape: tuple[int, ...]
    dtype: np.dtype
    nbytes: int


def max_bytes() -> int:
    value = os.environ.get("MINIGRAD_MAX_LOAD_BYTES", "")
    return int(value) if value.isdigit() else MAX_BYTES


def one_line(text: str) -> str:
    """An exception's text on one line (a crafted file must not print pages)."""
    text = " ".join(str(text).split())
    return text if len(text) <= 300 else text[:297] + "..."


class Archive:
    """An open ``.npz`` whose directory and headers have been checked; `read(name)` reads one array.

    Use as a context manager. ``members`` maps each array name (without ".npy") to its `Member`.
    """

    def __init__(self, path: str | os.PathLike, what: str = "load"):
        self.path = Path(path)
        self.what = what
        self._file = _open(self.path, what)
        try:
            self._zip = self._open_zip()
            self.members = self._check_directory()
        except BaseException:
            self._file.close()
            raise

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._zip.close()
        self._file.close()

    def error(self, text: str) -> SerializationError:
        return SerializationError(one_line(f"{self.what}: {self.path} {text}"))

    def _open_zip(self) -> zipfile.ZipFile:
        magic = self._file.read(4)
        self._file.seek(0)
        if magic not in _ZIP_MAGIC:
            kind = ("an empty file" if not magic else "a single NumPy .npy array" if magic.startswith(b"\x93NUM")
                    else "not an .npz archive")
            raise self.error(f"is not a minigrad checkpoint ({kind})")
        try:
            return zipfile.ZipFile(self._file)
        except Exception as exc:  # BadZipFile, but also OverflowError/ValueError from a crafted directory
            raise self.error(f"is damaged: not a readable .npz archive ({one_line(exc)})") from None

    def _check_directory(self) -> dict[str, Member]:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.error(f"is not a minigrad checkpoint: it holds {len(infos):,} members")
        names = [info.filename for info in infos]
        if len(set(names)) != len(names):
            raise self.error("is damaged: two members have the same name")
        total = 0
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise self.error(f"is not a minigrad checkpoint: member {info.filename!r} is not a NumPy array")
            total += info.file_size
            if (info.compress_type != zipfile.ZIP_STORED and info.file_size > _RATIO_FLOOR
                    and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
                raise self.error(f"is refused: member {info.filename!r} would inflate {info.compress_size:,} "
                                 f"bytes to {info.file_size:,} (more than {MAX_RATIO}:1)")
        if total > max_bytes():
            raise self.error(f"is refused: its arrays would take {total:,} bytes, more than the limit of "
                             f"{max_bytes():,} (set MINIGRAD_MAX_LOAD_BYTES to allow more)")
        return {info.filename[:-4]: self._header(info) for info in infos}

    def _header(self, info: zipfile.ZipInfo) -> Member:
        name = info.filename[:-4]
        try:
            with self._zip.open(info) as fp:
                version = np.lib.format.read_magic(fp)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(fp)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(fp)
                else:
                    raise ValueError(f"unsupported .npy format version {version}")
                header = fp.tell()
        except Exception as exc:
            raise self.error(f"is damaged: array {name!r} has no readable header ({one_line(exc)})") from None
        if dtype.hasobject or dtype.kind not in "biufU" or dtype.fields is not None:
            raise self.error(f"is refused: array {name!r} holds {dtype} values (only numbers are loaded, "
                             "never pickled objects)")
        if len(shape) > 32 or not all(isinstance(n, int) and n >= 0 for n in shape):
            raise self.error(f"is damaged: array {name!r} declares the shape {shape!r}")
        nbytes = math.prod(shape) * dtype.itemsize  # Python ints: a crafted shape cannot overflow
        if header + nbytes != info.file_size:
            raise self.error(f"is damaged: array {name!r} declares {nbytes:,} bytes of data, the archive "
                             f"holds {max(info.file_size - header, 0):,}")
        return Member(name, info, tuple(shape), dtype, nbytes)

    def read(self, name: str) -> np.ndarray:
        """The array ``name``, read now (its size is known to fit)."""
        member = self.members[name]
        try:
            with self._zip.open(member.info) as fp:
                array = np.lib.format.read_array(fp, allow_pickle=False)
        except Exception as exc:  # a CRC error, a truncated member, a failed decompression
            raise self.error(f"is damaged: array {name!r} cannot be read ({one_line(exc)})") from None
        if array.shape != member.shape or array.dtype != member.dtype:
            raise self.error(f"is damaged: array {name!r} changed between its header and its data")
        return array


def _open(path: Path, what: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no such file: {path}") from None
    except PermissionError:
        raise SerializationError(f"{what}: cannot read {path}: permission denied") from None
    except IsADirectoryError:
        raise SerializationError(f"{what}: {path} is a folder, not a minigrad checkpoint") from None
    except OSError as exc:
        raise SerializationError(one_line(f"{what}: cannot read {path}: {exc.strerror or exc}")) from None
