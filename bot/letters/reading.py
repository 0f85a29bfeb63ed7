"""What a German letter says, from its recognised text: who sent it, by when, what is asked, and whether it
looks like a scam. Pure text in, a `Reading` out: no image, no storage, nothing logged (the text is the
person's private mail; the caller discards it after this).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.letters.dates import DateKind, FoundDate, find_dates
from bot.letters.senders import Sender, fold, guess_sender


class Ask(StrEnum):
    DOCUMENTS = "documents"  # send or bring papers
    IN_PERSON = "in_person"  # come in person
    PAY = "pay"  # pay an amount
    OBJECTION = "objection"  # a decision (Bescheid) one can object to (Widerspruch)


ASK_CUES: dict[Ask, str] = {
    Ask.DOCUMENTS: r"unterlagen|nachweis|bescheinigung\w* (ein|vor|zu)|reichen sie|einzureichen|vorzulegen|"
    r"legen sie|senden sie uns|schicken sie uns|kopie|bringen sie|mitbringen|mitzubringen",
    Ask.IN_PERSON: r"personlich|eingeladen|einladung|erscheinen|vorsprechen|vorsprache",
    Ask.PAY: r"uberweisen|zu zahlen|zahlen sie|bitte zahlen|\bbezahlen\b|zahlbar|offener betrag|gesamtbetrag|"
    r"zahlungsaufforderung|begleichen",
    Ask.OBJECTION: r"widerspruch|rechtsbehelfsbelehrung|klage erheben",
}
_ASKS = {ask: re.compile(pattern) for ask, pattern in ASK_CUES.items()}
AMOUNT = re.compile(r"(\d{1,3}(?:\.\d{3})*,\d{2})\s*(?:€|eur\b|euro\b)")
IBAN = re.compile(r"\b([a-z]{2})\s?\d{2}(?:\s?[0-9a-z]{4}){3,7}")
CASE_NUMBER = re.compile(
    r"(aktenzeichen|az\.|unser zeichen|kundennummer|kunden-nr\.?|bg-nummer|nummer der bg|kindergeld-nr\.?|"
    r"nummer der bedarfsgemeinschaft|mieternummer|"
    r"beitragsnummer|steuernummer|kassenzeichen|vorgangsnummer|versichertennummer|vertragsnummer)"
    r"\s*:?\s*([0-9a-z][0-9a-z/ .-]{2,24}[0-9a-z])",
)
# Scams ask for money in an unusual way, or in a hurry with threats no office uses.
UNUSUAL_PAYMENT = re.compile(
    r"gutschein|guthabenkarte|geschenkkarte|paysafe|itunes|google.play|bitcoin|krypto|western union|moneygram"
)
THREATS = re.compile(
    r"haftbefehl|verhaftung|festnahme|abschiebung droht|sofortige abschiebung|innerhalb von (24|48) stunden|"
    r"heute noch|letzte warnung"
)
HOME_IBANS = {"de"}  # offices in Germany are paid to German accounts


@dataclass(frozen=True)
class Reading:
    sender: Sender | None
    written: date | None
    dates: list[FoundDate] = field(default_factory=list)
    asks: frozenset[Ask] = frozenset()
    amount: str | None = None
    case_number: str | None = None  # shown only to the person, never stored
    scam: bool = False
    readable: bool = True

    @property
    def deadlines(self) -> list[FoundDate]:
        return [d for d in self.dates if d.kind == DateKind.DEADLINE]

    @property
    def appointments(self) -> list[FoundDate]:
        return [d for d in self.dates if d.kind == DateKind.APPOINTMENT]


# Fewer letters than this, or too few real German words, and it is not a letter we can read.
MIN_LETTERS = 80
COMMON_WORDS = re.compile(
    r"\b(sie|ihr|ihre|ihnen|der|die|das|und|bitte|mit|fur|von|wir|den|dem|zu|ist|zum)\b"
)


def is_readable(text: str) -> bool:
    folded = fold(text)
    letters = sum(ch.isalpha() for ch in folded)
    return letters >= MIN_LETTERS and len(COMMON_WORDS.findall(folded)) >= 6


def read_text(text: str, today: date) -> Reading:
    if not is_readable(text):
        return Reading(sender=None, written=None, readable=False)
    folded = fold(text)
    written, dates = find_dates(text, today)
    asks = {ask for ask, pattern in _ASKS.items() if pattern.search(folded)}
    if any(d.kind == DateKind.APPOINTMENT for d in dates):
        asks.add(Ask.IN_PERSON)
    amount = AMOUNT.search(folded)
    case = CASE_NUMBER.search(text.lower())  # not folded: "AE" in a file number must stay
    foreign_account = any(m.group(1) not in HOME_IBANS for m in IBAN.finditer(folded))
    # no office asks for gift cards or crypto, whatever the wording; an account abroad or threats only
    # together with a request to pay
    scam = bool(UNUSUAL_PAYMENT.search(folded)) or (
        Ask.PAY in asks and (foreign_account or bool(THREATS.search(folded)))
    )
    return Reading(
        sender=guess_sender(text).sender,
        written=written,
        dates=dates,
        asks=frozenset(asks),
        amount=amount.group(1) if amount else None,
        case_number=case.group(2).strip().upper() if case else None,
        scam=scam,
    )
