"""Types of the compiled core ``snnas._core`` (cpp/bindings.cpp); tests/test_core_stub.py checks them against it.

Every function takes keyword-only arguments: C-contiguous numpy arrays of the exact dtype named here, Python
integers and floats. Bad input raises :class:`snnas.errors.SimulationInputError` naming the argument. The
results are plain dicts (the simulators' dicts are shared with the pure-Python reference, which returns the
same keys), so their values are typed ``Any``; the keys are listed at each function.
"""

from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

__version__: str

# The core's code tables (cpp/codes.hpp), read by snnas.codes: name -> code, limits by name.
MODELS: dict[str, int]
FIXED_MODELS: dict[str, int]
STEPPED_MODELS: dict[str, float | None]
HIDDEN: dict[str, tuple[str, ...]]
RESETS: dict[str, int]
LIMITS: dict[str, int]
FIXED_RULES: dict[str, dict[str, int]]
LAYERED: dict[str, dict[str, int]]

_F64 = NDArray[np.float64]
_I32 = NDArray[np.int32]
_I64 = NDArray[np.int64]
_F32 = NDArray[np.float32]
_Precision = Literal["double", "single"]

def build_info() -> dict[str, Any]:
    """version (str), compiler (str), cplusplus (int), optimized (bool), native (bool)."""

class PreparedNetwork:
    """A checked network made ready to run (``snnas.sim.engine.Simulator`` wraps it)."""

    @property
    def num_neurons(self) -> int: ...
    @property
    def num_synapses(self) -> int: ...
    def run(
        self,
        *,
        n_steps: int,
        v0: _F64,
        i0: _F64,
        ext_step: _I64,
        ext_id: _I32,
        ext_weight: _F64,
        i_ext: _F64 | None = None,
    ) -> dict[str, Any]:
        """Keys: spike_step (int64), spike_id (int32), v, i_syn (float64), hidden (dict of float64 arrays),
        synaptic_events, external_events, neuron_updates, spikes (int)."""
    def run_batch(
        self,
        *,
        n_steps: int,
        v0: _F64,
        i0: _F64,
        i_ext: _F64 | None = None,
        in_ptr: _I64,
        in_target: _I32,
        in_weight: _F64,
        in_delay: _I32,
        raster: NDArray[np.uint8] | _I32,
        threads: int = 1,
    ) -> dict[str, Any]:
        """Keys: spike_ptr (int64, samples + 1), spike_step (int64), spike_id (int32), and per sample
        synaptic_events, external_events, neuron_updates (int64 arrays)."""

class PreparedChip:
    """The chip model prepared for one network and placement (``snnas.sim.activity.ChipCounter``)."""

    @property
    def num_neurons(self) -> int: ...
    @property
    def num_cores(self) -> int: ...
    def count(self, *, spike_step: _I64, spike_id: _I32, n_steps: int) -> dict[str, Any]:
        """Keys: synops, spikes_out, packets_out, packets_in, hops_x, hops_y, max_hops_x, max_hops_y,
        updates_active, updates_idle; each an (n_steps, num_cores) int64 table."""

def prepare(
    *,
    model: int,
    reset: int,
    v_th: _F64,
    v_reset: _F64,
    v_rest: _F64,
    alpha_m: _F64,
    alpha_s: _F64,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _F64,
    delay: _I32,
    beta: _F64 | None = None,
    alpha_a: _F64 | None = None,
    izh_ka: _F64 | None = None,
    izh_b: _F64 | None = None,
    izh_d: _F64 | None = None,
    dt: float | None = None,
    substeps: int | None = None,
    precision: _Precision | None = None,
) -> PreparedNetwork: ...
def simulate(
    *,
    model: int,
    reset: int,
    v_th: _F64,
    v_reset: _F64,
    v_rest: _F64,
    alpha_m: _F64,
    alpha_s: _F64,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _F64,
    delay: _I32,
    beta: _F64 | None = None,
    alpha_a: _F64 | None = None,
    izh_ka: _F64 | None = None,
    izh_b: _F64 | None = None,
    izh_d: _F64 | None = None,
    dt: float | None = None,
    substeps: int | None = None,
    n_steps: int,
    v0: _F64,
    i0: _F64,
    ext_step: _I64,
    ext_id: _I32,
    ext_weight: _F64,
    i_ext: _F64 | None = None,
    precision: _Precision | None = None,
) -> dict[str, Any]:
    """prepare() and PreparedNetwork.run() in one call; the keys of run()."""

def validate(
    *,
    model: int,
    reset: int,
    v_th: _F64,
    v_reset: _F64,
    v_rest: _F64,
    alpha_m: _F64,
    alpha_s: _F64,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _F64,
    delay: _I32,
    beta: _F64 | None = None,
    alpha_a: _F64 | None = None,
    izh_ka: _F64 | None = None,
    izh_b: _F64 | None = None,
    izh_d: _F64 | None = None,
    dt: float | None = None,
    substeps: int | None = None,
    n_steps: int,
    v0: _F64,
    i0: _F64,
    ext_step: _I64,
    ext_id: _I32,
    ext_weight: _F64,
    i_ext: _F64 | None = None,
    precision: _Precision | None = None,
) -> None: ...
def simulate_fixed(
    *,
    model: int,
    reset: int,
    state_bits: int,
    v_th: _I64,
    v_reset: _I64,
    decay_m: _I32,
    decay_s: _I32,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _I32,
    delay: _I32,
    n_steps: int,
    v0: _I64,
    i0: _I64,
    ext_step: _I64,
    ext_id: _I32,
    ext_weight: _I32,
    i_ext: _I32 | None = None,
    current_bits: int | None = None,
    order: int | None = None,
    decay_rounding: int | None = None,
    threshold_test: int | None = None,
    v_overflow: int | None = None,
    i_overflow: int | None = None,
    probe: _I32 | None = None,
    v_min: _I64 | None = None,
    max_spikes: int | None = None,
    integration: int | None = None,
    decay_bits: int | None = None,
) -> dict[str, Any]:
    """Keys: spike_step (int64), spike_id (int32), v, i_syn (int64), synaptic_events, external_events,
    neuron_updates, spikes (int); with a probe also v_probe, i_syn_probe ((n_steps, probes) int64)."""

def simulate_fixed_batch(
    *,
    model: int,
    reset: int,
    state_bits: int,
    v_th: _I64,
    v_reset: _I64,
    decay_m: _I32,
    decay_s: _I32,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _I32,
    delay: _I32,
    n_steps: int,
    v0: _I64,
    i0: _I64,
    ext_step: _I64,
    ext_id: _I32,
    ext_weight: _I32,
    i_ext: _I32 | None = None,
    current_bits: int | None = None,
    order: int | None = None,
    decay_rounding: int | None = None,
    threshold_test: int | None = None,
    v_overflow: int | None = None,
    i_overflow: int | None = None,
    probe: _I32 | None = None,
    v_min: _I64 | None = None,
    max_spikes: int | None = None,
    integration: int | None = None,
    decay_bits: int | None = None,
    in_ptr: _I64,
    in_target: _I32,
    in_weight: _I32,
    raster: NDArray[np.uint8] | _I32,
    out_begin: int,
    n_out: int,
    membrane: bool = False,
    threads: int = 1,
) -> dict[str, Any]:
    """Keys: out_spikes ((samples, n_steps, n_out) int32), v_sum ((samples, n_out) int64, membrane only),
    synaptic_events, external_events, neuron_updates, spikes ((samples,) int64), neuron_spikes ((n,) int64)."""

def validate_fixed_batch(
    *,
    model: int,
    reset: int,
    state_bits: int,
    v_th: _I64,
    v_reset: _I64,
    decay_m: _I32,
    decay_s: _I32,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _I32,
    delay: _I32,
    n_steps: int,
    v0: _I64,
    i0: _I64,
    ext_step: _I64,
    ext_id: _I32,
    ext_weight: _I32,
    i_ext: _I32 | None = None,
    current_bits: int | None = None,
    order: int | None = None,
    decay_rounding: int | None = None,
    threshold_test: int | None = None,
    v_overflow: int | None = None,
    i_overflow: int | None = None,
    probe: _I32 | None = None,
    v_min: _I64 | None = None,
    max_spikes: int | None = None,
    integration: int | None = None,
    decay_bits: int | None = None,
    in_ptr: _I64,
    in_target: _I32,
    in_weight: _I32,
    raster: NDArray[np.uint8] | _I32,
    out_begin: int,
    n_out: int,
    membrane: bool = False,
    threads: int = 1,
) -> None: ...

def validate_fixed(
    *,
    model: int,
    reset: int,
    state_bits: int,
    v_th: _I64,
    v_reset: _I64,
    decay_m: _I32,
    decay_s: _I32,
    t_ref: _I32,
    row_ptr: _I64,
    target: _I32,
    weight: _I32,
    delay: _I32,
    n_steps: int,
    v0: _I64,
    i0: _I64,
    ext_step: _I64,
    ext_id: _I32,
    ext_weight: _I32,
    i_ext: _I32 | None = None,
    current_bits: int | None = None,
    order: int | None = None,
    decay_rounding: int | None = None,
    threshold_test: int | None = None,
    v_overflow: int | None = None,
    i_overflow: int | None = None,
    probe: _I32 | None = None,
    v_min: _I64 | None = None,
    max_spikes: int | None = None,
    integration: int | None = None,
    decay_bits: int | None = None,
) -> None: ...
def count_chip_events(
    *,
    row_ptr: _I64,
    target: _I32,
    delay: _I32,
    neuron_core: _I32,
    core_x: _I32 | None,
    core_y: _I32 | None,
    num_cores: int,
    spike_step: _I64,
    spike_id: _I32,
    n_steps: int,
) -> dict[str, Any]:
    """prepare_chip() and PreparedChip.count() in one call; the keys of count()."""

def prepare_chip(
    *,
    row_ptr: _I64,
    target: _I32,
    delay: _I32,
    neuron_core: _I32,
    core_x: _I32 | None,
    core_y: _I32 | None,
    num_cores: int,
) -> PreparedChip: ...
def async_event_timing(
    *,
    row_ptr: _I64,
    target: _I32,
    delay: _I32,
    neuron_core: _I32,
    core_x: _I32 | None,
    core_y: _I32 | None,
    num_cores: int,
    spike_step: _I64,
    spike_id: _I32,
    n_steps: int,
    dt: float,
    t_syn: float,
    t_spike: float,
    t_hop_x: float,
    t_hop_y: float,
) -> dict[str, Any]:
    """Keys: release (float64, the release time of every spike in seconds), busy (float64 per core)."""

def simulate_layered(
    *,
    n_inputs: int,
    pop_ptr: _I64,
    rules: _I32,
    record: _I32,
    f_m: _F32,
    f_s: _F32,
    gain: _F32,
    v_th: _F32,
    v_reset: _F32,
    v_leak: _F32,
    leak: _F32,
    v_min: _F32,
    v0: _F32,
    i0: _F32,
    bias: _F64,
    in_ptr: _I64,
    source: _I32,
    weight: _F64,
    delay: _I32,
    inputs: _F32,
) -> dict[str, Any]:
    """The layered float32 simulator (cpp/layered.hpp). Keys: spikes ((n_steps, recorded) int32), v, i
    ((n_steps, state-recorded) float32)."""
