"""The Mini App's signatures and links: Telegram's ``initData`` check, the bot's own
``startapp`` tokens, and the URLs the chat's 🔎 Browse buttons open. Pure: stdlib only.

``initData`` (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app)
is a query string Telegram signs: ``secret_key = HMAC_SHA256(key="WebAppData",
msg=bot_token)``, ``hash = hex(HMAC_SHA256(secret_key, data_check_string))`` where the
data-check string is the received ``key=value`` pairs but ``hash``, sorted by key, joined
with newlines. We check exactly the pairs we received (decoded once), never a re-encoding.

A ``startapp`` token names the chat a group's direct Mini App link belongs to (and
optionally a paper or the reading list). Telegram passes it back in ``initData`` as
``start_param``; the bot signs it so nobody can name another chat. It fits Telegram's
limits: at most 64 characters of ``A-Za-z0-9_-``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

DEFAULT_MAX_AGE = timedelta(hours=24)
START_PARAM_LIMIT = 64
_START_PARAM = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SIGNATURE_CHARS = 16  # base64url of 12 bytes of HMAC: 96 bits, plenty against guessing
_TOKEN_BODY = re.compile(r"([cm])(\d{1,20})(?:-(p)(\d{1,12})|-(r))?")


class InvalidInitData(ValueError):
    """``initData`` that is missing, malformed, forged or too old (the reason says which)."""


@dataclass(frozen=True, slots=True)
class WebUser:
    """Who opened the Mini App, as Telegram signed it."""

    id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    language_code: str = ""

    @property
    def full_name(self) -> str:
        """The name as Telegram shows it (what the reading list says saved a paper)."""
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return name or (f"@{self.username}" if self.username else str(self.id))


@dataclass(frozen=True, slots=True)
class InitData:
    """Checked ``initData``: the user, when it was signed, and the ``start_param``."""

    user: WebUser
    auth_date: datetime
    start_param: str = ""
    chat_type: str = ""


@dataclass(frozen=True, slots=True)
class ChatLink:
    """What a ``startapp`` token names: a chat, and a paper or the reading list to open."""

    chat_id: int
    paper_id: int | None = None
    reading: bool = False


# --------------------------------------------------------------------------- initData


def _secret_key(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _data_check_string(pairs: Mapping[str, str]) -> str:
    return "\n".join(f"{key}={pairs[key]}" for key in sorted(pairs) if key != "hash")


def init_data_hash(bot_token: str, pairs: Mapping[str, str]) -> str:
    """The ``hash`` Telegram puts in ``initData`` for ``pairs``."""
    check = _data_check_string(pairs).encode()
    return hmac.new(_secret_key(bot_token), check, hashlib.sha256).hexdigest()


def sign_init_data(
    bot_token: str,
    user: WebUser,
    auth_date: datetime,
    *,
    start_param: str = "",
    chat_type: str = "",
) -> str:
    """``initData`` as Telegram would send it for ``user`` (the sandbox and tests sign
    their fake users' with it)."""
    user_json = {"id": user.id, "first_name": user.first_name}
    for name in ("last_name", "username", "language_code"):
        if getattr(user, name):
            user_json[name] = getattr(user, name)
    pairs = {
        "auth_date": str(int(auth_date.timestamp())),
        "query_id": "AAE" + hashlib.sha256(f"{user.id}{auth_date}".encode()).hexdigest()[:20],
        "user": json.dumps(user_json, ensure_ascii=False, separators=(",", ":")),
    }
    if start_param:
        pairs["start_param"] = start_param
    if chat_type:
        pairs["chat_type"] = chat_type
    pairs["hash"] = init_data_hash(bot_token, pairs)
    return urlencode(pairs, quote_via=quote)


def check_init_data(
    raw: str, bot_token: str, now: datetime, max_age: timedelta = DEFAULT_MAX_AGE
) -> InitData:
    """The checked ``initData``; raises :class:`InvalidInitData` saying what is wrong."""
    if not raw:
        raise InvalidInitData("no initData")
    try:
        received = parse_qsl(raw, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise InvalidInitData("initData is not a query string") from exc
    pairs = dict(received)
    if len(pairs) != len(received):
        raise InvalidInitData("a key appears twice")
    given = pairs.get("hash", "")
    expected = init_data_hash(bot_token, pairs)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise InvalidInitData("bad signature")
    try:
        auth_date = datetime.fromtimestamp(int(pairs["auth_date"]), UTC)
        fields = json.loads(pairs["user"])
        user = WebUser(
            id=int(fields["id"]),
            first_name=str(fields.get("first_name", "")),
            last_name=str(fields.get("last_name", "")),
            username=str(fields.get("username", "")),
            language_code=str(fields.get("language_code", "")),
        )
    except (KeyError, ValueError, TypeError, OverflowError) as exc:
        raise InvalidInitData("signed, but without a user or auth_date") from exc
    if now - auth_date > max_age:
        raise InvalidInitData("initData is too old")
    if auth_date - now > timedelta(minutes=5):  # clocks differ a little, never by hours
        raise InvalidInitData("initData is from the future")
    return InitData(user, auth_date, pairs.get("start_param", ""), pairs.get("chat_type", ""))


# --------------------------------------------------------------------------- startapp tokens


def _link_key(bot_token: str) -> bytes:
    """A key of its own for links, derived from the token (never the token itself)."""
    return hmac.new(b"PaperDigestStartApp", bot_token.encode(), hashlib.sha256).digest()


def _signature(bot_token: str, body: str) -> str:
    digest = hmac.new(_link_key(bot_token), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def chat_token(bot_token: str, link: ChatLink) -> str:
    """The signed ``startapp`` value for ``link``: ``m1001234567890-p42_<signature>``."""
    body = ("m" if link.chat_id < 0 else "c") + str(abs(link.chat_id))
    if link.paper_id is not None:
        body += f"-p{link.paper_id}"
    elif link.reading:
        body += "-r"
    token = f"{body}_{_signature(bot_token, body)}"
    assert _START_PARAM.fullmatch(token), token  # Telegram's limits
    return token


def read_chat_token(bot_token: str, token: str) -> ChatLink | None:
    """What a ``startapp`` value names, or None if the bot did not sign it."""
    if not _START_PARAM.fullmatch(token) or len(token) <= _SIGNATURE_CHARS + 1:
        return None
    body, sep = token[: -_SIGNATURE_CHARS - 1], token[-_SIGNATURE_CHARS - 1]
    signature = token[-_SIGNATURE_CHARS:]
    match = _TOKEN_BODY.fullmatch(body)
    if sep != "_" or match is None:
        return None
    if not hmac.compare_digest(signature.encode(), _signature(bot_token, body).encode()):
        return None
    sign, number, paper_mark, paper, reading = match.groups()
    chat_id = -int(number) if sign == "m" else int(number)
    return ChatLink(chat_id, int(paper) if paper_mark else None, reading is not None)


# --------------------------------------------------------------------------- links


def page_url(base: str, *, paper_id: int | None = None, reading: bool = False) -> str:
    """The Mini App's address for a private chat's ``web_app`` button: the page itself,
    with what to open in the query (Telegram appends ``#tgWebAppData=…``)."""
    parts = urlsplit(base)
    query = {"paper": str(paper_id)} if paper_id is not None else {}
    if reading:
        query = {"view": "reading"}
    extra = urlencode(query)
    joined = "&".join(part for part in (parts.query, extra) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", joined, ""))


def direct_link(bot_username: str, app_name: str, start_param: str) -> str:
    """A direct Mini App link (what groups get: ``web_app`` buttons are private-only)."""
    return f"https://t.me/{bot_username}/{app_name}?startapp={start_param}"
