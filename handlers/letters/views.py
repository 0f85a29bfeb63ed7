"""What a letter's reading looks like in the chat, in the reader's language."""

from __future__ import annotations

from datetime import date, datetime, time

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.letters.dates import FoundDate
from bot.letters.reading import Ask, Reading
from bot.letters.senders import Sender
from bot.text import N_, Translator
from bot.ticket_media import PAPERS_TOPIC
from handlers.callbacks import MediaAction, MediaCb, MenuCb
from handlers.kit import button, keyboard, label
from handlers.letters.callbacks import LetterAction, LetterCb

SENDERS: dict[Sender, tuple[str, str]] = {
    Sender.JOBCENTER: (
        N_("Jobcenter"),
        N_("It pays Bürgergeld (money to live on and for rent) and helps you find work."),
    ),
    Sender.IMMIGRATION: (
        N_("Ausländerbehörde (immigration office)"),
        N_("It decides on your residence permit and your papers."),
    ),
    Sender.FAMILY_BENEFITS: (N_("Familienkasse"), N_("It pays Kindergeld (child benefit).")),
    Sender.SOCIAL_WELFARE: (
        N_("Sozialamt (social welfare office)"),
        N_("It pays social benefits, for example to asylum seekers and to people who cannot work."),
    ),
    Sender.HEALTH_INSURANCE: (
        N_("Krankenkasse (health insurance)"),
        N_("It pays for doctors, hospital and medicine, and sends your health card."),
    ),
    Sender.TAX_OFFICE: (N_("Finanzamt (tax office)"), N_("It deals with taxes, for example the tax return.")),
    Sender.CITIZENS_OFFICE: (
        N_("Bürgerbüro (citizens' office)"),
        N_("It registers your address and issues ID documents."),
    ),
    Sender.SCHOOL: (N_("School or Kita"), N_("It is about your child's school or day care.")),
    Sender.LANDLORD: (
        N_("Landlord or housing company"),
        N_("It is about your flat: rent, service charges, repairs."),
    ),
    Sender.BROADCAST_FEE: (
        N_("ARD ZDF Beitragsservice (broadcasting fee)"),
        N_("Every household pays this fee. With Bürgergeld or social benefits you can ask to be exempted."),
    ),
    Sender.COURT_POLICE: (N_("Court or police"), N_("Take this letter seriously and get help soon.")),
    Sender.DEBT_COLLECTOR: (
        N_("Debt collection agency (Inkasso)"),
        N_(
            "It collects money someone says you owe. Check first whether this is right; do not pay in a hurry."
        ),
    ),
    Sender.ENERGY: (
        N_("Energy supplier (electricity, gas)"),
        N_("It is about your electricity or gas: meter readings, bills, monthly payments."),
    ),
}
ASKS: dict[Ask, str] = {
    Ask.DOCUMENTS: N_("• send or bring documents"),
    Ask.IN_PERSON: N_("• come in person"),
    Ask.OBJECTION: N_(
        "• This is a decision (Bescheid). If you think it is wrong, you can object (Widerspruch) within "
        "the time limit written in the letter."
    ),
}
CALENDAR_LABEL = N_("📅 Save the appointment")
BOOK_LABEL = N_("📄 Book counselling on papers")
PERSON_LABEL = N_("🙋 Send the photo to a helper")


def sender_name(tr: Translator, sender: Sender | None) -> str:
    return tr._(SENDERS[sender][0]) if sender else tr._("an office")


def _when(tr: Translator, day: date, today: date) -> str:
    left = (day - today).days
    if left < 0:
        return tr._("this date has passed")
    if left == 0:
        return tr._("today")
    return tr.n_("in {n} day", "in {n} days", left, n=left)


def _date_line(tr: Translator, found: FoundDate, today: date) -> str:
    # the weekday helps, and the digits as printed help to find the date on the letter
    day = f"{tr.date(found.day)} · {found.day:%d.%m.%Y}"
    when = _when(tr, found.day, today)
    if found.kind == "appointment":
        at = tr.time(datetime.combine(found.day, found.at, tzinfo=tr.tz)) if found.at else None
        line = (
            tr._("📅 Appointment: <b>{day}, {time}</b> ({when})", day=day, time=at, when=when)
            if at
            else tr._("📅 Appointment: <b>{day}</b> ({when})", day=day, when=when)
        )
        if found.room:
            line += "\n" + tr._("Room: {room}", room=found.room.upper())
    else:
        line = tr._("⏰ Deadline: <b>{day}</b> ({when})", day=day, when=when)
    if found.counted:
        line += "\n" + tr._(
            "⚠️ I counted this from the date of the letter. The time limit runs from the day you received "
            "it: please check."
        )
    elif not found.sure:
        line += "\n" + tr._("⚠️ I am not sure I read this date right: please check it on the letter.")
    return line


def reading_text(tr: Translator, reading: Reading, today: date) -> str:
    if not reading.readable:
        return "\n\n".join(
            [
                tr._("📄 I could not read this photo."),
                tr._(
                    "Tip: lay the letter flat in good light and take the photo from straight above, with "
                    "the whole page in it."
                ),
                tr._("A helper can also look at it with you."),
            ]
        )
    parts: list[str] = []
    if reading.sender:
        name, about = SENDERS[reading.sender]
        parts.append(tr._("📄 <b>A letter from: {sender}</b>", sender=tr._(name)) + "\n" + tr._(about))
    else:
        parts.append(tr._("📄 I could not tell who sent this letter."))
    if reading.scam:
        parts.append(
            tr._(
                "⚠️ <b>Careful, this may be a scam.</b> It asks for money in an unusual way or threatens "
                "you. Do not pay before someone has checked the letter with you."
            )
        )
    if reading.dates:
        parts.append("\n".join(_date_line(tr, found, today) for found in reading.dates))
    else:
        parts.append(tr._("I found no deadline and no appointment in this letter."))
    asks = [tr._(ASKS[ask]) for ask in (Ask.DOCUMENTS, Ask.IN_PERSON) if ask in reading.asks]
    if Ask.PAY in reading.asks:
        asks.append(
            tr._("• pay {amount} €", amount=reading.amount) if reading.amount else tr._("• pay money")
        )
    if Ask.OBJECTION in reading.asks:
        asks.append(tr._(ASKS[Ask.OBJECTION]))
    if asks:
        parts.append(tr._("What the letter asks:") + "\n" + "\n".join(asks))
    if reading.case_number:
        parts.append(
            tr._("🔢 The number on your letter: {number} (only you see it here)", number=reading.case_number)
        )
    parts.append(tr._("ℹ️ This helps you understand the letter. It is not legal advice."))
    return "\n\n".join(parts)


def reading_markup(tr: Translator, reading: Reading) -> InlineKeyboardMarkup | None:
    rows: list[list[InlineKeyboardButton]] = []
    first = next((d for d in reading.appointments if d.sure), None)
    if first is not None:
        data = LetterCb(
            action=LetterAction.CALENDAR,
            day=first.day.strftime("%Y%m%d"),
            at=first.at.strftime("%H%M") if first.at else "",
            sender=reading.sender,
        )
        rows.append([button(label(tr, CALENDAR_LABEL), data)])
    rows.append([button(label(tr, BOOK_LABEL), MenuCb(action=f"book-{PAPERS_TOPIC}"))])
    # the hand-off asks for consent first; this message replies to the photo, which is what it sends
    rows.append([button(label(tr, PERSON_LABEL), MediaCb(action=MediaAction.OFFER, lang=tr.lang))])
    return keyboard(*rows)


def parse_day(code: str) -> date:
    return date(int(code[:4]), int(code[4:6]), int(code[6:8]))


def parse_time(code: str) -> time | None:
    return time(int(code[:2]), int(code[2:])) if code else None
