"""Chip-independent energies per operation (Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm, fp32):
the NeuroBench energy tier (:mod:`snnas.evaluate.cost`) and the fallback of any model that needs an energy per
synaptic operation for a chip that publishes none (:mod:`snnas.train.relaxed`)."""

from __future__ import annotations

__all__ = ["E_AC", "E_MAC"]

E_AC = 0.9e-12  # J per accumulate (fp32 add)
E_MAC = 4.6e-12  # J per multiply-accumulate (fp32 mult 3.7 pJ + add 0.9 pJ)
