"""Shared fixtures: paths of the shipped chip library and the broken-file corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
BROKEN = sorted((DATA / "broken_chips").glob("b*.yaml"))
SHIPPED = sorted(p for p in (ROOT / "hw_targets").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _no_user_targets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the shipped library unless they set $SNNAS_TARGETS themselves."""
    monkeypatch.delenv("SNNAS_TARGETS", raising=False)
