"""The habits the tools enforce: ``ruff check`` and ``mypy`` (strict; both configured in pyproject.toml) report
nothing, so the test command of the README (run by .ci/run) keeps the tree clean.

Both run as subprocesses from the root of the repository with the interpreter running pytest (the ``test``
extra installs them) and fail with the tool's own report.

While the layout issue is under way, the packages listed in ``PENDING`` are being cleaned by their owners in
parallel: problems confined to them make the test xfail (naming them); a problem anywhere else fails it. Once
they are clean, empty ``PENDING`` to make both tests strict.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT

PENDING: tuple[str, ...] = (
    "benchmarks/bench_sim.py",
)

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
    """Pass on a clean report, xfail when every problem lies in a PENDING file, fail otherwise."""
    if status == 0:
        return
    files = problem_files(report)
    assert files, f"{tool} failed (exit status {status}) without listing a problem:\n{report}"
    ours = sorted(f for f in files if not f.startswith(PENDING))
    assert not ours, f"{tool} reports problems in {ours}:\n{report}"
    pytest.xfail(f"{tool}: {sum(files.values())} problems left, all in packages still being cleaned: "
                 + ", ".join(f"{f} ({n})" for f, n in sorted(files.items())))


def test_ruff_reports_nothing() -> None:
    status, report = run_tool("ruff", "check", "--no-cache", "--output-format", "concise", "src", "tests", "benchmarks")
    judge("ruff", status, report)


@pytest.mark.slow
def test_mypy_strict_reports_nothing(request: pytest.FixtureRequest) -> None:
    store = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    cache = store.mkdir("mypy") if store is not None else None
    status, report = run_tool("mypy", *([] if cache is None else ["--cache-dir", str(cache)]))
    judge("mypy", status, report)


def test_the_judge_tells_pending_problems_from_others() -> None:
    """The reading of the reports: a problem outside PENDING fails, problems inside it xfail."""
    theirs = "src/snnas/sim/engine.py:3: error: Returning Any  [no-any-return]\nFound 1 error in 1 file\n"
    ours = "src/snnas/export.py:5:121: E501 Line too long (130 > 120)\nFound 1 error.\n"
    assert problem_files(theirs + ours) == {"src/snnas/sim/engine.py": 1, "src/snnas/export.py": 1}
    with pytest.raises(AssertionError, match=r"problems in \['src/snnas/export.py'\]"):
        judge("ruff", 1, ours)
    with pytest.raises(pytest.xfail.Exception, match=r"src/snnas/sim/engine.py \(1\)"):
        judge("mypy", 1, theirs)
    with pytest.raises(AssertionError, match="without listing a problem"):
        judge("mypy", 2, "mypy: can't read file 'src/snnas': No such file or directory\n")
    judge("ruff", 0, "All checks passed!\n")
