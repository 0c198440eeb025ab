from bot.ratelimit import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_flood_is_warned_once_then_dropped_and_recovers():
    clock = FakeTime()
    limiter = RateLimiter(limit=20, window=10, clock=clock)
    verdicts = []
    for _ in range(50):
        verdicts.append(limiter.check(1))
        clock.now += 0.1
    assert verdicts.count("ok") == 20
    assert verdicts.count("warn") == 1
    assert verdicts.count("drop") == 29
    assert limiter.check(2) == "ok"  # another person is not affected
    clock.now += 11
    assert limiter.check(1) == "ok"


def test_album_counts_once():
    clock = FakeTime()
    limiter = RateLimiter(limit=3, window=10, clock=clock)
    assert [limiter.check(1, "album-1") for _ in range(10)] == ["ok"] * 10
    assert limiter.check(1) == "ok"
    assert limiter.check(1) == "ok"
    assert limiter.check(1) == "warn"


def test_idle_buckets_are_forgotten():
    clock = FakeTime()
    limiter = RateLimiter(limit=3, window=10, clock=clock)
    limiter.check(1)
    clock.now += 20
    limiter.forget_idle()
    assert limiter._buckets == {}
