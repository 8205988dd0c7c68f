"""The import Source: files, folders and zips read safely, never extracted."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest

from onrecord.errors import InputError
from onrecord.importers import source as source_module
from onrecord.importers.source import Source


def make_zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return path


def test_single_file_folder_and_zip(tmp_path: Path) -> None:
    single = tmp_path / "chat.txt"
    single.write_text("hello")
    with Source.open(single) as source:
        assert (source.kind, source.paths()) == ("file", ["chat.txt"])
        assert source.read_bytes("chat.txt") == b"hello"
    folder = tmp_path / "export"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "tweets.js").write_text("x")
    (folder / "top.json").write_text("{}")
    with Source.open(folder) as source:
        assert source.paths() == ["data/tweets.js", "top.json"]
        assert source.find("tweets.js") == ["data/tweets.js"]
    archive = make_zip(tmp_path / "e.zip", {"a/b.txt": b"bee", "c.txt": b"sea"})
    with Source.open(archive) as source:
        assert source.kind == "zip" and source.paths() == ["a/b.txt", "c.txt"]
        with source.open_file("a/b.txt") as stream:
            assert stream.read() == b"bee"
        assert source.read_head("c.txt", 2) == b"se"


def test_zip_slip_absolute_paths_and_symlinks_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("../../etc/passwd", b"root")
        archive.writestr("/abs/path.txt", b"abs")
        archive.writestr("ok/fine.txt", b"fine")
        link = zipfile.ZipInfo("ok/link")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/shadow")
        archive.writestr("inner.zip", make_zip(tmp_path / "inner.zip", {"x": b"y"}).read_bytes())
    with Source.open(path) as source:
        assert source.paths() == ["ok/fine.txt"]
        reasons = {r.path: r.reason for r in source.refused}
    assert "zip-slip" in reasons["../../etc/passwd"]
    assert "absolute path" in reasons["/abs/path.txt"]
    assert "symbolic link" in reasons["ok/link"]
    assert "zip inside the zip" in reasons["inner.zip"]
    assert not (tmp_path.parent / "etc").exists()


def test_folder_symlinks_are_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "real.txt").write_text("ok")
    os.symlink(secret, folder / "link.txt")
    with Source.open(folder) as source:
        assert source.paths() == ["real.txt"]
        assert [r.path for r in source.refused] == ["link.txt"]


def test_zip_bombs_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.bin": bytes(50 * 1024 * 1024)})
    with Source.open(bomb) as source:
        assert source.paths() == []
        assert "zip bomb" in source.refused[0].reason
    many = make_zip(tmp_path / "many.zip", {f"f{i}.txt": b"x" for i in range(50)})
    monkeypatch.setattr(source_module, "MAX_ENTRIES", 10)
    with pytest.raises(InputError, match="zip bomb"):
        Source.open(many)
    monkeypatch.setattr(source_module, "MAX_ENTRIES", 200_000)
    monkeypatch.setattr(source_module, "MAX_TOTAL", 20)
    with pytest.raises(InputError, match="would unpack to more than"):
        Source.open(many)


def test_a_member_that_lies_about_its_size_stops_at_the_declared_size(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "liar.zip", {"a.txt": b"A" * 100})
    data = bytearray(path.read_bytes())
    # shrink the declared uncompressed size in the central directory to 10
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    with Source.open(path) as source, pytest.raises((InputError, zipfile.BadZipFile)):
        source.read_bytes("a.txt")


def test_truncated_zip_is_a_clear_error(tmp_path: Path) -> None:
    path = make_zip(tmp_path / "cut.zip", {f"f{i}.txt": os.urandom(5000) for i in range(5)})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    # half a zip has no central directory: it is not recognised as a zip at all
    with Source.open(path) as source:
        assert source.kind == "file"
    path.write_bytes(data[:-30])  # the end of the central directory is cut
    with Source.open(path) as source:
        assert source.kind == "file"
    damaged = bytearray(data)
    local = damaged.find(b"PK\x03\x04", 10)
    damaged[local + 40 : local + 200] = bytes(160)  # a member's compressed bytes overwritten
    path.write_bytes(bytes(damaged))
    with Source.open(path) as source, pytest.raises(InputError, match="is damaged"):
        for name in source.paths():
            source.read_bytes(name)


def test_missing_input_is_explained(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        Source.open(tmp_path / "nope.zip")
