"""Texts and keyboards of the core flows: the language choice, the welcome, privacy and invitations."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot import users as user_service
from bot.text import N_, Translator
from handlers.core.callbacks import DeleteDataCb
from handlers.kit import confirm_row, grid, keyboard


def welcome_text(tr: Translator) -> str:
    return tr._(
        "Welcome! I help you with questions, counselling appointments and news from the association.\n\n"
        "Just write your question in your own words, or choose from the menu."
    )


def registered_text(tr: Translator, role: str) -> str:
    """After an invitation link: the new role."""
    if role == user_service.ORGANIZER:
        return tr._("You are now registered as an organizer. /help shows what you can do.")
    return tr._("Thank you for helping! You are now registered as a helper. /help shows what you can do.")


INVITE_TEXTS = {
    user_service.HELPER: N_(
        "Invitation link for one new helper, valid for {hours} hours and usable once:\n{link}"
    ),
    user_service.ORGANIZER: N_(
        "Invitation link for one new organizer, valid for {hours} hours and usable once:\n{link}"
    ),
}


def privacy_text(tr: Translator) -> str:
    return tr._(
        "<b>What we store about you</b>\n"
        "• your Telegram number (id), your language, your role and when you started;\n"
        "• what you do in the bot yourself: appointments, subscriptions, questions to a person.\n\n"
        "We do not store your name or your phone number. Questions that the bot could not answer are kept "
        "for at most 90 days, so we can improve the answers. Until someone from our team has dealt with such "
        "a question, your id is kept with it, so they can answer you here in the bot; then the id is "
        "removed.\n\n"
        "Why: so that the bot answers in your language and reminds you of your appointments.\n"
        "How long: until you delete it. With /deletedata everything is deleted at once."
    )


def delete_data_view(tr: Translator) -> tuple[str, InlineKeyboardMarkup | None]:
    text = tr._(
        "Do you really want to delete all your data? Your appointments, subscriptions and questions "
        "will be deleted too. This cannot be undone."
    )
    pair = confirm_row(
        tr,
        DeleteDataCb(confirm=True),
        DeleteDataCb(confirm=False),
        yes_text=tr._("Yes, delete everything"),
        no_text=tr._("No, keep my data"),
    )
    return text, keyboard(*grid(pair, 1))
