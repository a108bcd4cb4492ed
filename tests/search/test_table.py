"""Tabular benchmarks (snnas.search.table) and replay (snnas.search.replay): a table built with the real
pipeline, read back, resumed, refused when malformed, and a replayed search equal to the search it stands for."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from snnas.search.executors import InlineExecutor
from snnas.search.loop import run_search
from snnas.search.objectives import Objectives
from snnas.search.replay import regret, replay, replay_config
from snnas.search.store import Store
from snnas.search.table import FORMAT, TableError, TableExecutor, TableSpec, build_table, read_table
from snnas.search.tasks import DatasetSpec

OPTIONS = {"max_depth": 1, "widths": [8, 16, 24], "neurons": ["lif"], "tau_m": [0.01], "resets": ["zero"],
           "n_steps": [4], "encoders": ["rate"], "weight_bits": [8], "recurrent": [False]}
SPEC = TableSpec(space_options=OPTIONS, dataset=DatasetSpec("digits", max_samples=300), epochs=3, patience=3,
                 eval_samples=8, fidelities=(1 / 3, 1.0))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("table") / "tiny.jsonl.gz"
    build_table(SPEC, path, InlineExecutor())
    return path


def test_a_built_table_holds_every_genome_at_every_fidelity(built: Path) -> None:
    t = read_table(built)
    assert t.complete and t.spec == SPEC and t.wall_seconds > 0
    assert len(t.genomes) == 3 and len(t.outcomes) == 6
    assert all(o["status"] == "ok" and 0 <= o["score"]["accuracy_chip"] <= 1 for o in t.outcomes.values())
    assert t.evaluation_seconds() > 0


def test_a_replayed_search_is_the_search_it_stands_for(built: Path, tmp_path: Path) -> None:
    t = read_table(built)
    obj = Objectives.parse("accuracy,energy")
    config = replay_config(t, "asha", 2, seed=0, objectives=obj)  # the table's training seed is 0 as well
    with Store(tmp_path / "real.db") as st:
        real = run_search(config, st, InlineExecutor())["loihi"]
    replayed = replay(t, config)["loihi"]

    def seen(rows: list) -> list:  # type: ignore[type-arg]  # what a strategy is told (timings aside)
        return [(r.genome_key, r.fidelity, r.status, {k: v for k, v in (r.score or {}).items() if "seconds" not in k})
                for r in rows]

    assert seen(replayed) == seen(real)
    assert any(r.fidelity < 1 for r in real)  # the lower rung was asked and answered from the table


def test_regret_is_zero_for_a_search_that_saw_everything_and_whole_for_one_that_saw_nothing(built: Path) -> None:
    t = read_table(built)
    obj = Objectives.parse("accuracy,energy")
    rows = replay(t, replay_config(t, "random", 3, seed=1, objectives=obj))["loihi"]
    assert {r.genome_key for r in rows if r.status == "ok"} == set(t.genomes)
    r = regret(t, rows, "loihi", obj)
    assert r.accuracy == 0.0 and r.hypervolume == pytest.approx(0.0, abs=1e-12)
    nothing = regret(t, [], "loihi", obj)
    assert nothing.accuracy == nothing.table_best_accuracy and nothing.hypervolume == 1.0


def test_an_interrupted_build_resumes_with_nothing_evaluated_twice(built: Path, tmp_path: Path) -> None:
    with gzip.open(built, "rt") as f:
        lines = f.read().splitlines()
    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(lines[:3]) + "\n")  # the header and two entries, as a killed build leaves it
    calls: list[int] = []
    t = build_table(SPEC, part, InlineExecutor(), lambda i, n: calls.append(i))
    assert calls == [3, 4, 5, 6] and t.complete
    again = read_table(part)
    assert again.complete and set(again.outcomes) == set(read_table(built).outcomes)
    size = part.stat().st_size
    build_table(SPEC, part, InlineExecutor(), lambda i, n: calls.append(i))  # complete: nothing to do
    assert part.stat().st_size == size and calls == [3, 4, 5, 6]
    with pytest.raises(TableError, match="another spec"):
        build_table(TableSpec(space_options=OPTIONS, epochs=2), part, InlineExecutor())


def test_the_executor_names_what_the_table_lacks(built: Path) -> None:
    t = read_table(built)
    cfg = replay_config(t, "halving", 2, objectives=Objectives.parse("accuracy,energy"),
                        strategy_options={"min_fidelity": 1 / 9})
    rows = replay(t, cfg)["loihi"]
    missing = [r for r in rows if r.status == "failed"]
    assert missing and all("not in the table" in (r.error or "") and "fidelity 0.111" in (r.error or "")
                           for r in missing)
    t.complete = False
    with pytest.raises(TableError, match="incomplete"):
        TableExecutor(t)
    with pytest.raises(TableError, match="not in the table"):
        replay_config(t, "random", 2, targets=("speck",))


def _entry(built: Path) -> dict[str, object]:
    with gzip.open(built, "rt") as f:
        return dict(json.loads(f.read().splitlines()[1]))


@pytest.mark.parametrize(("change", "match"), [
    ("not json", r":2: not JSON"),
    ({"status": "great"}, r":2: status: expected one of ok, infeasible, failed, got 'great'"),
    ({"fidelity": 0}, r":2: fidelity: expected a number in \(0, 1\], got 0"),
    ({"key": "0123456789abcdef"}, r":2: key '0123456789abcdef' is not the genome's"),
    ({"chip": "truenorth"}, r":2: chip 'truenorth' is not one of the table's targets"),
    ({"seconds": -1}, r":2: seconds: expected a non-negative number"),
    ({"score": None}, r":2: score: expected an object for status 'ok'"),
    ({"genome": "{}"}, r":2: genome: not a genome"),
    ("drop:score", r":2: missing field\(s\) score"),
])
def test_a_malformed_entry_is_named_by_file_line_and_field(built: Path, tmp_path: Path, change: object,
                                                           match: str) -> None:
    with gzip.open(built, "rt") as f:
        header = f.read().splitlines()[0]
    entry = _entry(built)
    if change == "not json":
        line = "{not json"
    elif isinstance(change, str):
        entry.pop(change.split(":")[1])
        line = json.dumps(entry)
    else:
        assert isinstance(change, dict)
        line = json.dumps({**entry, **change})
    bad = tmp_path / "bad.jsonl"
    bad.write_text(header + "\n" + line + "\n")
    with pytest.raises(TableError, match=match):
        read_table(bad)


def test_a_file_that_is_no_table_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(TableError, match="empty"):
        read_table(empty)
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps({"format": "nasbench/201"}) + "\n")
    with pytest.raises(TableError, match=f"format '{FORMAT}', got 'nasbench/201'"):
        read_table(other)
    nospec = tmp_path / "nospec.jsonl"
    nospec.write_text(json.dumps({"format": FORMAT, "spec": {"space": "global"}}) + "\n")
    with pytest.raises(TableError, match="spec: missing field 'dataset'"):
        read_table(nospec)
    with pytest.raises(TableError, match="cannot be read"):
        read_table(tmp_path / "absent.jsonl")
    with pytest.raises(TableError, match="fidelities"):
        TableSpec(fidelities=(0.0,))


def test_the_bundled_tables_are_what_their_documented_commands_build(tmp_path: Path) -> None:
    """benchmarks/data/README.md gives the command that made each bundled table: run on a copy, it finds
    the table complete with the same spec (another option would be refused) and leaves it as it is."""
    import re
    import shlex
    import shutil

    from snnas.cli import main

    data = Path(__file__).resolve().parents[2] / "benchmarks" / "data"
    blocks = re.findall(r"```sh\n(.*?)```", (data / "README.md").read_text(), flags=re.S)
    assert len(blocks) >= 2
    for block in blocks:
        args = shlex.split(block.replace("\\\n", " "))
        assert args[:3] == ["snnas", "table", "build"]
        name = Path(args[3]).name
        copy = tmp_path / name
        shutil.copy(data / name, copy)
        size = copy.stat().st_size
        assert main(["table", "build", str(copy), *args[4:]]) == 0
        assert copy.stat().st_size == size and read_table(copy).complete
