"""Training-free (zero-shot) scores of untrained networks: SNASNet's SAHD, NASWOT's Hamming kernel, and
two baselines (parameter count, mean firing rate).

**SAHD** (sparsity-aware Hamming distance; Kim et al., ECCV 2022, as the official ``model_snn.py``
computes it). The untrained network (the initial weights ``train()`` would start from) runs on a
minibatch of N training samples. An *activation site* ℓ is one hidden population at one time step
(SNASNet hooks every LIF module, once per step); its binary code for sample i is c_i ∈ {0,1}^{N_A^ℓ},
c_i[k] = 1 when neuron k spiked at that step (conv layers flattened to C·H·W neurons). Per site:

    r_i       = (1/N_A) Σ_k c_i[k]                                   firing probability per step [1]
    d_H(i,j)  = Σ_k [c_i[k] ≠ c_j[k]] = s_i + s_j − 2 c_iᵀc_j          Hamming distance [neurons],
                                                                      s_i = N_A r_i
    E[d_H]    = N_A (r_i(1 − r_j) + (1 − r_i) r_j)                   its expectation for independent
                                                                      Bernoulli codes [neurons]
    d_SAH     = α d_H / (E[d_H] + 10⁻³)                              (α = 0.5; 10⁻³ as in the code)
    K^ℓ_ij    = N_A^ℓ − d_SAH(i,j)                                   (diagonal N_A^ℓ)

The kernel is aggregated over the L sites, K = (1/L) Σ_ℓ K^ℓ (``reduce="mean"``, the official code)
or K = Σ_ℓ K^ℓ (``reduce="sum"``, the paper), and the score is s = log|det K| (``numpy.linalg.slogdet``,
sign ignored), averaged over ``repeats`` minibatches; higher is better. The two reductions differ by
logdet(K/c) = logdet K − N log c with c = L, and L (populations × steps) differs between architectures,
so they rank differently: silent sites (every code 0, e.g. the first step of every layer, since a
spike needs one step per layer to arrive) add the rank-one N_A·J, which under the mean shrinks the
informative part α·D̃ (D̃_ij = d_H/E[d_H]) by the share f of active sites, costing ≈ (N − 1)·log f.
Every site is kept, silent ones included, as the official code does.

**Hamming** (NASWOT; Mellor et al., ICML 2021): the same with K^ℓ_ij = N_A^ℓ − d_H(i,j). It rewards
dense firing (d_H grows with r(1 − r)); SAHD's normalisation by E[d_H] removes that.

For i.i.d. Bernoulli codes D̃ ≈ J − I, so K ≈ (N_A − α)J + αI and (:func:`iid_closed_form`)

    log det K = log(N (N_A − α) + α) + (N − 1) log α                 (−162.9 for N = 256, N_A = 4096, α = ½)

Finite-N_A fluctuations of D̃ lower the simulated value (≈ −171 at N_A = 4096).

**Singular kernels** (identical codes for every sample, or fewer distinct codes than samples) have
det K = 0. Guard: the score is floored at N·log τ with τ = N·ε·max|K_ij| (ε the float64 machine epsilon,
numpy's numerical-rank tolerance): the log-determinant of a matrix whose every eigenvalue sits at the
tolerance. It is finite, far below every kernel whose determinant float64 resolves (≈ −5,700 for N = 256,
N_A = 4096), and never NaN.

**Output layer.** Sites are the hidden populations only (``output=False``): SNASNet's classifier is
not a LIF module, and the output population's code mostly says which class the random weights favour.
``output=True`` adds it.

**Baselines.** ``params``: the number of weight values the network trains (dense: inputs × neurons;
conv: the kernel values; recurrent: neurons²; graph edges: the entries of their masks, fixed pool edges
excluded). ``rate``: the mean firing probability per neuron and step of the hidden populations [1].
``synops`` (a cost, not a score): synaptic events per inference, Σ over projections of the source's
spikes × its fan-out (synapses / source neurons; conv layers ignore the border), the input raster's
spikes included, averaged over the batch [events].
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from snnas.data.datasets import Dataset, Split
from snnas.errors import SnnasError
from snnas.train.config import TrainConfig, conv_layers
from snnas.train.graph import GraphConfig, check_graph, edge_synapses, graph_forward, init_weights
from snnas.train.layers import forward, init_layer_weights
from snnas.train.trained import settings_of

__all__ = ["SCORES", "Probe", "ZeroShotError", "codes_of", "hamming_kernel", "iid_closed_form", "input_batch",
           "layer_init", "logdet_score", "probe", "sahd", "sahd_kernel", "score_probe", "single_threaded",
           "zero_shot_score"]

ALPHA = 0.5
EPS_E = 1e-3  # added to E[d_H] in the official code
REDUCES = ("mean", "sum")
KERNELS = ("sahd", "hamming")


class ZeroShotError(SnnasError, ValueError):
    """A zero-shot score asked with bad arguments (unknown name, bad shape, NaN, ...)."""


# -- kernels -------------------------------------------------------------------------------------------
def _codes(codes: Any, name: str = "codes") -> NDArray[np.float32]:
    """``codes`` as a float32 0/1 matrix (N samples, N_A neurons); ZeroShotError otherwise."""
    c = np.asarray(codes)
    if c.ndim != 2 or c.shape[0] < 1 or c.shape[1] < 1:
        raise ZeroShotError(f"{name} must be a 2-d array (samples, neurons) with both sizes >= 1, got shape {c.shape}")
    if c.dtype != np.bool_:
        if not np.issubdtype(c.dtype, np.number):
            raise ZeroShotError(f"{name} must be boolean or 0/1 numbers, got dtype {c.dtype}")
        if not np.all((c == 0) | (c == 1)):
            raise ZeroShotError(f"{name} must hold only 0 and 1 (binarise spikes with s > 0 first)")
    return c.astype(np.float32)


def _alpha(alpha: float) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not (math.isfinite(alpha) and alpha > 0):
        raise ZeroShotError(f"alpha must be a positive finite number, got {alpha!r}")
    return float(alpha)


def _distances(c: NDArray[np.float32]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(d_H, s): pairwise Hamming distances [neurons] and spike counts per sample of a 0/1 code matrix.
    The Gram matrix is exact in float32 (integers below 2^24)."""
    s = c.sum(axis=1, dtype=np.float64)
    g = (c @ c.T).astype(np.float64)
    return s[:, None] + s[None, :] - 2.0 * g, s


def sahd_kernel(codes: Any, alpha: float = ALPHA) -> NDArray[np.float64]:
    """SAHD kernel of one site: K_ij = N_A − α d_H(i,j) / (E[d_H(i,j)] + 10⁻³), (N, N) (module docstring).

    Args:
        codes: (N samples, N_A neurons), boolean or 0/1.
        alpha: α, the weight of the normalised distance.
    """
    c = _codes(codes)
    a = _alpha(alpha)
    n_a = c.shape[1]
    d_h, s = _distances(c)
    expected = s[:, None] + s[None, :] - 2.0 * np.outer(s, s) / n_a  # N_A (r_i (1 − r_j) + (1 − r_i) r_j)
    kernel: NDArray[np.float64] = n_a - a * d_h / (expected + EPS_E)
    return kernel


def hamming_kernel(codes: Any) -> NDArray[np.float64]:
    """NASWOT's kernel of one site: K_ij = N_A − d_H(i,j), (N, N)."""
    c = _codes(codes)
    d_h, _ = _distances(c)
    kernel: NDArray[np.float64] = c.shape[1] - d_h
    return kernel


def logdet_score(kernel: Any) -> float:
    """log|det K| by ``numpy.linalg.slogdet`` (sign ignored), floored at N·log τ, τ = N·ε·max|K_ij|
    (see the module docstring): finite for a singular kernel, never NaN.

    Raises:
        ZeroShotError: K is not a finite square matrix.
    """
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 2 or k.shape[0] != k.shape[1] or k.shape[0] < 1:
        raise ZeroShotError(f"kernel must be a square (N, N) matrix with N >= 1, got shape {k.shape}")
    if not np.all(np.isfinite(k)):
        raise ZeroShotError("kernel holds NaN or inf (codes or alpha produced a non-finite distance)")
    n = k.shape[0]
    tau = max(n * np.finfo(np.float64).eps * float(np.max(np.abs(k))), np.finfo(np.float64).tiny)
    floor = n * math.log(tau)
    sign, ld = np.linalg.slogdet(k)
    return float(floor if sign == 0 or not math.isfinite(ld) else max(float(ld), floor))


def sahd(sites: Sequence[Any], alpha: float = ALPHA, reduce: str = "mean", kernel: str = "sahd") -> float:
    """log|det K| of the kernel aggregated over activation sites (module docstring).

    Args:
        sites: one (N, N_A^ℓ) code matrix per site (same N for all; N_A may differ).
        alpha: α of the SAHD kernel (unused by ``kernel="hamming"``).
        reduce: "mean" (official code: K = (1/L) Σ_ℓ K^ℓ) or "sum" (paper: K = Σ_ℓ K^ℓ).
        kernel: "sahd" or "hamming" (NASWOT).
    """
    if reduce not in REDUCES:
        raise ZeroShotError(f"reduce must be one of {', '.join(map(repr, REDUCES))}, got {reduce!r}")
    if kernel not in KERNELS:
        raise ZeroShotError(f"kernel must be one of {', '.join(map(repr, KERNELS))}, got {kernel!r}")
    if isinstance(sites, np.ndarray) and sites.ndim == 2:  # type: ignore[unreachable]  # guards untyped callers
        raise ZeroShotError("sites must be a sequence of (N, N_A) code matrices, got one 2-d array; wrap it in a list")
    if len(sites) == 0:
        raise ZeroShotError("sites: no activation site (a network without hidden populations?)")
    if np.ndim(sites[0]) != 2:
        raise ZeroShotError(f"sites[0]: expected (N, N_A) codes, got shape {np.shape(sites[0])}")
    n = np.shape(sites[0])[0]
    total = np.zeros((n, n))
    constant = 0.0  # silent (or saturated) sites: every d_H = 0, so K^ℓ = N_A^ℓ J
    for k, codes in enumerate(sites):
        c = np.asarray(codes)
        if c.ndim != 2 or c.shape[0] != n:
            raise ZeroShotError(f"sites[{k}]: expected (N, N_A) codes with N = {n} like sites[0], got shape {c.shape}")
        if c.dtype == np.bool_ and c.size and (not c.any() or c.all()):
            constant += c.shape[1]
            continue
        total += sahd_kernel(c, alpha) if kernel == "sahd" else hamming_kernel(c)
    total += constant
    return logdet_score(total / len(sites) if reduce == "mean" else total)


def iid_closed_form(n: int, n_a: int, alpha: float = ALPHA) -> float:
    """log det K of the SAHD kernel for i.i.d. Bernoulli codes with D̃ = J − I exactly:
    K = (N_A − α) J + α I, so log det K = log(N (N_A − α) + α) + (N − 1) log α."""
    a = _alpha(alpha)
    if not (isinstance(n, int) and n >= 1 and isinstance(n_a, int) and n_a >= 1):
        raise ZeroShotError(f"n and n_a must be positive integers, got n={n!r}, n_a={n_a!r}")
    return math.log(n * (n_a - a) + a) + (n - 1) * math.log(a)


# -- the untrained network ------------------------------------------------------------------------------
def layer_init(config: TrainConfig, n_inputs: int, n_classes: int, seed: int
               ) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64] | None]]:
    """The initial (weights, recurrent weights) of a layer network: ``snnas.train.layers.train``'s own draw from
    ``default_rng(seed)`` (:func:`snnas.train.layers.init_layer_weights`)."""
    return init_layer_weights(config, n_inputs, n_classes, np.random.default_rng(seed))


@dataclass(frozen=True)
class Probe:
    """What one forward pass of an untrained network on a batch shows.

    Attributes:
        sites: one (N, N_A) boolean code matrix per activation site, populations in order, steps in order.
        names: (population, step) of each site.
        synops: synaptic events per inference [events] (module docstring).
        params: weight values the network trains.
        rate: mean firing probability per neuron and step of the hidden populations [1].
    """

    sites: tuple[NDArray[np.bool_], ...]
    names: tuple[tuple[str, int], ...]
    synops: float
    params: int
    rate: float


def _check_x(x: Any, n_inputs: int | None = None) -> NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 3 or min(a.shape) < 1:
        raise ZeroShotError(f"x must be a (batch, steps, inputs) raster with every size >= 1, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ZeroShotError("x holds NaN or inf")
    if n_inputs is not None and a.shape[2] != n_inputs:
        raise ZeroShotError(f"x has {a.shape[2]} inputs, the network's input edges expect {n_inputs}")
    return a


def _sites_of(spikes: Sequence[tuple[str, NDArray[np.float64]]]) -> tuple[tuple[NDArray[np.bool_], ...],
                                                                           tuple[tuple[str, int], ...]]:
    sites: list[NDArray[np.bool_]] = []
    names: list[tuple[str, int]] = []
    for name, s in spikes:  # s: (steps, batch, neurons)
        b = s > 0
        sites.extend(b[t] for t in range(b.shape[0]))
        names.extend((name, t) for t in range(b.shape[0]))
    return tuple(sites), tuple(names)


def _probe_layers(config: TrainConfig, x: NDArray[np.float64], seed: int, n_classes: int, output: bool) -> Probe:
    weights, rec = layer_init(config, x.shape[2], n_classes, seed)
    has_rec = any(r is not None for r in rec)
    _, saved = forward(weights, x, config, keep=True, recurrent=rec if has_rec else None)
    n_conv = len(config.conv)
    convs = conv_layers(config, x.shape[2])
    spikes = [np.transpose(x, (1, 0, 2)), *(s for _, s in saved)]  # (steps, batch, neurons) per source
    synops = 0.0
    for layer, w in enumerate(weights):
        if layer < n_conv:  # each target neuron has C_in k_h k_w synapses
            fan_out = math.prod(convs[layer].out_shape) * math.prod(w.shape[1:]) / spikes[layer].shape[2]
        else:
            fan_out = w.shape[1]
        synops += float(spikes[layer].sum()) * fan_out
        if rec[layer] is not None:
            synops += float(spikes[layer + 1].sum()) * spikes[layer + 1].shape[2]
    params = sum(w.size for w in weights) + sum(r.size for r in rec if r is not None)
    kept = [(f"l{i + 1}", s) for i, (_, s) in enumerate(saved) if output or i < len(saved) - 1]
    sites, names = _sites_of(kept)
    hidden = [s for i, (_, s) in enumerate(saved) if i < len(saved) - 1]
    rate = float(np.mean([s.mean() for s in hidden])) if hidden else 0.0
    return Probe(sites, names, synops / x.shape[0], int(params), rate)


def _probe_graph(gc: GraphConfig, x: NDArray[np.float64], seed: int, n_classes: int, output: bool) -> Probe:
    sizes = check_graph(gc, x.shape[2], n_classes)
    weights = init_weights(gc, sizes, np.random.default_rng(seed))
    _, saved = graph_forward(gc, weights, x, keep=True)
    synops = 0.0
    params = 0
    for e in gc.edges:
        synapses = edge_synapses(e.kind, sizes[e.src], sizes[e.dst])
        synops += float(saved[e.src][1].sum()) * synapses / sizes[e.src]
        params += 0 if e.kind == "pool" else synapses
    pops = [p for p, _ in gc.nodes] + (["out"] if output else [])
    sites, names = _sites_of([(p, saved[p][1]) for p in pops])
    rate = float(np.mean([saved[p][1].mean() for p, _ in gc.nodes])) if gc.nodes else 0.0
    return Probe(sites, names, synops / x.shape[0], params, rate)


def probe(config: TrainConfig | GraphConfig, x: Any, seed: int, n_classes: int = 10, output: bool = False) -> Probe:
    """Run the untrained network of ``config`` (weights as training would draw them from ``seed``) on the
    raster ``x`` (batch, steps, inputs) from a zero state, and collect its codes and costs.

    Args:
        config: a layer network (:class:`TrainConfig`, conv layers included) or a graph network.
        x: the input raster, e.g. from :func:`input_batch`.
        seed: the initialisation seed.
        n_classes: output neurons (they shape the draws of the recurrent weights after them).
        output: count the output population as activation sites too.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ZeroShotError(f"seed must be an integer, got {seed!r}")
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ZeroShotError(f"n_classes must be a positive integer, got {n_classes!r}")
    if isinstance(config, GraphConfig):
        return _probe_graph(config, _check_x(x), int(seed), int(n_classes), output)
    if isinstance(config, TrainConfig):
        return _probe_layers(config, _check_x(x), int(seed), int(n_classes), output)
    raise ZeroShotError(f"config must be a TrainConfig or GraphConfig, got {type(config).__name__}")


def codes_of(config: TrainConfig | GraphConfig, x: Any, seed: int, n_classes: int = 10,
             output: bool = False) -> list[NDArray[np.bool_]]:
    """The binary codes of the untrained network on ``x``: one (batch, N_A) boolean matrix per activation
    site (hidden population × time step, in order); see :func:`probe`."""
    return list(probe(config, x, seed, n_classes, output).sites)


def input_batch(data: Dataset, indices: Any, config: TrainConfig | GraphConfig) -> NDArray[np.float64]:
    """The input raster (batch, steps, inputs) of samples ``indices`` as training and scoring encode
    them (the config's steps, dt, encoder and seed)."""
    tc = settings_of(config)
    raster = data.raster(indices, tc.n_steps, tc.dt, tc.encoder, seed=tc.seed, **tc.encoder_options)
    return np.asarray(raster, dtype=np.float64)


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """BLAS limited to one thread (threadpoolctl, a dependency of scikit-learn; nothing when missing).

    The products here are at most (N = 256)² × N_A: threads gain nothing, and on a loaded machine their
    contention made scoring a pool 7× slower (measured on 2 shared cores).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


# -- named scores --------------------------------------------------------------------------------------
def _sahd_score(p: Probe, alpha: float = ALPHA, reduce: str = "mean") -> float:
    return sahd(p.sites, alpha, reduce, "sahd")


def _hamming_score(p: Probe, alpha: float = ALPHA, reduce: str = "mean") -> float:
    return sahd(p.sites, alpha, reduce, "hamming")


def _params_score(p: Probe, alpha: float = ALPHA, reduce: str = "mean") -> float:
    return float(p.params)


def _rate_score(p: Probe, alpha: float = ALPHA, reduce: str = "mean") -> float:
    return p.rate


SCORES: dict[str, Callable[..., float]] = {"sahd": _sahd_score, "hamming": _hamming_score, "params": _params_score,
                                           "rate": _rate_score}


def score_probe(p: Probe, name: str = "sahd", alpha: float = ALPHA, reduce: str = "mean") -> float:
    """The score ``name`` (one of :data:`SCORES`; higher is better) of a probe."""
    if name not in SCORES:
        raise ZeroShotError(f"unknown zero-shot score {name!r}; choose one of {', '.join(SCORES)}")
    value = SCORES[name](p, alpha=alpha, reduce=reduce)
    if not math.isfinite(value):
        raise ZeroShotError(f"score {name!r} is not finite ({value})")
    return value


def zero_shot_score(config: TrainConfig | GraphConfig, data: Dataset, split: Split, name: str = "sahd",
                    batch: int = 256, repeats: int = 2, seed: int = 0, alpha: float = ALPHA, reduce: str = "mean",
                    output: bool = False) -> float:
    """Training-free score of a candidate (higher is better), averaged over ``repeats`` minibatches.

    One network (initialised from ``seed``) sees ``repeats`` minibatches of ``batch`` training samples
    (``split.train`` only; drawn without replacement by ``default_rng(seed)``), each run from a zero state.

    Args:
        config: the candidate's TrainConfig or GraphConfig.
        data, split: the dataset and its split.
        name: "sahd", "hamming", "params" or "rate".
        batch: N, samples per minibatch (at most the training samples).
        repeats: minibatches averaged.
        seed: initialisation and minibatch seed.
        alpha, reduce, output: see :func:`sahd` and :func:`probe`.
    """
    if name not in SCORES:
        raise ZeroShotError(f"unknown zero-shot score {name!r}; choose one of {', '.join(SCORES)}")
    train_idx = np.asarray(split.train, dtype=np.int64)
    for arg, v in (("batch", batch), ("repeats", repeats)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ZeroShotError(f"{arg} must be a positive integer, got {v!r}")
    if batch > train_idx.size:
        raise ZeroShotError(f"batch={batch} exceeds the {train_idx.size} training samples of the split")
    if batch < 2 and name in KERNELS:
        raise ZeroShotError(f"batch must be >= 2 for a kernel score, got {batch}")
    rng = np.random.default_rng(seed)
    values = []
    with single_threaded():
        for _ in range(repeats):
            idx = np.sort(rng.choice(train_idx, size=batch, replace=False))
            p = probe(config, input_batch(data, idx, config), seed, data.n_classes, output)
            values.append(score_probe(p, name, alpha, reduce))
    return float(np.mean(values))
