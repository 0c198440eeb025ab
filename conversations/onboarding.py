"""Onboarding: language → what the service is and is not → consent to process health data.

Nothing health-related is asked or stored before consent. Entries: ``onboarding`` (from /start),
``language`` (from /language or Settings) and ``consent`` (from the menu).
"""

from __future__ import annotations

from enum import StrEnum

from telegram import Update
from telegram.ext import CallbackQueryHandler

from bot.callbacks import cb, parse, pattern
from bot.config import SUPPORTED_LANGUAGES
from bot.context import BotContext
from bot.flow import Flow, StateResult
from bot.keyboards import column, inline
from bot.ui import ack, edit_markup, say


class OnboardingState(StrEnum):
    LANGUAGE = "onboarding.language"
    ABOUT = "onboarding.about"
    CONSENT = "onboarding.consent"


# -- prompts ----------------------------------------------------------------------------------

async def prompt_language(update: Update, context: BotContext) -> None:
    current = context.lang
    ordered = sorted(SUPPORTED_LANGUAGES, key=lambda lang: lang != current)
    buttons = [((("✓ " if lang == current else "") + context.t(f"btn-lang-{lang}")),
                cb("onb", "lang", lang)) for lang in ordered]
    await say(update, context, "lang-choose", column(buttons))


async def prompt_about(update: Update, context: BotContext) -> None:
    await say(update, context, "about", column([(context.t("btn-continue"), cb("onb", "about"))]))


async def prompt_consent(update: Update, context: BotContext) -> None:
    privacy_url = f"{context.services.settings.public_base_url}/privacy?lang={context.lang}"
    await say(update, context, "consent", inline([
        [(context.t("btn-consent-yes"), cb("onb", "consent", "yes"))],
        [(context.t("btn-consent-no"), cb("onb", "consent", "no"))],
    ]), privacy_url=privacy_url)


# -- entries ----------------------------------------------------------------------------------

async def enter_onboarding(update: Update, context: BotContext) -> StateResult:
    patient = context.patient
    if patient is None or not patient.language_chosen:
        await prompt_language(update, context)
        return OnboardingState.LANGUAGE
    if not patient.consented:
        await prompt_about(update, context)
        return OnboardingState.ABOUT
    return await context.nav.go("menu", update, context)


async def enter_language(update: Update, context: BotContext) -> StateResult:
    await prompt_language(update, context)
    return OnboardingState.LANGUAGE


async def enter_consent(update: Update, context: BotContext) -> StateResult:
    patient = context.patient
    if patient is not None and patient.consented:
        return await context.nav.go("menu", update, context)
    await prompt_consent(update, context)
    return OnboardingState.CONSENT


# -- steps ------------------------------------------------------------------------------------

async def on_language_button(update: Update, context: BotContext) -> StateResult:
    data = parse(update.callback_query.data if update.callback_query else None)
    user = update.effective_user
    if data is None or data.id not in SUPPORTED_LANGUAGES or user is None:
        await ack(update, context)
        return None
    await ack(update, context)
    await edit_markup(update, None)
    context.patient = await context.services.patients.set_language(
        telegram_user_id=user.id, language=data.id)
    context.lang = data.id
    await say(update, context, "lang-set")
    if context.patient.consented:
        return await context.nav.go("menu", update, context)
    await prompt_about(update, context)
    return OnboardingState.ABOUT


async def on_about_continue(update: Update, context: BotContext) -> StateResult:
    await ack(update, context)
    await edit_markup(update, None)
    await prompt_consent(update, context)
    return OnboardingState.CONSENT


async def on_consent_button(update: Update, context: BotContext) -> StateResult:
    data = parse(update.callback_query.data if update.callback_query else None)
    user = update.effective_user
    await ack(update, context)
    if data is None or user is None or data.id not in ("yes", "no"):
        return None
    await edit_markup(update, None)
    if data.id == "yes":
        context.patient = await context.services.patients.give_consent(telegram_user_id=user.id)
        await say(update, context, "consent-thanks")
    else:
        await say(update, context, "consent-declined")
    return await context.nav.go("menu", update, context)


def build_onboarding_conversation() -> Flow:
    s = OnboardingState
    return Flow(
        name="onboarding",
        states={
            s.LANGUAGE: [CallbackQueryHandler(on_language_button, pattern=pattern("onb", "lang"))],
            s.ABOUT: [CallbackQueryHandler(on_about_continue, pattern=pattern("onb", "about"))],
            s.CONSENT: [CallbackQueryHandler(on_consent_button,
                                             pattern=pattern("onb", "consent"))],
        },
        prompts={s.LANGUAGE: prompt_language, s.ABOUT: prompt_about,
                 s.CONSENT: prompt_consent},
        entries={"onboarding": enter_onboarding, "language": enter_language,
                 "consent": enter_consent},
    )
