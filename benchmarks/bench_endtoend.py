"""End to end: the README's main search, timed for two installs of snnas side by side, interleaved.

    python benchmarks/bench_endtoend.py --baseline OLD_VENV/bin/snnas [--candidate NEW_VENV/bin/snnas]
        [--repeats 2]

Each repeat runs the README's first command's search (``snnas search --targets loihi,speck --budget 20
--epochs 6 --workers 2``) once with each executable, in a fresh folder (a new store), baseline first, and
times the whole process (start-up, workers, every evaluation, the report). Printed: each run, the medians
and the ratio candidate / baseline. Install each version in its own venv first (``pip install .`` of a
checkout of that commit).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402

COMMAND = ["search", "--targets", "loihi,speck", "--budget", "20", "--epochs", "6", "--workers", "2"]


def timed(exe: str) -> float:
    folder = Path(tempfile.mkdtemp(prefix="snnas_e2e_"))
    try:
        start = time.perf_counter()
        out = subprocess.run([exe, *COMMAND], cwd=folder, capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if not k.startswith("SNNAS_")})
        seconds = time.perf_counter() - start
        if out.returncode != 0:
            raise SystemExit(f"{exe} failed:\n{out.stderr[-2000:]}")
        return seconds
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", required=True, help="the snnas executable of the version compared against")
    ap.add_argument("--candidate", default=shutil.which("snnas") or "snnas", help="the snnas executable measured")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    print(machine())
    print(f"command: snnas {' '.join(COMMAND)}")
    times: dict[str, list[float]] = {"baseline": [], "candidate": []}
    for r in range(args.repeats):
        for name in ("baseline", "candidate"):
            t = timed(getattr(args, name))
            times[name].append(t)
            print(f"  repeat {r}: {name:9s} {t:7.1f} s", flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"median: baseline {med['baseline']:.1f} s, candidate {med['candidate']:.1f} s, "
          f"candidate / baseline {med['candidate'] / med['baseline']:.2f}")


if __name__ == "__main__":
    main()
