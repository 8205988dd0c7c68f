"""Screenshots in the vault: OCR'd into items linked to the image, logged with them,
verified, de-duplicated on a second reading; through the real ``onrecord add`` too."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from analysis.screens import ONE_TO_ONE, render, similar
from conftest import run_onrecord
from onrecord.cases.evidence import Acquired, add_files
from onrecord.cases.models import Account, Case, Evidence, Item
from onrecord.cases.records import create_case, purge_exhibits
from onrecord.cases.screenshots import is_image, ocr_evidence, read_screenshot
from onrecord.cases.verify import verify
from onrecord.errors import InputError, IntegrityError
from onrecord.vault.custody import entry_body
from onrecord.vault.home import Vault
from onrecord.vault.models import LogEntry

HOW = Acquired(operator="tester")


def new_case(vault: Vault) -> Case:
    return create_case(
        vault, title="Screens", jurisdiction="US-NY", time_zone="America/New_York", operator="t"
    )


def exhibit(vault: Vault, case: Case, tmp_path: Path, name: str, data: bytes) -> Evidence:
    path = tmp_path / name
    path.write_bytes(data)
    [outcome] = add_files(vault, case, [path], HOW)
    return Evidence.objects.get(case=case, exhibit=outcome.exhibit)


def test_a_chat_screenshot_becomes_logged_verified_items_once(vault: Vault, tmp_path: Path) -> None:
    case = new_case(vault)
    shot = exhibit(vault, case, tmp_path, "chat.png", render("one-to-one"))
    items = ocr_evidence(vault, case, shot)
    assert len(items) == len(ONE_TO_ONE)  # the two identical "ok sure" bubbles stay two
    stored = list(Item.objects.filter(case=case).order_by("pk"))
    assert [i.pk for i in stored] == [i.pk for i in items]
    for item, (_separator, bubble) in zip(stored, ONE_TO_ONE, strict=True):
        assert similar(item.text, bubble.text) >= 0.9
        assert item.evidence_id == shot.pk and item.kind == "message"
        assert item.platform == "screenshot" and item.sent_at is None
        assert item.sent_at_original.endswith(str(bubble.time))
        place = json.loads(item.position)
        assert place["page"] == [1080, 2400] and len(place["box"]) == 4
        ocr = item.extra["ocr"]
        assert ocr["layout"] == "chat" and ocr["engine"].startswith("rapidocr")
        assert 0.5 < ocr["confidence"] <= 1 and ocr["lines"][0]["box"]
        if bubble.side == "left":
            assert item.author is not None and item.author.display_name == "Jordan Reeve"
            assert ocr["author_read_by_ocr"] and not ocr["from_phone_owner"]
        else:
            assert item.author is None and ocr["from_phone_owner"]
    assert Account.objects.filter(case=case).count() == 1
    entries = [entry_body(e) for e in LogEntry.objects.filter(log=case.log_name)]
    logged = [e for e in entries if e["action"] == "item.add"]
    assert len(logged) == len(items) and {e["exhibit"] for e in logged} == {shot.exhibit}
    assert {e["source"] for e in logged} == {"ocr"}
    assert all(c.is_ok for c in verify(vault, case)), [c for c in verify(vault, case)]

    again = read_screenshot(vault, case, shot)
    assert again.items == [] and again.already_recorded == len(ONE_TO_ONE)
    assert Item.objects.filter(case=case).count() == len(ONE_TO_ONE)
    assert "already recorded" in again.summary

    Item.objects.filter(pk=items[2].pk).update(text="I never wrote this")
    altered = [c for c in verify(vault, case) if not c.is_ok]
    assert altered and altered[0].state == "altered"


def test_a_post_gets_its_author_handle_and_full_time(vault: Vault, tmp_path: Path) -> None:
    case = new_case(vault)
    shot = exhibit(vault, case, tmp_path, "post.png", render("post"))
    reading = read_screenshot(vault, case, shot, platform="x")
    assert "read 2 posts from screenshot post.png (exhibit 1): post" in reading.summary
    first, reply = reading.items
    assert first.kind == reply.kind == "post" and first.platform == "x"
    assert first.author is not None and first.author.handle == "dana_whitfield"
    assert first.author.display_name == "Dana Whitfield"
    # 10:42 PM on Mar 3, 2026, as the phone showed it, taken in the case's time zone
    assert first.sent_at == dt.datetime(2026, 3, 4, 3, 42, tzinfo=dt.UTC)
    assert first.time_zone_assumed and "Mar 3, 2026" in first.sent_at_original
    assert reply.sent_at is None and reply.sent_at_original == "2h"
    assert all(c.is_ok for c in verify(vault, case))
    assert purge_exhibits(vault, case, [shot.exhibit], "tester") == [shot.exhibit]
    assert not Item.objects.filter(case=case).exists()  # derived items go with the picture
    assert all(c.is_ok for c in verify(vault, case))


def test_pictures_without_text_and_files_that_are_not_pictures(
    vault: Vault, tmp_path: Path
) -> None:
    case = new_case(vault)
    noise = exhibit(vault, case, tmp_path, "photo.png", render("noise"))
    reading = read_screenshot(vault, case, noise)
    assert reading.items == [] and "no legible text" in reading.summary
    broken = exhibit(vault, case, tmp_path, "cut.png", render("note")[:3000])
    with pytest.raises(InputError, match="truncated or damaged"):
        ocr_evidence(vault, case, broken)
    text = exhibit(vault, case, tmp_path, "note.txt", b"plain words")
    with pytest.raises(InputError, match="not a picture"):
        ocr_evidence(vault, case, text)
    assert not Item.objects.filter(case=case).exists()
    assert all(c.is_ok for c in verify(vault, case))


def test_altered_bytes_are_not_read(local_vault: Vault, tmp_path: Path) -> None:
    case = new_case(local_vault)
    shot = exhibit(local_vault, case, tmp_path, "chat.png", render("note"))
    stored = local_vault.blobs.path_for(shot.blob_id)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0x01
    stored.write_bytes(bytes(data))
    with pytest.raises(IntegrityError):
        ocr_evidence(local_vault, case, shot)
    assert not Item.objects.filter(case=case).exists()


def test_is_image() -> None:
    assert is_image("image/png") and is_image("IMAGE/JPEG; charset=binary")
    assert not is_image("image/heic") and not is_image("application/pdf")


def test_add_reads_pictures_unless_told_not_to(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run_onrecord(home, "init", check=True)
    run_onrecord(home, "case", "new", "Chat", "--jurisdiction", "GB", check=True)
    chat, post = tmp_path / "chat.png", tmp_path / "post.png"
    chat.write_bytes(render("one-to-one"))
    post.write_bytes(render("post"))
    added = run_onrecord(home, "add", "1", str(chat), check=True)
    assert f"read {len(ONE_TO_ONE)} messages from screenshot chat.png (exhibit 1): chat" in (
        added.stdout
    )
    quiet = run_onrecord(home, "add", "1", str(post), "--no-ocr", "--json", check=True)
    [outcome] = json.loads(quiet.stdout)
    assert outcome["exhibit"] == 2 and outcome["ocr"] is None
    read = run_onrecord(home, "ocr", "1", "--json", check=True)
    results = {r["exhibit"]: r for r in json.loads(read.stdout)}
    assert results[1]["items_added"] == 0 and results[1]["already_recorded"] == len(ONE_TO_ONE)
    assert results[2]["layout"] == "post" and results[2]["items_added"] == 2
    assert "Everyone should know" not in read.stdout  # text is never shown unasked
    missing = run_onrecord(home, "ocr", "1", "7")
    assert missing.returncode == 1 and "no exhibit 7" in missing.stderr
    assert run_onrecord(home, "verify").returncode == 0
