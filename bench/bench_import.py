"""Import benchmark: a synthetic 1,000,000-message DiscordChatExporter JSON and a
1,000,000-line WhatsApp chat, end to end into the SQLite vault, side by side with only
parsing the same input.

Prints figures; asserts nothing. Run: ``python bench/bench_import.py [--messages N]``.
Goal (issue 3): >= 25,000 messages/s end to end; peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import peak_kib, run_command

PARSE_ONLY = (
    "import re, sys, zoneinfo\n"
    "from pathlib import Path\n"
    "from onrecord.importers.base import ImportContext\n"
    "from onrecord.importers.registry import importer_by_key\n"
    "from onrecord.importers.source import Source\n"
    "imp = importer_by_key(sys.argv[1])\n"
    "ctx = ImportContext(zoneinfo.ZoneInfo('UTC'), 'UTC')\n"
    "n = 0\n"
    "with Source.open(Path(sys.argv[2])) as src:\n"
    "    for unit in imp.units(src, ctx):\n"
    "        for _ in imp.iter_items(src, unit, ctx):\n"
    "            n += 1\n"
    "status = open('/proc/self/status').read()\n"
    "print(n, re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
)

ORJSON_ONLY = (
    "import re, sys, orjson\n"
    "data = orjson.loads(open(sys.argv[1], 'rb').read())\n"
    "n = len(data['messages'])\n"
    "status = open('/proc/self/status').read()\n"
    "print(n, re.search(r'VmHWM:\\s+(\\d+)', status).group(1))\n"
)

WORDS = [
    *[
        "you",
        "are",
        "not",
        "welcome",
        "here",
        "stop",
        "posting",
        "nobody",
        "asked",
        "what",
        "you",
        "think",
        "log",
        "off",
    ],
    *[
        "everyone",
        "knows",
        "what",
        "you",
        "did",
        "see",
        "you",
        "around",
        "lol",
        "ok",
        "sure",
        "whatever",
    ],
]


def write_dce(path: Path, count: int) -> None:
    rng = random.Random(1)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    authors = [
        {
            "id": str(800000000000000000 + i),
            "name": f"user{i}",
            "discriminator": "0000",
            "nickname": f"User {i}",
            "isBot": False,
        }
        for i in range(200)
    ]
    with path.open("w", encoding="utf-8") as out:
        out.write(
            '{"guild":{"id":"1","name":"Bench"},"channel":{"id":"42","type":"GuildTextChat",'
            '"name":"general"},"dateRange":{"after":null,"before":null},'
            '"exportedAt":"2026-11-01T00:00:00-05:00","messages":['
        )
        for i in range(count):
            moment = start + dt.timedelta(seconds=i * 7)
            message = {
                "id": str(1100000000000000000 + i),
                "type": "Default",
                "timestamp": moment.isoformat(timespec="milliseconds"),
                "timestampEdited": None,
                "isPinned": False,
                "content": " ".join(rng.choices(WORDS, k=rng.randint(3, 14))),
                "author": authors[rng.randrange(len(authors))],
                "attachments": [],
                "embeds": [],
                "stickers": [],
                "reactions": [],
                "mentions": [],
            }
            out.write(("," if i else "") + json.dumps(message))
        out.write(f'],"messageCount":{count}}}')


def write_whatsapp(path: Path, count: int) -> None:
    rng = random.Random(2)
    start = dt.datetime(2025, 1, 1, 8, 0)
    names = [f"Person {i}" for i in range(30)] + ["+1 555 0100"]
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            moment = start + dt.timedelta(minutes=i)
            text = " ".join(rng.choices(WORDS, k=rng.randint(3, 14)))
            out.write(f"{moment:%d/%m/%Y, %H:%M} - {rng.choice(names)}: {text}\n")


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str, str]:
    started = time.perf_counter()
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout, result.stderr


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    n = args.messages
    rows = []
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-import-") as tmp:
        root = Path(tmp)
        env = dict(os.environ)
        env.update(
            ONRECORD_HOME=str(root / "home"),
            ONRECORD_PASSPHRASE="bench",
            ONRECORD_CONFIG=str(root / "none.toml"),
            ONRECORD_PROGRESS="never",
        )
        dce, chat = root / "general.json", root / "Chat with Bench.txt"
        write_dce(dce, n)
        write_whatsapp(chat, n)
        py = sys.executable
        run_command(env, "init")
        run_command(env, "case", "new", "Bench", "--jurisdiction", "GB")
        for label, key, path in (
            ("DiscordChatExporter JSON", "discord-exporter", dce),
            ("WhatsApp chat .txt", "whatsapp", chat),
        ):
            seconds, out, err = run_command(env, "import", "1", str(path), "--json")
            report = json.loads(out)
            peak = peak_kib(err) // 1024
            parse_s, parse_out, _ = run([py, "-c", PARSE_ONLY, key, str(path)], env)
            parsed, parse_peak = (int(x) for x in parse_out.split())
            rows.append(
                (
                    label,
                    report["items_added"],
                    seconds,
                    peak,
                    "onrecord importer only",
                    parsed,
                    parse_s,
                    parse_peak // 1024,
                )
            )
            if key == "discord-exporter":
                raw_s, raw_out, _ = run([py, "-c", ORJSON_ONLY, str(dce)], env)
                raw_n, raw_peak = (int(x) for x in raw_out.split())
                rows.append(
                    (
                        label,
                        None,
                        None,
                        None,
                        "orjson.loads, whole file",
                        raw_n,
                        raw_s,
                        raw_peak // 1024,
                    )
                )
        sizes = {dce.name: dce.stat().st_size, chat.name: chat.stat().st_size}
    print(
        f"onrecord import benchmark: {n:,} messages ({os.cpu_count()} cores); input sizes "
        + ", ".join(f"{k} {v / 1e6:,.0f} MB" for k, v in sizes.items())
    )
    print(
        f"{'input':<26}{'end to end':>16}{'peak RSS':>10}   {'parse only':<26}{'msg/s':>10}"
        f"{'peak RSS':>10}"
    )
    for label, added, seconds, peak, parser_label, parsed, parse_s, parse_peak in rows:
        left = (
            f"{added / seconds:>10,.0f} msg/s{peak:>7} MB"
            if added is not None
            else f"{'':>16}{'':>10}"
        )
        print(f"{label:<26}{left}   {parser_label:<26}{parsed / parse_s:>10,.0f}{parse_peak:>7} MB")


if __name__ == "__main__":
    main()
