"""Datasets (offline) and the input encoders that turn static samples into spike rasters."""

from __future__ import annotations

from snnas._lazy import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(__name__, {
    "datasets": ["Dataset", "DatasetError", "Split", "digits", "randman", "read_nmnist", "read_shd", "read_tonic",
                 "split"],
    "encoding": ["ENCODERS", "EncodingError", "encode"],
})
