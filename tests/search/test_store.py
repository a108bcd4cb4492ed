"""The SQLite store: writes, reads, refuses what it must, exports."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from snnas.search.store import Store, StoreError


def test_round_trip_and_exports(tmp_path: Path) -> None:
    with Store(tmp_path / "run.db") as st:
        st.set_meta({"config": {"space": "global"}, "budget": 3})
        st.add_ask(0, "loihi", 0, "k0", '{"space":"global","values":{}}', "first")
        st.add_ask(1, "loihi", 1, "k0", '{"space":"global","values":{}}', "again", duplicate_of=0)
        st.finish(0, "ok", {"accuracy_chip": 0.9, "energy_j": 1e-6, "violations": [], "bad": math.nan}, None, 1.5)
        rows = st.rows()
        st.export_csv(tmp_path / "run.csv")
        st.export_json(tmp_path / "run.json")
    assert [r.status for r in rows] == ["ok", "duplicate"] and rows[1].duplicate_of == 0
    assert rows[0].score == {"accuracy_chip": 0.9, "energy_j": 1e-6, "violations": [], "bad": None}  # strict JSON
    with Store(tmp_path / "run.db") as again:
        assert again.meta()["budget"] == 3 and len(again) == 2
    with (tmp_path / "run.csv").open() as fh:
        recs = list(csv.DictReader(fh))
    assert recs[0]["accuracy_chip"] == "0.9" and recs[0]["violations"] == "0"
    doc = json.loads((tmp_path / "run.json").read_text())
    assert doc["evaluations"][0]["genome"] == {"space": "global", "values": {}}


def test_refusals(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as st:
        st.add_ask(0, "loihi", 0, "k", "{}")
        with pytest.raises(StoreError, match="ask 0 is already stored"):
            st.add_ask(0, "loihi", 0, "k", "{}")
        with pytest.raises(StoreError, match="status must be"):
            st.finish(0, "great", None, None, None)
        st.finish(0, "failed", None, "boom", 0.1)
        with pytest.raises(StoreError, match="no pending ask 0"):
            st.finish(0, "ok", {}, None, 0.1)
        with pytest.raises(StoreError, match="no pending ask 7"):
            st.finish(7, "ok", {}, None, 0.1)


def test_not_a_store(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="junk.db: not a snnas store"):
        Store(junk)
    with Store(tmp_path / "old.db") as st:
        st.set_meta({"store_version": 99})
    with pytest.raises(StoreError, match="store version 99"):
        Store(tmp_path / "old.db")


def test_export_to_an_unwritable_path_names_it(tmp_path: Path) -> None:
    from snnas.export import ExportError

    with Store(tmp_path / "s.db") as st:
        for ext, export in (("csv", st.export_csv), ("json", st.export_json)):
            with pytest.raises(ExportError, match=f"cannot write .*missing/x.{ext}"):
                export(tmp_path / "missing" / f"x.{ext}")
