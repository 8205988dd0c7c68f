"""Case-file benchmark: render the lawyer's case file for a synthetic case of 10,000 items
and 1,000 exhibits, as PDF and as text.

Prints seconds and peak RSS; asserts nothing. Run: ``python bench/bench_case_file.py``.
Goal: the PDF in <= 15 s. Peak RSS is the process's high-water mark (VmHWM) after each
step, so it includes building the synthetic case.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import tempfile
import time
from pathlib import Path

from onrecord.django_setup import setup_django

setup_django()

from onrecord.cases.evidence import Acquired, add_files  # noqa: E402
from onrecord.cases.items import add_items, find_or_create_account  # noqa: E402
from onrecord.cases.models import Evidence, Item  # noqa: E402
from onrecord.cases.records import create_case, seal  # noqa: E402
from onrecord.documents import Request, render_document  # noqa: E402
from onrecord.documents.render import Format  # noqa: E402
from onrecord.vault.crypto import KdfParams  # noqa: E402
from onrecord.vault.home import Vault  # noqa: E402


def peak_mib() -> float:
    status = Path("/proc/self/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+)", status)
    return int(found.group(1)) / 1024 if found else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--exhibits", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        vault, _recovery = Vault.create(
            root / "home", passphrase="bench passphrase", kdf=KdfParams(8192, 1, 1)
        )
        started = time.perf_counter()
        case = create_case(
            vault,
            title="Bench",
            jurisdiction="US-CA",
            time_zone="America/Los_Angeles",
            operator="bench",
        )
        files = []
        for n in range(args.exhibits):
            path = root / f"exhibit-{n:05d}.txt"
            path.write_text(f"synthetic exhibit {n}\n", encoding="utf-8")
            files.append(path)
        add_files(vault, case, files, Acquired(operator="bench", method="bench"))
        exhibits = list(Evidence.objects.filter(case=case).order_by("exhibit"))
        authors = [
            find_or_create_account(case, platform="social.example", handle=f"account_{n}")
            for n in range(20)
        ]
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        items = [
            Item(
                platform="social.example",
                kind="post",
                author=authors[n % len(authors)],
                text=f"synthetic post {n} #not *markup* [x]",
                sent_at=start + dt.timedelta(minutes=37 * n),
                url=f"https://social.example/status/{n}",
                evidence=exhibits[n % len(exhibits)],
                position=f"line {n}",
            )
            for n in range(args.items)
        ]
        add_items(vault, case, items, "bench", source="bench")
        seal(vault, case)
        print(
            f"built: {args.items} items, {len(exhibits)} exhibits in "
            f"{time.perf_counter() - started:.1f} s; peak RSS {peak_mib():.0f} MiB"
        )
        request = Request(vault, case, "bench")
        formats: tuple[Format, ...] = ("pdf", "text")
        for fmt in formats:
            began = time.perf_counter()
            out = render_document(request, "lawyer-case-file", fmt)
            took = time.perf_counter() - began
            print(
                f"lawyer-case-file {fmt}: {took:.2f} s, {len(out) / 1e6:.1f} MB; "
                f"peak RSS so far {peak_mib():.0f} MiB"
            )
        vault.close()


if __name__ == "__main__":
    main()
