"""What the benchmarks share: run the real ``onrecord`` command and read its peak memory.

Peak RSS comes from VmHWM: ``ru_maxrss`` would include the parent's memory at fork (Linux
keeps it across exec); VmHWM belongs to the child's own process image.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time

WRAPPER = (
    "import re, sys\n"
    "from onrecord.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "finally:\n"
    "    status = open('/proc/self/status').read()\n"
    "    peak = re.search(r'VmHWM:\\s+(\\d+)', status).group(1)\n"
    "    print('PEAK_KIB', peak, file=sys.stderr)\n"
)


def peak_kib(stderr: str) -> int:
    found = re.search(r"PEAK_KIB (\d+)", stderr)
    return int(found.group(1)) if found else 0


def run_command(env: dict[str, str], *args: str) -> tuple[float, str, str]:
    """Seconds, stdout and stderr of one ``onrecord`` command (start-up included)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args], env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        raise SystemExit(f"onrecord {' '.join(args[:3])} failed:\n{result.stderr[-3000:]}")
    return elapsed, result.stdout, result.stderr
