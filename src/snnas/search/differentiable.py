"""Differentiable search of the cell (DARTS, Liu et al., ICLR 2019; in SNNs SpikeDHS, Che et al., NeurIPS
2022, and LitE-SNN, Liu et al., IJCAI 2024), with the chip's expected energy in the architecture's loss.

On the first ask the strategy relaxes the cell space (:mod:`snnas.train.relaxed`: every pair's options
mixed by softmax(α), or one sampled per batch with ``relaxation="gumbel"``), trains weights and α by the
first-order bilevel loop on the run's dataset (weights on the training split, α on the validation split
with ``λ · E/E_0`` added, E the expected energy per inference on the run's chip), once per penalty λ in
``penalties``, and discretises each into a chip-legal genome (per pair the option of largest α, then the
space's repair). The width is relaxed as well (``relax_width``: a mask over the space's widths, FBNetV2's
channel masking) unless ``settings`` fixes it; neuron, time steps, input code and weight bits are held at
``settings`` (by default the most steps and weight bits, the first neuron and encoder of the
chip-restricted space).

Proposals, in order: the derived cell of every λ; then their runner-up cells (one pair at its second
option, the least certain pair first, :func:`snnas.train.relaxed.alternatives`); then mutations (any
decision, settings included) of the best cell told so far; fresh random genomes if nothing fits yet. The
relaxed training runs inside the first ``propose`` (``_measure``, as the one-shot supernet does): its time
is the search's evaluation cost, reported apart from bookkeeping. The relaxed cells (α, weights, curves
per epoch) stay on ``self.cells`` for plots.
"""

from __future__ import annotations

import logging
import math
from itertools import chain, zip_longest
from typing import Any

from snnas.search.base import Result, Strategy, StrategyError
from snnas.space.base import Genome, SearchSpace

__all__ = ["Differentiable"]

logger = logging.getLogger(__name__)


class Differentiable(Strategy):
    """Differentiable cell search; see the module docstring.

    Args:
        epochs: passes of the bilevel loop over the training split (> warmup).
        warmup: first passes that train the weights only (α uniform), >= 0.
        relaxation: "softmax" (DARTS) or "gumbel" (GDAS: one option sampled per batch, straight-through).
        penalties: λ values, one relaxed search each (>= 0; 0: accuracy only).
        arch_lr: Adam's step for α.
        settings: the non-cell decisions held fixed (width, neuron, n_steps, encoder, weight_bits), each
            one of the space's choices; unset ones take the defaults of the module docstring.
        relax_width: relax the width too (a mask over the space's widths, ``snnas.train.relaxed``) unless
            ``settings`` fixes it.
    """

    name = "darts"

    def __init__(self, space: SearchSpace, seed: int = 0, epochs: int = 15, warmup: int = 3,
                 relaxation: str = "softmax", penalties: Any = (0.0,), arch_lr: float = 0.03,
                 settings: dict[str, Any] | None = None, relax_width: bool = True) -> None:
        super().__init__(space, seed)
        from snnas.space.cell import CellSpace
        from snnas.train.fit import TrainError
        from snnas.train.relaxed import RELAXATIONS, settings_of

        if not isinstance(space, CellSpace):
            raise StrategyError(f"darts: the relaxation covers the cell space's operations, got {space.name!r}")
        for arg, v, low in (("epochs", epochs, 1), ("warmup", warmup, 0)):
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise StrategyError(f"darts: {arg} must be an integer >= {low}, got {v!r}")
        if warmup >= epochs:
            raise StrategyError(f"darts: warmup ({warmup}) must be less than epochs ({epochs})")
        if relaxation not in RELAXATIONS:
            raise StrategyError(f"darts: relaxation must be one of {', '.join(RELAXATIONS)}, got {relaxation!r}")
        lams = (penalties,) if isinstance(penalties, (int, float)) and not isinstance(penalties, bool) else penalties
        if (not isinstance(lams, (list, tuple)) or not lams
                or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0
                           for x in lams)):
            raise StrategyError(f"darts: penalties must be one or more finite numbers >= 0, got {penalties!r}")
        if isinstance(arch_lr, bool) or not isinstance(arch_lr, (int, float)) or not (math.isfinite(arch_lr)
                                                                                        and arch_lr > 0):
            raise StrategyError(f"darts: arch_lr must be a positive number, got {arch_lr!r}")
        if not isinstance(relax_width, bool):
            raise StrategyError(f"darts: relax_width must be true or false, got {relax_width!r}")
        self.relax_width = relax_width
        if settings is not None and not isinstance(settings, dict):
            raise StrategyError(f"darts: settings must be a mapping of decision to choice, got {settings!r}")
        # What search_cell is given: the user's settings (the rest take settings_of's defaults there, and an
        # unset width is relaxed), or with relax_width off every setting, the width at its default; checked now.
        try:
            full = settings_of(space, settings)
            self.settings = dict(settings or {}) if relax_width else full
        except TrainError as exc:
            raise StrategyError(f"darts: {exc}") from exc
        self.epochs, self.warmup, self.relaxation = epochs, warmup, relaxation
        self.penalties = tuple(float(x) for x in lams)
        self.arch_lr = float(arch_lr)
        self.queue: list[Genome] | None = None
        self.cells: list[Any] = []  # the relaxed cells (snnas.train.relaxed.RelaxedCell), one per penalty
        self.best: tuple[float, Genome] | None = None  # the best first objective told, and its genome

    def _measure(self) -> None:
        """Train the relaxed cell once per penalty and queue the cells they derive (module docstring)."""
        from snnas.search.tasks import load_dataset
        from snnas.train.relaxed import alternatives, derive, search_cell
        from snnas.train.scores import single_threaded

        ctx = self.context
        if ctx is None or ctx.dataset is None:
            raise StrategyError("darts: needs a dataset to train the relaxed cell on; bind a SearchContext with one")
        data, split = load_dataset(ctx.dataset)
        derived: list[Genome] = []
        runners: list[list[Genome]] = []
        with single_threaded():
            for lam in self.penalties:
                seed = int(self.rng.integers(2**31))

                def progress(epoch: int, record: dict[str, Any], lam: float = lam) -> None:
                    logger.info("darts (penalty %g): epoch %d/%d, loss %.3f, validation accuracy %.3f, cell %s C=%s",
                                lam, epoch + 1, self.epochs, record["loss"], record["val_accuracy"], record["cell"],
                                record["width"])

                cell = search_cell(self.space, data, split, self.settings, self.epochs,  # type: ignore[arg-type]
                                   self.warmup, self.relaxation, lam, ctx.chip, self.arch_lr, seed=seed,
                                   relax_width=self.relax_width, on_epoch=progress)
                self.cells.append(cell)
                derived.append(derive(cell))
                runners.append(alternatives(cell))
        queue, seen = [], set()
        for g in chain(derived, (g for row in zip_longest(*runners) for g in row if g is not None)):  # runners-up by λ
            if g.key not in seen:
                seen.add(g.key)
                queue.append(g)
        self.queue = queue

    def _ask(self) -> Genome:
        if self.queue is None:
            self._measure()
        queue = self.queue if self.queue is not None else []
        while queue:
            g = queue.pop(0)
            if g.key not in self.seen:
                return g
        if self.best is not None:
            for _ in range(32):
                g = self.space.mutate(self.best[1], self.rng)
                if g.key not in self.seen:
                    return g
        return self.next_unseen([])

    def _tell(self, genome: Genome, result: Result) -> None:
        if result.feasible and (self.best is None or result.fitness[0] < self.best[0]):
            self.best = (float(result.fitness[0]), genome)
