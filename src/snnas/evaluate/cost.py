"""Energy and latency of a run on a chip, from its event counts (pure functions).

Energy comes in three tiers; every number says which tier it is from.

1. ``neurobench``: NeuroBench operation counts × Horowitz (ISSCC 2014, 45 nm) energies:
   E = ACs · 0.9 pJ + MACs · 4.6 pJ, with ACs the synaptic events of spikes and MACs those of
   real-valued inputs. Chip-independent; comparable with most SNN papers.
2. ``device``: the chip's own per-event table, placement ignored: E = SOPs · e_total_per_syn_event when
   the chip publishes a whole-chip average (TrueNorth), else SOPs · e_syn_op + active updates · e_neuron_update_active.
3. ``placement``: the placement-aware model of DESIGN.md, term by term:
   E = SOPs·e_syn_op + active·e_neuron_update_active + idle·e_neuron_update_idle + spikes·e_spike_out
       + Σ hops_x·e_hop_x + Σ hops_y·e_hop_y + P_static·T_run
   (no idle term on an ``async_event`` chip, which updates no neuron without an event). A term whose figure
   the chip file leaves unknown (null) is reported as None and named in ``missing``; the total then covers
   the known terms only (a lower bound) and ``complete`` is False. Every chip's total holds these same terms,
   so totals on two chips are the same quantity, or one is marked partial with the missing figures named.

Latency per step, by execution model:

- ``timestep_barrier``: max over cores of (SOPs·t_syn_op + active·t_neuron_update_active +
  idle·t_neuron_update_idle + spikes·t_spike_out + max_hops_x·t_hop_x + max_hops_y·t_hop_y), plus the
  barrier latency for the tiles in use (linear interpolation in the chip's table, clamped at its ends);
- ``global_tick`` / ``software_timestep``: the fixed step; a step whose work exceeds it is an overrun;
- ``clocked_timestep``: cycles_per_step / clock_hz when both are known, else the work as above;
- ``async_event``: no step; the work-based time of each step is reported (an upper bound on event
  latency without queueing; the event-level latency comes from the simulator's timestamps).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from snnas.chip import Chip
from snnas.chip.horowitz import E_AC, E_MAC
from snnas.errors import SnnasError
from snnas.sim.activity import ChipActivity

__all__ = ["E_AC", "E_MAC", "CostError", "EnergyEstimate", "LatencyEstimate", "async_latency", "barrier_latency",
           "energy", "latency"]

TIERS = ("neurobench", "device", "placement")



class CostError(SnnasError, ValueError):
    """An argument of a cost model is invalid (an unknown energy tier, ...); the message names it and its value."""


@dataclass(frozen=True)
class EnergyEstimate:
    """Energy of one run [J] with its breakdown by term and where it comes from."""

    tier: str
    total_j: float | None  # None when no term with events has a known figure
    terms: dict[str, float | None]
    missing: tuple[str, ...] = ()
    basis: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class LatencyEstimate:
    """Time per step and per run [s], as the chip's execution model sets it."""

    model: str
    step_s: NDArray[np.float64]
    total_s: float | None
    overrun_steps: int = 0
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing


def _basis(chip: Chip, paths: list[str]) -> tuple[str, ...]:
    out = []
    for p in paths:
        prov = chip.provenance_of(p)
        if prov is not None:
            out.append(f"{p}: {prov.basis} ({prov.source})")
    return tuple(out)


def energy(chip: Chip, act: ChipActivity, tier: str = "placement", macs: int = 0,
           run_s: float | None = None) -> EnergyEstimate:
    """Energy of the run in ``act`` on ``chip`` in the given tier (see the module docstring).

    ``run_s`` is how long the chip runs, for static power: the run's latency (pass
    :func:`latency`'s total); ``steps · dt`` (real time) when None.
    """
    sops = int(act.synops.sum())
    if tier == "neurobench":
        terms: dict[str, float | None] = {"ac": sops * E_AC, "mac": macs * E_MAC}
        return EnergyEstimate("neurobench", float(sum(v for v in terms.values() if v is not None)), terms,
                              basis=("Horowitz ISSCC 2014, 45 nm: 0.9 pJ/AC, 4.6 pJ/MAC",))
    e = chip.energy
    active = int(act.updates_active.sum())
    if tier == "device":
        if e.e_total_per_syn_event is not None:
            terms = {"syn_event_total": sops * e.e_total_per_syn_event}
            return EnergyEstimate("device", float(terms["syn_event_total"] or 0.0), terms,
                                  basis=_basis(chip, ["energy.e_total_per_syn_event"]))
        terms = {"syn_op": None if e.e_syn_op is None else sops * e.e_syn_op,
                 "neuron_active": None if e.e_neuron_update_active is None else active * e.e_neuron_update_active}
        unknown = tuple(f"energy.{n}" for n, v in (("e_syn_op", e.e_syn_op),
                                                   ("e_neuron_update_active", e.e_neuron_update_active)) if v is None)
        known = [v for v in terms.values() if v is not None]
        return EnergyEstimate("device", float(sum(known)) if known else None, terms, unknown,
                              _basis(chip, ["energy.e_syn_op", "energy.e_neuron_update_active"]))
    if tier != "placement":
        raise CostError(f"tier: expected one of {', '.join(TIERS)}, got {tier!r}")
    run_s = float(act.steps * act.dt) if run_s is None else float(run_s)
    figures = {
        "syn_op": (sops, e.e_syn_op, "energy.e_syn_op"),
        "neuron_active": (active, e.e_neuron_update_active, "energy.e_neuron_update_active"),
        # An event-driven (async_event) chip updates no neuron without an event: no idle term there.
        "neuron_idle": (0 if chip.execution.model == "async_event" else int(act.updates_idle.sum()),
                        e.e_neuron_update_idle, "energy.e_neuron_update_idle"),
        "spike_out": (int(act.spikes_out.sum()), e.e_spike_out, "energy.e_spike_out"),
        "hop_x": (int(act.hops_x.sum()), e.e_hop_x, "energy.e_hop_x"),
        "hop_y": (int(act.hops_y.sum()), e.e_hop_y, "energy.e_hop_y"),
        "static": (run_s, chip.power.p_static_w, "power.p_static_w"),
    }
    terms = {}
    missing: list[str] = []
    for name, (count, per, path) in figures.items():
        if count == 0:
            terms[name] = 0.0
        elif per is None:
            terms[name] = None
            missing.append(path)
        else:
            terms[name] = count * per
    # The total covers the known terms; it is None when no term that had events has a known figure.
    known_with_events = [v for n, v in terms.items() if v is not None and figures[n][0]]
    total = float(sum(v for v in terms.values() if v is not None)) if known_with_events else None
    return EnergyEstimate("placement", total, terms, tuple(missing), _basis(chip, [p for _, _, p in figures.values()]))


def barrier_latency(chip: Chip, tiles: int) -> float | None:
    """Barrier latency [s] for ``tiles`` tiles: linear interpolation in the chip's table, clamped at its ends."""
    table = chip.execution.barrier_latency_s
    if not table:
        return None
    xs = np.array([t for t, _ in table], dtype=float)
    ys = np.array([s for _, s in table], dtype=float)
    return float(np.interp(tiles, xs, ys))


def _work(chip: Chip, act: ChipActivity) -> tuple[NDArray[np.float64] | None, list[str]]:
    """Serial work time of every core and step [s] (steps × cores), or None when a needed figure is unknown."""
    t = chip.latency
    parts = (
        (act.synops, t.t_syn_op, "latency.t_syn_op"),
        (act.updates_active, t.t_neuron_update_active, "latency.t_neuron_update_active"),
        (act.updates_idle, t.t_neuron_update_idle, "latency.t_neuron_update_idle"),
        (act.spikes_out, t.t_spike_out, "latency.t_spike_out"),
        (act.max_hops_x, t.t_hop_x, "latency.t_hop_x"),
        (act.max_hops_y, t.t_hop_y, "latency.t_hop_y"),
    )
    missing = [path for counts, per, path in parts if per is None and counts.any()]
    if missing:
        return None, missing
    work = np.zeros(act.synops.shape)
    for counts, per, _ in parts:
        if per is not None:
            work += counts * per
    return work, []


def latency(chip: Chip, act: ChipActivity, tiles: int = 1) -> LatencyEstimate:
    """Latency of each step and of the whole run on ``chip`` (``tiles``: tiles in use, for the barrier)."""
    model = chip.execution.model
    work, missing = _work(chip, act)
    per_step = None if work is None else work.max(axis=1) if work.size else np.zeros(act.steps)
    if model in ("global_tick", "software_timestep") and chip.execution.timestep_s is not None:
        step = np.full(act.steps, chip.execution.timestep_s)
        overrun = 0 if per_step is None else int(np.count_nonzero(per_step > chip.execution.timestep_s))
        return LatencyEstimate(model, step, float(step.sum()), overrun, ())
    if model == "clocked_timestep" and chip.execution.cycles_per_step and chip.execution.clock_hz:
        step = np.full(act.steps, chip.execution.cycles_per_step / chip.execution.clock_hz)
        return LatencyEstimate(model, step, float(step.sum()))
    if per_step is None:
        return LatencyEstimate(model, np.full(act.steps, np.nan), None, 0, tuple(missing))
    if model == "timestep_barrier":
        barrier = barrier_latency(chip, tiles)
        if barrier is None:
            return LatencyEstimate(model, per_step, float(per_step.sum()), 0, ("execution.barrier_latency_s",))
        per_step = per_step + barrier
    return LatencyEstimate(model, per_step, float(per_step.sum()))


def async_latency(release: NDArray[np.float64], spike_steps: NDArray[np.int64], is_output: NDArray[np.bool_],
                  steps_per_sample: int, samples: int, dt: float) -> LatencyEstimate:
    """Latency per inference on an ``async_event`` chip: when the last output event of a sample leaves.

    Args:
        release: release time of every spike [s] (from :func:`snnas.sim.activity.async_timing`).
        spike_steps: step of every spike (samples laid end to end).
        is_output: which spikes belong to output neurons.
        steps_per_sample, samples, dt: how the run is cut into inferences.

    Returns:
        ``total_s`` = mean over the samples that produced output of (last output release - sample start);
        None (and a note in ``missing``) when no sample produced an output spike. ``step_s`` holds the
        latency of each sample.
    """
    per_sample = np.full(samples, np.nan)
    for s in range(samples):
        start = s * steps_per_sample
        sel = is_output & (spike_steps >= start) & (spike_steps < start + steps_per_sample)
        if sel.any():
            per_sample[s] = float(release[sel].max()) - start * dt
    if np.all(np.isnan(per_sample)):
        return LatencyEstimate("async_event", per_sample, None, 0, ("no output spike to time",))
    return LatencyEstimate("async_event", per_sample, float(np.nanmean(per_sample)))
