"""snnas.threads: the thread budget of a process and the BLAS limit of training."""

from __future__ import annotations

import pytest

from snnas.threads import BLAS_ENV_VAR, ENV_VAR, ThreadsError, blas_budget, blas_threads, check_threads, cpu_budget


def test_budget_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_VAR, "3")
    assert cpu_budget() == 3
    monkeypatch.delenv(ENV_VAR)
    assert cpu_budget() >= 1


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_budget_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(ENV_VAR, value)
    with pytest.raises(ThreadsError, match=rf"\$SNNAS_THREADS: expected a positive integer .* got '{value}'"):
        cpu_budget()


def test_training_blas_defaults_to_one_thread_within_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BLAS_ENV_VAR, raising=False)
    monkeypatch.setenv(ENV_VAR, "4")
    assert blas_budget() == 1
    monkeypatch.setenv(BLAS_ENV_VAR, "8")
    assert blas_budget() == 4  # never above the process's budget


def test_blas_threads_limits_blas_inside_the_block() -> None:
    from threadpoolctl import threadpool_info

    with blas_threads(1) as n:
        assert n == 1
        assert all(p["num_threads"] == 1 for p in threadpool_info() if p["user_api"] == "blas")


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_check_threads_refuses_what_is_not_a_positive_int(bad: object) -> None:
    with pytest.raises(ThreadsError, match="threads: expected a positive integer or None"):
        check_threads(bad)  # type: ignore[arg-type]
