"""The chip description: plain frozen dataclasses, one per YAML section (schema version 1).

Units are SI throughout: joules per event, seconds, watts, hertz, volts, square metres; memories in bits
or entries; counts are integers. ``None`` (YAML ``null``) means **unknown**, never zero; zero means
"physically absent". Every field's unit, range and meaning live in its metadata, which the validator,
the CLI tables and the template all read, so there is one source of truth for the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from snnas.chip.fields import spec
from snnas.chip.numerics import NeuronNumerics
from snnas.errors import SnnasError

SCHEMA_VERSION = 1

ExecutionModel = Literal[
    "timestep_barrier",  # cores run asynchronously; a mesh-wide barrier ends each step (Loihi)
    "global_tick",  # a fixed global tick, e.g. 1 kHz; work must finish inside it (TrueNorth)
    "software_timestep",  # cores run software that advances a fixed step (SpiNNaker)
    "clocked_timestep",  # a synchronous clocked datapath processes each step (Xylo, Tianjic, ODIN)
    "async_event",  # no time step; events flow through cores as they come (Speck, DYNAP)
]
EXECUTION_MODELS: tuple[str, ...] = (
    "timestep_barrier",
    "global_tick",
    "software_timestep",
    "clocked_timestep",
    "async_event",
)
Kind = Literal["digital", "mixed_signal", "analog"]
Noc = Literal["mesh2d", "torus2d", "multicast_mesh", "tree", "layer_graph", "crossbar", "none"]
Routing = Literal["xy", "table", "multicast_table", "cam_tag", "fixed", "none"]
NeuronModel = Literal[
    "if", "lif", "cuba_lif", "adaptive_lif", "izhikevich", "hodgkin_huxley", "adex", "li", "programmable"
]
Basis = Literal[
    "measured",  # measured on silicon
    "simulated",  # pre-silicon simulation (SPICE, SDF)
    "derived",  # arithmetic on other sourced figures (show it in the locator)
    "specification",  # a documented design parameter (paper, datasheet, manual)
    "software",  # a constant in the vendor's or authors' own software
    "vendor_claim",  # a marketing or press figure, not independently documented
    "secondary",  # a third-party summary (wiki, review, news)
    "unknown",  # searched for, not found: documents why a field is null
]


# Plausibility bounds: wide enough for any real chip, tight enough to catch a unit slip (pJ written as J).
_E = 1e-6  # J per event
_T = 1.0  # s per event
_BITS = 64


@dataclass(frozen=True)
class Physical:
    """Silicon facts, for context (not used by the cost model)."""

    process: str | None = spec("", "process technology, free text, e.g. 'Intel 14 nm FinFET'")
    die_area_m2: float | None = spec("m^2", "die area", 0.0, 1.0)
    transistors: int | None = spec("count", "transistor count", 1, None)
    supply_v: float | None = spec("V", "nominal supply voltage the energy figures refer to", 0.0, 5.0)


@dataclass(frozen=True)
class Topology:
    """How many cores there are and how they talk."""

    cores: int = spec("cores", "neuromorphic cores per chip (excluding management CPUs)", 1, 10**7, default=1)
    cores_per_tile: int | None = spec("cores", "cores sharing one router", 1, 1024)
    mesh: tuple[int, ...] | None = spec("tiles", "[x, y] router grid of the network-on-chip", 1, 10**5)
    noc: Noc | None = spec("", "interconnect kind")
    routing: Routing | None = spec("", "routing scheme (xy = dimension-order X then Y)")
    max_chips: int | None = spec("chips", "largest documented multi-chip system", 1, None)


@dataclass(frozen=True)
class Execution:
    """When work happens: the execution model and its timing parameters."""

    model: ExecutionModel = spec("", "execution model", default="timestep_barrier")
    timestep_s: float | None = spec("s", "fixed real-time step (tick) when the model has one", 0.0, 10.0)
    clock_hz: float | None = spec("Hz", "core clock; null for clockless (asynchronous) designs", 1.0, 1e11)
    cycles_per_step: int | None = spec("cycles", "clock cycles of one full compute+communicate round", 1, None)
    barrier_latency_s: tuple[tuple[int, float], ...] | None = spec(
        "s", "barrier latency by number of tiles taking part, {tiles: seconds}; interpolate between", 0.0, 1.0
    )
    max_spikes_per_step_per_neuron: int | None = spec("spikes", "spikes one neuron may emit per step", 1, None)


@dataclass(frozen=True)
class CoreLimits:
    """Per-core resource limits. A mapping must respect every non-null one."""

    max_neurons: int | None = spec("neurons", "neurons (compartments) per core", 1, None)
    max_axons_in: int | None = spec("axons", "input axons (fan-in routing slots) per core", 1, None)
    max_axons_out: int | None = spec("axons", "output axons (core-to-core fan-out edges) per core", 1, None)
    max_external_inputs: int | None = spec("channels", "input channels: distinct sources from outside the core, "
                                           "where on-core (recurrent) synapses need none (Xylo, ReckOn)", 1, None)
    synapse_memory_bits: int | None = spec("bit", "synapse memory per core", 1, None)
    max_synapses: int | None = spec("synapses", "synapses per core, where the limit is a count", 1, None)
    max_fanin_per_neuron: int | None = spec("synapses", "incoming synapses per neuron", 1, None)
    max_fanout_per_neuron: int | None = spec("synapses", "outgoing synapses per neuron", 1, None)
    max_dest_cores_per_neuron: int | None = spec("cores", "destination cores one neuron may target", 1, None)
    max_dest_cores: int | None = spec("cores", "destination cores one core may target", 1, None)
    weight_values_per_neuron: int | None = spec("values", "distinct weight values per neuron", 1, None)
    synapse_types: int | None = spec("types", "axon / synapse types per core (TrueNorth 4)", 1, None)
    kernel_memory_entries: int | None = spec("entries", "convolution kernel memory (CNN cores)", 1, None)
    neuron_memory_entries: int | None = spec("entries", "neuron state memory (CNN cores)", 1, None)
    bias_memory_entries: int | None = spec("entries", "bias memory (CNN cores)", 1, None)
    max_channels: int | None = spec("channels", "feature channels per layer", 1, None)
    max_input_side: int | None = spec("pixels", "input feature map side", 1, None)
    max_output_side: int | None = spec("pixels", "output feature map side", 1, None)
    max_kernel_side: int | None = spec("pixels", "convolution kernel side", 1, None)
    allowed_strides: tuple[int, ...] | None = spec("pixels", "convolution strides supported", 1, 1024)
    max_padding: int | None = spec("pixels", "convolution zero padding", 0, None)
    allowed_pool_sizes: tuple[int, ...] | None = spec("pixels", "pooling sizes supported", 1, 1024)


@dataclass(frozen=True)
class WeightBits:
    """Allowed synaptic weight precision: a range, optionally restricted to a list."""

    min: int = spec("bit", "fewest weight bits", 1, _BITS, default=1)
    max: int = spec("bit", "most weight bits", 1, _BITS, default=1)
    allowed: tuple[int, ...] | None = spec("bit", "the only widths allowed inside [min, max]", 1, _BITS)


@dataclass(frozen=True)
class Precision:
    """Numeric precision of weights, state and messages."""

    weight_bits: WeightBits | None = spec("bit", "synaptic weight precision")
    weight_signed: bool | None = spec("", "weights carry a sign")
    membrane_bits: int | None = spec("bit", "membrane potential state", 1, _BITS)
    current_bits: int | None = spec("bit", "synaptic current state", 1, _BITS)
    threshold_bits: int | None = spec("bit", "firing threshold", 1, _BITS)
    decay_bits: int | None = spec("bit", "decay constants", 1, _BITS)
    delay_bits: int | None = spec("bit", "synaptic delay field", 0, _BITS)
    max_delay_steps: int | None = spec("steps", "longest synaptic delay", 0, None)
    refractory_max_steps: int | None = spec("steps", "longest refractory period", 0, None)
    spike_payload_bits: int | None = spec("bit", "graded spike payload; 0 = binary spikes", 0, _BITS)


@dataclass(frozen=True)
class Connectivity:
    """Network structures the chip can run (used to restrict search spaces)."""

    dense: bool | None = spec("", "fully connected layers")
    convolution: bool | None = spec("", "weight-shared convolution in hardware")
    recurrent: bool | None = spec("", "recurrent connections within a layer")
    skip_connections: bool | None = spec("", "connections that skip layers")
    on_chip_learning: bool | None = spec("", "synaptic plasticity on chip")


@dataclass(frozen=True)
class Energy:
    """Energy per event in joules (additive terms), and a whole-chip average kept apart from them."""

    e_syn_op: float | None = spec("J", "one synaptic event delivered to one target", 0.0, _E)
    e_syn_update: float | None = spec("J", "one learning update of one synapse", 0.0, _E)
    e_neuron_update_active: float | None = spec("J", "update of a neuron with input or state", 0.0, _E)
    e_neuron_update_idle: float | None = spec("J", "update of a quiescent neuron", 0.0, _E)
    e_spike_out: float | None = spec("J", "generating a spike and its local delivery", 0.0, _E)
    e_hop_x: float | None = spec("J", "one packet over one router hop in x", 0.0, _E)
    e_hop_y: float | None = spec("J", "one packet over one router hop in y", 0.0, _E)
    e_chip_hop: float | None = spec("J", "one packet from chip to chip", 0.0, 1e-3)
    e_total_per_syn_event: float | None = spec(
        "J", "whole-chip energy / synaptic events (static included); not additive with the terms", 0.0, _E
    )


@dataclass(frozen=True)
class Latency:
    """Time per event in seconds, serialised within one core."""

    t_syn_op: float | None = spec("s", "one synaptic event", 0.0, _T)
    t_neuron_update_active: float | None = spec("s", "update of an active neuron", 0.0, _T)
    t_neuron_update_idle: float | None = spec("s", "update of a quiescent neuron", 0.0, _T)
    t_spike_out: float | None = spec("s", "generating a spike and its local delivery", 0.0, _T)
    t_hop_x: float | None = spec("s", "one router hop in x", 0.0, _T)
    t_hop_y: float | None = spec("s", "one router hop in y", 0.0, _T)
    t_chip_hop: float | None = spec("s", "one chip-to-chip hop", 0.0, _T)
    max_synops_per_s_per_core: float | None = spec("1/s", "synaptic-event throughput ceiling of a core", 1.0, 1e13)


@dataclass(frozen=True)
class Power:
    """Power in watts."""

    p_static_w: float | None = spec("W", "static (leakage + idle) power of one chip", 0.0, 1e3)
    p_typical_w: float | None = spec("W", "typical total power of one chip on its published workloads", 0.0, 1e3)
    p_idle_per_core_w: float | None = spec("W", "idle power of one core", 0.0, 1e2)
    p_active_per_core_w: float | None = spec("W", "extra power of one active core", 0.0, 1e2)


@dataclass(frozen=True)
class Provenance:
    """Where one figure comes from."""

    source: str = spec("", "key into the chip's sources", default="")
    locator: str = spec("", "page, table, file or commit inside the source", default="")
    basis: Basis = spec("", "how the figure was obtained", default="unknown")


@dataclass(frozen=True)
class ChipFields:
    """Every field of one neuromorphic chip, as in ``hw_targets/<id>.yaml`` (the schema of
    :class:`snnas.chip.model.Chip`, which adds reading and writing).

    ``core`` is one :class:`CoreLimits` for a homogeneous chip, or a tuple with one entry per core for a
    heterogeneous one (DYNAP-CNN); use :meth:`core_limits` to read core *i* either way.
    """

    schema_version: int = spec("", "schema version of this file", 1, SCHEMA_VERSION, default=SCHEMA_VERSION)
    id: str = spec("", "identifier; equals the file stem", default="")
    name: str = spec("", "display name", default="")
    vendor: str = spec("", "maker", default="")
    kind: Kind = spec("", "circuit style", default="digital")
    description: str | None = spec("", "one or two sentences about the chip")
    physical: Physical = field(default_factory=Physical)
    topology: Topology = field(default_factory=Topology)
    execution: Execution = field(default_factory=Execution)
    core: CoreLimits | tuple[CoreLimits, ...] = field(default_factory=CoreLimits)
    precision: Precision = field(default_factory=Precision)
    neuron_models: tuple[NeuronModel, ...] | None = spec("", "neuron models the chip implements")
    numerics: tuple[tuple[NeuronModel, NeuronNumerics], ...] | None = spec(
        "", "the integer rule of each neuron model (snnas.chip.numerics); null: not public, generic fixed point")
    connectivity: Connectivity = field(default_factory=Connectivity)
    energy: Energy = field(default_factory=Energy)
    latency: Latency = field(default_factory=Latency)
    power: Power = field(default_factory=Power)
    provenance: tuple[tuple[str, Provenance], ...] = field(default=())
    sources: tuple[tuple[str, str], ...] = field(default=())
    notes: str | None = spec("", "free text: caveats, conflicts between sources")

    @property
    def heterogeneous(self) -> bool:
        """True when each core has its own limits."""
        return isinstance(self.core, tuple)

    def core_limits(self, index: int) -> CoreLimits:
        """Limits of core ``index`` (0-based)."""
        if not 0 <= index < self.topology.cores:
            raise SnnasError(f"chip {self.id!r}: core index {index} out of range [0, {self.topology.cores})")
        return self.core[index] if isinstance(self.core, tuple) else self.core

    def numerics_of(self, model: str) -> NeuronNumerics | None:
        """The integer rule of neuron model ``model`` on this chip, or None when the file gives none."""
        for name, entry in self.numerics or ():
            if name == model:
                return entry
        return None

    def provenance_of(self, path: str) -> Provenance | None:
        """The provenance entry covering ``path`` (the path itself or its nearest listed ancestor)."""
        table = dict(self.provenance)
        parts = path.split(".")
        for n in range(len(parts), 0, -1):
            key = ".".join(parts[:n])
            if key in table:
                return table[key]
        return None
