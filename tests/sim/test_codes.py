"""One source for codes and limits: the compiled core's tables are the ones every Python module uses, and
decay factors given directly reach the engine bit for bit."""

from __future__ import annotations

import ast
import math
import re
from typing import Any, get_args, get_type_hints

import numpy as np
import pytest

import snnas._core as core
from snnas import codes
from snnas.errors import SimulationInputError
from snnas.sim import engine, fixed
from snnas.sim.engine import SimNetwork, network_arguments, simulate, simulate_reference
from snnas.sim.reference import common as reference
from tests.conftest import ROOT
from tests.sim.test_reference import assert_identical

DT = 1e-3
# A decay per step that no time constant reproduces through exp(-dt/tau) with tau = -dt/log(a): the round
# trip gives its neighbour one ulp away (checked in test_the_decay_defeats_the_round_trip).
ODD_DECAY = 0.59945285


def round_trip(alpha: float, dt: float = DT) -> float:
    """The decay the engine used to see: converted to a time constant, then back as the engine does."""
    return math.exp(-dt / (-dt / math.log(alpha)))


def test_python_names_are_the_core_tables() -> None:
    assert engine.MODELS == core.MODELS == codes.MODELS
    assert engine.RESETS == core.RESETS == codes.RESETS
    assert engine.STEPPED_MODELS == core.STEPPED_MODELS
    assert core.LIMITS["max_substeps"] == engine.MAX_SUBSTEPS
    assert fixed.FIXED_MODELS == core.FIXED_MODELS
    assert fixed.DECAY_ONE == core.LIMITS["decay_one"] == 2 ** core.LIMITS["decay_shift"]
    assert set(core.FIXED_MODELS.items()) <= set(core.MODELS.items())
    assert set(core.STEPPED_MODELS) <= set(core.MODELS) and set(core.HIDDEN) <= set(core.MODELS)
    assert sorted(core.MODELS.values()) == list(range(len(core.MODELS)))
    assert sorted(core.RESETS.values()) == list(range(len(core.RESETS)))


def test_the_reference_compiles_the_core_codes() -> None:
    names = ("if", "lif", "cuba_lif", "adaptive_lif", "izhikevich", "hodgkin_huxley")
    own = (reference._IF, reference._LIF, reference._CUBA, reference._ALIF, reference._IZH, reference._HH)
    assert own == tuple(core.MODELS[name] for name in names)
    assert all(type(code) is int for code in own)  # plain ints, which numba compiles in as constants
    assert core.RESETS["subtract"] == reference._SUBTRACT and core.LIMITS["decay_shift"] == reference._SHIFT
    assert {core.MODELS[name]: rows for name, rows in core.HIDDEN.items()} == reference._HIDDEN
    assert {core.MODELS[name] for name in core.STEPPED_MODELS} == reference._STEPPED


def test_the_type_names_list_exactly_the_core_codes() -> None:
    """The Literal types (for the type checker) cannot be read from the core; they must spell its names."""
    assert get_args(engine.Model) == tuple(core.MODELS)
    assert get_args(engine.Reset) == tuple(core.RESETS)
    hints = get_type_hints(fixed.FixedSimNetwork)
    assert get_args(hints["model"]) == tuple(core.FIXED_MODELS)
    assert get_args(hints["reset"]) == tuple(core.RESETS)


def _code_tables(tree: ast.AST) -> list[int]:
    """Lines of dict literals mapping two or more model or reset names to integers (a copy of a code table)."""
    names = set(core.MODELS) | set(core.RESETS)
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            pairs = [(k.value, v.value) for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)]
            if sum(1 for k, v in pairs if k in names and type(v) is int) >= 2:
                lines.append(node.lineno)
    return lines


def test_no_module_writes_its_own_code_table() -> None:
    copies = {str(p.relative_to(ROOT)): lines for p in sorted((ROOT / "src" / "snnas").rglob("*.py"))
              if (lines := _code_tables(ast.parse(p.read_text())))}
    assert not copies, f"hand-written code tables (read snnas.codes instead): {copies}"
    assert _code_tables(ast.parse('MODELS = {"if": 0, "lif": 1}'))  # the scan sees one


def test_the_cpp_defines_the_codes_once() -> None:
    sources = {p.name: p.read_text() for p in (ROOT / "cpp").iterdir() if p.suffix in (".cpp", ".hpp")}
    for definition in ("enum class Model ", "enum class ResetMode ", "kMaxSubsteps =", "kMaxStateBits =",
                       "kFixedShift =", "kMaxRingEntries ="):
        assert [name for name, text in sources.items() if definition in text] == ["codes.hpp"], definition


def test_the_limits_are_the_ones_enforced() -> None:
    limits = core.LIMITS
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="izhikevich", v_th=0.03, v_reset=-0.065,
                     v_rest=-0.07, substeps=limits["max_substeps"])
    network_arguments(net, DT)
    most = limits["max_substeps"]
    with pytest.raises(SimulationInputError, match=f"substeps: expected an integer in \\[1, {most}\\]"):
        network_arguments(SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[],
                                     substeps=limits["max_substeps"] + 1), DT)
    args = fixed.fixed_arguments(fixed.FixedSimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[]), 1)
    core.validate_fixed(**{**args, "state_bits": limits["max_state_bits"]})
    core.validate_fixed(**{**args, "state_bits": limits["min_state_bits"], "v_th": np.ones(1, np.int64)})
    for bits in (limits["min_state_bits"] - 1, limits["max_state_bits"] + 1):
        with pytest.raises(SimulationInputError, match="state_bits: expected an integer in "
                                                       f"\\[{limits['min_state_bits']}, {limits['max_state_bits']}\\]"):
            core.validate_fixed(**{**args, "state_bits": bits})
    core.validate_fixed(**{**args, "decay_m": np.array([limits["decay_one"]], np.int32)})
    with pytest.raises(SimulationInputError, match=f"decay_m\\[0\\] = {limits['decay_one'] + 1}"):
        core.validate_fixed(**{**args, "decay_m": np.array([limits["decay_one"] + 1], np.int32)})


def test_code_messages_are_built_from_the_tables() -> None:
    args = engine.core_arguments(SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[]), 1, DT)
    choices = ", ".join(f"{code} ({name.upper()})" for name, code in core.MODELS.items())
    choices = " or ".join(choices.rsplit(", ", 1))
    with pytest.raises(SimulationInputError, match=f"^model: expected {re.escape(choices)}, got 9$"):
        core.validate(**{**args, "model": 9})
    with pytest.raises(SimulationInputError, match=r"^reset: expected 0 \(to value\) or 1 \(subtract\), got 2$"):
        core.validate(**{**args, "reset": 2})
    fixed_args = fixed.fixed_arguments(fixed.FixedSimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[]), 1)
    with pytest.raises(SimulationInputError, match=r"^model: expected 0 \(IF\), 1 \(LIF\) or 2 \(CUBA_LIF\), got 3$"):
        core.validate_fixed(**{**fixed_args, "model": core.MODELS["adaptive_lif"]})


# ---- decays given directly -----------------------------------------------------------------------------

def test_the_decay_defeats_the_round_trip() -> None:
    assert round_trip(ODD_DECAY) != ODD_DECAY
    tau = -DT / math.log(ODD_DECAY)
    assert network_arguments(SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], tau_m=tau), DT)[
        "alpha_m"][0] != ODD_DECAY


@pytest.mark.parametrize("field", ["alpha_m", "alpha_s"])
def test_decays_pass_to_the_core_unchanged(field: str) -> None:
    decays = np.array([ODD_DECAY, 0.0, 1.0, np.nextafter(1.0, 0.0)])
    net = SimNetwork(row_ptr=np.zeros(5, np.int64), target=[], weight=[], delay=[], model="cuba_lif",
                     **{field: decays})  # type: ignore[arg-type]
    args = network_arguments(net, DT)
    assert args[field].tobytes() == decays.tobytes()
    scalar = network_arguments(SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[],
                                          **{field: ODD_DECAY}), DT)  # type: ignore[arg-type]
    assert scalar[field].tolist() == [ODD_DECAY]


def test_a_given_membrane_decay_drives_the_engine_bit_for_bit() -> None:
    """One driven LIF neuron: the engine's v is the rule v <- u + (v - u)*a with exactly this a."""
    drive = 0.7
    net = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="lif", v_th=1.0, alpha_m=ODD_DECAY)
    via_tau = SimNetwork(row_ptr=[0, 0], target=[], weight=[], delay=[], model="lif", v_th=1.0,
                         tau_m=-DT / math.log(ODD_DECAY))
    v, differs = 0.0, []
    for steps in range(1, 9):
        v = drive + (v - drive) * ODD_DECAY
        assert simulate(net, steps, DT, i_ext=np.array([drive])).v.tolist() == [v]
        differs.append(simulate(via_tau, steps, DT, i_ext=np.array([drive])).v.tolist() != [v])
    assert any(differs)  # the time-constant route does not reach the same states


def _odd_network(model: str, rng: np.random.Generator, n: int = 60) -> SimNetwork:
    degree = rng.binomial(n, 0.1, size=n)
    row_ptr = np.concatenate(([0], np.cumsum(degree))).astype(np.int64)
    m = int(row_ptr[-1])
    decays = rng.choice([ODD_DECAY, round_trip(ODD_DECAY), 0.9], size=n)
    extra: dict[str, Any] = {"alpha_s": decays[::-1].copy()} if model == "cuba_lif" else {}
    return SimNetwork(row_ptr=row_ptr, target=rng.integers(0, n, size=m).astype(np.int32),
                      weight=rng.normal(0.8, 0.3, size=m), delay=rng.integers(0, 3, size=m).astype(np.int32),
                      model=model, v_th=1.0, alpha_m=decays, **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("model", ["lif", "cuba_lif", "adaptive_lif"])
def test_given_decays_give_the_reference_spikes(model: str) -> None:
    rng = np.random.default_rng(7)
    net = _odd_network(model, rng)
    steps = 200
    ext = (rng.integers(0, steps, size=600), rng.integers(0, 60, size=600), np.full(600, 2.5))
    a = simulate(net, steps, DT, ext_spikes=ext)
    b = simulate_reference(net, steps, DT, ext_spikes=ext)
    assert a.spikes > 20
    assert_identical(a, b)


@pytest.mark.parametrize("field", ["alpha_m", "alpha_s"])
@pytest.mark.parametrize(("value", "message"), [
    (np.nan, r"\[0\] = nan: expected a decay factor per step in \[0, 1\]"),
    (np.inf, r"\[0\] = inf: expected a decay factor per step in \[0, 1\]"),
    (-0.1, r"\[0\] = -0.1: expected a decay factor per step in \[0, 1\]"),
    (1.5, r"\[0\] = 1.5: expected a decay factor per step in \[0, 1\]"),
    ([0.5, 0.5, 0.5], r": expected a scalar or shape \(2,\), got shape \(3,\)"),
    ([[0.5, 0.5]], r": expected a scalar or shape \(2,\), got shape \(1, 2\)"),
    ("fast", ": expected real numbers"),
])
def test_bad_decays_are_named(field: str, value: Any, message: str) -> None:
    net = SimNetwork(row_ptr=[0, 0, 0], target=[], weight=[], delay=[], model="cuba_lif",
                     **{field: value})  # type: ignore[arg-type]
    with pytest.raises(SimulationInputError, match=f"^{field}{message}"):
        simulate(net, 1, DT)


def test_a_bad_decay_is_named_at_its_neuron() -> None:
    net = SimNetwork(row_ptr=[0, 0, 0, 0], target=[], weight=[], delay=[], alpha_m=[0.5, 1.0, 1.0 + 2**-52])
    with pytest.raises(SimulationInputError, match=r"^alpha_m\[2\] = 1.0000000000000002: expected"):
        simulate(net, 1, DT)
