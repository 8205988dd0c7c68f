"""Vault benchmark: encrypted ``add`` and ``verify`` against ``sha256sum`` on the same data.

Prints figures; asserts nothing. Run: ``make bench`` (or ``python bench/bench_vault.py``).
Goals (issue 2): add of one 1 GB file >= 0.6x sha256sum with peak RSS < 150 MB;
verify >= 0.7x sha256sum.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import peak_kib, run_command


def run_onrecord(env: dict[str, str], *args: str) -> tuple[float, int]:
    """Seconds and peak RSS (KiB) of one onrecord command, start-up included."""
    seconds, _out, err = run_command(env, *args)
    return seconds, peak_kib(err)


def sha256sum(paths: list[Path]) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["xargs", "-0", "sha256sum"],
        input=b"\0".join(str(p).encode() for p in paths),
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def write_random(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as out:
        for i in range(size // len(block)):
            out.write(block[:8] + i.to_bytes(8, "big") + block[16:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--large-mb", type=int, default=1024)
    parser.add_argument("--small-files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="onrecord-bench-") as tmp:
        root = Path(tmp)
        env = dict(os.environ)
        env.update(
            ONRECORD_HOME=str(root / "home"),
            ONRECORD_PASSPHRASE="benchmark passphrase",
            ONRECORD_CONFIG=str(root / "none.toml"),
            ONRECORD_PROGRESS="never",
        )
        large = root / "large.bin"
        write_random(large, args.large_mb * 1024 * 1024)
        small_dir = root / "small"
        small_dir.mkdir()
        small = []
        for i in range(args.small_files):
            path = small_dir / f"s{i:05}.bin"
            path.write_bytes(os.urandom(1024 + (i * 7919) % 8192))
            small.append(path)
        small_bytes = sum(p.stat().st_size for p in small)
        run_onrecord(env, "init")
        run_onrecord(env, "case", "new", "Bench", "--jurisdiction", "GB")

        sha_large = min(sha256sum([large]) for _ in range(2))
        add_large, rss_large = run_onrecord(env, "add", "1", str(large))
        sha_small = sha256sum(small)
        add_small, rss_small = run_onrecord(env, "add", "1", *map(str, small))
        sha_all = sha256sum([large, *small])
        verify_s, rss_verify = run_onrecord(env, "verify", "-q")

    mb = args.large_mb * 1024 * 1024 / 1e6
    small_mb = small_bytes / 1e6
    print(f"onrecord vault benchmark  ({os.cpu_count()} cores, Python {sys.version.split()[0]})")
    print(f"{'what':<44}{'onrecord':>12}{'sha256sum':>12}{'ratio':>8}{'peak RSS':>11}")

    def row(label: str, size_mb: float, ours: float, theirs: float, rss: int) -> None:
        print(
            f"{label:<44}{size_mb / ours:>8.0f} MB/s{size_mb / theirs:>8.0f} MB/s"
            f"{theirs / ours:>7.2f}x{rss / 1024:>8.0f} MB"
        )

    row(f"add, encrypted, 1 file of {mb:,.0f} MB", mb, add_large, sha_large, rss_large)
    row(
        f"add, encrypted, {args.small_files:,} files ({small_mb:,.0f} MB)",
        small_mb,
        add_small,
        sha_small,
        rss_small,
    )
    print(f"{'':<44}{args.small_files / add_small:>7.0f} files/s")
    row(
        f"verify, {args.small_files + 1:,} exhibits ({mb + small_mb:,.0f} MB)",
        mb + small_mb,
        verify_s,
        sha_all,
        rss_verify,
    )
    print("Each onrecord figure is one whole command, start-up and passphrase unlock included.")


if __name__ == "__main__":
    main()
