"""Bluesky .car importer: CAR files built here by a small writer (cbor2 with tag-42 CIDs,
sha-256 multihash, dag-cbor codec 0x71), never downloaded."""

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path
from typing import Any

import cbor2
import pytest

from onrecord.errors import InputError
from onrecord.importers.base import ImportFormatError
from onrecord.importers.bluesky import IMPORTER, decode, read_cid

from .helpers import DATA, read_all, score

DID = "did:plc:w4xbfzo7kqfes5zb7r6qv3rr"
GRIM = "did:plc:grimlark5ow3pt2yhmnusxqa"
TEXT = "Hi @grimlark.example \U0001f33f see example.org #moss"
UTC = dt.UTC


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def cid_of(data: bytes, codec: int = 0x71) -> bytes:
    return bytes([1, codec, 0x12, 32]) + hashlib.sha256(data).digest()


def link(cid: bytes) -> cbor2.CBORTag:
    return cbor2.CBORTag(42, b"\x00" + cid)


class CarWriter:
    """Blocks in the order they are added; ``build`` writes header and blocks."""

    def __init__(self) -> None:
        self.blocks: list[tuple[bytes, bytes]] = []

    def add(self, value: Any) -> bytes:
        data = cbor2.dumps(value)
        cid = cid_of(data)
        self.blocks.append((cid, data))
        return cid

    def build(self, root: bytes) -> bytes:
        header = cbor2.dumps({"roots": [link(root)], "version": 1})
        out = varint(len(header)) + header
        for cid, data in self.blocks:
            out += varint(len(cid) + len(data)) + cid + data
        return out


def node(
    entries: list[tuple[str, bytes, bytes | None]], left: bytes | None = None
) -> dict[str, Any]:
    """An MST node: keys are prefix-compressed against the previous key of the node."""
    out, previous = [], b""
    for key, value, right in entries:
        raw = key.encode()
        shared = 0
        while shared < min(len(raw), len(previous)) and raw[shared] == previous[shared]:
            shared += 1
        out.append(
            {"p": shared, "k": raw[shared:], "v": link(value), "t": link(right) if right else None}
        )
        previous = raw
    return {"l": link(left) if left else None, "e": out}


def byte_span(text: str, part: str) -> dict[str, int]:
    start = text.encode().index(part.encode())
    return {"byteStart": start, "byteEnd": start + len(part.encode())}


def post(text: str, created: str, **more: Any) -> dict[str, Any]:
    return {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": created,
        "langs": ["en"],
        **more,
    }


def image(seed: bytes, alt: str) -> dict[str, Any]:
    blob = {
        "$type": "blob",
        "ref": link(cid_of(seed, 0x55)),
        "mimeType": "image/jpeg",
        "size": 4321,
    }
    return {"alt": alt, "image": blob, "aspectRatio": {"width": 4, "height": 3}}


def repo(
    tmp_path: Path, *, tamper: bool = False, drop_post: bool = False
) -> tuple[Path, dict[str, Any]]:
    """A repository: profile, a like, five posts in a two-level tree, one loose post."""
    car = CarWriter()
    facets = [
        {
            "index": byte_span(TEXT, "@grimlark.example"),
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": GRIM}],
        },
        {
            "index": byte_span(TEXT, "example.org"),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.org/"}],
        },
        {
            "index": byte_span(TEXT, "#moss"),
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "moss"}],
        },
        {"index": {"byteStart": 21, "byteEnd": 23}, "features": []},  # inside the 4-byte emoji
    ]
    parent = f"at://{GRIM}/app.bsky.feed.post/3kgrimaaaaa2a"
    records: dict[str, dict[str, Any]] = {
        "app.bsky.actor.profile/self": {
            "$type": "app.bsky.actor.profile",
            "displayName": "Moss Keeper",
            "description": "invented test account",
        },
        "app.bsky.feed.like/3kaaaaaaaaa2b": {
            "$type": "app.bsky.feed.like",
            "createdAt": "2024-01-02T00:00:00Z",
            "subject": {"uri": parent, "cid": "bafyreib2rxk3rh6kzwq"},
        },
        "app.bsky.feed.post/3kaaaaaaaaa1a": post(TEXT, "2024-01-05T10:00:00.000Z", facets=facets),
        "app.bsky.feed.post/3kaaaaaaaaa3c": post(
            "please leave me alone",
            "2024-01-06T08:30:00.123Z",
            reply={
                "root": {"uri": parent, "cid": "bafyreiroot"},
                "parent": {"uri": parent, "cid": "bafyreiparent"},
            },
            embed={
                "$type": "app.bsky.embed.images",
                "images": [image(b"one", "their post"), image(b"two", "")],
            },
        ),
        "app.bsky.feed.post/3kaaaaaaaaa4d": post(
            "quoting this for the record",
            "2024-01-07T12:00:00+02:00",
            embed={
                "$type": "app.bsky.embed.recordWithMedia",
                "record": {
                    "$type": "app.bsky.embed.record",
                    "record": {
                        "uri": f"at://{GRIM}/app.bsky.feed.post/3kgrimaaaaa9z",
                        "cid": "bafyreiq",
                    },
                },
                "media": {
                    "$type": "app.bsky.embed.images",
                    "images": [image(b"three", "screenshot")],
                },
            },
        ),
        "app.bsky.feed.post/3kaaaaaaaaa5e": post("local time, no offset", "2024-01-08T09:00:00"),
        "app.bsky.feed.post/3kaaaaaaaaa6f": post("a post that was changed", "2024-01-09T09:00:00Z"),
    }
    cids = {}
    for key, record in records.items():
        if key.endswith("6f") and tamper:
            data = cbor2.dumps(record)
            cids[key] = cid_of(data)
            altered = cbor2.dumps({**record, "text": "a post that was CHANGED"})
            car.blocks.append((cids[key], altered))
        elif key.endswith("5e") and drop_post:
            cids[key] = cid_of(cbor2.dumps(record))
        else:
            cids[key] = car.add(record)
    keys = sorted(records)
    left = car.add(node([(k, cids[k], None) for k in keys[:3]]))
    right = car.add(node([(k, cids[k], None) for k in keys[4:]]))
    root_node = car.add(node([(keys[3], cids[keys[3]], right)], left=left))
    car.add(post("a post no key names", "2024-01-10T00:00:00Z"))  # loose block
    commit = car.add(
        {
            "did": DID,
            "version": 3,
            "data": link(root_node),
            "rev": "3kaaaaaaaab2c",
            "prev": None,
            "sig": b"\x01" * 64,
        }
    )
    car.blocks.insert(0, car.blocks.pop())  # the commit first, as exports have it
    path = tmp_path / "repo.car"
    path.write_bytes(car.build(commit))
    return path, {"cids": cids, "commit": commit, "root": root_node, "left": left, "car": car}


def test_reads_posts_with_facets_replies_and_images(tmp_path: Path) -> None:
    path, _ = repo(tmp_path)
    assert score(IMPORTER, path) == 1.0
    items, unparsed = read_all(IMPORTER, path, "Europe/Paris")
    assert unparsed == []
    by_key = {item.platform_id: item for item in items}
    assert len(items) == 6
    first = by_key[f"at://{DID}/app.bsky.feed.post/3kaaaaaaaaa1a"]
    assert first.text == TEXT
    assert first.kind == "post" and first.platform == "bluesky"
    assert first.author is not None
    assert (first.author.platform_id, first.author.handle) == (DID, "")
    assert first.author.display_name == "Moss Keeper"
    assert first.sent_at == dt.datetime(2024, 1, 5, 10, 0, tzinfo=UTC)
    assert not first.time_zone_assumed
    assert first.url == f"https://bsky.app/profile/{DID}/post/3kaaaaaaaaa1a"
    assert first.conversation == DID
    spans = [(f.get("start"), f.get("end"), f.get("text")) for f in first.extra["facets"]]
    assert spans[:3] == [(3, 20, "@grimlark.example"), (27, 38, "example.org"), (39, 44, "#moss")]
    assert first.extra["facets"][1]["byte_start"] == 30  # the emoji is 4 bytes but 1 character
    assert first.extra["facets"][0]["features"] == [{"type": "mention", "did": GRIM}]
    assert first.extra["facets"][3]["invalid"] is True
    assert first.extra["cid"].startswith("bafyrei")
    assert first.raw["facets"][0]["index"] == byte_span(TEXT, "@grimlark.example")

    reply = by_key[f"at://{DID}/app.bsky.feed.post/3kaaaaaaaaa3c"]
    assert reply.reply_to == f"at://{GRIM}/app.bsky.feed.post/3kgrimaaaaa2a"
    assert reply.sent_at == dt.datetime(2024, 1, 6, 8, 30, 0, 123000, tzinfo=UTC)
    assert [a.missing for a in reply.attachments] == ["blobs are not in the .car export"] * 2
    assert all(a.path is None and a.name.startswith("bafkrei") for a in reply.attachments)
    assert reply.attachments[0].name.endswith(".jpeg")
    assert reply.extra["alt_texts"] == ["their post", ""]
    assert (
        reply.raw["embed"]["images"][0]["image"]["ref"]["$link"] == reply.attachments[0].name[:-5]
    )

    quote = by_key[f"at://{DID}/app.bsky.feed.post/3kaaaaaaaaa4d"]
    assert quote.sent_at == dt.datetime(2024, 1, 7, 10, 0, tzinfo=UTC)
    assert quote.extra["quote"] == f"at://{GRIM}/app.bsky.feed.post/3kgrimaaaaa9z"
    assert len(quote.attachments) == 1

    local = by_key[f"at://{DID}/app.bsky.feed.post/3kaaaaaaaaa5e"]
    assert local.time_zone_assumed
    assert local.sent_at == dt.datetime(2024, 1, 8, 8, 0, tzinfo=UTC)  # 09:00 in Paris
    assert local.sent_at_original == "2024-01-08T09:00:00"

    loose = by_key[None]
    assert loose.text == "a post no key names"
    assert loose.extra["not_in_tree"] is True
    assert loose.position.startswith("repo.car block ")


def test_block_that_does_not_match_its_cid_is_unparsed(tmp_path: Path) -> None:
    """A post whose bytes were changed after its CID was computed is reported, not imported:
    its content cannot be trusted as evidence, but the rest of the repository still can."""
    path, _ = repo(tmp_path, tamper=True)
    items, unparsed = read_all(IMPORTER, path)
    assert len(items) == 5
    assert "a post that was CHANGED" not in [item.text for item in items]
    assert [u.position for u in unparsed] == ["repo.car app.bsky.feed.post/3kaaaaaaaaa6f"]
    assert unparsed[0].message.startswith("its bytes do not match its CID bafyrei")
    assert "altered or damaged" in unparsed[0].message
    assert bytes.fromhex(unparsed[0].raw) == cbor2.dumps(
        post("a post that was CHANGED", "2024-01-09T09:00:00Z")
    )


def test_partial_export_lacking_a_post_block(tmp_path: Path) -> None:
    path, _ = repo(tmp_path, drop_post=True)
    items, unparsed = read_all(IMPORTER, path)
    assert len(items) == 5
    assert [(u.position, u.message) for u in unparsed] == [
        (
            "repo.car app.bsky.feed.post/3kaaaaaaaaa5e",
            "its block is not in the file (partial export)",
        )
    ]


def test_truncated_car_is_a_clear_error(tmp_path: Path) -> None:
    path, _ = repo(tmp_path)
    data = path.read_bytes()
    cut = tmp_path / "cut.car"
    cut.write_bytes(data[: len(data) - 40])
    with pytest.raises(ImportFormatError) as error:
        read_all(IMPORTER, cut)
    assert "it ends in the middle of block" in str(error.value)
    assert "export it again" in str(error.value)
    assert error.value.position.startswith("cut.car block ")
    header_only = tmp_path / "header.car"
    header_only.write_bytes(data[:10])
    with pytest.raises(
        ImportFormatError, match=r"not a CAR version 1 file with a root \(its header is damaged\)"
    ):
        read_all(IMPORTER, header_only)
    empty = tmp_path / "empty.car"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="the file is empty"):
        read_all(IMPORTER, empty)


def test_damaged_tree_node_stops_the_unit(tmp_path: Path) -> None:
    _, parts = repo(tmp_path)
    car: CarWriter = parts["car"]
    car.blocks = [
        (cid, data + b"\x00" if cid == parts["left"] else data) for cid, data in car.blocks
    ]
    bad = tmp_path / "bad-node.car"
    bad.write_bytes(car.build(parts["commit"]))
    with pytest.raises(
        ImportFormatError, match=r"its tree node block \(bafyrei\w+\) does not match its hash"
    ):
        read_all(IMPORTER, bad)
    car.blocks = [(cid, data) for cid, data in car.blocks if cid != parts["commit"]]
    no_commit = tmp_path / "no-commit.car"
    no_commit.write_bytes(car.build(parts["commit"]))
    with pytest.raises(
        ImportFormatError, match=r"its commit block \(bafyrei\w+\) is missing or unreadable"
    ):
        read_all(IMPORTER, no_commit)


def test_car_inside_a_zip(tmp_path: Path) -> None:
    path, _ = repo(tmp_path)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(path, "bluesky/repo.car")
        zf.writestr("bluesky/readme.txt", "my export")
    assert score(IMPORTER, archive) == 1.0
    items, unparsed = read_all(IMPORTER, archive)
    assert len(items) == 6 and unparsed == []
    assert {item.position.split(" ")[0] for item in items} == {"bluesky/repo.car"}


def test_cid_and_cbor_reading() -> None:
    data = cbor2.dumps({"a": 1})
    cid, end = read_cid(cid_of(data) + b"rest")
    assert end == 36
    assert (cid.codec, cid.hash_code, cid.digest) == (0x71, 0x12, hashlib.sha256(data).digest())
    assert cid.matches(data) and not cid.matches(data + b"x")
    assert str(cid).startswith("bafyrei") and len(str(cid)) == 59
    assert decode(cbor2.dumps({"l": link(cid.raw)})) == {"l": cid}
    with pytest.raises(ValueError, match="CID version 0"):
        read_cid(b"\x00\x71\x12\x20" + bytes(32))
    with pytest.raises(ValueError, match="0x00 prefix"):
        decode(cbor2.dumps(cbor2.CBORTag(42, cid.raw)))
    with pytest.raises(ValueError, match="cut short"):
        read_cid(cid.raw[:20])


def test_score_is_zero_for_other_formats(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("just some notes\n")
    assert score(IMPORTER, text) == 0.0
    json_file = tmp_path / "data.json"
    json_file.write_text('{"messages": []}')
    assert score(IMPORTER, json_file) == 0.0
    fake = tmp_path / "fake.car"
    fake.write_bytes(b"this is not a car file at all")
    assert score(IMPORTER, fake) < 0.5
    for other in ("mastodon/archive", "x/2022_tweets"):
        assert score(IMPORTER, DATA / other) == 0.0


def test_committed_sample_is_this_writers_output(tmp_path: Path) -> None:
    """tests/data/imports/bluesky/repo.car (for detection tests) is ``repo()``'s output."""
    path, _ = repo(tmp_path)
    sample = DATA / "bluesky" / "repo.car"
    assert sample.read_bytes() == path.read_bytes()
    items, unparsed = read_all(IMPORTER, sample)
    assert (len(items), len(unparsed)) == (6, 0)


def test_score_is_zero_on_the_samples_of_other_formats() -> None:
    others = [
        path for folder in DATA.iterdir() if folder.name != "bluesky" for path in folder.iterdir()
    ]
    assert len(others) > 5
    for path in others:
        try:
            assert score(IMPORTER, path) == 0.0, path
        except InputError:
            continue  # a deliberately damaged sample that cannot even be opened
