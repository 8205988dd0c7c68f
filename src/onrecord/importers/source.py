"""A read-only, safe view of what a person gave to ``import``: a file, a folder or a zip.

Nothing is ever extracted to disk: importers read members as streams. Entries that could
hurt or mislead are refused and reported, never followed: absolute paths and ``..``
(zip-slip), symbolic links, device files. Zip bombs are bounded: at most
``MAX_ENTRIES`` entries, ``MAX_TOTAL`` bytes uncompressed in all, and a per-entry
compression ratio of ``MAX_RATIO`` once an entry is past 1 MiB; reads stop at the declared
size. A zip inside the zip is not opened (it is listed, and can be imported on its own).
"""

from __future__ import annotations

import io
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from onrecord.errors import InputError

MAX_ENTRIES = 200_000
MAX_TOTAL = 64 * 1024**3
MAX_RATIO = 200
RATIO_GRACE = 1024 * 1024


@dataclass(frozen=True)
class Refused:
    """An entry of the source that was not read, and why."""

    path: str
    reason: str


@dataclass
class Source:
    """Files of one input by their POSIX path relative to the input's root."""

    name: str
    root: Path
    kind: str  # "file", "folder" or "zip"
    _sizes: dict[str, int] = field(default_factory=dict)
    refused: list[Refused] = field(default_factory=list)
    _zip: zipfile.ZipFile | None = None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path) -> Source:
        """A source over ``path``; InputError when it cannot be read at all."""
        if path.is_symlink() and not path.exists():
            raise InputError(f"{path} is a link to something that does not exist.")
        if path.is_dir():
            return cls._folder(path)
        if not path.is_file():
            raise InputError(f"{path} does not exist or is not a regular file or folder.")
        if zipfile.is_zipfile(path):
            return cls._zipfile(path)
        return cls(name=path.name, root=path, kind="file", _sizes={path.name: path.stat().st_size})

    @classmethod
    def _folder(cls, folder: Path) -> Source:
        source = cls(name=folder.name, root=folder, kind="folder")
        for item in sorted(folder.rglob("*")):
            relative = item.relative_to(folder).as_posix()
            if item.is_symlink():
                source.refused.append(Refused(relative, "a symbolic link (not followed)"))
            elif item.is_file():
                source._sizes[relative] = item.stat().st_size
            elif not item.is_dir():
                source.refused.append(Refused(relative, "not a regular file"))
            if len(source._sizes) > MAX_ENTRIES:
                raise InputError(
                    f"{folder} holds more than {MAX_ENTRIES:,} files; import it in parts."
                )
        return source

    @classmethod
    def _zipfile(cls, path: Path) -> Source:
        try:
            archive = zipfile.ZipFile(path)
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(
                f"{path.name} is a damaged zip archive ({exc}). It may not have finished "
                "downloading: download the export again. Nothing was imported from it."
            ) from None
        if len(infos) > MAX_ENTRIES:
            raise InputError(
                f"{path.name} lists {len(infos):,} entries (more than {MAX_ENTRIES:,}); "
                "it looks like a zip bomb and was not opened."
            )
        source = cls(name=path.name, root=path, kind="zip", _zip=archive)
        total = 0
        for info in infos:
            if info.is_dir():
                continue
            reason = _unsafe_entry(info)
            if reason:
                source.refused.append(Refused(info.filename, reason))
                continue
            name = PurePosixPath(info.filename).as_posix()
            if name in source._sizes:
                source.refused.append(Refused(info.filename, "a second entry with the same name"))
                continue
            total += info.file_size
            if total > MAX_TOTAL:
                raise InputError(
                    f"{path.name} would unpack to more than {MAX_TOTAL // 1024**3} GiB; it looks "
                    "like a zip bomb and was not opened."
                )
            source._sizes[name] = info.file_size
        return source

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ------------------------------------------------------------------------

    def paths(self) -> list[str]:
        """Every readable file, sorted."""
        return sorted(self._sizes)

    def exists(self, path: str) -> bool:
        return path in self._sizes

    def size(self, path: str) -> int:
        return self._sizes[path]

    def find(self, suffix: str) -> list[str]:
        """Paths equal to ``suffix`` or ending in ``/suffix`` (case-insensitive)."""
        wanted = suffix.lower()
        return [p for p in self.paths() if p.lower() == wanted or p.lower().endswith("/" + wanted)]

    def open_file(self, path: str) -> IO[bytes]:
        """A binary stream of one file; zip members are bounded by their declared size."""
        if path not in self._sizes:
            raise InputError(f"{path} is not in {self.name}.")
        if self.kind == "file":
            return self.root.open("rb")
        if self.kind == "folder":
            return (self.root / path).open("rb")
        assert self._zip is not None
        info = self._zip.getinfo(path)
        try:
            return io.BufferedReader(_BoundedReader(self._zip.open(info), info, self.name), 1 << 20)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
            raise InputError(f"{path} in {self.name} cannot be read: {exc}.") from None

    def read_head(self, path: str, size: int = 4096) -> bytes:
        with self.open_file(path) as stream:
            return stream.read(size)

    def read_bytes(self, path: str, limit: int = 512 * 1024 * 1024) -> bytes:
        """A whole (small) file; InputError past ``limit``."""
        if self._sizes[path] > limit:
            raise InputError(f"{path} is too large to read at once ({self._sizes[path]:,} bytes).")
        with self.open_file(path) as stream:
            return stream.read()

    def walk(self) -> Iterator[tuple[str, int]]:
        for path in self.paths():
            yield path, self._sizes[path]


def _unsafe_entry(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path (refused: zip-slip)"
    if ".." in PurePosixPath(name.replace("\\", "/")).parts:
        return "a path that climbs out with '..' (refused: zip-slip)"
    file_type = stat.S_IFMT(info.external_attr >> 16)  # 0 when the zip does not say
    if file_type == stat.S_IFLNK:
        return "a symbolic link (refused)"
    if file_type not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "not a regular file (refused)"
    if info.file_size > RATIO_GRACE and info.compress_size * MAX_RATIO < info.file_size:
        return f"compressed more than {MAX_RATIO}:1 (refused: looks like a zip bomb)"
    if name.lower().endswith((".zip",)):
        return "a zip inside the zip (not opened; import it on its own)"
    return ""


class _BoundedReader(io.RawIOBase):
    """A zip member stream that never yields more than its declared size."""

    def __init__(self, inner: IO[bytes], info: zipfile.ZipInfo, archive: str) -> None:
        self._inner = inner
        self._left = info.file_size
        self._name = f"{info.filename} in {archive}"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._left <= 0:
            if self._inner.read(1):
                raise InputError(f"{self._name} holds more than its declared size (zip bomb?).")
            return 0
        view = memoryview(buffer)
        want = min(len(view), self._left)
        try:
            data = self._inner.read(want)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as exc:
            raise InputError(
                f"{self._name} is damaged ({exc}): the archive may not have finished "
                "downloading. Download the export again."
            ) from None
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()
