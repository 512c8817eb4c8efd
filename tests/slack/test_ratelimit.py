"""The per-workspace chat.update budget in Redis, shared by every process."""

from __future__ import annotations

import time

import redis

from bots.slack.ratelimit import EditBudget


def test_budget_allows_the_limit_per_window_then_refuses(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", per_minute=3)
    assert [budget.try_spend() for _ in range(5)] == [True, True, True, False, False]
    assert budget.used() == 3


def test_budget_is_shared_between_instances_and_separate_per_team(redis_conn: redis.Redis) -> None:
    one, two = EditBudget(redis_conn, "T1", 2), EditBudget(redis_conn, "T1", 2)
    assert one.try_spend() and two.try_spend()
    assert not one.try_spend() and not two.try_spend()
    assert EditBudget(redis_conn, "T2", 2).try_spend()


def test_forced_edits_count_but_are_never_refused(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", 2)
    budget.spend()
    budget.spend()
    budget.spend()
    assert budget.used() == 3
    assert not budget.try_spend()


def test_window_slides(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", 2, window=1)
    assert budget.try_spend() and budget.try_spend() and not budget.try_spend()
    time.sleep(1.1)
    assert budget.try_spend()


def test_cool_down_after_429_stops_progress_edits(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", 10)
    budget.cool_down(0.3)
    assert not budget.try_spend()
    time.sleep(0.4)
    assert budget.try_spend()
