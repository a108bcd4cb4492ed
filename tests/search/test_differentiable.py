"""The differentiable strategy (snnas.search.differentiable): its relaxed search in the first ask, the
derived cells of every penalty proposed first, then their runners-up, then mutations of the best told; its
options checked; it runs from the command line on the temporal task with dataset and space options."""

from __future__ import annotations

from pathlib import Path

import pytest

from snnas.chip import load_chip
from snnas.cli import main
from snnas.search import Objectives, Result, SearchContext, StrategyError, make_strategy
from snnas.search.store import Store
from snnas.search.tasks import DatasetSpec
from snnas.space import CellSpace, GlobalSpace
from snnas.train.relaxed import alternatives, derive

SPACE = CellSpace(widths=(8, 16), neurons=("lif", "if"), n_steps=(4, 8), encoders=("rate",), weight_bits=(4, 8))
CTX = SearchContext(Objectives.parse("accuracy,energy"), load_chip("loihi"), DatasetSpec("digits", max_samples=300),
                    epochs=2)


def test_proposals_are_the_derived_cells_then_their_runners_up_then_mutations_of_the_best() -> None:
    s = make_strategy("darts", SPACE, 0, CTX, epochs=3, warmup=1, penalties=[0.0, 2.0], settings={"width": 8})
    asked = [s.ask()]
    assert len(s.cells) == 2 and all(c.settings["width"] == 8 and c.settings["n_steps"] == 8 for c in s.cells)
    assert [c.penalty for c in s.cells] == [0.0, 2.0]
    derived = list(dict.fromkeys(derive(c).key for c in s.cells))
    runners = [alternatives(c) for c in s.cells]
    expected = list(dict.fromkeys([*derived, *(g.key for pair in zip(*runners) for g in pair)]))
    s.tell(asked[0], Result((-0.9, 1e-6), 0.0, "ok"))
    while len(asked) < len(expected):
        asked.append(s.ask())
        s.tell(asked[-1], Result((-0.5, 1e-6), 0.0, "ok"))
    assert [g.key for g in asked] == expected
    nxt = s.ask()  # the queue is spent: a mutation of the best told (the first derived cell), one decision away
    diff = [k for k in nxt.values if nxt[k] != asked[0][k]]
    assert nxt.key not in expected and 1 <= len(diff) <= 3  # one decision, and what its repair moves


def test_the_width_is_relaxed_unless_fixed() -> None:
    s = make_strategy("darts", SPACE, 0, CTX, epochs=2, warmup=1)
    s.ask()
    assert s.cells[0].widths == (8, 16) and s.cells[0].history[-1]["width"] in (8, 16)
    fixed = make_strategy("darts", SPACE, 0, CTX, epochs=2, warmup=1, relax_width=False)
    assert fixed.ask()["width"] == 16 and fixed.cells[0].widths == ()  # the widest, as settings default


@pytest.mark.parametrize(("options", "match"), [
    ({"epochs": 0}, "epochs must be an integer >= 1"), ({"warmup": 3, "epochs": 3}, "warmup"),
    ({"relaxation": "hard"}, "relaxation must be"), ({"penalties": [-1.0]}, "penalties must be"),
    ({"penalties": []}, "penalties must be"), ({"arch_lr": 0}, "arch_lr must be"),
    ({"settings": {"width": 64}}, r"width=64 is not one of the space's choices \[8, 16\]"),
    ({"settings": {"depth": 2}}, "unknown settings"), ({"settings": 3}, "settings must be a mapping"),
    ({"relax_width": "yes"}, "relax_width must be true or false"),
])
def test_bad_options_are_named(options: dict[str, object], match: str) -> None:
    with pytest.raises(StrategyError, match=match):
        make_strategy("darts", SPACE, 0, **options)


def test_only_the_cell_space_is_relaxed_and_a_dataset_is_needed() -> None:
    with pytest.raises(StrategyError, match="covers the cell space"):
        make_strategy("darts", GlobalSpace(), 0)
    s = make_strategy("darts", SPACE, 0, SearchContext(Objectives.parse("accuracy")))
    with pytest.raises(StrategyError, match="needs a dataset"):
        s.ask()


def test_runs_from_the_command_line_on_the_temporal_task(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "darts.db"
    args = ["search", "--space", "cell", "--space-option", "widths=[8]", "--space-option", "n_steps=[8,12]",
            "--strategy", "darts", "--dataset", "delayed_xor", "--dataset-option", "samples_per_class=40",
            "--dataset-option", "delay=4", "--budget", "2", "--epochs", "2", "--option", "epochs=2",
            "--option", "warmup=1", "--option", 'settings={"n_steps": 12}', "--store", str(db),
            "--executor", "inline"]
    assert main(args) == 0
    assert "loihi: Pareto front" in capsys.readouterr().out
    with Store(db) as st:
        rows = st.rows()
        meta = st.meta()
    assert meta["config"]["dataset"]["options"] == {"delay": 4, "samples_per_class": 40}
    assert meta["config"]["space_options"] == {"widths": [8], "n_steps": [8, 12]}
    assert len(rows) == 2 and all(r.status == "ok" and "T=12" in r.description for r in rows)
    bad = [*args[:-4], "--dataset-option", "colour=3", "--store", str(tmp_path / "bad.db"), "--executor", "inline"]
    assert main(bad) == 2
    assert "dataset 'delayed_xor': unknown options ['colour']" in capsys.readouterr().err
