"""Neuron parameter classes: validation, discretisation, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.errors import NetworkError, SnnasError
from snnas.ir.neurons import (
    AdaptiveLIFParameters,
    CubaLIFParameters,
    IFParameters,
    LIFParameters,
    LIParameters,
    NeuronParameters,
)


@pytest.mark.parametrize("cls", [IFParameters, LIFParameters, CubaLIFParameters, LIParameters, AdaptiveLIFParameters])
def test_dict_round_trip(cls: type[NeuronParameters]) -> None:
    p = cls()
    assert NeuronParameters.from_dict(p.to_dict()) == p


def test_lif_discretisation_is_exact_exponential() -> None:
    d = LIFParameters(tau_m=np.array([10e-3, 20e-3]), r=2.0).discretize(1e-3, 2)
    np.testing.assert_allclose(d.alpha_m, np.exp(-0.1 * np.array([1.0, 0.5])))
    np.testing.assert_allclose(d.input_gain, 2.0 * 1e-3 / np.array([10e-3, 20e-3]))


def test_refractory_period_in_steps() -> None:
    assert LIFParameters(t_ref=2e-3).discretize(1e-3, 3).t_ref.tolist() == [2, 2, 2]


def test_li_never_spikes() -> None:
    assert np.isinf(LIParameters().discretize(1e-3, 4).v_th).all()


@pytest.mark.parametrize("kwargs, match", [
    ({"tau_m": 0.0}, "tau_m: expected > 0"),
    ({"tau_m": float("nan")}, "finite"),
    ({"v_th": [1.0, np.inf]}, "NaN or infinity at index 1"),
    ({"v_th": np.ones((2, 2))}, "1-D array"),
    ({"reset": "zero"}, "'value' or 'subtract'"),
    ({"t_ref": -1e-3}, "t_ref: expected >= 0"),
    ({"v_th": "high"}, "expected a number"),
    ({"v_th": True}, "expected a number"),
])
def test_bad_parameters_raise_network_error(kwargs: dict, match: str) -> None:
    with pytest.raises(NetworkError, match=match) as info:
        LIFParameters(**kwargs)
    assert isinstance(info.value, SnnasError)


def test_unknown_model_in_dict() -> None:
    with pytest.raises(NetworkError, match="neuron model 'hh' unknown"):
        NeuronParameters.from_dict({"model": "hh"})


def test_arrays_are_read_only() -> None:
    p = LIFParameters(v_th=np.ones(3))
    with pytest.raises(ValueError):
        p.v_th[0] = 2.0  # type: ignore[index]


def test_cuba_gain_matches_snntorch_synaptic_export() -> None:
    """snnTorch exports Synaptic(alpha, beta) as tau_syn = dt/(1-alpha), w_in = tau_syn/dt, r = tau_mem/dt.

    Its update syn <- alpha*syn + W*x; mem <- beta*mem + syn settles at mem = syn/(1 - beta), so one unit
    of weight moves the settled drive by 1/(1 - beta) = tau_mem/dt.
    """
    dt, alpha, beta = 1e-4, 0.8, 0.9
    tau_syn, tau_mem = dt / (1 - alpha), dt / (1 - beta)
    d = CubaLIFParameters(tau_m=tau_mem, tau_syn=tau_syn, r=tau_mem / dt, w_in=tau_syn / dt).discretize(dt, 1)
    assert d.input_gain[0] == pytest.approx(1 / (1 - beta))


def test_adaptive_lif_has_no_nir_primitive() -> None:
    import numpy as np

    from snnas.errors import NIRError
    from snnas.ir.network import Dense, Input, Network, Population
    from snnas.ir.nir import to_nir

    net = Network((Input("i", 2), Population("a", 2, AdaptiveLIFParameters())), (Dense("i", "a", np.ones((2, 2))),))
    with pytest.raises(NIRError, match="'adaptive_lif' has no NIR primitive"):
        to_nir(net)
    with pytest.raises(NetworkError, match="tau_adapt: expected > 0"):
        AdaptiveLIFParameters(tau_adapt=0.0)
