"""The network IR: what every stage reads and writes.

Populations and projections (:mod:`.network`), neuron models (:mod:`.neurons`), neuron-level synapses
and conv geometry (:mod:`.connectivity`), NIR exchange (:mod:`.nir`), the step rules of the frameworks a
network came from (:mod:`.semantics`) and NeuroBench's static metrics (:mod:`.metrics`).
"""

from __future__ import annotations

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "network": ["Conv", "Dense", "Input", "Network", "NeuronCSR", "Pool", "Population", "Projection", "Sparse"],
    "neurons": ["AdaptiveLIFParameters", "CubaLIFParameters", "IFParameters", "LIFParameters", "LIParameters",
                "NeuronParameters"],
    "nir": ["from_nir", "read_nir", "to_nir", "write_nir"],
    "semantics": ["SEMANTICS", "Semantics", "SemanticsError", "SemanticsWarning"],
    "metrics": ["connection_sparsity", "parameter_bytes", "parameter_count", "time_to_decision", "van_rossum"],
})
