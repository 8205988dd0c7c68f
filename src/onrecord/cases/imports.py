"""``onrecord import``: store the original, detect the format, write what the importer yields.

1. The original — file, folder or zip — is stored untouched as evidence and logged first.
2. The importer is chosen by ``--format`` or by ``detect`` (the best score wins).
3. Each unit (a source file) is written in one transaction together with one custody-log
   entry (``import.unit``) that fixes the digest of every item it added: a unit that
   cannot be read imports nothing and is reported; the other units still import.

Re-importing adds nothing twice: a message is known by its platform id in its conversation
(else author, time and text). A known message with new content is an edit: a new row
linked to the old one. A message present in an earlier export of the same conversation
and time span but absent from this one is kept and marked "gone from the source".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zoneinfo
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from django.db import InterfaceError, OperationalError, transaction

from onrecord.cases.bulk import ItemWriter
from onrecord.cases.evidence import Acquired, NamedStream, add_files
from onrecord.cases.items import (
    ITEM_FIELDS_VERSION,
    content_hash,
    dedupe_key,
    digest_v2,
    find_or_create_account,
    stable_json,
)
from onrecord.cases.models import Account, Case, Evidence, ImportRun, Item, ItemAttachment
from onrecord.cases.records import seal
from onrecord.errors import InputError, StorageFullError
from onrecord.importers.base import (
    AttachmentRef,
    ImportContext,
    ImportedAccount,
    ImportedItem,
    Importer,
    Unit,
    Unparsed,
)
from onrecord.importers.registry import detect, importer_by_key
from onrecord.importers.source import Source
from onrecord.vault.custody import iso_utc, utc_now
from onrecord.vault.home import Vault

BATCH = 1000
_KINDS = frozenset(Item.Kind.values)


@dataclass(frozen=True)
class Problem:
    file: str
    position: str
    message: str


@dataclass
class ImportReport:
    """What an import did; ``as_json`` is the stable ``--json`` shape."""

    format: str
    items_added: int = 0
    duplicates: int = 0
    edits: int = 0
    gone_from_source: int = 0
    attachments: int = 0
    attachments_missing: int = 0
    unparsed: int = 0
    units: int = 0
    units_failed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def as_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "items_added": self.items_added,
            "duplicates": self.duplicates,
            "edits": self.edits,
            "gone_from_source": self.gone_from_source,
            "attachments": self.attachments,
            "attachments_missing": self.attachments_missing,
            "unparsed": self.unparsed,
            "units": self.units,
            "units_failed": self.units_failed,
            "problems": [asdict(p) for p in self.problems],
        }


def import_path(
    vault: Vault,
    case: Case,
    path: Path,
    *,
    operator: str,
    format_key: str | None = None,
    time_zone: str | None = None,
    progress: Callable[[int], None] | None = None,
    importer: Importer | None = None,
    original: Evidence | None = None,
) -> ImportReport:
    """Import ``path`` into ``case``; see the module docstring.

    ``importer`` (an instance, e.g. a CSV importer given a column mapping) wins over
    ``format_key``, which wins over detection. ``original`` is the exhibit ``path`` was
    read back from (a queued import): it is not stored or recorded a second time.
    """
    zone_name = time_zone or case.time_zone
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{zone_name!r} is not a time zone name (e.g. Europe/London).") from None
    context = ImportContext(time_zone=zone, time_zone_name=zone_name)
    if not path.exists():
        raise InputError(f"{path} does not exist.")
    with Source.open(path) as source:
        if importer is None:
            importer = importer_by_key(format_key) if format_key else detect(source)
        report = ImportReport(format=importer.key)
        for refused in source.refused:
            report.problems.append(Problem(refused.path, "", f"not read: {refused.reason}"))
        originals = (
            {"": original}
            if original is not None
            else _store_original(vault, case, path, source, operator, report, progress)
        )
        run = ImportRun.objects.create(
            case=case,
            evidence=originals.get(""),
            source_name=source.name,
            format=importer.key,
            started_at=utc_now(),
            operator=operator,
            time_zone=zone_name,
        )
        writer = _Writer(vault, case, run, source, importer, context, operator, report)
        for unit in importer.units(source, context):
            evidence = originals.get("") or originals.get(unit.path)
            if evidence is None:
                report.problems.append(
                    Problem(unit.path, "", "not imported: the file itself could not be stored")
                )
                continue
            writer.import_unit(unit, evidence)
        writer.mark_gone()
        if report.units == 0 and not report.problems:
            report.problems.append(
                Problem(source.name, "", f"nothing to import: no {importer.label} found in it")
            )
        ImportRun.objects.filter(pk=run.pk).update(
            finished_at=utc_now(),
            items_added=report.items_added,
            duplicates=report.duplicates,
            edits=report.edits,
            gone_from_source=report.gone_from_source,
            attachments=report.attachments,
            problems=[asdict(p) for p in report.problems],
        )
    seal(vault, case)
    return report


def _store_original(
    vault: Vault,
    case: Case,
    path: Path,
    source: Source,
    operator: str,
    report: ImportReport,
    progress: Callable[[int], None] | None,
) -> dict[str, Evidence]:
    """Store the input untouched: {"": exhibit} for a file or zip, {relative path: exhibit}."""
    how = Acquired(operator=operator, method="import", note=f"original of an import: {path.name}")
    if source.kind != "folder":
        [outcome] = add_files(vault, case, [path], how, progress)
        if outcome.status == "failed" or outcome.exhibit is None:
            raise InputError(
                f"{path} could not be stored, so nothing was imported: {outcome.message}"
            )
        return {"": Evidence.objects.get(case=case, exhibit=outcome.exhibit)}
    streams = [NamedStream(f"{path.name}/{rel}", _opener(path / rel)) for rel in source.paths()]
    outcomes = add_files(vault, case, streams, how, progress)
    stored: dict[str, Evidence] = {}
    exhibits = {e.exhibit: e for e in Evidence.objects.filter(case=case)}
    for rel, outcome in zip(source.paths(), outcomes, strict=True):
        if outcome.exhibit is not None and outcome.status != "failed":
            stored[rel] = exhibits[outcome.exhibit]
        else:
            report.problems.append(Problem(rel, "", f"not stored: {outcome.message}"))
    return stored


def _opener(path: Path) -> Callable[[], IO[bytes]]:
    return lambda: path.open("rb")


@dataclass(slots=True)
class _Known:
    """What the vault holds of one message (its dedupe key)."""

    latest: int  # id of its latest version
    hashes: set[str]  # content hashes of every version


class _Writer:
    """Writes units; holds what spans units of one import (accounts, known messages)."""

    def __init__(
        self,
        vault: Vault,
        case: Case,
        run: ImportRun,
        source: Source,
        importer: Importer,
        context: ImportContext,
        operator: str,
        report: ImportReport,
    ) -> None:
        self.vault, self.case, self.run, self.source = vault, case, run, source
        self.importer, self.context, self.operator, self.report = (
            importer,
            context,
            operator,
            report,
        )
        self.log = vault.log(case.log_name)
        self.accounts: dict[tuple[str, str | None, str, str], Account] = {}
        self.scopes: dict[tuple[str, str], _Scope] = {}  # what the whole export holds

    # -- one unit -------------------------------------------------------------------------

    def import_unit(self, unit: Unit, evidence: Evidence) -> None:
        self.report.units += 1
        before = (
            self.report.items_added,
            self.report.duplicates,
            self.report.edits,
            self.report.unparsed,
        )
        problems_before = len(self.report.problems)
        try:
            with transaction.atomic():
                self._write_unit(unit, evidence)
        except (StorageFullError, OperationalError, InterfaceError):
            raise  # the vault's disk or database failed, not the file: stop, keep what is done
        except Exception as exc:
            (
                self.report.items_added,
                self.report.duplicates,
                self.report.edits,
                self.report.unparsed,
            ) = before
            del self.report.problems[problems_before:]
            self.report.units_failed += 1
            position = str(getattr(exc, "position", ""))
            self.report.problems.append(
                Problem(
                    unit.path,
                    position,
                    f"{_describe(exc)} Nothing was imported from this file; the other files were.",
                )
            )

    def _write_unit(self, unit: Unit, evidence: Evidence) -> None:
        index = self.log.next_index()
        state = _UnitState(index=index, writer=ItemWriter())
        for record in self.importer.iter_items(self.source, unit, self.context):
            if isinstance(record, Unparsed):
                self.report.unparsed += 1
                self.report.problems.append(Problem(unit.path, record.position, record.message))
                continue
            self._add(record, evidence, state)
        self._flush(state)
        self._link_replies(state)
        self.log.append(
            "import.unit",
            self.operator,
            {
                "case": self.case.uid.hex,
                "import": self.run.pk,
                "format": self.importer.key,
                "exhibit": evidence.exhibit,
                "unit": unit.path,
                "fields_version": ITEM_FIELDS_VERSION,
                "items": state.count,
                "items_digest": state.digest.hexdigest(),
                "duplicates": state.duplicates,
                "edits": state.edits,
            },
        )
        self._store_attachments(unit, state)
        self.report.items_added += state.count
        self.report.duplicates += state.duplicates
        self.report.edits += state.edits
        self._remember(unit, state)

    # -- items ----------------------------------------------------------------------------

    def _add(self, imported: ImportedItem, evidence: Evidence, state: _UnitState) -> None:
        author = self._account(imported.author)
        scope = (imported.platform, imported.conversation)
        key = dedupe_key(
            imported.platform,
            imported.conversation,
            imported.platform_id,
            (author.platform_id or author.handle or author.display_name) if author else "",
            imported.sent_at,
            imported.text,
        )
        short = int(key[:32], 16)
        seen = state.seen.setdefault(scope, set())
        known = state.known_in(self.case, *scope)
        if short in seen:  # met before in this import: ask the database, the one truth
            self._flush(state)
            entry = self._lookup(scope, key)
        else:
            entry = known.get(short)
        seen.add(short)
        state.stretch(scope, imported.sent_at)
        if author is not None:
            state.scope_authors.setdefault(scope, set()).add(author.pk)
        names = [a.name for a in imported.attachments]
        versions = [*imported.earlier_versions, imported.text]
        for number, text in enumerate(versions):
            final = number == len(versions) - 1
            chash = content_hash(text, imported.deleted and final, names if final else [])
            if entry is not None and chash in entry.hashes:
                state.duplicates += 1 if final else 0
                continue
            new_id = state.writer.next_id()
            previous = entry.latest if entry is not None else None
            state.edits += 1 if previous is not None else 0
            self._row(state, new_id, imported, text, final, author, evidence, key, chash, previous)
            if final:
                state.refs.extend((new_id, ref) for ref in imported.attachments)
                if imported.reply_to:
                    state.inserted.append((new_id, _clean(imported.reply_to)[:300], *scope))
            if entry is None:
                entry = _Known(new_id, {chash})
            else:
                entry.latest = new_id
                entry.hashes.add(chash)
        if len(state.rows) >= BATCH:
            self._flush(state)

    def _lookup(self, scope: tuple[str, str], key: str) -> _Known | None:
        platform, conversation = scope
        rows = list(
            Item.objects.filter(
                case=self.case, platform=platform, conversation=conversation, dedupe_key=key
            )
            .order_by("pk")
            .values_list("pk", "content_hash")
        )
        if not rows:
            return None
        return _Known(rows[-1][0], {h for _pk, h in rows})

    def _row(
        self,
        state: _UnitState,
        new_id: int,
        imported: ImportedItem,
        text: str,
        final: bool,
        author: Account | None,
        evidence: Evidence,
        key: str,
        chash: str,
        previous: int | None,
    ) -> None:
        """One row in ``bulk.COLUMNS`` order, and its digest (``items.digest_v2``)."""
        writer = state.writer
        clean_text = _clean(text)
        raw = imported.raw if final else None
        extra = imported.extra if final else {"version_of_an_edited_message": True}
        raw_json, raw_cleaned = _json_text(raw)
        extra_json, extra_cleaned = _json_text(extra)
        if clean_text != text or raw_cleaned or extra_cleaned:
            extra_json, _ = _json_text({**json.loads(extra_json), "text_cleaned": True})
        recipients_json = (
            _json_text([_clean(r) for r in imported.recipients])[0] if imported.recipients else "[]"
        )
        kind = imported.kind if imported.kind in _KINDS else Item.Kind.OTHER
        edited_at = imported.edited_at if final else None
        scalars = {
            "platform": imported.platform,
            "kind": kind,
            "author": author.pk if author else None,
            "text": clean_text,
            "sent_at": iso_utc(imported.sent_at) if imported.sent_at else None,
            "sent_at_original": _clean(imported.sent_at_original)[:200],
            "time_zone_assumed": imported.time_zone_assumed,
            "url": _clean(imported.url),
            "platform_id": _clean(imported.platform_id)[:200] if imported.platform_id else None,
            "evidence": evidence.pk,
            "position": _clean(imported.position)[:500],
            "conversation": _clean(imported.conversation)[:300],
            "in_reply_to": _clean(imported.reply_to or "")[:300],
            "previous_version": previous,
            "deleted_at_source": imported.deleted and final,
            "edited_at": iso_utc(edited_at) if edited_at else None,
            "dedupe_key": key,
            "content_hash": chash,
        }
        state.count += 1
        state.digest.update(
            bytes.fromhex(digest_v2(scalars, recipients_json, raw_json, extra_json))
        )
        state.rows.append(
            (
                new_id,
                self.case.pk,
                scalars["platform"],
                kind,
                scalars["author"],
                recipients_json,
                clean_text,
                writer.moment(imported.sent_at),
                scalars["sent_at_original"],
                scalars["time_zone_assumed"],
                scalars["url"],
                scalars["platform_id"],
                evidence.pk,
                scalars["position"],
                state.index,
                scalars["conversation"],
                scalars["in_reply_to"],
                key,
                chash,
                previous,
                scalars["deleted_at_source"],
                writer.moment(edited_at),
                self.run.pk,
                raw_json,
                extra_json,
            )
        )

    def _flush(self, state: _UnitState) -> None:
        state.writer.write(state.rows)
        state.rows = []

    def _account(self, imported: ImportedAccount | None) -> Account | None:
        if imported is None:
            return None
        cache_key = (
            imported.platform,
            imported.platform_id,
            imported.handle,
            imported.display_name,
        )
        account = self.accounts.get(cache_key)
        if account is None:
            account = find_or_create_account(
                self.case,
                platform=imported.platform,
                handle=_clean(imported.handle)[:300],
                platform_id=_clean(imported.platform_id)[:200] if imported.platform_id else None,
                display_name=_clean(imported.display_name)[:300],
            )
            self.accounts[cache_key] = account
        return account

    # -- after the items --------------------------------------------------------------------

    def _remember(self, unit: Unit, state: _UnitState) -> None:
        """Add a written unit's messages to what this export holds, per conversation."""
        own_only = bool(unit.meta.get("own_messages_only"))
        for scope, keys in state.seen.items():
            span = state.spans.get(scope)
            held = self.scopes.setdefault(scope, _Scope())
            held.keys |= keys
            held.complete = held.complete or not own_only
            held.authors |= state.scope_authors.get(scope, set())
            if span is not None:
                low, high = held.span or span
                held.span = (min(low, span[0]), max(high, span[1]))

    def mark_gone(self) -> None:
        """Mark what the vault held before this import, in the same conversations and time
        span, that this export lacks: "gone from the source". One log entry for all.

        A conversation that only this export's own-messages-only units (a platform's
        package of its owner's messages) touched speaks only for the authors in them.
        """
        gone: list[int] = []
        for (platform, conversation), held in self.scopes.items():
            if held.span is None:
                continue
            rows = Item.objects.filter(
                case=self.case,
                platform=platform,
                conversation=conversation,
                later_versions__isnull=True,
                gone_from_source_at__isnull=True,
                sent_at__gte=held.span[0],
                sent_at__lte=held.span[1],
            ).exclude(import_run=self.run)
            for pk, key, author in rows.values_list("pk", "dedupe_key", "author_id").iterator(
                chunk_size=5000
            ):
                if not key or int(key[:32], 16) in held.keys:
                    continue
                if not held.complete and author not in held.authors:
                    continue
                gone.append(pk)
        if not gone:
            return
        gone.sort()
        with transaction.atomic():
            entry = self.log.append(
                "import.gone",
                self.operator,
                {
                    "case": self.case.uid.hex,
                    "import": self.run.pk,
                    "gone": len(gone),
                    "gone_digest": gone_digest(gone),
                },
            )
            now = utc_now()
            for start in range(0, len(gone), BATCH):
                Item.objects.filter(pk__in=gone[start : start + BATCH]).update(
                    gone_from_source_at=now, gone_log_index=entry.index
                )
        self.report.gone_from_source = len(gone)

    def _link_replies(self, state: _UnitState) -> None:
        """Point replies at their parents where the parent is in the vault (derived)."""
        by_scope: dict[tuple[str, str], list[tuple[int, str]]] = {}
        for pk, parent, platform, conversation in state.inserted:
            by_scope.setdefault((platform, conversation), []).append((pk, parent))
        for (platform, conversation), pairs in by_scope.items():
            wanted = {parent for _pk, parent in pairs}
            parents: dict[str, int] = {}
            for start_ids in _chunks(sorted(wanted)):
                for pid, pk in (
                    Item.objects.filter(
                        case=self.case,
                        platform=platform,
                        conversation=conversation,
                        platform_id__in=start_ids,
                    )
                    .order_by("pk")
                    .values_list("platform_id", "pk")
                ):
                    parents[str(pid)] = pk
            for pk, parent in pairs:
                if parent in parents:
                    Item.objects.filter(pk=pk).update(reply_to_id=parents[parent])

    def _store_attachments(self, unit: Unit, state: _UnitState) -> None:
        """Store each attachment the export holds as evidence, and link it to its item."""
        links: list[ItemAttachment] = []
        to_store: list[tuple[int, AttachmentRef, NamedStream]] = []
        for item, ref in state.refs:
            opener = self._attachment_opener(unit, ref)
            if opener is None:
                links.append(
                    ItemAttachment(
                        item_id=item,
                        name=_clean(ref.name),
                        missing=ref.missing or "not in the export",
                    )
                )
                self.report.attachments_missing += 1
            else:
                to_store.append((item, ref, NamedStream(f"{self.source.name}/{ref.path}", opener)))
        if to_store:
            how = Acquired(
                operator=self.operator,
                method="import-attachment",
                note=f"attachment in {self.source.name}: {unit.path}",
            )
            outcomes = add_files(self.vault, self.case, [s for _i, _r, s in to_store], how)
            exhibits = {
                e.exhibit: e
                for e in Evidence.objects.filter(
                    case=self.case, exhibit__in=[o.exhibit for o in outcomes if o.exhibit]
                )
            }
            if any(outcome.disk_full for outcome in outcomes):
                raise StorageFullError(
                    "The disk holding the vault is full, so this file's attachments could not "
                    "be stored and nothing of it was imported. Free some space and import again; "
                    "what was imported before is safe and nothing is imported twice."
                )
            for (item, ref, _stream), outcome in zip(to_store, outcomes, strict=True):
                if outcome.exhibit is None:
                    links.append(
                        ItemAttachment(
                            item_id=item,
                            name=_clean(ref.name),
                            missing=f"could not be stored: {outcome.message}",
                        )
                    )
                    self.report.attachments_missing += 1
                else:
                    links.append(
                        ItemAttachment(
                            item_id=item, name=_clean(ref.name), evidence=exhibits[outcome.exhibit]
                        )
                    )
                    self.report.attachments += 1
        ItemAttachment.objects.bulk_create(links, batch_size=BATCH)

    def _attachment_opener(self, unit: Unit, ref: AttachmentRef) -> Callable[[], IO[bytes]] | None:
        if ref.path and self.source.exists(ref.path):
            path = ref.path
            return lambda: self.source.open_file(path)
        extract = getattr(self.importer, "attachment_bytes", None)
        if ref.part is not None and extract is not None:
            part = ref.part
            return lambda: io.BytesIO(extract(self.source, unit, part))
        return None


@dataclass
class _Scope:
    """What one export holds of one conversation: message keys, time span, authors."""

    keys: set[int] = field(default_factory=set)
    span: tuple[dt.datetime, dt.datetime] | None = None
    authors: set[int] = field(default_factory=set)
    complete: bool = False  # some unit held everyone's messages, not only its owner's


@dataclass
class _UnitState:
    index: int
    writer: ItemWriter
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    count: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    refs: list[tuple[int, AttachmentRef]] = field(default_factory=list)
    inserted: list[tuple[int, str, str, str]] = field(default_factory=list)
    known: dict[tuple[str, str], dict[int, _Known]] = field(default_factory=dict)
    seen: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    spans: dict[tuple[str, str], tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)
    scope_authors: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    duplicates: int = 0
    edits: int = 0

    def known_in(self, case: Case, platform: str, conversation: str) -> dict[int, _Known]:
        """What the vault held of this conversation before this unit (loaded once)."""
        scope = (platform, conversation)
        if scope not in self.known:
            found: dict[int, _Known] = {}
            rows = Item.objects.filter(case=case, platform=platform, conversation=conversation)
            for pk, key, chash in (
                rows.order_by("pk")
                .values_list("pk", "dedupe_key", "content_hash")
                .iterator(chunk_size=5000)
            ):
                if not key:
                    continue
                short = int(key[:32], 16)
                entry = found.get(short)
                if entry is None:
                    found[short] = _Known(pk, {chash})
                else:
                    entry.latest = pk
                    entry.hashes.add(chash)
            self.known[scope] = found
        return self.known[scope]

    def stretch(self, scope: tuple[str, str], moment: dt.datetime | None) -> None:
        if moment is None:
            return
        low, high = self.spans.get(scope, (moment, moment))
        self.spans[scope] = (min(low, moment), max(high, moment))


def gone_digest(ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _clean(text: str | None) -> str:
    """Text every database takes: NUL (refused by PostgreSQL) and lone surrogates (not
    UTF-8) become U+FFFD. The original bytes stay in the stored export."""
    if not text:
        return ""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def _json_text(value: Any) -> tuple[str, bool]:
    """(JSON text for the database and the digest, whether anything had to be cleaned)."""
    text = stable_json(value).decode("utf-8", "surrogatepass")
    if "\\u0000" not in text:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return text, False
    return stable_json(_clean_json(value)).decode(), True


def _clean_json(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean_json(v) for v in value]
    return value


def _describe(exc: Exception) -> str:
    if isinstance(exc, InputError):
        return str(exc)
    return f"Could not read it: {type(exc).__name__}: {exc}."
