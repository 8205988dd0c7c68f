"""Synthetic platform exports for the server tests: a Slack workspace of many day files."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

USERS = [
    {"id": "U0SYNTH0001", "name": "river.stone", "real_name": "River Stone", "is_bot": False},
    {"id": "U0SYNTH0002", "name": "troll.account", "real_name": "Troll Account", "is_bot": False},
]


def slack_zip(path: Path, *, days: int, per_day: int, seed: str = "a") -> int:
    """Write a Slack export of ``days`` day files (one import unit each); return the messages."""
    channels = [
        {"id": "C0SYNTH0001", "name": "general", "created": 1577836800, "members": ["U0SYNTH0001"]}
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("channels.json", json.dumps(channels))
        archive.writestr("users.json", json.dumps(USERS))
        for day in range(days):
            start = 1577836800 + day * 86400
            messages = [
                {
                    "type": "message",
                    "user": USERS[n % 2]["id"],
                    "text": f"synthetic message {seed}-{day}-{n}: you will regret posting that",
                    "ts": f"{start + n}.{n:06d}",
                }
                for n in range(per_day)
            ]
            name = f"general/2020-{1 + day // 28:02d}-{1 + day % 28:02d}.json"
            archive.writestr(name, json.dumps(messages))
    return days * per_day
