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


def test_urgent_notices_use_the_headroom_but_never_pass_the_hard_limit(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", per_minute=2, hard=3)
    assert [budget.try_spend() for _ in range(3)] == [True, True, False]
    assert budget.try_spend(urgent=True)
    assert not budget.try_spend(urgent=True) and not budget.try_spend()


def test_progress_is_spread_not_spent_in_one_rush(redis_conn: redis.Redis) -> None:
    """40 a minute means one every 1.5 s after a burst of 5, not 40 in the same second."""
    budget = EditBudget(redis_conn, "T1", per_minute=40)
    assert [budget.try_spend() for _ in range(7)] == [True] * 5 + [False] * 2
    assert budget.used() == 5 and budget.try_spend(urgent=True)


def test_final_edits_wait_for_a_slot_under_the_hard_limit(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", per_minute=1, window=1, hard=2)
    budget.spend()
    budget.spend()
    waited = budget.spend_within(5)
    assert 0.5 < waited < 2  # until the oldest edit left the one-second window
    assert budget.used() <= 2


def test_final_edits_wait_a_bounded_time_then_go(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", per_minute=1, hard=1)
    budget.spend()
    budget.cool_down(60)
    waited = budget.spend_within(0.3)
    assert 0.3 <= waited < 1 and budget.used() == 2


def test_answers_that_have_shown_nothing_get_the_free_edits_first(redis_conn: redis.Redis) -> None:
    """Three answers want progress in a workspace allowing 30 edits a minute: a message edited once
    waits for its share (3 · 60 s / 30 = 6 s) while the others get theirs."""
    budget = EditBudget(redis_conn, "T1", per_minute=30, burst=30)
    messages = ["C1:1.1", "C1:2.2", "C1:3.3"]
    assert budget.try_spend(message=messages[0])
    for message in messages[1:]:  # they ask too: now three answers share the budget
        assert budget.try_spend(message=message)
    assert not budget.try_spend(message=messages[0]), "the first one had its turn"
    assert not budget.try_spend(message=messages[1])
    assert budget.used() == 3


def test_one_answer_alone_is_not_slowed_by_the_fair_share(redis_conn: redis.Redis) -> None:
    budget = EditBudget(redis_conn, "T1", per_minute=40, burst=40)  # alone: a share of 1.5 s
    assert budget.try_spend(message="C1:1.1")
    time.sleep(1.6)
    assert budget.try_spend(message="C1:1.1")
