"""The README's two set-up commands are the ones CI runs."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.conftest import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up and run", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", section, flags=re.DOTALL)


def test_readme_gives_exactly_two_commands() -> None:
    cmds = _commands()
    assert len(cmds) == 2 and all("\n" not in c for c in cmds)
    assert "snnas " in cmds[0] and "pytest" in cmds[1]


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert _commands()[1] in ci


def test_readme_python_examples_run(tmp_path: Path) -> None:
    """Every ```python block of the README, in order, in one namespace (later blocks continue earlier
    ones), from a folder where ``tests/`` is the repository's (files the examples write stay there)."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.+?)\n```", readme, flags=re.DOTALL)
    assert len(blocks) >= 4
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        namespace: dict[str, object] = {}
        for k, block in enumerate(blocks):
            exec(compile(block, f"README.md python block {k + 1}", "exec"), namespace)  # noqa: S102
    finally:
        os.chdir(here)
