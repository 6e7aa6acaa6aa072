"""Typed callback context: handlers and jobs reach the services as ``context.services``."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services


class BotData:
    """Typed ``bot_data``: holds the services, set once by :func:`bot.app.build_application`."""

    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The bot's services; fails loudly if wiring forgot to set them."""
        if self._services is None:
            raise RuntimeError("services are not set up (build the app with bot.app)")
        return self._services

    @services.setter
    def services(self, value: Services) -> None:
        self._services = value


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The context type of every handler and job of this bot."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """Shortcut for ``context.bot_data.services``."""
        return self.bot_data.services
