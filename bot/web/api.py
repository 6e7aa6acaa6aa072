"""The Mini App's routes: the page, its static files, and a small JSON API.

Each API route is checked by :class:`bot.web.access.Access` first (``initData``, age, rate,
chat), then calls one function of :mod:`bot.web.queries` (or the reading list store) in a
worker thread. Values go out as JSON and the page puts them in with ``textContent``, so
nothing from a digest is ever read as HTML; the Content-Security-Policy allows no inline
script either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.domain.texts_webapp import PAGE_TEXTS
from bot.services import Services, db
from bot.store.cache import TtlLru
from bot.web import queries
from bot.web.access import INIT_DATA_HEADER, Access, Refused, Visitor

log = logging.getLogger(__name__)
STATIC = files("bot.web") / "static"
BIB_FILE_NAME = "reading-list.bib"
MAX_QUERY_CHARS = 256
OVERVIEW_SECONDS = 30.0  # a new digest shows in the filters within this
SECURITY_HEADERS = {
    # scripts and styles from this server only: a title that smuggled markup in runs nothing
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'self' https://web.telegram.org https://*.telegram.org"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
Handler = Callable[[Request, Visitor], Awaitable[Response]]


def _page() -> str:
    """index.html with both languages' strings in a JSON block (no script runs inline)."""
    template = (STATIC / "index.html").read_text(encoding="utf-8")
    texts = json.dumps(PAGE_TEXTS, ensure_ascii=False).replace("<", "\\u003c")
    return template.replace("{{TEXTS}}", texts)


class WebApi:
    """The routes, bound to the services and the checks."""

    def __init__(self, services: Services, access: Access) -> None:
        self.services = services
        self.access = access
        self.page = _page()
        # the filters' choices change only with an ingest: every page load asks for them
        self._overview: TtlLru[None, queries.Json] = TtlLru(1, OVERVIEW_SECONDS)

    def routes(self) -> list[BaseRoute]:
        """Every route of the Mini App."""
        checked = self._checked
        return [
            Route("/", self.index),
            Route("/api/session", checked(self.session)),
            Route("/api/search", checked(self.search)),
            Route("/api/paper/{paper_id:int}", checked(self.paper)),
            Route("/api/digest/{key}", checked(self.digest)),
            Route("/api/topic/{topic_id}", checked(self.topic)),
            Route("/api/reading", checked(self.reading)),
            Route("/api/reading.bib", checked(self.reading_bib)),
            Route(
                "/api/reading/{paper_id:int}",
                checked(self.reading_change),
                methods=["POST", "DELETE"],
            ),
            Route("/api/reading/{paper_id:int}/read", checked(self.reading_read), methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
        ]

    def _checked(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                visitor = self.access.visitor(request.headers.get(INIT_DATA_HEADER, ""))
                return await handler(request, visitor)
            except Refused as refused:
                return JSONResponse({"error": refused.key}, status_code=refused.status)

        return endpoint

    async def _marks_chat(self, visitor: Visitor) -> int | None:
        """The chat whose 📌 marks the page may show: none for someone outside the group."""
        membership = await self.access.membership(visitor)
        return visitor.chat_id if membership.member else None

    # ------------------------------------------------------------------ pages

    async def index(self, request: Request) -> Response:
        """The page (the same for everyone: who is asking is in the API's initData)."""
        return HTMLResponse(self.page, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    async def session(self, request: Request, visitor: Visitor) -> Response:
        """Who the page is for, which chat, what to open first, and the filters' choices."""
        membership = await self.access.membership(visitor)
        link = visitor.link
        chosen = self._overview.peek(None)
        if chosen is None:
            chosen = await db(queries.overview, self.services)
            self._overview.put(None, chosen)
        return JSONResponse(
            {
                "user": {"id": visitor.user_id, "name": visitor.init.user.full_name},
                "lang": visitor.lang,
                "chat": {
                    "private": visitor.private,
                    "title": membership.title,
                    "member": membership.member,
                },
                "open": {
                    "paper": link.paper_id if link else None,
                    "reading": bool(link and link.reading),
                },
                **chosen,
            }
        )

    async def search(self, request: Request, visitor: Visitor) -> Response:
        """Search as you type, with the topic and week filters."""
        params = request.query_params
        query = " ".join(params.get("q", "").split())[:MAX_QUERY_CHARS]
        chat = await self._marks_chat(visitor)
        found = await db(
            queries.search,
            self.services,
            query,
            params.get("topic", ""),
            params.get("week", ""),
            chat,
        )
        return JSONResponse(found)

    async def paper(self, request: Request, visitor: Visitor) -> Response:
        """A paper's page."""
        chat = await self._marks_chat(visitor)
        found = await db(queries.paper_detail, self.services, request.path_params["paper_id"], chat)
        return _found(found)

    async def digest(self, request: Request, visitor: Visitor) -> Response:
        """A week's digest."""
        chat = await self._marks_chat(visitor)
        found = await db(queries.digest_page, self.services, request.path_params["key"], chat)
        return _found(found)

    async def topic(self, request: Request, visitor: Visitor) -> Response:
        """A topic's papers."""
        chat = await self._marks_chat(visitor)
        found = await db(queries.topic_page, self.services, request.path_params["topic_id"], chat)
        return _found(found)

    # ------------------------------------------------------------------ reading list

    async def reading(self, request: Request, visitor: Visitor) -> Response:
        """The chat's reading list (members only)."""
        await self.access.member_of_chat(visitor)
        return JSONResponse(await db(queries.reading_list, self.services, visitor.chat_id))

    async def reading_bib(self, request: Request, visitor: Visitor) -> Response:
        """The chat's list as ``reading-list.bib`` (members only)."""
        await self.access.member_of_chat(visitor)
        text = await db(queries.reading_bib, self.services, visitor.chat_id)
        disposition = f'attachment; filename="{BIB_FILE_NAME}"'
        return Response(
            text,
            media_type="application/x-bibtex; charset=utf-8",
            headers={"Content-Disposition": disposition},
        )

    async def reading_change(self, request: Request, visitor: Visitor) -> Response:
        """POST saves the paper to the chat's list, DELETE takes it off (the chat's rule)."""
        await self.access.member_of_chat(visitor)
        paper_id: int = request.path_params["paper_id"]
        reading = self.services.reading
        if request.method == "POST":
            paper = await db(self.services.library.paper, paper_id)
            if paper is None:
                raise_gone()
            name = visitor.init.user.full_name
            await db(reading.save, visitor.chat_id, paper_id, visitor.user_id, name)
            return JSONResponse({"saved": True})
        item = await db(reading.entry, visitor.chat_id, paper_id)
        if item is None:
            return JSONResponse({"saved": False})
        if not await self.access.may_remove(visitor, item):
            raise Refused(403, "error_refused")
        await db(reading.remove, visitor.chat_id, paper_id)
        return JSONResponse({"saved": False})

    async def reading_read(self, request: Request, visitor: Visitor) -> Response:
        """Mark an entry read or unread (body ``{"read": true}``)."""
        await self.access.member_of_chat(visitor)
        try:
            body: Any = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("read"), bool):
            return JSONResponse({"error": "error_other"}, status_code=400)
        found = await db(
            self.services.reading.mark_read,
            visitor.chat_id,
            request.path_params["paper_id"],
            visitor.user_id,
            body["read"],
        )
        if not found:
            raise_gone()
        return JSONResponse({"read": body["read"]})


def raise_gone() -> NoReturn:
    """A 404 the page explains."""
    raise Refused(404, "error_gone")


def _found(found: object) -> Response:
    if found is None:
        return JSONResponse({"error": "error_gone"}, status_code=404)
    return JSONResponse(found)
