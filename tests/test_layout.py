"""The package layout keeps its promises: one package per pipeline stage, imports only downstream-to-upstream
(a stage reads the stages before it, never one after it), no import cycle, small modules.

Every ``import`` statement in ``src/snnas`` counts, wherever it stands (module level, inside a function,
under ``TYPE_CHECKING``): a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "src" / "snnas"

# Pipeline order. A module may import modules of its own stage or of an earlier one.
STAGES = ("chip", "ir", "data", "space", "train", "quantize", "mapping", "sim", "evaluate", "search", "cli")
# Shared by every stage; they import nothing of snnas but each other.
BASE = ("errors", "export", "codes", "threads", "_lazy", "_aliases", "_version")
MAX_LINES = 600


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imported(path: Path, known: set[str]) -> Iterator[str]:
    """The snnas modules one file imports (``from snnas.x import y`` counts ``snnas.x.y`` when it is a module)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("snnas"):
            subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in known]
            if subs:
                yield from subs
            if len(subs) < len(node.names) and node.module in known:
                yield node.module


def import_graph() -> nx.DiGraph:
    mods = modules()
    g = nx.DiGraph()
    g.add_nodes_from(mods)
    for name, path in mods.items():
        g.add_edges_from((name, dep) for dep in imported(path, set(mods)) if dep != name)
    return g


def rank(module: str) -> int | None:
    """The stage index of a module; -1 for the shared base; None for the package facade (``snnas``,
    ``snnas.__main__``), which may import anything."""
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return None
    if parts[1] in BASE:
        return -1
    if parts[1] not in STAGES:
        raise AssertionError(f"{module}: not in a stage package; the stages are {', '.join(STAGES)}")
    return STAGES.index(parts[1])


def test_every_module_belongs_to_a_stage() -> None:
    for name in modules():
        rank(name)  # raises for a module outside the stages


def test_no_import_cycle() -> None:
    cycles = list(nx.simple_cycles(import_graph()))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join([*c, c[0]]) for c in cycles)


def test_no_import_from_a_later_stage() -> None:
    upward = []
    for a, b in import_graph().edges:
        ra, rb = rank(a), rank(b)
        if ra is not None and (rb is None or rb > ra):
            upward.append(f"{a} -> {b}")
    assert not upward, "imports from a later stage:\n" + "\n".join(sorted(upward))


def test_modules_are_small() -> None:
    big = {name: n for name, p in modules().items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big, f"modules over {MAX_LINES} lines: {big}"


@pytest.mark.parametrize(("module", "heavy"), [("snnas.space", "numba"), ("snnas.ir", "numba"),
                                                ("snnas.chip", "numba"), ("snnas.search", "numba")])
def test_early_stages_load_no_heavy_dependency(module: str, heavy: str) -> None:
    code = f"import sys, {module}; print({heavy!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"import {module} loads {heavy}"


def test_the_graph_sees_a_planted_upward_import(tmp_path: Path) -> None:
    """The walker is not blind: an import of a later stage inside a function is found."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from snnas.evaluate.cost import energy\n    import snnas.sim.engine\n")
    assert set(imported(src, {"snnas.evaluate.cost", "snnas.sim.engine"})) == {"snnas.evaluate.cost",
                                                                               "snnas.sim.engine"}


# The import lines of the README before the layout moved (and the module paths it named in prose).
OLD_README_IMPORTS = """
from snnas.datasets import digits, split
from snnas.mapping import map_network
from snnas.network import Network, Input, Population, Dense, Conv, Pool
from snnas.neurons import LIFParameters
from snnas.nir_io import read_nir, write_nir
from snnas.quantize import quantize, chip_accuracy, fine_tune
from snnas.train import TrainConfig, train
from snnas.zeroshot import zero_shot_score
from snnas.encoding import encode
from snnas.metrics import parameter_count
from snnas.cost import energy, latency
from snnas.store import Store
import snnas.simulate, snnas.fixed_point, snnas.reference, snnas.activity, snnas.onchip, snnas.score
import snnas.train_graph, snnas.quantize_graph, snnas.report, snnas.plot, snnas.fitting, snnas.train_conv
"""


def test_old_import_paths_still_work() -> None:
    code = OLD_README_IMPORTS + "\nimport snnas.network, snnas.ir.network\nassert snnas.network is snnas.ir.network\n"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_evaluate_is_a_package_and_the_function() -> None:
    import snnas
    import snnas.evaluate.onchip  # the package is imported first

    assert callable(snnas.evaluate)
    assert snnas.evaluate.onchip.evaluate.__name__ == "evaluate"
