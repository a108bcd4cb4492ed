"""Offline datasets: digits, the random-manifold timing task, readers of local event files, splits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import snnas
from snnas.data.datasets import DatasetError, digits, randman, read_nmnist, read_shd, read_tonic, split

SRC = str(Path(snnas.__file__).parents[1])  # the tree under test, for a fresh interpreter


def test_digits_are_intensities_with_ten_classes() -> None:
    d = digits()
    assert len(d) == 1797 and d.n_inputs == 64 and d.n_classes == 10 and d.static
    assert d.x is not None and d.x.min() == 0.0 and d.x.max() == 1.0
    r = d.raster([0, 5], 8, encoder="rate", p_max=0.5)
    assert r.shape == (2, 8, 64) and np.array_equal(r, d.raster([0, 5], 8, encoder="rate", p_max=0.5))
    assert d.raster([3], 4, encoder="direct").dtype == np.float64


def test_split_is_stratified_disjoint_and_seeded() -> None:
    d = digits()
    s = split(d, seed=1)
    assert len(s.train) + len(s.val) + len(s.test) == len(d)
    assert not (set(s.train) & set(s.test)) and not (set(s.val) & set(s.test))
    for part in (s.train, s.test):
        counts = np.bincount(d.labels[part], minlength=10) / part.size
        np.testing.assert_allclose(counts, np.bincount(d.labels) / len(d), atol=0.01)
    assert np.array_equal(split(d, seed=1).test, s.test) and not np.array_equal(split(d, seed=2).test, s.test)
    with pytest.raises(DatasetError, match="sum to 1"):
        split(d, (0.5, 0.5, 0.5))


def test_randman_carries_the_class_in_timing_only() -> None:
    d = randman(n_classes=4, n_inputs=16, samples_per_class=30, dim=1, seed=3)
    assert len(d) == 120 and d.n_inputs == 16
    r = d.raster(np.arange(len(d)), 50, dt=1e-3)
    assert np.all(r.sum(axis=1) == 1)  # every input fires exactly once: counts say nothing
    # the timing does: nearest class mean of first-spike times classifies well above chance (25%)
    t = np.argmax(r, axis=1).astype(float)
    tr, te = np.arange(len(d)) % 2 == 0, np.arange(len(d)) % 2 == 1
    means = np.stack([t[tr & (d.labels == c)].mean(axis=0) for c in range(4)])
    pred = np.argmin(((t[te][:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    assert (pred == d.labels[te]).mean() > 0.6
    assert np.array_equal(randman(n_classes=4, n_inputs=16, samples_per_class=30, seed=3).times, d.times)


def test_randman_rejects_bad_parameters() -> None:
    with pytest.raises(DatasetError, match="dim must be a positive integer"):
        randman(dim=0)


def test_read_nmnist_from_generated_files(tmp_path: Path) -> None:
    for label in (0, 3):
        folder = tmp_path / str(label)
        folder.mkdir()
        ev = np.zeros((3, 5), dtype=np.uint8)
        ev[:, 0] = [1, 2, 33]  # x
        ev[:, 1] = [0, 5, 33]  # y
        t = np.array([300, 10, 70000])  # us
        p = np.array([1, 0, 1])
        ev[:, 2] = (p << 7) | ((t >> 16) & 0x7F)
        ev[:, 3] = (t >> 8) & 0xFF
        ev[:, 4] = t & 0xFF
        ev.tofile(folder / "00001.bin")
    d = read_nmnist(tmp_path)
    assert len(d) == 2 and d.n_inputs == 2312 and d.labels.tolist() == [0, 3]
    assert d.times is not None and d.units is not None
    assert d.times[:3].tolist() == pytest.approx([10e-6, 300e-6, 70000e-6])
    assert d.units[:3].tolist() == [(0 * 34 + 5) * 34 + 2, (1 * 34 + 0) * 34 + 1, (1 * 34 + 33) * 34 + 33]
    r = d.raster([0], 100, dt=1e-3)
    assert r.sum() == 3 and r[0, 70].sum() == 1
    (tmp_path / "3" / "bad.bin").write_bytes(b"1234")
    with pytest.raises(DatasetError, match="not a multiple of 5"):
        read_nmnist(tmp_path)


def test_read_shd_from_a_generated_file(tmp_path: Path) -> None:
    import h5py

    path = tmp_path / "shd.h5"
    with h5py.File(path, "w") as f:
        vl_f, vl_i = h5py.vlen_dtype(np.float32), h5py.vlen_dtype(np.uint16)
        times = f.create_dataset("spikes/times", (2,), dtype=vl_f)
        units = f.create_dataset("spikes/units", (2,), dtype=vl_i)
        times[0], units[0] = np.array([0.2, 0.1], np.float32), np.array([5, 699], np.uint16)
        times[1], units[1] = np.array([0.05], np.float32), np.array([3], np.uint16)
        f.create_dataset("labels", data=np.array([7, 19]))
    d = read_shd(path)
    assert len(d) == 2 and d.n_inputs == 700 and d.n_classes == 20
    assert d.units is not None and d.units[:2].tolist() == [699, 5]  # sorted by time
    with pytest.raises(DatasetError, match="not a readable SHD file"):
        read_shd(tmp_path / "missing.h5")


def test_read_tonic_dataset_object() -> None:
    dtype = np.dtype([("x", np.int16), ("y", np.int16), ("p", np.int8), ("t", np.int64)])

    class Fake:
        sensor_size = (4, 3, 2)

        def __len__(self) -> int:
            return 2

        def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
            return np.array([(1, 2, 1, 2000), (0, 0, 0, 1000)], dtype=dtype), i

    d = read_tonic(Fake())
    assert d.n_inputs == 24 and d.labels.tolist() == [0, 1]
    assert d.units is not None and d.units[:2].tolist() == [0, (1 * 3 + 2) * 4 + 1]
    with pytest.raises(DatasetError, match="outside the sensor size"):
        read_tonic(Fake(), sensor_size=(1, 1, 1))


def test_digits_are_scikit_learns_read_without_importing_it(tmp_path: Path) -> None:
    """Reading the bundled table directly spares every search process and worker scikit-learn's import."""
    code = ("import sys; from snnas.data.datasets import digits; d = digits(); "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'; "
            "import numpy as np; np.save(sys.argv[1], np.column_stack([d.x, d.labels]))")
    out = tmp_path / "d.npy"
    path = os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
    subprocess.run([sys.executable, "-c", code, str(out)], check=True, env={**os.environ, "PYTHONPATH": path})
    mine = np.load(out)
    from sklearn.datasets import load_digits

    ref = load_digits()
    assert np.array_equal(mine[:, :64], ref.data / 16.0) and np.array_equal(mine[:, 64], ref.target)


def test_encoded_rasters_are_remembered_as_copies() -> None:
    """A repeated raster is served from memory: the same counts, a fresh array each time, per sample seed."""
    from snnas.data import datasets
    from snnas.data.encoding import encode

    data = digits()
    idx = np.arange(5, 40)
    first = data.raster(idx, 12, encoder="rate", seed=3)
    again = data.raster(idx, 12, encoder="rate", seed=3)
    assert np.array_equal(first, again) and first is not again
    again[:] = 7  # a caller's change reaches no later call
    assert np.array_equal(data.raster(idx, 12, encoder="rate", seed=3), first)
    assert np.array_equal(first[4], encode("rate", data.x[9], 12, seed=3 + 9))  # sample i uses seed + i
    assert not np.array_equal(data.raster(idx, 12, encoder="rate", seed=4), first)  # another key
    other = digits()  # equal intensities, another array: its own entries
    assert np.array_equal(other.raster(idx, 12, encoder="rate", seed=3), first)
    assert all(r.nbytes <= datasets._RASTER_ONE for _, r in datasets._RASTERS.values())
