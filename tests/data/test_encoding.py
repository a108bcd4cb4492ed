"""Spike encoders: their rules, determinism per seed, and named errors."""

from __future__ import annotations

import numpy as np
import pytest

from snnas.data.encoding import (
    ENCODERS,
    EncodingError,
    burst,
    direct,
    encode,
    phase,
    rate_bernoulli,
    rate_poisson,
    ttfs,
)
from snnas.errors import SnnasError


def test_bernoulli_rate_matches_probability_and_is_seeded() -> None:
    x = np.array([0.0, 0.25, 1.0])
    r = rate_bernoulli(x, 20_000, p_max=0.5, seed=3)
    assert r.shape == (20_000, 3) and r.dtype == np.int8
    np.testing.assert_allclose(r.mean(axis=0), x * 0.5, atol=0.01)
    assert np.array_equal(r, rate_bernoulli(x, 20_000, p_max=0.5, seed=3))
    assert not np.array_equal(r, rate_bernoulli(x, 20_000, p_max=0.5, seed=4))


def test_poisson_counts_have_the_right_mean() -> None:
    r = rate_poisson(np.array([0.5, 1.0]), 20_000, p_max=2.0, seed=1)
    np.testing.assert_allclose(r.mean(axis=0), [1.0, 2.0], atol=0.05)
    assert r.max() > 1  # counts, not just 0/1


def test_ttfs_fires_once_strong_inputs_first() -> None:
    r = ttfs(np.array([1.0, 0.5, 0.0, 0.2]), 11, x_min=0.1)
    assert r.sum(axis=0).tolist() == [1, 1, 0, 1]
    assert np.argmax(r, axis=0)[[0, 1, 3]].tolist() == [0, 5, 8]


def test_phase_spells_the_quantised_value() -> None:
    x = np.array([[0.0, 1.0], [0.5, 0.3]])
    r = phase(x, 16, bits=4)
    weights = 2.0 ** -(1 + np.arange(16) % 4)
    decoded = np.tensordot(weights, r, axes=1) / 4  # four periods of 4 bits
    q = np.rint(x * 15) / 16
    np.testing.assert_allclose(decoded, q)


def test_burst_counts_and_spacing() -> None:
    r = burst(np.array([0.0, 0.3, 1.0]), 12, n_max=5, isi=2)
    assert r.sum(axis=0).tolist() == [0, 2, 5]
    assert np.flatnonzero(r[:, 2]).tolist() == [0, 2, 4, 6, 8]


def test_direct_repeats_the_value() -> None:
    d = direct(np.array([0.2, 0.7]), 3)
    assert d.dtype == np.float64 and d.tolist() == [[0.2, 0.7]] * 3


def test_encode_by_name() -> None:
    assert set(ENCODERS) == {"rate", "poisson", "ttfs", "phase", "burst", "direct"}
    assert np.array_equal(encode("ttfs", [0.5], 5), ttfs([0.5], 5))


@pytest.mark.parametrize("call, match", [
    (lambda: rate_bernoulli([1.5], 4), r"x must lie in \[0, 1\]"),
    (lambda: ttfs([np.nan], 4), "NaN or infinity"),
    (lambda: phase([0.5], 0), "n_steps must be a positive integer"),
    (lambda: phase([0.5], 4, bits=0), "bits must be an integer"),
    (lambda: burst([0.5], 4, isi=0), "isi must be a positive integer"),
    (lambda: rate_bernoulli([0.5], 4, p_max=2.0), "probability per step"),
    (lambda: rate_poisson([0.5], 4, p_max=-1.0), "p_max must be a finite number"),
    (lambda: encode("morse", [0.5], 4), "unknown encoder 'morse'"),
    (lambda: encode("rate", [0.5], 4, colour="red"), "rate: "),
    (lambda: direct("abc", 4), "array of numbers"),
])
def test_bad_input_raises_a_named_error(call, match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(EncodingError, match=match) as info:
        call()
    assert isinstance(info.value, SnnasError)
