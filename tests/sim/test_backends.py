"""Backends chosen by name: the engine and the numba reference run the same arguments to the same result."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.errors import SimulationInputError
from snnas.sim.backends import BACKENDS, backend
from snnas.sim.engine import simulate
from snnas.sim.fixed import simulate_fixed
from tests.sim.cases import make_case, make_fixed_case


def test_the_backends() -> None:
    assert BACKENDS == ("engine", "numba")
    assert backend("numba").name == "numba"


@pytest.mark.parametrize("model", ["if", "lif", "cuba_lif", "adaptive_lif", "izhikevich"])
@pytest.mark.parametrize("seed", [1, 2])
def test_engine_and_numba_agree_float(model: str, seed: int) -> None:
    case = make_case(seed, model)
    a = simulate(case.network, case.n_steps, case.dt, **case.inputs)  # type: ignore[arg-type]
    b = simulate(case.network, case.n_steps, case.dt, backend="numba", **case.inputs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    np.testing.assert_array_equal(a.spike_steps, b.spike_steps)
    np.testing.assert_array_equal(a.v, b.v)


@pytest.mark.parametrize("model", ["if", "lif", "cuba_lif"])
def test_engine_and_numba_agree_fixed(model: str) -> None:
    case = make_fixed_case(3, model)
    a = simulate_fixed(case.network, case.n_steps, **case.inputs)  # type: ignore[arg-type]
    b = simulate_fixed(case.network, case.n_steps, backend="numba", **case.inputs)  # type: ignore[arg-type]
    np.testing.assert_array_equal(a.spike_ids, b.spike_ids)
    np.testing.assert_array_equal(a.v, b.v)


def test_an_unknown_backend_is_refused_by_name() -> None:
    case = make_case(1, "lif")
    with pytest.raises(SimulationInputError, match=r"backend: expected one of 'engine', 'numba', got 'brian2'"):
        simulate(case.network, case.n_steps, backend="brian2")  # type: ignore[arg-type]


def test_bad_input_raises_the_same_error_in_both_backends() -> None:
    case = make_case(1, "lif")
    for name in BACKENDS:
        with pytest.raises(SimulationInputError, match="n_steps"):
            simulate(case.network, -1, backend=name)  # type: ignore[arg-type]
