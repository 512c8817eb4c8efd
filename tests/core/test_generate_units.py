"""Throttling and backoff, the small clocks of a generation."""

from mathbot.backoff import backoff
from workers.generate import Throttle


def test_throttle_passes_at_most_once_per_interval() -> None:
    now = [0.0]
    throttle = Throttle(3.0, clock=lambda: now[0])
    passed = []
    for step in range(100):
        now[0] = step * 0.25
        passed.append(throttle.ready())
    assert sum(passed) == 9  # t = 0, 3, 6, ..., 24
    assert passed[0]


def test_backoff_grows_and_is_capped() -> None:
    assert backoff(0, 2.0, 30.0, rand=lambda: 1.0) == 2.0
    assert backoff(3, 2.0, 30.0, rand=lambda: 1.0) == 16.0
    assert backoff(10, 2.0, 30.0, rand=lambda: 1.0) == 30.0
    assert backoff(2, 2.0, 30.0, rand=lambda: 0.0) == 4.0


def test_seed_zero_is_a_seed() -> None:
    """MATHBOT_SEED=0 is a fixed seed like any other, not "unset"."""
    from workers.generate import seed_for

    assert seed_for(None, 0) == 0
    assert seed_for(5, 0) == 5
    assert 0 <= seed_for(None, None) < 2**31
