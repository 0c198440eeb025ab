"""Showing a position of the draft: load what the step needs, build its view, send or edit."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.ui import edit_or_send
from conversations.intake import views
from conversations.intake.common import View, send
from conversations.intake.steps import TEXT_FIELDS, IntakeState, Pos
from storage.schemas import CaseOut

S = IntakeState


async def build_view(context: BotContext, case: CaseOut, pos: Pos, note: str | None = None
                     ) -> View:
    cases = context.services.cases
    if pos.state is S.RECORDS:
        records = await cases.records(case_id=case.id)
        if pos.detail == "list":
            return _with_note(note, views.view_timeline(context, pos, records))
        if pos.detail.startswith("rm:") and pos.detail[3:].isdigit():
            confirm = views.view_remove_confirm(context, pos, records, int(pos.detail[3:]))
            if confirm is not None:
                return _with_note(note, confirm)
        return views.view_records(context, case, pos.at(""), records, note)
    if pos.state is S.QUESTIONS:
        questions = await cases.questions(case_id=case.id)
        return views.view_questions(context, pos, questions, note)
    if pos.state is S.REVIEW:
        records = await cases.records(case_id=case.id)
        questions = await cases.questions(case_id=case.id)
        return views.view_review(context, case, records, questions, note)
    if pos.state is S.TRACK:
        return _with_note(note, views.view_track(context, case, pos))
    if pos.state is S.SPECIALTY:
        return _with_note(note, views.view_specialty(context, case, pos))
    if pos.state in TEXT_FIELDS:
        return _with_note(note, views.view_text_step(context, case, pos))
    if pos.state is S.PHONE:
        return _with_note(note, views.view_phone(context, case, pos))
    raise ValueError(f"no view for {pos.state}")


def _with_note(note: str | None, view: View) -> View:
    text, markup = view
    return (views.join(note, text), markup)


async def present_at(context: BotContext, chat_id: int, case: CaseOut, pos: Pos,
                     note: str | None = None) -> IntakeState:
    """Send the step as a new message (also from jobs, where there is no update)."""
    await send(context, chat_id, await build_view(context, case, pos, note))
    return pos.state


async def present(update: Update, context: BotContext, case: CaseOut, pos: Pos, *,
                  note: str | None = None, edit: bool = False) -> IntakeState:
    """Show a position: in place of the pressed message when ``edit`` (a page, a toggle),
    else as a new message."""
    text, markup = await build_view(context, case, pos, note)
    if edit and update.callback_query is not None and (
            markup is None or isinstance(markup, InlineKeyboardMarkup)):
        await edit_or_send(update, context, text, markup)
        return pos.state
    chat = update.effective_chat
    if chat is not None:
        await send(context, chat.id, (text, markup))
    return pos.state
