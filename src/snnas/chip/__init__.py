"""Chips as data: the schema, its validation, and the registry of shipped and user chip files."""

from __future__ import annotations

from snnas.chip.model import Chip
from snnas.chip.registry import ENV_VAR, ChipEntry, chip_files, library_dir, list_chips, load_chip, load_chip_file
from snnas.chip.rules import figure_paths
from snnas.chip.schema import (
    EXECUTION_MODELS,
    SCHEMA_VERSION,
    Connectivity,
    CoreLimits,
    Energy,
    Execution,
    Latency,
    Physical,
    Power,
    Precision,
    Provenance,
    Topology,
    WeightBits,
)

__all__ = [
    "ENV_VAR",
    "EXECUTION_MODELS",
    "SCHEMA_VERSION",
    "Chip",
    "ChipEntry",
    "Connectivity",
    "CoreLimits",
    "Energy",
    "Execution",
    "Latency",
    "Physical",
    "Power",
    "Precision",
    "Provenance",
    "Topology",
    "WeightBits",
    "chip_files",
    "figure_paths",
    "library_dir",
    "list_chips",
    "load_chip",
    "load_chip_file",
]
