"""Write a BagIt bag (RFC 8493) that anyone can check without onrecord.

::

    bagit.txt  bag-info.txt  manifest-sha256.txt  tagmanifest-sha256.txt
    data/originals/<exhibit>-<name>    the exhibits' exact bytes
    data/metadata/exhibits.json        number, name, SHA-256, size, how acquired
    data/metadata/items.json           the chosen messages, exactly
    data/custody/entries.jsonl         their custody entries, each with an inclusion proof
    data/custody/tree-head.json        the signed head those proofs lead to
    data/timestamps/                   RFC 3161 tokens of that head and of the exhibits
    data/case-file.pdf                 the police packet (whole-case bags)
    data/verify_bag.py                 a verifier needing only Python's standard library

The bag is built in a hidden sibling folder and renamed into place, so the folder named
is either a whole bag or absent. Originals stream from the blob store chunk by chunk and
are re-hashed on the way; a blob that no longer matches its exhibit stops the export.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from onrecord import __version__
from onrecord.cases.models import Case
from onrecord.cases.records import record_export, seal
from onrecord.errors import InputError, OnrecordError, VaultError
from onrecord.export.contents import (
    Selection,
    custody_lines,
    exhibit_record,
    head_record,
    item_record,
    select,
)
from onrecord.export.stamps import write_timestamps
from onrecord.reference.lookup import NOT_LEGAL_ADVICE
from onrecord.vault.files import fsync_dir
from onrecord.vault.home import Vault

BAGIT_TXT = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
PARTIAL_PACKET = (
    "left out: the case file lists every exhibit of the case, and this bag holds only "
    "the chosen items"
)


@dataclass(frozen=True)
class BagReport:
    """What was exported, and the SHA-256 of the tag manifest that pins the whole bag."""

    path: Path
    exhibits: list[int]
    items: list[int]
    entries: int
    tree_size: int
    root_hash: str
    payload_bytes: int
    files: int
    tagmanifest_sha256: str
    case_file: str  # "included" or why it was left out


def export_bag(
    vault: Vault, case: Case, target: Path, operator: str, item_ids: Sequence[int] = ()
) -> BagReport:
    """Write the bag for ``case`` (or only ``item_ids``) to ``target`` and log the export."""
    check_target(target)
    selection = select(case, item_ids)
    seal(vault, case)  # the head the proofs lead to covers every entry so far
    head = vault.log(case.log_name).latest_head()
    if head is None:
        raise VaultError(f"Case {case.pk}'s custody log has no signed head to export.")
    parent = target.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    work = parent / f".{target.name}.partial-{secrets.token_hex(4)}"
    work.mkdir()
    try:
        writer = _Writer(work)
        _write_payload(vault, selection, writer)
        entries = writer.jsonl("data/custody/entries.jsonl", custody_lines(vault, selection, head))
        writer.json("data/custody/tree-head.json", head_record(vault, head))
        write_timestamps(writer, selection, head)
        case_file = _write_case_file(vault, selection, writer, operator)
        verifier = resources.files("onrecord.export").joinpath("verify_bag.py").read_bytes()
        writer.write("data/verify_bag.py", verifier)
        tagmanifest = _write_tags(writer, selection, case_file)
        if target.exists():
            target.rmdir()  # check_target saw it empty
        work.rename(target)
        fsync_dir(parent)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    report = BagReport(
        path=target,
        exhibits=[e.exhibit for e in selection.exhibits],
        items=selection.item_ids,
        entries=entries,
        tree_size=head.tree_size,
        root_hash=head.root_hash,
        payload_bytes=writer.payload_bytes,
        files=len(writer.payload),
        tagmanifest_sha256=tagmanifest,
        case_file=case_file,
    )
    record_export(
        vault,
        case,
        operator,
        {
            "document": "bagit-export",
            "format": "bag",
            "sha256": tagmanifest,
            "items": sorted(set(item_ids)),
            "whole_case": selection.whole_case,
            "exhibits": report.exhibits,
            "entries": report.entries,
            "tree_size": head.tree_size,
            "root_hash": head.root_hash,
            "payload_bytes": report.payload_bytes,
            "files": report.files,
        },
    )
    return report


def check_target(target: Path) -> None:
    """Refuse a file, or a folder that already holds something."""
    if target.is_dir():
        if any(target.iterdir()):
            raise InputError(
                f"{target} already exists and is not empty. Name a new folder for the bag "
                "(it is written whole or not at all, and never mixed with other files)."
            )
    elif target.exists():
        raise InputError(f"{target} is a file; name a new folder for the bag.")


class _Writer:
    """Writes bag files, fsyncs them, and keeps each payload file's SHA-256 and size."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.payload: dict[str, str] = {}
        self.payload_bytes = 0

    def stream(self, name: str, pieces: Iterable[bytes]) -> tuple[str, int]:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with path.open("xb") as out:
            for piece in pieces:
                digest.update(piece)
                size += len(piece)
                out.write(piece)
            out.flush()
            os.fsync(out.fileno())
        if name.startswith("data/"):
            self.payload[name] = digest.hexdigest()
            self.payload_bytes += size
        return digest.hexdigest(), size

    def write(self, name: str, data: bytes) -> str:
        return self.stream(name, [data])[0]

    def json(self, name: str, value: Any) -> None:
        self.write(name, json.dumps(value, indent=2, ensure_ascii=False).encode() + b"\n")

    def jsonl(self, name: str, rows: Iterable[dict[str, Any]]) -> int:
        """One JSON object per line; returns how many were written."""
        count = 0

        def lines() -> Iterator[bytes]:
            nonlocal count
            for row in rows:
                count += 1
                yield json.dumps(row, ensure_ascii=False).encode() + b"\n"

        self.stream(name, lines())
        return count

    def json_list(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        """A JSON list written as it is produced, one indented element at a time."""

        def pieces() -> Iterator[bytes]:
            separator = b"[\n"
            for row in rows:
                text = json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n  ")
                yield separator + b"  " + text.encode()
                separator = b",\n"
            yield b"[]\n" if separator == b"[\n" else b"\n]\n"

        self.stream(name, pieces())


def _write_payload(vault: Vault, selection: Selection, writer: _Writer) -> None:
    exhibits = [exhibit_record(e) for e in selection.exhibits]
    for evidence, record in zip(selection.exhibits, exhibits, strict=True):
        sha256, size = writer.stream(record["file"], vault.blobs.open_chunks(evidence.sha256))
        if sha256 != evidence.sha256 or size != evidence.size:
            raise VaultError(
                f"Exhibit {evidence.exhibit}'s stored bytes no longer match its SHA-256; "
                "nothing was exported. Run `onrecord verify` to see what is damaged."
            )
    writer.json("data/metadata/exhibits.json", exhibits)
    writer.json_list("data/metadata/items.json", (item_record(i) for i in selection.each_item()))


def _write_case_file(vault: Vault, selection: Selection, writer: _Writer, operator: str) -> str:
    """The lawyer's case file as PDF for whole-case bags; else why it is left out."""
    if not selection.whole_case:
        return PARTIAL_PACKET
    from onrecord.documents import Request, render_document

    try:
        pdf = render_document(Request(vault, selection.case, operator), "lawyer-case-file", "pdf")
    except (OnrecordError, OSError) as exc:
        return f"left out: the case file could not be made ({exc})"
    writer.write("data/case-file.pdf", pdf)
    return "included"


def _write_tags(writer: _Writer, selection: Selection, case_file: str) -> str:
    """bagit.txt, bag-info.txt and both manifests; returns the tag manifest's SHA-256."""
    tags: dict[str, str] = {}
    tags["bagit.txt"] = writer.write("bagit.txt", BAGIT_TXT)
    scope = (
        "every exhibit and item of the case"
        if selection.whole_case
        else f"only {len(selection.items)} chosen item(s) and the exhibit(s) they came from"
    )
    info = [
        ("Source-Organization", f"onrecord {__version__}"),
        ("Bagging-Date", dt.date.today().isoformat()),
        ("Bag-Software-Agent", f"onrecord {__version__} (BagIt export)"),
        ("External-Identifier", f"onrecord case {selection.case.uid.hex}"),
        (
            "External-Description",
            f"Evidence of online harassment exported from an onrecord vault: {scope}. "
            "Originals are the exact bytes acquired; data/custody proves each custody entry "
            "is in the vault's signed log. Check it with: python data/verify_bag.py",
        ),
        ("Payload-Oxum", f"{writer.payload_bytes}.{len(writer.payload)}"),
        ("Case-File", case_file),
        ("Legal-Note", NOT_LEGAL_ADVICE),
    ]
    text = "".join(f"{key}: {_one_line(value)}\n" for key, value in info)
    tags["bag-info.txt"] = writer.write("bag-info.txt", text.encode())
    manifest = "".join(f"{sha}  {_encode(name)}\n" for name, sha in sorted(writer.payload.items()))
    tags["manifest-sha256.txt"] = writer.write("manifest-sha256.txt", manifest.encode())
    tagmanifest = "".join(f"{sha}  {name}\n" for name, sha in sorted(tags.items()))
    return writer.write("tagmanifest-sha256.txt", tagmanifest.encode())


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _encode(name: str) -> str:
    """Percent-encode what RFC 8493 §2.1.3 requires in manifest paths."""
    return name.replace("%", "%25").replace("\n", "%0A").replace("\r", "%0D")
