"""Offline datasets: nothing is downloaded at run time.

- ``digits()``: the 8×8 handwritten digits (1,797 images, 10 classes) from scikit-learn's bundled copy,
  as intensities in [0, 1] (pixel / 16) to be spike-encoded (:mod:`snnas.data.encoding`).
- ``randman()``: a procedural spike-timing task after Zenke & Vogels (Neural Comput. 33, 2021): each
  class is a random smooth manifold of dimension ``dim`` embedded in ``n_inputs`` dimensions; a sample
  is a random point of its class's manifold, and each input neuron fires once, at a time given by the
  point's coordinate. Every input fires exactly once in every sample, so the class is in the timing only.
  Difficulty grows with ``dim``, ``n_classes`` and ``alpha`` (rougher manifolds), and falls with
  ``n_inputs``.
- ``read_tonic()``, ``read_nmnist()``, ``read_shd()``: a user's local neuromorphic data: a Tonic dataset
  object (anything indexable that yields ``(events, label)`` with fields x, (y,) p, t), N-MNIST ``.bin``
  files (Orchard et al. 2015: 40-bit events, x 8 b, y 8 b, polarity 1 b, time 23 b in µs) in one
  folder per class, and the Spiking Heidelberg Digits HDF5 file (Cramer et al. 2020: ``spikes/times``
  [s], ``spikes/units``, ``labels``).

Static data (digits) keep their intensities; event data keep each sample's spike times [s] and units.
:meth:`Dataset.raster` turns samples into (samples, steps, inputs) spike counts for any step ``dt``.
:func:`split` draws stratified train/validation/test indices fixed by a seed.
"""

from __future__ import annotations

import math
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.data.encoding import encode
from snnas.errors import SnnasError

__all__ = ["Dataset", "DatasetError", "Split", "digits", "randman", "read_nmnist", "read_shd", "read_tonic", "split"]


class DatasetError(SnnasError, ValueError):
    """A dataset cannot be built or read (a malformed file, a bad parameter, an empty selection)."""


# Encoded rasters of static samples, most recently used last: a search trains and scores many candidates
# on the same samples with few distinct codes, and encoding them (one seeded generator per sample) costs
# more than a tenth of a small evaluation. Keyed by the intensity array's identity (the entry holds it, so
# the identity cannot be reused while it lives), the code, its options and the sample indices; bounded in
# bytes, and handed out as copies.
_RASTERS: OrderedDict[tuple[Any, ...], tuple[NDArray[Any], NDArray[Any]]] = OrderedDict()
_RASTER_BYTES = 256 << 20  # at most this much kept
_RASTER_ONE = 32 << 20  # and nothing larger than this


def _remember(key: tuple[Any, ...], x: NDArray[Any], raster: NDArray[Any]) -> None:
    if raster.nbytes > _RASTER_ONE:
        return
    _RASTERS[key] = (x, raster.copy())
    while sum(r.nbytes for _, r in _RASTERS.values()) > _RASTER_BYTES:
        _RASTERS.popitem(last=False)


@dataclass(frozen=True)
class Dataset:
    """Samples with labels: static intensities, or spike events per sample.

    Attributes:
        name: a label.
        labels: class of every sample, ``(samples,)`` int64 in [0, n_classes).
        n_inputs: input neurons.
        n_classes: classes.
        x: ``(samples, n_inputs)`` intensities in [0, 1] for static data, else None.
        offsets: ``(samples + 1,)`` start of each sample's events in ``times``/``units`` (event data).
        times: spike times [s] (event data), sorted within a sample.
        units: input neuron of each spike (event data).
        duration: length of an event sample [s] (event data).
    """

    name: str
    labels: NDArray[np.int64]
    n_inputs: int
    n_classes: int
    x: NDArray[np.float64] | None = None
    offsets: NDArray[np.int64] | None = None
    times: NDArray[np.float64] | None = None
    units: NDArray[np.int64] | None = None
    duration: float = 0.0

    def __len__(self) -> int:
        return int(self.labels.size)

    @property
    def static(self) -> bool:
        return self.x is not None

    def raster(self, indices: Any, n_steps: int, dt: float = 1e-3, encoder: str = "rate", seed: int = 0,
               **options: Any) -> NDArray[Any]:
        """Spike counts (or currents, for the ``direct`` encoder) of the chosen samples: (samples, steps, inputs).

        Static samples go through ``encoder`` (see :mod:`snnas.data.encoding`; sample i uses seed + i, so a
        sample always encodes the same way); event samples are binned at ``dt``, events beyond
        ``n_steps · dt`` dropped.
        """
        idx = np.asarray(indices, dtype=np.int64).ravel()
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise DatasetError(f"{self.name}: sample index out of range [0, {len(self)})")
        if self.x is not None:
            key = (id(self.x), encoder, n_steps, seed, repr(sorted(options.items())), idx.tobytes())
            hit = _RASTERS.get(key)
            if hit is not None and hit[0] is self.x:
                _RASTERS.move_to_end(key)
                cached: NDArray[Any] = hit[1].copy()
                return cached
            out = [encode(encoder, self.x[i], n_steps, **({"seed": seed + int(i)} if encoder in ("rate", "poisson")
                                                          else {}), **options) for i in idx]
            if not out:
                return np.zeros((0, n_steps, self.n_inputs), dtype=np.float64 if encoder == "direct" else np.int8)
            raster = np.stack(out)
            _remember(key, self.x, raster)
            return raster
        if not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0):
            raise DatasetError(f"{self.name}: dt must be a positive number of seconds, got {dt!r}")
        if self.offsets is None or self.times is None or self.units is None:
            raise DatasetError(f"{self.name}: neither intensities nor events")
        raster = np.zeros((idx.size, n_steps, self.n_inputs), dtype=np.int8)
        for row, i in enumerate(idx):
            a, b = int(self.offsets[i]), int(self.offsets[i + 1])
            step = np.floor(self.times[a:b] / dt + 1e-9).astype(np.int64)  # 0.07 s / 1 ms is step 70, not 69
            keep = step < n_steps
            np.add.at(raster[row], (step[keep], self.units[a:b][keep]), 1)
        return raster


@dataclass(frozen=True)
class Split:
    """Indices of the train, validation and test samples."""

    train: NDArray[np.int64]
    val: NDArray[np.int64]
    test: NDArray[np.int64]


def split(data: Dataset, fractions: tuple[float, float, float] = (0.7, 0.15, 0.15), seed: int = 0) -> Split:
    """Stratified split: every class divided in the given fractions, in an order fixed by ``seed``."""
    f = np.asarray(fractions, dtype=float)
    if f.shape != (3,) or np.any(f < 0) or not math.isclose(float(f.sum()), 1.0, abs_tol=1e-9):
        raise DatasetError(f"fractions must be three numbers >= 0 that sum to 1, got {fractions!r}")
    rng = np.random.default_rng(seed)
    parts: list[list[NDArray[np.int64]]] = [[], [], []]
    for c in range(data.n_classes):
        members = rng.permutation(np.flatnonzero(data.labels == c))
        cut1 = int(round(f[0] * members.size))
        cut2 = cut1 + int(round(f[1] * members.size))
        for k, chunk in enumerate((members[:cut1], members[cut1:cut2], members[cut2:])):
            parts[k].append(chunk)
    train, val, test = (np.sort(np.concatenate(p)).astype(np.int64) if p else np.zeros(0, np.int64) for p in parts)
    return Split(train, val, test)


def digits() -> Dataset:
    """The 8×8 digits of scikit-learn (bundled with it; no download), intensities = pixel / 16.

    The bundled ``datasets/data/digits.csv.gz`` is read directly, as ``load_digits`` reads it, but without
    importing scikit-learn (its import costs seconds: scipy.stats and more), which every search process
    and worker would otherwise pay before its first evaluation; ``load_digits`` is the fallback where the
    file cannot be found (an installation that does not ship it as a file).
    """
    data = _bundled_digits()
    if data is None:
        from sklearn.datasets import load_digits

        d = load_digits()
        target, pixels = d.target, d.data
    else:
        target, pixels = data[:, -1].astype(int), data[:, :-1]
    return Dataset("digits", target.astype(np.int64), 64, 10, x=(pixels / 16.0).astype(np.float64))


def _bundled_digits() -> NDArray[np.float64] | None:
    """scikit-learn's digits table (pixels, then the label), found without importing the package."""
    import gzip
    import importlib.util

    try:
        spec = importlib.util.find_spec("sklearn")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            with gzip.open(path, mode="rt", encoding="utf-8") as f:
                table = np.loadtxt(f, delimiter=",")
            if table.shape == (1797, 65):
                return np.asarray(table, dtype=np.float64)
    return None


def _smooth_functions(rng: np.random.Generator, dim: int, n_out: int, alpha: float, n_basis: int
                      ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Random smooth maps [0,1]^dim -> [0,1]^n_out: per output and input dimension, a sum of sines whose
    amplitudes fall as 1/k^alpha (Zenke & Vogels' construction), multiplied over input dimensions."""
    amp = rng.uniform(0, 1, size=(n_out, dim, n_basis)) / (np.arange(1, n_basis + 1) ** alpha)
    freq = rng.uniform(0, 1, size=(n_out, dim, n_basis)) * np.arange(1, n_basis + 1)
    ph = rng.uniform(0, 1, size=(n_out, dim, n_basis))
    return amp, freq, ph


def _evaluate(points: NDArray[np.float64], amp: NDArray[np.float64], freq: NDArray[np.float64],
              ph: NDArray[np.float64]) -> NDArray[np.float64]:
    # points: (samples, dim) -> values (samples, n_out) in [0, 1]
    arg = 2 * np.pi * (freq[None] * points[:, None, :, None] + ph[None])
    per_dim = (amp[None] * np.sin(arg)).sum(axis=-1)  # (samples, n_out, dim)
    norm = amp.sum(axis=-1)[None]
    unit = 0.5 * (1 + per_dim / np.where(norm > 0, norm, 1))  # each factor in [0, 1]
    return np.asarray(unit.prod(axis=-1), dtype=np.float64)


def randman(n_classes: int = 10, n_inputs: int = 20, samples_per_class: int = 100, dim: int = 1, alpha: float = 2.0,
            duration: float = 50e-3, n_basis: int = 3, seed: int = 0) -> Dataset:
    """The random-manifold spike-timing task: one spike per input per sample, timing carries the class.

    Args:
        n_classes: manifolds (classes).
        n_inputs: input neurons (the embedding dimension).
        samples_per_class: points drawn from each manifold.
        dim: intrinsic dimension of each manifold (harder when larger).
        alpha: smoothness (larger is smoother, easier).
        duration: sample length [s]; spike times lie in [0, duration).
        n_basis: sine components per dimension.
        seed: everything is a function of it.
    """
    for name, v in (("n_classes", n_classes), ("n_inputs", n_inputs), ("samples_per_class", samples_per_class),
                    ("dim", dim), ("n_basis", n_basis)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise DatasetError(f"randman: {name} must be a positive integer, got {v!r}")
    if not (math.isfinite(alpha) and alpha > 0 and math.isfinite(duration) and duration > 0):
        raise DatasetError(f"randman: alpha and duration must be positive, got {alpha!r} and {duration!r}")
    rng = np.random.default_rng(seed)
    labels, times = [], []
    for c in range(n_classes):
        amp, freq, ph = _smooth_functions(rng, dim, n_inputs, alpha, n_basis)
        pts = rng.uniform(0, 1, size=(samples_per_class, dim))
        times.append(_evaluate(pts, amp, freq, ph) * duration * (1 - 1e-9))
        labels.append(np.full(samples_per_class, c, dtype=np.int64))
    t = np.concatenate(times)  # (samples, n_inputs)
    order = np.argsort(t, axis=1, kind="stable")
    n = t.shape[0]
    offsets = np.arange(n + 1, dtype=np.int64) * n_inputs
    return Dataset(f"randman(d={dim}, alpha={alpha:g})", np.concatenate(labels), n_inputs, n_classes,
                   offsets=offsets, times=np.take_along_axis(t, order, axis=1).ravel(),
                   units=order.ravel().astype(np.int64), duration=duration)


def _from_samples(name: str, samples: list[tuple[NDArray[np.float64], NDArray[np.int64]]], labels: list[int],
                  n_inputs: int) -> Dataset:
    if not samples:
        raise DatasetError(f"{name}: no samples found")
    lens = np.array([t.size for t, _ in samples], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    times = np.concatenate([t for t, _ in samples]) if lens.sum() else np.zeros(0)
    units = np.concatenate([u for _, u in samples]) if lens.sum() else np.zeros(0, np.int64)
    lab = np.asarray(labels, dtype=np.int64)
    duration = float(times.max()) if times.size else 0.0
    return Dataset(name, lab, n_inputs, int(lab.max()) + 1, offsets=offsets, times=times, units=units.astype(np.int64),
                   duration=duration)


def read_nmnist(folder: str | os.PathLike[str], limit_per_class: int | None = None) -> Dataset:
    """N-MNIST from a local folder of class sub-folders ``0`` .. ``9`` holding ``.bin`` files.

    Inputs: 34 × 34 pixels × 2 polarities = 2,312 neurons, unit = (p · 34 + y) · 34 + x.
    """
    root = Path(folder)
    if not root.is_dir():
        raise DatasetError(f"N-MNIST: {root} is not a folder")
    samples, labels = [], []
    for cls in sorted(p for p in root.iterdir() if p.is_dir() and p.name.isdigit()):
        files = sorted(cls.glob("*.bin"))[:limit_per_class]
        for f in files:
            raw = np.fromfile(f, dtype=np.uint8)
            if raw.size % 5:
                raise DatasetError(f"N-MNIST: {f} has {raw.size} bytes, not a multiple of 5 (40-bit events)")
            ev = raw.reshape(-1, 5).astype(np.int64)
            x, y = ev[:, 0], ev[:, 1]
            p = ev[:, 2] >> 7
            t = ((ev[:, 2] & 0x7F) << 16) | (ev[:, 3] << 8) | ev[:, 4]
            if ev.size and (x.max() >= 34 or y.max() >= 34):
                raise DatasetError(f"N-MNIST: {f} has pixels outside 34 x 34")
            order = np.argsort(t, kind="stable")
            samples.append((t[order].astype(np.float64) * 1e-6, ((p * 34 + y) * 34 + x)[order].astype(np.int64)))
            labels.append(int(cls.name))
    return _from_samples("N-MNIST", samples, labels, 2 * 34 * 34)


def read_shd(path: str | os.PathLike[str], limit: int | None = None) -> Dataset:
    """The Spiking Heidelberg Digits HDF5 file (700 input channels, 20 classes) from a local path."""
    import h5py

    p = Path(path)
    try:
        with h5py.File(p, "r") as f:
            times, units, labels = f["spikes"]["times"], f["spikes"]["units"], np.asarray(f["labels"])
            n = labels.size if limit is None else min(limit, labels.size)
            samples = []
            for i in range(n):
                t = np.asarray(times[i], dtype=np.float64)
                u = np.asarray(units[i], dtype=np.int64)
                if t.shape != u.shape:
                    raise DatasetError(f"SHD: {p}: sample {i} has {t.size} times but {u.size} units")
                order = np.argsort(t, kind="stable")
                samples.append((t[order], u[order]))
    except (OSError, KeyError) as exc:
        raise DatasetError(f"SHD: {p}: not a readable SHD file ({exc})") from None
    n_inputs = int(max((int(u.max()) for _, u in samples if u.size), default=-1)) + 1
    return _from_samples("SHD", samples, [int(v) for v in labels[:n]], max(n_inputs, 700))


def read_tonic(dataset: Any, sensor_size: tuple[int, ...] | None = None, limit: int | None = None) -> Dataset:
    """Any Tonic dataset object (or a sequence of ``(events, label)``), events with fields x, (y,) p, t [µs]."""
    size = sensor_size or tuple(getattr(dataset, "sensor_size", ()) or ())
    if not size:
        raise DatasetError("Tonic: sensor_size unknown; pass sensor_size=(width, height, polarities)")
    n = len(dataset) if limit is None else min(limit, len(dataset))
    w = int(size[0])
    h = int(size[1]) if len(size) > 2 else 1
    pol = int(size[-1])
    samples, labels = [], []
    for i in range(n):
        events, label = dataset[i]
        names = events.dtype.names or ()
        if "t" not in names or "x" not in names or "p" not in names:
            raise DatasetError(f"Tonic: sample {i} has fields {names}; expected x, (y,) p and t")
        x = events["x"].astype(np.int64)
        y = events["y"].astype(np.int64) if "y" in names else np.zeros_like(x)
        p = events["p"].astype(np.int64)
        if x.size and (x.max() >= w or y.max() >= h or p.max() >= pol):
            raise DatasetError(f"Tonic: sample {i} has events outside the sensor size {size}")
        t = events["t"].astype(np.float64) * 1e-6
        order = np.argsort(t, kind="stable")
        samples.append((t[order], ((p * h + y) * w + x)[order].astype(np.int64)))
        labels.append(int(label))
    return _from_samples("Tonic", samples, labels, w * h * pol)
