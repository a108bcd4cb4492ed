"""The habits the tools enforce: ``ruff check`` and ``mypy`` (strict; both configured in pyproject.toml) report
nothing, so the test command of the README (run by .ci/run) keeps the tree clean.

Both run as subprocesses from the root of the repository with the interpreter running pytest (the ``test``
extra installs them) and fail with the tool's own report, naming the files.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT

# "path:line:col: CODE message" (ruff, concise) and "path:line: error: message  [code]" (mypy).
_PROBLEM = re.compile(r"^(?P<path>[^\s:][^:]*):\d+:(?:\d+:)? (?:error:|[A-Z]+[0-9]+ )")


def run_tool(*args: str) -> tuple[int, str]:
    """Run ``python -m <args>`` at the root of the repository; (exit status, stdout + stderr)."""
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    return proc.returncode, proc.stdout + proc.stderr


def problem_files(report: str) -> Counter[str]:
    """How many problems the report lists per file (paths relative to the root, '/'-separated)."""
    return Counter(m["path"].replace("\\", "/") for m in map(_PROBLEM.match, report.splitlines()) if m)


def judge(tool: str, status: int, report: str) -> None:
    """Pass on a clean report; fail naming the files with problems (or the tool's failure) otherwise."""
    if status == 0:
        return
    files = problem_files(report)
    assert files, f"{tool} failed (exit status {status}) without listing a problem:\n{report}"
    raise AssertionError(f"{tool} reports problems in {sorted(files)}:\n{report}")


def test_ruff_reports_nothing() -> None:
    status, report = run_tool("ruff", "check", "--no-cache", "--output-format", "concise", "src", "tests", "benchmarks")
    judge("ruff", status, report)


@pytest.mark.slow
def test_mypy_strict_reports_nothing(request: pytest.FixtureRequest) -> None:
    store = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    cache = store.mkdir("mypy") if store is not None else None
    status, report = run_tool("mypy", *([] if cache is None else ["--cache-dir", str(cache)]))
    judge("mypy", status, report)


def test_the_judge_reads_the_reports() -> None:
    """A listed problem fails naming its file; a failure without one fails too; a clean report passes."""
    mypy = "src/snnas/sim/engine.py:3: error: Returning Any  [no-any-return]\nFound 1 error in 1 file\n"
    ruff = "src/snnas/export.py:5:121: E501 Line too long (130 > 120)\nFound 1 error.\n"
    assert problem_files(mypy + ruff) == {"src/snnas/sim/engine.py": 1, "src/snnas/export.py": 1}
    with pytest.raises(AssertionError, match=r"problems in \['src/snnas/export.py'\]"):
        judge("ruff", 1, ruff)
    with pytest.raises(AssertionError, match=r"problems in \['src/snnas/sim/engine.py'\]"):
        judge("mypy", 1, mypy)
    with pytest.raises(AssertionError, match="without listing a problem"):
        judge("mypy", 2, "mypy: can't read file 'src/snnas': No such file or directory\n")
    judge("ruff", 0, "All checks passed!\n")
