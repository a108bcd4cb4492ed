"""Timing two builds of the C++ core (portable and native) against each other, interleaved.

A pybind11 module named ``_core`` can be loaded only once per process, so each build runs in a worker
process of its own (``python _builds.py CORE.so``, or ``-`` for the installed core): the worker loads
that file as ``snnas._core`` before anything imports snnas, then runs one benchmark case per line read
from stdin (a name of ``bench_sim.cases()``, or ``build_info``) and answers with one JSON line: wall and
CPU time of the call, and a digest of its results, so that the parent can check that both builds give
identical ones.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Single-threaded numerics in the workers, whatever the caller's environment says.
THREADS = {"OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def load_core(path: str) -> None:
    """Make ``snnas._core`` the extension at ``path`` (call before anything imports snnas)."""
    loader = importlib.machinery.ExtensionFileLoader("snnas._core", path)
    spec = importlib.util.spec_from_file_location("snnas._core", path, loader=loader)
    if spec is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules["snnas._core"] = module


def digest(out: Any) -> str:
    """A hash of every array and number in a result dict (spikes, final state, counters)."""
    h = hashlib.sha256()
    for key in sorted(out):
        value = out[key]
        if isinstance(value, dict):
            h.update(digest(value).encode())
        elif hasattr(value, "tobytes"):
            h.update(key.encode() + value.tobytes())
        else:
            h.update(f"{key}={value!r}".encode())
    return h.hexdigest()[:16]


def build_native(dest: Path) -> Path:
    """Build a wheel of this tree with SNNAS_NATIVE=ON into dest and return its extracted extension."""
    print(f"building a native copy of the core in {dest} (pip wheel -Ccmake.define.SNNAS_NATIVE=ON) ...",
          flush=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dest),
                    "-Ccmake.define.SNNAS_NATIVE=ON", str(ROOT)], check=True,
                   env={**os.environ, "CMAKE_BUILD_PARALLEL_LEVEL": os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", "2")})
    wheel = next(dest.glob("snnas-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        name = next(n for n in z.namelist() if n.startswith("snnas/_core") and n.endswith((".so", ".pyd")))
        z.extract(name, dest)
    return dest / name


class Worker:
    """A process running bench_sim's cases with one build of the core."""

    def __init__(self, core: str) -> None:
        self.proc = subprocess.Popen([sys.executable, str(HERE / "_builds.py"), core], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, env={**os.environ, **THREADS})
        self.info: dict[str, Any] = self.ask("build_info")

    def ask(self, case: str) -> dict[str, Any]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(case + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker died on {case!r}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def serve(core: str) -> None:
    """The worker's loop (see the module docstring)."""
    if core != "-":
        load_core(core)
    sys.path.insert(0, str(HERE))
    import bench_sim

    from snnas import _core

    cases = bench_sim.cases()
    for line in sys.stdin:
        name = line.strip()
        if name == "build_info":
            print(json.dumps({**_core.build_info(), "file": _core.__file__, "cases": list(cases)}), flush=True)
            continue
        run = cases[name]
        t0, c0 = time.perf_counter(), time.thread_time()
        out = run()
        c1, t1 = time.thread_time(), time.perf_counter()
        print(json.dumps({"wall": t1 - t0, "cpu": c1 - c0, "digest": digest(out)}), flush=True)


if __name__ == "__main__":
    serve(sys.argv[1])
