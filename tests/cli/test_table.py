"""`snnas table build | show` and `snnas search --replay`: a tiny table built with two workers, summarised,
and replayed by a search in the store it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from snnas.cli import main
from snnas.search.store import Store

SPACE = ["--space-option", "max_depth=1", "--space-option", "widths=[8,16]", "--space-option", 'neurons=["lif"]',
         "--space-option", "tau_m=[0.01]", "--space-option", 'resets=["zero"]', "--space-option", "n_steps=[4]",
         "--space-option", 'encoders=["rate"]', "--space-option", "weight_bits=[8]",
         "--space-option", "recurrent=[false]"]


def test_build_show_and_replay(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "t.jsonl"
    assert main(["table", "build", str(table), *SPACE, "--max-samples", "150", "--epochs", "2", "--patience", "2",
                 "--eval-samples", "8", "--fidelities", "1/2,1", "--workers", "2"]) == 0
    out = capsys.readouterr().out
    assert "4 entries (2 genomes × 2 fidelities × 1 chip(s)); created in" in out
    assert main(["table", "show", str(table), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["complete"] and summary["genomes"] == 2 and summary["chips"]["loihi"]["ok"] == 2
    store = tmp_path / "replay.db"
    assert main(["search", "--replay", str(table), "--strategy", "random", "--budget", "2", "--store",
                 str(store)]) == 0
    assert f"replaying {table}: 4 outcomes of 2 genomes on loihi" in capsys.readouterr().out
    with Store(store) as st:
        rows = st.rows()
    assert {r.status for r in rows} == {"ok"} and len({r.genome_key for r in rows}) == 2


def test_a_bad_table_or_fraction_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{}\n")
    assert main(["table", "show", str(bad)]) == 2
    assert "expected a header with format 'snnas-table/1'" in capsys.readouterr().err
    assert main(["table", "build", str(tmp_path / "x.jsonl"), "--fidelities", "1/0"]) == 2
    assert "--fidelities: expected numbers or fractions such as 1/9, got '1/0'" in capsys.readouterr().err


def test_a_curriculum_table_records_its_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "c.jsonl"
    assert main(["table", "build", str(table), *SPACE, "--max-samples", "150", "--epochs", "2", "--patience", "2",
                 "--eval-samples", "8", "--fidelities", "1/8,1", "--fidelity", "curriculum"]) == 0
    capsys.readouterr()
    header = json.loads(table.read_text().splitlines()[0])
    assert header["spec"]["fidelity"] == "curriculum"
    lines = [e for x in table.read_text().splitlines()[1:] if "key" in (e := json.loads(x))]
    low = [x for x in lines if x["fidelity"] < 1]
    assert len(low) == 2 and all(x["status"] == "ok" for x in lines)
