"""Items and accounts: identity (for de-duplication), digests (for the custody log), and
recording items typed or pasted by hand.

An item's *dedupe key* says which message it is: the platform's own id within its
conversation where the source has one, else author, time and text. Its *content hash*
says which version of that message it is, so an edit becomes a new row linked to the old.
Its *digest* fixes every recorded field in the custody log; ``ITEM_FIELDS_VERSION`` names
the field set, so entries written by older versions still verify.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction

from onrecord.cases.models import Account, Case, Item, Label
from onrecord.cases.records import seal
from onrecord.vault.custody import iso_utc
from onrecord.vault.home import Vault

ITEM_FIELDS_VERSION = 2


def stable_json(value: Any) -> bytes:
    """Deterministic JSON for digests (sorted keys; floats allowed, in Python's repr)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_of(value: Any) -> str:
    return hashlib.sha256(stable_json(value)).hexdigest()


def _sha256_parts(*parts: str) -> str:
    """SHA-256 of strings, each length-prefixed so no two lists of parts collide."""
    return hashlib.sha256("".join(f"{len(p)}:{p}" for p in parts).encode("utf-8")).hexdigest()


def dedupe_key(
    platform: str,
    conversation: str,
    platform_id: str | None,
    author_key: str,
    sent_at: dt.datetime | None,
    text: str,
) -> str:
    """Which message this is: its id in its conversation, else who, when and what."""
    if platform_id:
        return _sha256_parts("id", platform, conversation, platform_id)
    when = iso_utc(sent_at) if sent_at else ""
    return _sha256_parts("content", platform, conversation, author_key, when, text)


def content_hash(text: str, deleted: bool, attachment_names: Sequence[str]) -> str:
    """Which version of the message this is."""
    return _sha256_parts(text, "deleted" if deleted else "", *attachment_names)


def item_fields(item: Item, version: int = ITEM_FIELDS_VERSION) -> dict[str, Any]:
    """The recorded fields of an item, as the custody log's digest fixes them."""
    fields: dict[str, Any] = {
        "platform": item.platform,
        "kind": item.kind,
        "author": item.author_id,
        "recipients": list(item.recipients),
        "text": item.text,
        "sent_at": iso_utc(item.sent_at) if item.sent_at else None,
        "sent_at_original": item.sent_at_original,
        "time_zone_assumed": item.time_zone_assumed,
        "url": item.url,
        "platform_id": item.platform_id,
        "evidence": item.evidence_id,
        "position": item.position,
    }
    if version == 1:
        fields["reply_to"] = item.reply_to_id
        return fields
    fields.update(
        conversation=item.conversation,
        in_reply_to=item.in_reply_to,
        previous_version=item.previous_version_id,
        deleted_at_source=item.deleted_at_source,
        edited_at=iso_utc(item.edited_at) if item.edited_at else None,
        dedupe_key=item.dedupe_key,
        content_hash=item.content_hash,
        raw=item.raw,
        extra=item.extra,
    )
    return fields


def item_digest(item: Item, version: int = ITEM_FIELDS_VERSION) -> str:
    """The digest of an item's recorded fields (``fields_version`` of its log entry)."""
    fields = item_fields(item, version)
    if version == 1:
        return sha256_of(fields)
    return digest_v2(
        fields,
        stable_json(fields.pop("recipients")).decode(),
        stable_json(fields.pop("raw")).decode(),
        stable_json(fields.pop("extra")).decode(),
    )


V2_SCALARS: tuple[str, ...] = (
    "platform",
    "kind",
    "author",
    "text",
    "sent_at",
    "sent_at_original",
    "time_zone_assumed",
    "url",
    "platform_id",
    "evidence",
    "position",
    "conversation",
    "in_reply_to",
    "previous_version",
    "deleted_at_source",
    "edited_at",
    "dedupe_key",
    "content_hash",
)


def _typed(value: Any) -> str:
    """A scalar as text that keeps its type: None, booleans, numbers and strings differ."""
    if value is None:
        return "n"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, int):
        return f"i{value}"
    return f"s{value}"


def digest_v2(scalars: Mapping[str, Any], recipients: str, raw: str, extra: str) -> str:
    """Version 2: the scalar fields (``V2_SCALARS`` order) plus the JSON text of the
    structured ones.

    The import pipeline serialises recipients, raw and extra once for the database and
    hashes that same text here; verification re-serialises what the database returns,
    which gives the same text (sorted keys, Python's float repr).
    """
    return _sha256_parts(*(_typed(scalars[name]) for name in V2_SCALARS), recipients, raw, extra)


def items_digest(digests: Iterable[str]) -> str:
    """One digest over many items' digests, in the order given (insertion order)."""
    running = hashlib.sha256()
    for one in digests:
        running.update(bytes.fromhex(one))
    return running.hexdigest()


def triage_fields(item_id: int, model_version: str, scores: Any, model_labels: Any) -> Any:
    """What a ``triage.batch`` entry fixes of one item (the model's own output)."""
    rounded = {k: round(float(v), 4) for k, v in sorted(dict(scores).items())}
    return [item_id, model_version, rounded, list(model_labels)]


def label_fields(made: Label) -> list[Any]:
    return [made.item_id, made.label, made.decision, made.by, made.note]


def author_key(account: Account | None) -> str:
    if account is None:
        return ""
    return account.platform_id or account.handle or account.display_name


def find_or_create_account(
    case: Case,
    *,
    platform: str,
    handle: str = "",
    platform_id: str | None = None,
    display_name: str = "",
) -> Account:
    """The case's account with this platform id, else this handle; created if new.

    A known id under a new handle or name is the same account renamed: the latest handle
    and name are kept, and the earlier ones are added to ``names_seen``.
    """
    query = Account.objects.filter(case=case, platform=platform)
    account = None
    if platform_id:
        account = query.filter(platform_id=platform_id).first()
    elif handle:
        account = query.filter(handle=handle).first()
    elif display_name:
        account = query.filter(handle="", platform_id=None, display_name=display_name).first()
    if account is None:
        return Account.objects.create(
            case=case,
            platform=platform,
            handle=handle,
            platform_id=platform_id or None,
            display_name=display_name,
        )
    renamed = False
    for old, new in ((account.handle, handle), (account.display_name, display_name)):
        if new and old and old != new and old not in account.names_seen:
            account.names_seen = [*account.names_seen, old]
            renamed = True
    if renamed or (handle and not account.handle) or (display_name and not account.display_name):
        account.handle = handle or account.handle
        account.display_name = display_name or account.display_name
        account.save(update_fields=["handle", "display_name", "names_seen"])
    return account


def prepare_item(item: Item, attachment_names: Sequence[str] = ()) -> Item:
    """Fill the identity fields of an unsaved item from its content."""
    item.dedupe_key = dedupe_key(
        item.platform,
        item.conversation,
        item.platform_id,
        author_key(item.author),
        item.sent_at,
        item.text,
    )
    item.content_hash = content_hash(item.text, item.deleted_at_source, attachment_names)
    return item


def add_items(
    vault: Vault, case: Case, items: Iterable[Item], operator: str, source: str
) -> list[Item]:
    """Record items typed, pasted or built by hand; one log entry each."""
    log = vault.log(case.log_name)
    saved: list[Item] = []
    with transaction.atomic():
        for item in items:
            item.case = case
            item.log_index = log.next_index()
            prepare_item(item)
            item.save()
            log.append(
                "item.add",
                operator,
                {
                    "case": case.uid.hex,
                    "item": item.pk,
                    "exhibit": item.evidence.exhibit if item.evidence else None,
                    "source": source,
                    "fields_version": ITEM_FIELDS_VERSION,
                    "digest": item_digest(item),
                },
            )
            saved.append(item)
    seal(vault, case)
    return saved
