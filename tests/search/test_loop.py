"""The search loop on real (tiny) evaluations: stored before told, resumable, failures contained."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from snnas.search.executors import (
    Executor,
    ExecutorError,
    InlineExecutor,
    ProcessExecutor,
    make_executor,
)
from snnas.search.loop import SearchConfig, config_from_identity, run_search
from snnas.search.store import Store, StoreError
from snnas.search.tasks import DatasetSpec, EvalTask, run_task

from .resume import comparable, cut_store

TINY = SearchConfig(space_options={"widths": (4, 8), "max_depth": 2, "n_steps": (4, 6)},
                    strategy_options={"population": 3, "sample": 2}, targets=("loihi", "truenorth"),
                    dataset=DatasetSpec(max_samples=60), budget=4, epochs=1, patience=1, eval_samples=8, lag=2)




def test_search_runs_and_stores_everything(tmp_path: Path) -> None:
    seen: list[int] = []
    with Store(tmp_path / "a.db") as st:
        out = run_search(TINY, st, InlineExecutor(), on_result=lambda r, n, t: seen.append(n))
        meta = st.meta()
    assert set(out) == {"loihi", "truenorth"}
    for rows in out.values():
        assert sum(r.status != "duplicate" for r in rows) == TINY.budget
        assert all(r.done for r in rows)
    assert seen == list(range(1, 2 * TINY.budget + 1)) and meta["complete"] is True
    loihi = [r for r in out["loihi"] if r.status == "ok"]
    assert loihi and all(0 <= r.score["accuracy_chip"] <= 1 and r.score["energy_j"] > 0 for r in loihi)


def test_resume_after_partial_run_gives_the_same_store(tmp_path: Path) -> None:
    with Store(tmp_path / "full.db") as st:
        run_search(TINY, st)
        full = comparable(st.rows())
    # a run cut short: the first evaluations finished, one still pending
    with Store(tmp_path / "cut.db") as st:
        run_search(replace(TINY, budget=2), st)
        db = st.rows()
    assert len(db) < len(full)
    cut_store(tmp_path / "cut.db")
    with Store(tmp_path / "cut.db") as st:
        run_search(TINY, st)
        assert comparable(st.rows()) == full


def test_resume_refuses_another_configuration(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as st:
        run_search(replace(TINY, budget=1), st)
        with pytest.raises(StoreError, match="differs in seed"):
            run_search(replace(TINY, seed=5), st)
        cfg = config_from_identity(st.meta()["config"], 9)
    assert cfg.budget == 9 and cfg.identity() == TINY.identity()


class _Flaky(Executor):
    """Fails every other evaluation the ways a real one can: raises, diverges, times out."""

    def __init__(self) -> None:
        self.inner = InlineExecutor()
        self.n = 0

    def submit(self, idx: int, task: EvalTask) -> None:
        self.n += 1
        if self.n % 2:
            kinds = ["TrainError: training diverged at epoch 0 (loss nan)", "timed out after 1 s (time limit)",
                     "worker process died (exit code -9)"]
            self.inner.done.append((idx, {"status": "failed", "score": None, "error": kinds[self.n % 3],
                                          "seconds": 0.0}))
        else:
            self.inner.submit(idx, task)

    def wait(self, timeout: float | None = None) -> list[tuple[int, dict[str, Any]]]:
        return self.inner.wait(timeout)


def test_failed_evaluations_are_stored_and_the_search_goes_on(tmp_path: Path) -> None:
    with Store(tmp_path / "f.db") as st:
        out = run_search(replace(TINY, targets=("loihi",), budget=6), st, _Flaky())
    rows = out["loihi"]
    failed = [r for r in rows if r.status == "failed"]
    assert len(failed) == 3 and all(r.error for r in failed)
    assert sum(r.status == "ok" for r in rows) == 3


class _Clocked(Executor):
    """Two workers on a simulated clock: an evaluation on ``slow`` takes 3 units, others 1 (plus a little
    per ask, so finishing orders vary); ``wait`` returns the next to finish. Records each wait's workload."""

    capacity = 2

    def __init__(self, slow: str) -> None:
        self.slow, self.now, self.busy = slow, 0.0, 0.0
        self.running: list[tuple[float, int, dict[str, Any]]] = []
        self.loads: list[set[str]] = []  # the chips running when each wait began

    def submit(self, idx: int, task: EvalTask) -> None:
        took = (3.0 if task.chip.id == self.slow else 1.0) + 0.1 * (idx % 3)
        self.busy += took
        self.running.append((self.now + took, idx, {**run_task(task), "chip": task.chip.id}))

    def wait(self, timeout: float | None = None) -> list[tuple[int, dict[str, Any]]]:
        self.loads.append({o["chip"] for _, _, o in self.running} | ({"idle"} if len(self.running) < 2 else set()))
        self.running.sort(key=lambda r: r[0])
        end, idx, outcome = self.running.pop(0)
        self.now = end
        outcome.pop("chip")
        return [(idx, outcome)]


def test_chips_share_the_workers_and_each_keeps_its_sequence(tmp_path: Path) -> None:
    """A chip whose evaluations take longer does not hold the other's worker: the asks interleave by
    who is free, not in strict turns, yet each chip asks and is told exactly what an inline run gives."""
    with Store(tmp_path / "inline.db") as st:
        run_search(TINY, st, InlineExecutor())
        inline = comparable(st.rows())
    clock = _Clocked(slow="loihi")
    with Store(tmp_path / "clocked.db") as st:
        run_search(TINY, st, clock)
        rows = st.rows()
        assert st.meta()["schedule"] == "chip"
    assert comparable(rows) == inline
    # no worker waited before the last result: the run takes half the work plus a little tail (strict
    # turns, below, take 12.3 units here)
    assert all("idle" not in load for load in clock.loads[:-1]) and clock.now <= clock.busy / 2 + 1.0


def test_a_store_of_the_round_robin_schedule_resumes_on_it(tmp_path: Path) -> None:
    """Stores written before the per-chip schedule (no ``schedule`` in their meta) go on in strict round
    robin, ask g after the results of asks 0 .. g − W, so their stored asks match."""
    clocks: list[_Clocked] = []

    def run(path: Path, budget: int) -> list[Any]:
        clocks.append(_Clocked(slow="loihi"))
        with Store(path) as st:
            if not len(st):
                st.set_meta({"schedule": "round-robin"})  # as an older version's store reads
            run_search(replace(TINY, budget=budget), st, clocks[-1])
            assert st.meta()["schedule"] == "round-robin"
            return st.rows()

    full = run(tmp_path / "full.db", TINY.budget)
    assert [r.chip for r in full] == ["loihi", "truenorth"] * TINY.budget
    assert clocks[0].now > clocks[0].busy / 2 + 3  # the fast chip's worker waits for the slow one's turn
    run(tmp_path / "cut.db", 2)
    cut_store(tmp_path / "cut.db")
    assert comparable(run(tmp_path / "cut.db", TINY.budget)) == comparable(full)
    assert [r.idx for r in run(tmp_path / "cut.db", TINY.budget)] == [r.idx for r in full]


def test_a_task_that_raises_is_a_failed_outcome() -> None:
    import numpy as np

    from snnas.chip import load_chip
    from snnas.space import GlobalSpace
    space = GlobalSpace()
    cand = space.candidate(space.sample(np.random.default_rng(0)), epochs=1)
    out = run_task(EvalTask(cand, load_chip("loihi"), DatasetSpec("digits", (), 5)))
    assert out["status"] == "failed" and "max_samples must be at least" in out["error"]


def test_process_executor_kills_overtime_and_dead_workers() -> None:
    import numpy as np

    from snnas.chip import load_chip
    from snnas.space import GlobalSpace
    space = GlobalSpace(widths=(256,), max_depth=3)
    g = space.genome({**space.sample(np.random.default_rng(0)).values, "depth": 3})
    slow = EvalTask(space.candidate(g, epochs=200, patience=200), load_chip("loihi"))
    with ProcessExecutor(workers=1, timeout=1.0) as ex:
        ex.submit(0, slow)
        (idx, out), = ex.wait()
        assert idx == 0 and out["status"] == "failed" and "timed out after 1 s" in out["error"]
        ex._workers[0].proc.kill()  # a worker that dies while idle is replaced at the next submit
        ex._workers[0].proc.join()
        quick = EvalTask(space.candidate(space.genome({**g.values, "depth": 1}), epochs=1),
                         load_chip("loihi"), DatasetSpec(max_samples=60))
        ex.timeout = 120.0
        ex.submit(1, quick)
        (idx, out), = ex.wait()
        assert idx == 1 and out["status"] == "ok"


def test_executor_specs() -> None:
    assert isinstance(make_executor("inline"), InlineExecutor)
    with pytest.raises(ExecutorError, match="unknown executor"):
        make_executor("cloud://x")
    with pytest.raises(ExecutorError, match="HOST:PORT"):
        make_executor("dask://localhost")
    with pytest.raises(ExecutorError, match="workers"):
        ProcessExecutor(workers=0)


@pytest.mark.parametrize(("change", "match"), [
    ({"budget": 0}, "budget must be a positive integer, got 0"),
    ({"targets": ()}, "no targets"),
    ({"fidelity": "time"}, "fidelity must be one of epochs, data, steps, curriculum, got 'time'"),
    ({"mapper": "greedy"}, "mapper must be one of sequential, traffic, got 'greedy'"),
])
def test_a_bad_search_config_is_refused_when_built(change: dict, match: str) -> None:
    from snnas.search.loop import SearchConfig, SearchError

    with pytest.raises(SearchError, match=match):
        SearchConfig(**change)
