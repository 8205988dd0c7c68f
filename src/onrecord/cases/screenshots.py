"""Screenshots become items: an image exhibit is read by OCR and each message recovered
from it is recorded like any imported message, pointing back at the image and the box it
was read from.

The image itself is evidence and stays untouched; the items are derived and say so: their
``extra["ocr"]`` holds the engine (name, version, models), the layout read (chat, post or
text) with its confidence and reasons, and every OCR line with its box and score, and all
of it is fixed in the custody log by each item's digest (one ``item.add`` entry per item,
written in the same transaction as the rows, so ``onrecord verify`` checks them).

A name read by OCR becomes an account of the case (by display name, or by handle for a
post), and the item says the author came from OCR, so nobody mistakes a guess from pixels
for an identity a platform export states. A shown time becomes ``sent_at`` only when the
picture shows a full date and time, taken in the case's time zone (``time_zone_assumed``).

Reading an image again adds nothing already recorded: a message is known by its
de-duplication key (author, time, text) within the image, counted, so two identical
"ok" bubbles in one picture stay two items.
"""

from __future__ import annotations

import hashlib
import json
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from onrecord.analysis.ocr import OcrPage, read_image
from onrecord.analysis.screen_layout import (
    ScreenLayout,
    ScreenMessage,
    parse_shown_time,
    read_layout,
)
from onrecord.cases.items import add_items, find_or_create_account, prepare_item
from onrecord.cases.models import Account, Case, Evidence, Item
from onrecord.errors import InputError, IntegrityError
from onrecord.vault.home import Vault

IMAGE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "image/tiff"}
)
MAX_IMAGE_BYTES = 200 * 1024 * 1024  # read whole into memory: refuse anything bigger
SOURCE = "ocr"

_KIND = {"chat": Item.Kind.MESSAGE, "post": Item.Kind.POST, "text": Item.Kind.OTHER}


def is_image(media_type: str) -> bool:
    """Is this a picture OCR can read (PNG, JPEG, GIF, WebP, BMP, TIFF)?"""
    return media_type.split(";")[0].strip().lower() in IMAGE_TYPES


@dataclass
class ScreenshotReading:
    """What reading one image gave: the layout, the items added, and what was known."""

    evidence: Evidence
    page: OcrPage
    layout: ScreenLayout
    items: list[Item] = field(default_factory=list)
    already_recorded: int = 0

    @property
    def summary(self) -> str:
        """One line for a person: what was read from which exhibit, and how sure."""
        name = f"screenshot {self.evidence.original_name} (exhibit {self.evidence.exhibit})"
        if not self.layout.messages:
            return f"no legible text in {name}; nothing was recorded from it"
        found = len(self.layout.messages)
        unit = {"chat": "message", "post": "post", "text": "paragraph"}[self.layout.kind]
        text = (
            f"read {found} {unit}{'' if found == 1 else 's'} from {name}: "
            f"{self.layout.kind}, confidence {self.layout.confidence:.1f}"
        )
        if self.already_recorded:
            text += f"; {self.already_recorded} already recorded, {len(self.items)} new"
        return text


def ocr_evidence(
    vault: Vault,
    case: Case,
    evidence: Evidence,
    *,
    platform: str = "screenshot",
    operator: str | None = None,
) -> list[Item]:
    """Read an image exhibit and record each message found; the new items (see module)."""
    return read_screenshot(vault, case, evidence, platform=platform, operator=operator).items


def read_screenshot(
    vault: Vault,
    case: Case,
    evidence: Evidence,
    *,
    platform: str = "screenshot",
    operator: str | None = None,
) -> ScreenshotReading:
    """``ocr_evidence`` with the layout and counts a command reports.

    ``operator`` defaults to the person who acquired the image. Raises ``InputError``
    for an exhibit that is not a readable image and ``IntegrityError`` when the stored
    bytes no longer hash to what was recorded (nothing is read from altered evidence).
    """
    if evidence.case_id != case.pk:
        raise InputError(
            f"Exhibit {evidence.exhibit} belongs to case {evidence.case_id}, not case {case.pk}; "
            "its text is read into its own case."
        )
    data = _image_bytes(vault, evidence)
    page = read_image(data)
    layout = read_layout(page)
    reading = ScreenshotReading(evidence, page, layout)
    conversation = f"image:{evidence.blob_id[:16]}"
    zone = zoneinfo.ZoneInfo(case.time_zone)
    accounts: dict[tuple[str, str], Account] = {}
    built = [
        _item(case, evidence, page, layout, message, platform, conversation, zone, accounts)
        for message in layout.messages
        if message.text.strip()
    ]
    known = Counter(
        Item.objects.filter(
            case=case, evidence=evidence, platform=platform, conversation=conversation
        ).values_list("dedupe_key", flat=True)
    )
    new: list[Item] = []
    for item in built:
        key = prepare_item(item).dedupe_key
        if known[key] > 0:
            known[key] -= 1
            reading.already_recorded += 1
        else:
            new.append(item)
    if new:
        reading.items = add_items(vault, case, new, operator or evidence.acquired_by, SOURCE)
    return reading


def _image_bytes(vault: Vault, evidence: Evidence) -> bytes:
    """The exhibit's bytes, checked against its recorded SHA-256 before anything reads them."""
    label = f"exhibit {evidence.exhibit} ({evidence.original_name})"
    if not is_image(evidence.media_type):
        raise InputError(
            f"{label} is {evidence.media_type}, not a picture OCR can read "
            "(PNG, JPEG, GIF, WebP, BMP or TIFF)."
        )
    if evidence.purged_at is not None:
        raise InputError(f"{label} was purged: its bytes are gone, so it cannot be read.")
    if evidence.size > MAX_IMAGE_BYTES:
        raise InputError(
            f"{label} is {evidence.size:,} bytes, more than the {MAX_IMAGE_BYTES:,} bytes "
            "onrecord reads as one picture; it stays stored as it is."
        )
    data = b"".join(vault.blobs.open_chunks(evidence.blob_id))
    if hashlib.sha256(data).hexdigest() != evidence.blob_id:
        raise IntegrityError(
            f"The stored bytes of {label} do not match the SHA-256 recorded when it was "
            "acquired, so nothing was read from it. Run `onrecord verify` to see what changed."
        )
    return data


def _item(
    case: Case,
    evidence: Evidence,
    page: OcrPage,
    layout: ScreenLayout,
    message: ScreenMessage,
    platform: str,
    conversation: str,
    zone: zoneinfo.ZoneInfo,
    accounts: dict[tuple[str, str], Account],
) -> Item:
    kind = _KIND[layout.kind]
    if layout.kind == "chat" and message.side == "center":
        kind = Item.Kind.SYSTEM
    author = None
    if message.author or message.handle:
        handle = (message.handle or "").lstrip("@")
        name = message.author if message.author != message.handle else ""
        key = (handle, name or "")
        if key not in accounts:
            accounts[key] = find_or_create_account(
                case, platform=platform, handle=handle[:300], display_name=(name or "")[:300]
            )
        author = accounts[key]
    shown = parse_shown_time(message.shown_time)
    x0, y0, x1, y1 = message.box
    ocr: dict[str, Any] = {
        "engine": page.engine,
        "confidence": message.confidence,
        "layout": layout.kind,
        "layout_confidence": layout.confidence,
        "layout_reasons": list(layout.reasons),
        "side": message.side,
        "from_phone_owner": layout.kind == "chat" and message.side == "right",
        "author_read_by_ocr": author is not None,
        "lines": [
            {"text": line.text, "box": list(line.box), "confidence": line.confidence}
            for line in message.lines
        ],
    }
    return Item(
        case=case,
        platform=platform,
        kind=kind,
        author=author,
        text=message.text,
        sent_at=shown.replace(tzinfo=zone) if shown else None,
        sent_at_original=(message.shown_time or "")[:200],
        time_zone_assumed=shown is not None,
        evidence=evidence,
        position=json.dumps(
            {"box": [x0, y0, x1, y1], "page": [page.width, page.height]}, separators=(",", ":")
        ),
        conversation=conversation,
        extra={"ocr": ocr},
    )


__all__ = ["ScreenshotReading", "is_image", "ocr_evidence", "read_screenshot"]
