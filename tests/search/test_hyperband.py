"""Successive halving and Hyperband: bracket schedules, promotion of the best fitting results, waiting
for a rung, and multi-fidelity runs through the loop (budget in full trainings, rungs in the store,
resume without redoing a rung)."""

from __future__ import annotations

import math
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from snnas.chip.registry import load_chip
from snnas.search import Proposal, Result, StrategyError, make_strategy
from snnas.search.fidelity import FidelityError, at_fidelity, class_subset, fidelity_cost, train_subset
from snnas.search.hyperband import promotion_order
from snnas.search.loop import SearchConfig, SearchError, run_search
from snnas.search.store import Store
from snnas.search.tasks import DatasetSpec, load_dataset, run_task, task_at
from snnas.space import GlobalSpace

from .resume import comparable, cut_store
from .test_strategies import context, drive_proposals


def schedule(name: str, count: int, **options: object) -> list[tuple[float, int]]:
    """(fidelity, how many in a row) of the first ``count`` proposals, all answered at once when waited for."""
    s = make_strategy(name, GlobalSpace(), 0, context(), **options)
    out: list[float] = []
    open_: list[Proposal] = []
    while len(out) < count:
        p = s.propose()
        if p is None:
            assert open_, "waited with nothing outstanding"
            for q in open_:
                s.tell(q.genome, Result((-0.5, 1e-6), 0.0, "ok", None, q.fidelity))
            open_ = []
            continue
        open_.append(p)
        out.append(round(p.fidelity, 4))
    runs: list[tuple[float, int]] = []
    for f in out:
        if runs and runs[-1][0] == f:
            runs[-1] = (f, runs[-1][1] + 1)
        else:
            runs.append((f, 1))
    return runs


def test_hyperband_brackets_follow_li_et_al() -> None:
    # eta 3, K = 2: bracket 2 is 9 at 1/9, 3 at 1/3, 1 at 1; bracket 1: 5 at 1/3, 1 at 1; bracket 0: 3 at 1
    assert schedule("hyperband", 22) == [(0.1111, 9), (0.3333, 3), (1.0, 1), (0.3333, 5), (1.0, 4)]
    assert schedule("halving", 26) == [(0.1111, 9), (0.3333, 3), (1.0, 1)] * 2
    assert schedule("halving", 6, eta=2, min_fidelity=0.25, n=4) == [(0.25, 4), (0.5, 2)]


def test_a_rung_waits_for_its_results_and_promotes_the_best_that_fit() -> None:
    s = make_strategy("halving", GlobalSpace(), 1, context(), eta=3, min_fidelity=1 / 3, n=6)
    first = [s.propose() for _ in range(6)]
    assert all(p is not None and p.fidelity == pytest.approx(1 / 3) for p in first)
    assert s.propose() is None  # nothing told yet: the rung is not complete
    accs = [0.5, 0.9, 0.7, 0.95, 0.2, 0.8]
    for k, (p, a) in enumerate(zip(first, accs)):
        assert p is not None
        fits = k != 3  # the most accurate one does not fit the chip: it must not go up
        s.tell(p.genome, Result((-a, 1e-6) if fits else (math.inf, math.inf), 0.0 if fits else 2.0,
                                "ok" if fits else "infeasible", None, p.fidelity))
    up = [s.propose(), s.propose()]
    assert [p.fidelity for p in up if p] == [1.0, 1.0]
    assert [p.genome.key for p in up if p] == [first[1].genome.key, first[5].genome.key]  # type: ignore[union-attr]


def test_promotion_order_is_nsga2_order_over_fitting_results() -> None:
    g = [GlobalSpace().sample(np.random.default_rng(k)) for k in range(5)]
    res = [Result((-0.9, 5.0), 0.0, "ok"), Result((-0.5, 1.0), 0.0, "ok"), Result((-0.7, 3.0), 0.0, "ok"),
           Result((-0.6, 4.0), 0.0, "ok"), Result((math.inf, math.inf), math.inf, "failed")]
    order = promotion_order(list(zip(g, res)))
    # front 1: 0, 2, 1 (extremes first, the more accurate extreme first); front 2: 3; failed left out
    assert order == [0, 1, 2, 3]
    assert promotion_order([(g[4], res[4])]) == []
    # with the reports' reference point: greedy hypervolume first (0.7 at 3 covers most), then the rest
    assert promotion_order(list(zip(g, res)), (0.0, 10.0)) == [2, 0, 1, 3]


def test_bad_options_are_named() -> None:
    for opts, word in (({"eta": 1}, "eta"), ({"min_fidelity": 0.0}, "min_fidelity"), ({"n": 0}, "n must")):
        with pytest.raises(StrategyError, match=word):
            make_strategy("halving", GlobalSpace(), 0, **opts)


def test_contract_with_lag_runs_whole_brackets() -> None:
    run = drive_proposals("hyperband", 0, 60, lag=2)
    fids = [p.fidelity for p, _ in run]
    assert fids[:9] == [pytest.approx(1 / 9)] * 9 and 1.0 in fids


def test_fidelity_rules() -> None:
    space = GlobalSpace()
    g = space.genome({**space.sample(np.random.default_rng(0)).values, "n_steps": 16})
    b = at_fidelity(space, g, 1 / 3, "epochs", 8, 3, 0)
    assert b.candidate.setting("epochs") == 3 and b.cost == pytest.approx(3 / 8) and b.train_fraction == 1.0
    b = at_fidelity(space, g, 0.25, "steps", 8, 3, 0)
    assert b.candidate.setting("n_steps") == 4 and b.cost == pytest.approx(0.25)
    b = at_fidelity(space, g, 0.5, "data", 8, 3, 0)
    assert b.candidate.setting("epochs") == 8 and b.train_fraction == 0.5
    assert at_fidelity(space, g, 1.0, "steps", 8, 3, 0).cost == 1.0
    with pytest.raises(FidelityError, match="one of epochs"):
        at_fidelity(space, g, 0.5, "time", 8, 3, 0)
    with pytest.raises(FidelityError, match=r"\(0, 1\]"):
        at_fidelity(space, g, 1.5, "epochs", 8, 3, 0)
    for kind in ("epochs", "steps", "data", "curriculum"):  # what a resume counts for a replayed evaluation
        for f in (1 / 9, 1 / 3, 0.25, 0.5, 1.0):
            assert fidelity_cost(space, g, f, kind, 8, 3, 0) == at_fidelity(space, g, f, kind, 8, 3, 0).cost
    with pytest.raises(FidelityError, match="one of epochs"):
        fidelity_cost(space, g, 0.5, "time", 8, 3, 0)
    labels = np.repeat(np.arange(3), 10)
    train = np.arange(30)
    sub = train_subset(train, labels, 0.2)
    assert len(sub) == 6 and list(np.bincount(labels[sub])) == [2, 2, 2]


def test_the_curriculum_rule_eases_classes_samples_and_steps_alike() -> None:
    space = GlobalSpace()
    g = space.genome({**space.sample(np.random.default_rng(0)).values, "n_steps": 16})
    b = at_fidelity(space, g, 1 / 9, "curriculum", 8, 3, 0)
    c = (1 / 9) ** (1 / 3)  # 0.48: 5 of 10 classes, 48% of their samples, 8 of 16 steps
    assert b.class_fraction == pytest.approx(c) and b.train_fraction == pytest.approx(c)
    assert b.candidate.setting("n_steps") == 8 and b.candidate.setting("epochs") == 8
    assert b.cost == pytest.approx(c * c * 8 / 16)
    b = at_fidelity(space, g, 1.0, "curriculum", 8, 3, 0)
    assert (b.class_fraction, b.train_fraction, b.cost, b.candidate.setting("n_steps")) == (1.0, 1.0, 1.0, 16)
    labels = np.repeat(np.arange(10), 3)
    idx = np.arange(30)[::-1]
    assert sorted(set(labels[class_subset(idx, labels, c, 10)])) == [0, 1, 2, 3, 4]
    assert sorted(set(labels[class_subset(idx, labels, 0.01, 10)])) == [0, 1]  # never fewer than two
    assert class_subset(idx, labels, 1.0, 10) is idx


def test_a_curriculum_task_trains_validates_and_tests_on_its_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    import snnas.evaluate.score as score_module

    seen: dict[str, Any] = {}

    def fake_score(config: Any, chip: Any, data: Any, sp: Any, **kw: Any) -> Any:
        seen.update(labels=data.labels, split=sp)
        raise RuntimeError("stop here")

    monkeypatch.setattr(score_module, "score", fake_score)
    space = GlobalSpace()
    g = space.genome({**space.sample(np.random.default_rng(0)).values, "n_steps": 8})
    task, cost = task_at(space, load_chip("loihi"), g, 1 / 9, "curriculum", 4, 2, 0, DatasetSpec(), "traffic", 8)
    out = run_task(task)
    assert out["status"] == "failed" and "stop here" in out["error"]
    y, sp = seen["labels"], seen["split"]
    for part in (sp.train, sp.val, sp.test):
        assert set(np.unique(y[part])) == {0, 1, 2, 3, 4}
    _, whole = load_dataset(DatasetSpec())
    assert set(sp.test) == set(whole.test[y[whole.test] < 5])  # the whole test set of those classes
    assert set(sp.val) == set(whole.val[y[whole.val] < 5])
    assert len(sp.train) < len(whole.train[y[whole.train] < 5])  # and a share of their training samples


def test_successive_halving_runs_a_curriculum(tmp_path: Path) -> None:
    cfg = replace(HB, fidelity="curriculum")
    with Store(tmp_path / "cur.db") as st:
        rows = [r for r in run_search(cfg, st)["loihi"] if r.status != "duplicate"]
    assert [r.fidelity for r in rows][:4] == [0.5] * 4 and all(r.status == "ok" for r in rows)
    low = {r.genome_key for r in rows if r.fidelity == 0.5}
    high = [r for r in rows if r.fidelity == 1.0]
    assert high and {r.genome_key for r in high[:2]} <= low  # the easy rung's survivors carried over


HB = SearchConfig(space_options={"widths": (4, 8, 16), "max_depth": 2, "n_steps": (4, 6)}, strategy="halving",
                  strategy_options={"eta": 2, "min_fidelity": 0.5, "n": 4}, targets=("loihi",),
                  dataset=DatasetSpec(max_samples=60), budget=5, epochs=2, patience=1, eval_samples=8, lag=2,
                  checkpoints=False)


def test_multi_fidelity_search_spends_its_budget_in_full_trainings_and_resumes(tmp_path: Path) -> None:
    with Store(tmp_path / "hb.db") as st:
        rows = run_search(HB, st)["loihi"]
        full = comparable(st.rows())
    fids = [r.fidelity for r in rows if r.status != "duplicate"]
    # 4 at 1 epoch (1/2 each) + 2 at 2 epochs = 4 full trainings, then the next bracket's first 2
    assert fids[:6] == [0.5] * 4 + [1.0] * 2
    assert sum(fids) == pytest.approx(5.0)
    promoted = {r.genome_key for r in rows if r.fidelity == 1.0}
    assert promoted <= {r.genome_key for r in rows if r.fidelity == 0.5}
    # kill the run after its first rung: rows beyond it lost, the last one pending; resume redoes nothing else
    cut_store(tmp_path / "hb.db", last=4)
    with Store(tmp_path / "hb.db") as st:
        run_search(HB, st)
        assert comparable(st.rows()) == full


def test_promotions_resume_their_training_and_pay_only_the_added_epochs(tmp_path: Path) -> None:
    cfg = replace(HB, checkpoints=True)
    with Store(tmp_path / "ck.db") as st:
        rows = [r for r in run_search(cfg, st)["loihi"] if r.status != "duplicate"]
        resumed = comparable(st.rows())
    with Store(tmp_path / "scratch.db") as st:
        scratch = {(r.genome_key, r.fidelity): r for r in run_search(HB, st)["loihi"] if r.status != "duplicate"}
    low = {r.genome_key for r in rows if r.fidelity == 0.5}
    cost = sum(0.5 if r.fidelity == 1.0 and r.genome_key in low else r.fidelity for r in rows)
    assert cost == pytest.approx(5.0)  # 1-epoch rungs cost 1/2, a promotion its second epoch only
    assert len(rows) > len(scratch)  # so the same budget buys more evaluations
    same = [(k, r) for r in rows if (k := (r.genome_key, r.fidelity)) in scratch]
    assert any(r.fidelity == 1.0 and r.genome_key in low for _, r in same)
    for k, r in same:  # a resumed training scores as one trained from scratch
        a, b = dict(r.score or {}), dict(scratch[k].score or {})
        assert {x: v for x, v in a.items() if "seconds" not in x} == {x: v for x, v in b.items() if "seconds" not in x}
    left = {p.stem for p in (tmp_path / "ck.db.checkpoints").glob("*.npz")}
    assert left and len(left) <= len(low)  # promoted genomes' checkpoints are gone
    cut_store(tmp_path / "ck.db", last=4)  # killed mid-run: the resumed run counts costs alike
    with Store(tmp_path / "ck.db") as st:
        run_search(cfg, st)
        assert comparable(st.rows()) == resumed


def test_a_store_of_version_1_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE evaluations (idx INTEGER PRIMARY KEY, chip TEXT NOT NULL, seq INTEGER NOT NULL,
            genome_key TEXT NOT NULL, genome TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL, duplicate_of INTEGER, score TEXT, error TEXT, seconds REAL,
            asked_at REAL NOT NULL, finished_at REAL);
        INSERT INTO meta VALUES ('store_version', '1');
        INSERT INTO evaluations VALUES (0, 'loihi', 0, 'k', '{}', '', 'failed', NULL, NULL, 'x', 1.0, 0.0, 1.0);
    """)
    con.commit()
    con.close()
    with Store(path) as st:
        (row,) = st.rows()
        assert row.fidelity == 1.0 and row.full and st.meta()["store_version"] == 2


def test_bad_fidelity_rule_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path / "x.db") as st, pytest.raises(SearchError, match="fidelity must be one of"):
        run_search(replace(HB, fidelity="minutes"), st)


def test_guided_brackets_breed_from_the_best_full_result() -> None:
    s = make_strategy("halving", GlobalSpace(), 2, context(), eta=3, min_fidelity=1 / 3, n=3, guided=1.0)
    for _ in range(2):  # bracket 1: 3 random at 1/3, the best at 1 (nothing to breed from yet)
        ps = []
        while (p := s.propose()) is not None:
            ps.append(p)
        for k, q in enumerate(ps):
            s.tell(q.genome, Result((-0.5 - 0.1 * k, 1e-6), 0.0, "ok", None, q.fidelity))
    best = ps[-1].genome
    assert ps[-1].fidelity == 1.0
    children = [s.propose() for _ in range(3)]
    for c in children:
        assert c is not None and c.fidelity == pytest.approx(1 / 3)
        changed = [k for k in best.values if best[k] != c.genome[k]]
        assert 1 <= len(changed) <= 2, changed  # one mutation (repair may reset a decision it disables)
    with pytest.raises(StrategyError, match="guided"):
        make_strategy("hyperband", GlobalSpace(), 0, guided=1.5)


def test_asha_never_waits_and_promotes_the_best_of_each_third() -> None:
    s = make_strategy("asha", GlobalSpace(), 3, context(), eta=3, min_fidelity=1 / 3, guided=0.0)
    first = [s.propose() for _ in range(3)]
    assert all(p is not None and p.fidelity == pytest.approx(1 / 3) for p in first)
    accs = [0.6, 0.9, 0.7]
    for p, a in zip(first[:2], accs):
        assert p is not None
        s.tell(p.genome, Result((-a, 1e-6), 0.0, "ok", None, p.fidelity))
    p = s.propose()  # 2 told at the lowest rung: ⌊2/3⌋ = 0 may go up, so a new configuration
    assert p is not None and p.fidelity == pytest.approx(1 / 3)
    assert first[2] is not None
    s.tell(first[2].genome, Result((-accs[2], 1e-6), 0.0, "ok", None, first[2].fidelity))
    up = s.propose()  # 3 told: the best one goes up, once
    assert up is not None and up.fidelity == 1.0 and up.genome.key == first[1].genome.key  # type: ignore[union-attr]
    nxt = s.propose()
    assert nxt is not None and nxt.fidelity == pytest.approx(1 / 3)


def test_asha_runs_through_the_loop_deterministically(tmp_path: Path) -> None:
    cfg = replace(HB, strategy="asha", strategy_options={"eta": 2, "min_fidelity": 0.5}, budget=4)
    runs, fids = [], []
    for name in ("a.db", "b.db"):
        with Store(tmp_path / name) as st:
            run_search(cfg, st)
            runs.append(comparable(st.rows()))
            fids = [r.fidelity for r in st.rows()]
    assert runs[0] == runs[1]
    assert 1.0 in fids and sum(fids) == pytest.approx(4.0, abs=0.5)
