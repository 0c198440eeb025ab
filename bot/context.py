"""A typed CallbackContext that gives handlers their services and the person they talk to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services

if TYPE_CHECKING:
    from bot.flow import Navigator
from storage.schemas import PatientOut

SERVICES_KEY = "services"
NAV_KEY = "navigator"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """One per update. `patient` and `lang` are filled in by the pipeline's
    `record_and_identify` step (group -100)."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any],
                 chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.patient: PatientOut | None = None
        self.lang: str = self.services.settings.DEFAULT_LANGUAGE

    @property
    def services(self) -> Services:
        services: Services = self.application.bot_data[SERVICES_KEY]
        return services

    @property
    def nav(self) -> Navigator:
        nav: Navigator = self.application.bot_data[NAV_KEY]
        return nav

    def t(self, key: str, /, **values: Any) -> str:
        """Render a text in this person's language."""
        return self.services.texts.render(self.lang, key, **values)
