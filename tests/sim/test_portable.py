"""The default build of the core runs on any x86-64 CPU (CMakeLists.txt, cpp/dispatch.hpp).

Two checks of the installed extension, each skipped where its tool is missing:

* objdump: vector instructions beyond the x86-64 baseline (VEX- or EVEX-encoded: AVX, AVX2, AVX-512)
  occur only in functions that no baseline function calls or jumps to directly, i.e. in the clones that
  the ifunc resolvers choose on a CPU that has them. Functions are delimited by their unwind entries
  (readelf), since the extension is stripped of its symbols.
* qemu-x86_64 (user-mode emulation, which faults on instructions its CPU model lacks): under -cpu qemu64,
  a generic x86-64 CPU, the core imports and selects its baseline clones; numpy 2 itself needs
  x86-64-v2, so the simulations run on qemu64 plus the SSSE3, SSE4.1, SSE4.2 and POPCNT of that level
  (still no AVX), where they must give results bit-identical to those of this machine's clones.
"""

from __future__ import annotations

import bisect
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import snnas._core as core

INFO = core.build_info()
X86_LINUX = platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")
portable_x86 = pytest.mark.skipif(not (X86_LINUX and INFO.get("build") == "portable"),
                                  reason="a portable build on x86-64 Linux only")

# Registers or mnemonics that exist only with VEX/EVEX encoding; 'v' mnemonics of the baseline are
# few (verr, verw, the vm* of virtualisation) and never emitted by a compiler for this code.
VECTOR_REGISTER = re.compile(r"%[yz]mm\d|%k[0-7]\b")
BASELINE_V = ("verr", "verw", "vmcall", "vmlaunch", "vmresume", "vmxoff", "vmread", "vmwrite", "vmptr", "vmclear")
INSTRUCTION = re.compile(r"^\s*([0-9a-f]+):\s+(?:[a-z]+\s+)*?([a-z][a-z0-9.]*)\s*(.*)$")
DIRECT_BRANCH = re.compile(r"^([0-9a-f]+)(?:\s|$)")


def test_build_info_names_the_build_and_the_kernels() -> None:
    assert INFO["build"] in ("portable", "native")
    assert INFO["native"] == (INFO["build"] == "native")
    if INFO["build"] == "native":
        assert INFO["kernels"] == "native"
    else:
        assert INFO["kernels"] in ("x86-64-v4", "avx2", "default", "single")


def beyond_baseline(mnemonic: str, operands: str) -> bool:
    return bool(VECTOR_REGISTER.search(operands)) or (mnemonic.startswith("v") and not mnemonic.startswith(BASELINE_V))


def function_ranges(so: str) -> list[tuple[int, int]]:
    """The [start, end) of every function of the library, from its unwind table (.eh_frame)."""
    out = subprocess.run(["readelf", "--wide", "--debug-dump=frames", so], capture_output=True, text=True,
                         check=True).stdout
    ranges = {(int(a, 16), int(b, 16)) for a, b in re.findall(r"FDE cie=\S+ pc=([0-9a-f]+)\.\.([0-9a-f]+)", out)}
    return sorted(ranges)


@portable_x86
@pytest.mark.skipif(not (shutil.which("objdump") and shutil.which("readelf")), reason="needs objdump and readelf")
def test_vector_instructions_only_in_dispatched_clones() -> None:
    so = core.__file__
    ranges = function_ranges(so)
    starts = [a for a, _ in ranges]

    def function_of(addr: int) -> int | None:
        k = bisect.bisect_right(starts, addr) - 1
        return k if k >= 0 and addr < ranges[k][1] else None

    asm = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-j", ".text", so], capture_output=True, text=True,
                         check=True).stdout
    vector: set[int] = set()
    branches: list[tuple[int, int]] = []  # (function of the branch, target address)
    outside = 0  # vector instructions outside every function
    for line in asm.splitlines():
        m = INSTRUCTION.match(line)
        if m is None:
            continue
        addr, mnemonic, operands = int(m.group(1), 16), m.group(2), m.group(3)
        f = function_of(addr)
        if beyond_baseline(mnemonic, operands):
            if f is None:
                outside += 1
            else:
                vector.add(f)
        if mnemonic.startswith(("call", "jmp")) and f is not None:
            target = DIRECT_BRANCH.match(operands)
            if target is not None:
                branches.append((f, int(target.group(1), 16)))
    assert outside == 0
    if INFO["kernels"] != "single":
        assert vector, "no vector clones found: were the hot kernels multiversioned?"
    assert len(vector) < len(ranges) // 10, "vector instructions throughout: built with -mavx2 or -march=native?"
    entries = {ranges[f][0]: f for f in vector}
    wrong = [(hex(ranges[f][0]), hex(t)) for f, t in branches if t in entries and f not in vector]
    assert not wrong, f"baseline functions call vector code directly (caller, callee): {wrong[:5]}"


PROBE = """
import hashlib, json
import numpy as np
import snnas._core as core
from snnas.sim.engine import SimNetwork, core_arguments

def digest(out):
    h = hashlib.sha256()
    for key in sorted(out):
        value = out[key]
        h.update(repr(sorted(value.items())).encode() if isinstance(value, dict) else
                 value.tobytes() if hasattr(value, "tobytes") else repr(value).encode())
    return h.hexdigest()

rng = np.random.default_rng(5)
n = 1500
degree = rng.binomial(n, 0.02, size=n)
row_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
m = int(row_ptr[-1])
target = rng.integers(0, n, size=m, dtype=np.int32)
weight = np.where(np.repeat(np.arange(n), degree) < 1200, 0.03, -0.12) * rng.uniform(0.5, 1.5, size=m)
delay = rng.integers(1, 4, size=m, dtype=np.int32)
v0 = rng.uniform(0.0, 1.0, size=n)
i_ext = rng.uniform(1.02, 1.4, size=n)
i_ext[1000:] = 0.0  # the rest is driven by spikes only: both regimes of the event-driven engine
found = {"kernels": core.build_info()["kernels"]}
for model in ("if", "lif", "cuba_lif", "adaptive_lif"):
    net = SimNetwork(row_ptr=row_ptr, target=target, weight=weight, delay=delay, model=model, tau_s=5e-3,
                     t_ref=2, beta=0.05, tau_adapt=50e-3)
    for precision in ("double", "single") if model != "adaptive_lif" else ("double",):
        args = core_arguments(net, 300, 1e-3, v0=v0, i_ext=0.05 * i_ext if model == "if" else i_ext,
                              precision=precision)
        out = core.simulate(**args)
        found[f"{model}/{precision}"] = [int(out["spikes"]), digest(out)]
print(json.dumps(found))
"""


GENERIC = ["qemu-x86_64", "-cpu", "qemu64"]
# x86-64-v2 without AVX. OpenBLAS (under numpy) picks a kernel that qemu's emulation faults on unless told
# the core type.
GENERIC_V2 = ["qemu-x86_64", "-cpu", "qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt"]
QEMU = {"OPENBLAS_CORETYPE": "Prescott"}
needs_qemu = pytest.mark.skipif(shutil.which("qemu-x86_64") is None,
                                reason="needs qemu-x86_64 (Debian package qemu-user)")


def run_python(code: str, prefix: list[str]) -> str:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", **(QEMU if prefix else {})}
    return subprocess.run([*prefix, sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env,
                          cwd=Path(__file__).parent, timeout=900).stdout


@portable_x86
@needs_qemu
def test_core_imports_on_a_generic_cpu() -> None:
    out = run_python("import snnas._core as core; print(core.build_info()['kernels'])", GENERIC)
    assert out.split() == ["default"]


def probe(prefix: list[str]) -> dict[str, object]:
    found: dict[str, object] = json.loads(run_python(PROBE, prefix))
    return found


@portable_x86
@pytest.mark.slow
@needs_qemu
def test_cpu_without_avx_runs_the_baseline_clones_bit_identically() -> None:
    here = probe([])
    generic = probe(GENERIC_V2)
    assert generic.pop("kernels") == "default"
    here.pop("kernels")
    assert generic == here
    assert all(spikes > 0 for spikes, _ in here.values())  # type: ignore[attr-defined]
