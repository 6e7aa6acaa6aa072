"""The answer cache: least recently used entries go first, and nothing outlives its time."""

from __future__ import annotations

from bot.store.cache import TtlLru


def test_lru_eviction_expiry_and_clear():
    now = [0.0]
    cache: TtlLru[str, int] = TtlLru(size=2, ttl=10, clock=lambda: now[0])
    calls: list[str] = []

    def value(key: str, result: int):
        return lambda: calls.append(key) or result

    assert cache.get_or_compute("a", value("a", 1)) == 1
    assert cache.get_or_compute("b", value("b", 2)) == 2
    assert cache.get_or_compute("a", value("a", 99)) == 1  # cached, and now most recent
    cache.get_or_compute("c", value("c", 3))  # evicts b, the least recently used
    assert cache.get_or_compute("b", value("b", 20)) == 20
    assert calls == ["a", "b", "c", "b"]
    now[0] = 11.0
    assert cache.get_or_compute("b", value("b", 21)) == 21  # expired
    cache.clear()
    assert cache.get_or_compute("b", value("b", 22)) == 22
    assert (cache.hits, cache.misses) == (1, 6)


def test_peek_and_put():
    now = [0.0]
    cache: TtlLru[int, str] = TtlLru(size=2, ttl=5, clock=lambda: now[0])
    assert cache.peek(1) is None
    cache.put(1, "one")
    assert cache.peek(1) == "one"
    now[0] = 6.0
    assert cache.peek(1) is None
