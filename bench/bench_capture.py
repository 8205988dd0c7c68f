"""Capture benchmark: ``onrecord capture`` of a local test page, end to end, median of 10.

Each run is the real command in a new process: Python start, vault unlock, Chromium start,
load, scroll, every artefact, the WARC, storing and logging (and, in the second series, OCR
of the screenshot). Peak memory is given twice: the onrecord process (VmHWM) and the whole
process tree with Chromium (sampled RSS sum). Prints figures; asserts nothing.

Run: ``python bench/bench_capture.py [--runs 10]``. Goal (issue 5): <= 3 s per page on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from capture.site import serve  # noqa: E402
from measure import WRAPPER, peak_kib  # noqa: E402

GOAL_S = 3.0


def tree_rss_kib(root: int) -> int:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry.name)
        children.setdefault(int(fields.get("PPid", "0").strip() or 0), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) if "VmRSS" in fields else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total


def timed_capture(env: dict[str, str], url: str, *extra: str) -> tuple[float, int, int]:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, "capture", "1", url, *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0 or "captured:" not in out:
        raise SystemExit(f"capture failed:\n{out}\n{err[-3000:]}")
    return elapsed, peak_kib(err), peak_tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="onrecord-bench-capture-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")}
    env.update(
        ONRECORD_HOME=str(folder / "home"),
        ONRECORD_PASSPHRASE="bench passphrase for a synthetic vault",
        ONRECORD_CONFIG=str(folder / "none.toml"),
        ONRECORD_PROGRESS="never",
        ONRECORD_OPERATOR="bench",
    )
    subprocess.run(
        [sys.executable, "-m", "onrecord", "init"], env=env, check=True, capture_output=True
    )
    subprocess.run(
        [sys.executable, "-m", "onrecord", "case", "new", "Bench", "--jurisdiction", "US-CA"],
        env=env,
        check=True,
        capture_output=True,
    )
    chromium = subprocess.run(["chromium", "--version"], capture_output=True, text=True)
    print(
        f"capture of a local test page, median of {args.runs} runs, 2 cores; "
        f"{chromium.stdout.strip() or 'Chromium'}"
    )
    print(
        f"{'series':<30}{'median s':>10}{'p90 s':>9}{'goal s':>8}{'onrecord MiB':>14}"
        f"{'with Chromium MiB':>19}"
    )
    sites = serve()
    site = next(sites)
    batch = [site.url("/post")] + [site.url(f"/post?n={n}") for n in range(1, 10)]
    elapsed, peak, tree = timed_capture(env, batch[0], *batch[1:], "--no-ocr")
    print(
        f"{'10 pages in one command':<30}{elapsed / 10:>10.2f}{'':>9}{GOAL_S:>8.1f}"
        f"{peak / 1024:>14.0f}{tree / 1024:>19.0f}   (seconds per page)"
    )
    for label, extra in (("page, no OCR (--no-ocr)", ("--no-ocr",)), ("page with OCR", ())):
        times, peaks, trees = [], [], []
        for number in range(args.runs):
            site.state["post_text"] = f"Synthetic post number {number} of {label}."
            elapsed, peak, tree = timed_capture(env, site.url("/post"), *extra)
            times.append(elapsed)
            peaks.append(peak)
            trees.append(tree)
        times.sort()
        p90 = times[min(len(times) - 1, int(len(times) * 0.9))]
        print(
            f"{label:<30}{statistics.median(times):>10.2f}{p90:>9.2f}{GOAL_S:>8.1f}"
            f"{max(peaks) / 1024:>14.0f}{max(trees) / 1024:>19.0f}"
        )


if __name__ == "__main__":
    main()
