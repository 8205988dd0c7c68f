"""Check an onrecord evidence bag with nothing but Python's standard library.

Run it from anywhere: ``python verify_bag.py [BAG]`` (BAG defaults to the bag this file
sits in). It checks, and says for each check **ok**, **FAILED** or **could not check**:

- the BagIt manifests (RFC 8493): every file's SHA-256, no file missing or added, the
  Payload-Oxum;
- each original file against the SHA-256 and size in ``data/metadata/exhibits.json``;
- each custody-log entry in ``data/custody/entries.jsonl``: its leaf hash
  (SHA-256 of 0x00 and the entry's exact bytes, RFC 6962) and its inclusion proof up to
  the signed root in ``data/custody/tree-head.json``;
- that each exhibit and item is recorded by an entry in the bag;
- the signed tree head's message and key id. The Ed25519 signature itself needs a
  library the standard library lacks: the verifier prints a one-line command that checks
  it with the ``cryptography`` package.

It exits 0 only when nothing FAILED ("could not check" is reported, never counted as ok).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

HEAD_CONTEXT = "onrecord tree head v1\n"
READ_SIZE = 1 << 20


class Report:
    """The outcome of every check, printed as it is made."""

    def __init__(self) -> None:
        self.failed = 0
        self.unchecked = 0
        self.passed = 0

    def ok(self, what: str) -> None:
        self.passed += 1
        print(f"ok               {what}")

    def fail(self, what: str) -> None:
        self.failed += 1
        print(f"FAILED           {what}")

    def could_not_check(self, what: str) -> None:
        self.unchecked += 1
        print(f"could not check  {what}")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while piece := stream.read(READ_SIZE):
            digest.update(piece)
    return digest.hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    """``{relative path: hex digest}`` from a BagIt manifest (paths percent-decoded)."""
    found: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition(" ")
        name = name.lstrip(" ").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
        found[name] = digest.lower()
    return found


def check_manifest(bag: Path, manifest: str, files: list[str], report: Report) -> bool:
    """Compare a manifest with the files it should list; True when all match."""
    path = bag / manifest
    if not path.is_file():
        report.fail(f"{manifest}: missing")
        return False
    listed = read_manifest(path)
    good = True
    for name in sorted(set(listed) - set(files)):
        report.fail(f"{name}: listed in {manifest} but missing from the bag")
        good = False
    for name in sorted(set(files) - set(listed)):
        report.fail(f"{name}: in the bag but not listed in {manifest}")
        good = False
    for name in sorted(set(listed) & set(files)):
        if file_sha256(bag / name) != listed[name]:
            report.fail(f"{name}: its SHA-256 does not match {manifest} (the file was altered)")
            good = False
    if good:
        report.ok(f"{manifest}: {len(listed)} files, every SHA-256 matches")
    return good


def payload_files(bag: Path) -> list[str]:
    """Every file under ``data/``, as a bag-relative path with forward slashes."""
    return sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())


def check_oxum(bag: Path, files: list[str], report: Report) -> None:
    """Payload-Oxum in bag-info.txt: total bytes and file count of the payload."""
    info = bag / "bag-info.txt"
    oxum = ""
    if info.is_file():
        for line in info.read_text("utf-8").splitlines():
            if line.startswith("Payload-Oxum:"):
                oxum = line.partition(":")[2].strip()
    actual = f"{sum((bag / f).stat().st_size for f in files)}.{len(files)}"
    if oxum == actual:
        report.ok(f"Payload-Oxum {oxum}")
    else:
        report.fail(f"bag-info.txt: Payload-Oxum is {oxum or 'missing'}, the payload is {actual}")


def check_exhibits(bag: Path, exhibits: list[dict[str, Any]], report: Report) -> None:
    """Each original file against the SHA-256 and size recorded for its exhibit."""
    for exhibit in exhibits:
        name = str(exhibit["file"])
        path = bag / name
        if not name.startswith("data/originals/") or ".." in Path(name).parts:
            report.fail(f"exhibit {exhibit['exhibit']}: its file {name!r} is outside the bag")
        elif not path.is_file():
            report.fail(f"{name}: exhibit {exhibit['exhibit']} is missing")
        elif path.stat().st_size != exhibit["size"] or file_sha256(path) != exhibit["sha256"]:
            report.fail(
                f"{name}: exhibit {exhibit['exhibit']} does not match the SHA-256 and size "
                "recorded in exhibits.json (the file was altered)"
            )
        else:
            report.ok(f"{name}: exhibit {exhibit['exhibit']}, SHA-256 {exhibit['sha256']}")


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_proof(leaf: bytes, index: int, size: int, proof: list[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 §2.1.3.2); None if malformed."""
    if not 0 <= index < size or any(len(p) != 32 for p in proof):
        return None
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def check_entries(
    bag: Path, head: dict[str, Any], report: Report
) -> dict[int, dict[str, Any]] | None:
    """Each entry's leaf hash and inclusion proof against the signed root."""
    path = bag / "data" / "custody" / "entries.jsonl"
    root = bytes.fromhex(str(head["root_hash"]))
    size = int(head["tree_size"])
    bodies: dict[int, dict[str, Any]] = {}
    try:
        lines = path.read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        report.fail(f"data/custody/entries.jsonl: cannot be read ({exc})")
        return None
    for number, line in enumerate(lines, start=1):
        where = f"data/custody/entries.jsonl line {number}"
        try:
            entry = json.loads(line)
            index = int(entry["index"])
            data = str(entry["data"]).encode("utf-8")
            proof = [bytes.fromhex(h) for h in entry["inclusion_proof"]]
            body = json.loads(data)
        except (ValueError, KeyError, TypeError) as exc:
            report.fail(f"{where}: not a readable entry ({exc})")
            continue
        leaf = hashlib.sha256(b"\x00" + data).digest()
        if leaf.hex() != entry.get("leaf_hash"):
            report.fail(f"{where}: entry {index}: its data does not give its leaf hash")
        elif body.get("index") != index:
            report.fail(f"{where}: entry {index}: its data names index {body.get('index')}")
        elif (reached := root_from_proof(leaf, index, size, proof)) is None or not (
            hmac.compare_digest(reached, root)
        ):
            report.fail(
                f"{where}: entry {index}: its inclusion proof does not lead to the signed root"
            )
        else:
            report.ok(f"entry {index} ({body.get('action')}): in the signed log of size {size}")
            bodies[index] = body
    return bodies


def check_links(
    bodies: dict[int, dict[str, Any]],
    exhibits: list[dict[str, Any]],
    items: list[dict[str, Any]],
    report: Report,
) -> None:
    """Each exhibit and item is recorded by a verified entry that names the same hash."""
    for exhibit in exhibits:
        body = bodies.get(int(exhibit["log_index"]))
        if body is None or body.get("sha256") != exhibit["sha256"]:
            report.fail(
                f"exhibit {exhibit['exhibit']}: no verified custody entry records SHA-256 "
                f"{exhibit['sha256']}"
            )
        else:
            report.ok(f"exhibit {exhibit['exhibit']}: recorded by entry {exhibit['log_index']}")
    for item in items:
        body = bodies.get(int(item["log_index"]))
        if body is None:
            report.fail(f"item {item['item']}: no verified custody entry records it")
        elif body.get("action") == "item.add" and body.get("digest") != item.get("digest"):
            report.fail(
                f"item {item['item']}: its digest in items.json differs from the one its "
                f"custody entry {item['log_index']} records"
            )
        else:
            report.ok(f"item {item['item']}: recorded by entry {item['log_index']}")


def signature_command(head_path: Path) -> str:
    """A one-line command that checks the head's Ed25519 signature with ``cryptography``."""
    return (
        'python -c "import json,pathlib;'
        "from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey as K;"
        f"h=json.loads(pathlib.Path({str(head_path)!r}).read_text('utf-8'));"
        "K.from_public_bytes(bytes.fromhex(h['public_key'])).verify("
        "bytes.fromhex(h['signature']),h['signed_message'].encode('utf-8'));"
        "print('signature ok')\""
    )


def check_head(bag: Path, report: Report) -> dict[str, Any] | None:
    """The signed tree head: its message is rebuilt from its fields; its key id checked."""
    path = bag / "data" / "custody" / "tree-head.json"
    try:
        head: dict[str, Any] = json.loads(path.read_text("utf-8"))
        body = {
            "log": head["log"],
            "root_hash": head["root_hash"],
            "timestamp": head["timestamp"],
            "tree_size": head["tree_size"],
        }
        public_key = bytes.fromhex(head["public_key"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        report.fail(f"data/custody/tree-head.json: cannot be read ({exc})")
        return None
    message = HEAD_CONTEXT + json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    if message != head.get("signed_message"):
        report.fail("tree-head.json: the signed message does not match the head's fields")
    elif hashlib.sha256(public_key).hexdigest() != head.get("key_id"):
        report.fail("tree-head.json: the key id is not the SHA-256 of the public key")
    else:
        report.ok(f"tree head: size {head['tree_size']}, root {head['root_hash']}")
    report.could_not_check(
        "the tree head's Ed25519 signature here (needs an Ed25519 library); check it with: "
        + signature_command(path.resolve())
    )
    return head


def load_list(path: Path, report: Report) -> list[dict[str, Any]]:
    """A JSON list from the metadata folder; an empty list (and a failure) if unreadable."""
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        report.fail(f"{path.name}: cannot be read ({exc})")
        return []
    if not isinstance(value, list):
        report.fail(f"{path.name}: is not a list")
        return []
    return value


def check_timestamps(
    bag: Path, exhibits: list[dict[str, Any]], head: dict[str, Any] | None, report: Report
) -> None:
    """Each trusted-time token covers what its index says (its signature needs OpenSSL)."""
    index_path = bag / "data" / "timestamps" / "index.json"
    if not index_path.is_file():
        return
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        report.fail(f"timestamps/index.json cannot be read: {exc}")
        return
    hashes = {str(e.get("sha256")) for e in exhibits}
    signed = str((head or {}).get("signed_message", "")).encode("utf-8")
    head_digest = hashlib.sha256(signed).hexdigest() if head else None
    for row in index.get("tokens", []):
        name = str(row.get("file", ""))
        digest = str(row.get("digest", ""))
        try:
            token = (index_path.parent / Path(name).name).read_bytes()
        except OSError:
            report.fail(f"timestamps/{name}: missing")
            continue
        if row.get("covers") == "head" and digest != head_digest:
            report.fail(f"timestamps/{name}: it covers another head than this bag's")
        elif row.get("covers") == "evidence" and digest not in hashes:
            report.fail(f"timestamps/{name}: it covers no exhibit of this bag")
        elif bytes.fromhex(digest) not in token:
            report.fail(f"timestamps/{name}: the token does not hold the hash it is said to cover")
        else:
            report.ok(f"timestamps/{name}: holds the hash of the {row.get('covers')}")
        report.could_not_check(
            f"timestamps/{name}: the authority's signature (time {row.get('time')}); check it "
            f"with: {index.get('how_to_check')}"
        )


def verify(bag: Path) -> Report:
    """Run every check on the bag at ``bag``."""
    report = Report()
    if not (bag / "bagit.txt").is_file():
        report.fail(f"{bag}: no bagit.txt, so this is not a BagIt bag")
        return report
    files = payload_files(bag)
    check_manifest(bag, "manifest-sha256.txt", files, report)
    tag_files = [
        p.name for p in bag.iterdir() if p.is_file() and not p.name.startswith("tagmanifest-")
    ]
    check_manifest(bag, "tagmanifest-sha256.txt", sorted(tag_files), report)
    check_oxum(bag, files, report)
    exhibits = load_list(bag / "data" / "metadata" / "exhibits.json", report)
    items = load_list(bag / "data" / "metadata" / "items.json", report)
    check_exhibits(bag, exhibits, report)
    head = check_head(bag, report)
    check_timestamps(bag, exhibits, head, report)
    if head is not None:
        bodies = check_entries(bag, head, report)
        if bodies is not None:
            check_links(bodies, exhibits, items, report)
    return report


def main(argv: list[str]) -> int:
    """``verify_bag.py [BAG]``: exit 0 only when nothing FAILED."""
    bag = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    report = verify(bag)
    print(
        f"\n{report.passed} ok, {report.failed} FAILED, {report.unchecked} could not check"
        + (" — the bag is NOT intact." if report.failed else ".")
    )
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
