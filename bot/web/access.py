"""Who is asking, for which chat, and may they: the Mini App's checks, once per request.

Every API request carries the raw ``initData`` (header ``X-Telegram-Init-Data``);
:meth:`Access.visitor` checks its signature and age (:func:`bot.domain.webapp.check_init_data`,
time from ``Services.clock``), counts the request against the user's rate limit, and names
the chat the page acts for: the group a signed ``startapp`` token names, else the user's
private chat with the bot. A group's list is shown only to its members (``getChatMember``,
remembered for a minute); removing follows the chat's rule (who saved it, a chat admin, a
bot admin; anyone in a private chat).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from telegram import Bot
from telegram.constants import ChatMemberStatus
from telegram.error import TelegramError

from bot.domain.texts import lang_of
from bot.domain.webapp import ChatLink, InitData, check_init_data, read_chat_token
from bot.services import Services
from bot.store.cache import TtlLru
from bot.store.reading import ReadingItem

log = logging.getLogger(__name__)
INIT_DATA_HEADER = "X-Telegram-Init-Data"
MEMBER_SECONDS = 60.0  # a membership answer is trusted this long
_MEMBERS = (
    ChatMemberStatus.OWNER,
    ChatMemberStatus.ADMINISTRATOR,
    ChatMemberStatus.MEMBER,
)
_ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


class Refused(Exception):
    """A request the page must not get: HTTP ``status`` and a key of the page's texts."""

    def __init__(self, status: int, key: str, reason: str = "") -> None:
        super().__init__(reason or key)
        self.status = status
        self.key = key


@dataclass(frozen=True, slots=True)
class Visitor:
    """A checked request: who, in which chat, what the link asked to open."""

    init: InitData
    chat_id: int
    link: ChatLink | None  # the group link's token, when opened from one

    @property
    def user_id(self) -> int:
        """The Telegram user."""
        return self.init.user.id

    @property
    def lang(self) -> str:
        """The user's Telegram language, as the bot answers them."""
        return lang_of(self.init.user.language_code)

    @property
    def private(self) -> bool:
        """Whether the page acts for the user's own private chat."""
        return self.chat_id == self.init.user.id


@dataclass
class RateLimit:
    """At most ``requests`` per user in any ``seconds`` (monotonic time: not wall clock);
    a fast typist searching as they type sends about ten a second."""

    requests: int = 120
    seconds: float = 10.0
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, user_id: int, now: float | None = None) -> bool:
        """Count one request; False when the user is over the limit."""
        moment = time.monotonic() if now is None else now
        with self._lock:
            window = self._seen.setdefault(user_id, deque())
            while window and moment - window[0] >= self.seconds:
                window.popleft()
            if len(window) >= self.requests:
                return False
            window.append(moment)
            if len(self._seen) > 10_000:  # forget idle users now and then
                for key in [k for k, w in self._seen.items() if not w]:
                    del self._seen[key]
            return True


@dataclass(frozen=True, slots=True)
class Membership:
    """What ``getChatMember`` said, and the chat's title."""

    status: str
    title: str

    @property
    def member(self) -> bool:
        """Members, admins, and restricted users still in the chat."""
        return self.status in _MEMBERS or self.status == "restricted_member"

    @property
    def admin(self) -> bool:
        """Chat administrators and the owner."""
        return self.status in _ADMINS


class Access:
    """The checks: signature, age, rate, chat, membership, removal rights."""

    def __init__(self, services: Services, bot: Bot, rate: RateLimit | None = None) -> None:
        self.services = services
        self.bot = bot
        self.rate = rate or RateLimit()
        self._members: TtlLru[tuple[int, int], Membership] = TtlLru(4096, MEMBER_SECONDS)

    @property
    def token(self) -> str:
        """The bot token: the key of every signature checked here."""
        token = self.services.env.token
        if not token:
            raise RuntimeError("the Mini App needs the bot token")
        return token

    def visitor(self, raw: str) -> Visitor:
        """The checked visitor of a request with ``initData`` ``raw``; raises Refused."""
        env = self.services.env
        try:
            init = check_init_data(raw, self.token, self.services.clock(), env.webapp_max_age)
        except ValueError as exc:
            log.info("web app: refused initData (%s)", exc)  # never the data itself
            raise Refused(401, "error_auth", str(exc)) from exc
        if not self.rate.allow(init.user.id):
            raise Refused(429, "error_rate")
        link = read_chat_token(self.token, init.start_param) if init.start_param else None
        chat_id = link.chat_id if link is not None else init.user.id
        return Visitor(init, chat_id, link)

    async def membership(self, visitor: Visitor) -> Membership:
        """The visitor's standing in the chat (a private chat: its owner), remembered."""
        if visitor.private:
            return Membership(ChatMemberStatus.OWNER, "")
        key = (visitor.chat_id, visitor.user_id)
        known = self._members.peek(key)
        if known is not None:
            return known
        try:
            member = await self.bot.get_chat_member(visitor.chat_id, visitor.user_id)
            status = str(member.status)
            if status == ChatMemberStatus.RESTRICTED and getattr(member, "is_member", False):
                status = "restricted_member"
            chat = await self.bot.get_chat(visitor.chat_id) if status in _MEMBERS else None
            title = (chat.title or "") if chat is not None else ""
        except TelegramError as exc:  # the bot left the chat, or Telegram is away
            log.warning("web app: getChatMember failed in %s: %s", visitor.chat_id, exc)
            return Membership(ChatMemberStatus.LEFT, "")
        found = Membership(status, title)
        self._members.put(key, found)
        return found

    async def member_of_chat(self, visitor: Visitor) -> Membership:
        """The membership, or Refused(403) for someone outside the chat."""
        found = await self.membership(visitor)
        if not found.member:
            raise Refused(403, "error_member")
        return found

    async def may_remove(self, visitor: Visitor, item: ReadingItem) -> bool:
        """The chat's rule: who saved it, anyone in a private chat, a bot or chat admin."""
        if visitor.private or item.saved_by == visitor.user_id:
            return True
        if self.services.is_admin(visitor.user_id):
            return True
        return (await self.membership(visitor)).admin
