"""python-telegram-bot's ``AIORateLimiter``, plus a hook that runs right before a request
leaves, after the limiter's wait.

The delivery ledger marks a part "attempted" in that hook, not before the wait: a process
killed while queued behind the flood limits has then sent nothing that is ambiguous, and
only a kill during the HTTP round trip itself leaves a part unconfirmed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter
from telegram.ext import AIORateLimiter

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]


class SendCancelled(Exception):
    """The hook decided the request must not go out (e.g. another worker owns the chat)."""


@dataclass(frozen=True, slots=True)
class BeforeSend:
    """``rate_limit_args`` for a request whose ``hook`` must run just before it is sent;
    ``refused`` runs when Telegram answered that it did not deliver it (429, 400, 403)."""

    hook: Callable[[], Awaitable[None]]
    refused: Callable[[], Awaitable[None]] | None = None
    max_retries: int | None = None


class DeliveryRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` that understands :class:`BeforeSend` rate-limit arguments."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: BeforeSend | int | None,
    ) -> JSONResult:
        """Wait as ``AIORateLimiter`` does; then run the hook; then send."""
        if not isinstance(rate_limit_args, BeforeSend):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        hooks = rate_limit_args

        async def hooked(*call_args: Any, **call_kwargs: Any) -> JSONResult:
            await hooks.hook()
            try:
                return await callback(*call_args, **call_kwargs)
            except (RetryAfter, ChatMigrated, Forbidden, BadRequest):
                # a definite "not delivered": the part is not in doubt if we die now
                if hooks.refused is not None:
                    await hooks.refused()
                raise

        return await super().process_request(
            hooked, args, kwargs, endpoint, data, rate_limit_args.max_retries
        )
