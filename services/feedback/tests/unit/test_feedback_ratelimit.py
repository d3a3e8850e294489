from closeloop_feedback.domain.ratelimit import RateLimiter


def test_burst_is_allowed_then_the_caller_waits() -> None:
    limiter = RateLimiter(capacity=3, per_minute=6)  # one token every 10 s
    assert [limiter.check("ip", 0.0) for _ in range(3)] == [0, 0, 0]
    assert limiter.check("ip", 0.0) == 10


def test_tokens_refill_over_time() -> None:
    limiter = RateLimiter(capacity=1, per_minute=6)
    assert limiter.check("ip", 0.0) == 0
    assert limiter.check("ip", 5.0) == 5
    assert limiter.check("ip", 10.0) == 0


def test_keys_are_limited_independently() -> None:
    limiter = RateLimiter(capacity=1, per_minute=1)
    assert limiter.check("a", 0.0) == 0
    assert limiter.check("b", 0.0) == 0
    assert limiter.check("a", 0.0) > 0


def test_memory_is_bounded_by_dropping_the_oldest_keys() -> None:
    limiter = RateLimiter(capacity=1, per_minute=1, max_keys=2)
    limiter.check("a", 0.0)
    limiter.check("b", 0.0)
    limiter.check("c", 0.0)
    assert limiter.check("a", 0.0) == 0  # "a" was forgotten, so it starts with a full bucket
