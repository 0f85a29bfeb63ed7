"""Who sent a German letter, told from its letterhead and wording.

Each kind has weighted clues (regular expressions on the folded OCR text: lower case, umlauts spelled
out, so "Ausländerbehörde" and an OCR'd "Auslanderbehorde" both read "auslanderbehorde"). The letterhead
(the first lines) counts double: a Jobcenter letter may mention the Familienkasse in its body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Sender(StrEnum):
    JOBCENTER = "jobcenter"
    IMMIGRATION = "immigration"  # Ausländerbehörde
    FAMILY_BENEFITS = "family_benefits"  # Familienkasse
    SOCIAL_WELFARE = "social_welfare"  # Sozialamt
    HEALTH_INSURANCE = "health_insurance"  # Krankenkasse
    TAX_OFFICE = "tax_office"  # Finanzamt
    CITIZENS_OFFICE = "citizens_office"  # Bürgerbüro, Meldebehörde
    SCHOOL = "school"  # school or Kita
    LANDLORD = "landlord"
    BROADCAST_FEE = "broadcast_fee"  # ARD ZDF Deutschlandradio Beitragsservice
    COURT_POLICE = "court_police"
    DEBT_COLLECTOR = "debt_collector"  # Inkasso
    ENERGY = "energy"  # electricity, gas, the Stadtwerke


# (pattern, weight). Patterns are matched on folded text (see fold()); OCR often drops or swaps a letter,
# so the long names also have a shorter stem.
CLUES: dict[Sender, list[tuple[str, float]]] = {
    Sender.JOBCENTER: [
        (r"jobcent", 5),
        (r"burgergeld|grundsicherung fur arbeitsuchende", 3),
        (r"sgb ii\b|zweites buch sozialgesetzbuch", 2),
        (r"eingliederungs|meldeversaumnis|mitwirkungspflicht", 1.5),
    ],
    Sender.IMMIGRATION: [
        (r"auslanderbeh|auslaenderbeh|auslander ?beh", 5),
        (r"aufenthalts ?(titel|erlaubnis|gestattung)|niederlassungserlaubnis|fiktionsbescheinigung", 2.5),
        (r"aufenthaltsgesetz|aufenthg|§ ?24", 1.5),
        (r"elektronischen? aufenthaltstitel|eat\b|reisepass", 1),
    ],
    Sender.FAMILY_BENEFITS: [
        (r"familienkass", 5),
        (r"kindergeld", 3),
        (r"kinderzuschlag|steuer-?id", 1),
    ],
    Sender.SOCIAL_WELFARE: [
        (r"sozialamt|fachbereich soziales|amt fur soziales", 5),
        (r"asylbewerberleistung|asylblg|sgb xii\b|sozialhilfe", 3),
        (r"hilfe zum lebensunterhalt", 2),
    ],
    Sender.HEALTH_INSURANCE: [
        (r"krankenkass|krankenversicherung", 4),
        (r"\baok\b|techniker|barmer|\bdak\b|ikk\b|\bbkk\b", 3),
        (r"versichertenkarte|gesundheitskarte|beitragsruckstand|versicherungsnummer", 2),
    ],
    Sender.TAX_OFFICE: [
        (r"finanzamt", 5),
        (r"steuererklarung|einkommensteuer|steuernummer|steuerbescheid", 3),
    ],
    Sender.CITIZENS_OFFICE: [
        (r"burgerburo|burgeramt|burgerservice|meldebeh", 5),
        (r"anmeldung|ummeldung|meldebescheinigung|wohnungsgeberbestatigung|personalausweis", 2),
    ],
    Sender.SCHOOL: [
        (r"grundschule|gesamtschule|gymnasium|oberschule|realschule|\bschule\b|schulleitung", 4),
        (r"\bkita\b|kindertagesstatte|kindergarten|krippe", 4),
        (r"elternabend|klassenlehrer|erziehungsberechtigte|schulpflicht|betreuungsvertrag", 2),
    ],
    Sender.LANDLORD: [
        (
            r"hausverwaltung|wohnungsbau|wohnungsgesellschaft|wohnungsgenossenschaft|baugenossenschaft|vermieter",
            4,
        ),
        (r"immobilien|mieterinnen und mieter|wohnanlage|hausordnung", 2.5),
        (r"mietvertrag|nebenkosten|betriebskosten|mieterhohung|wohnungsubergabe|kaltmiete", 3),
        (r"mieter|miete\b", 1),
    ],
    Sender.BROADCAST_FEE: [
        (r"beitragsservice|rundfunkbeitrag", 5),
        (r"ard ?zdf|deutschlandradio", 3),
        (r"beitragsnummer", 2),
    ],
    Sender.COURT_POLICE: [
        (r"amtsgericht|landgericht|sozialgericht|verwaltungsgericht|\bgericht\b", 4),
        (r"polizei|staatsanwaltschaft|polizeiinspektion|polizeidirektion", 4),
        (r"aktenzeichen|vorladung|zeuge|beschuldigte|ladung", 1.5),
    ],
    Sender.DEBT_COLLECTOR: [
        (r"inkasso", 5),
        (r"forderung|hauptforderung|mahngebuhr|glaubiger|schuldner", 2),
        (r"zahlungserinnerung|mahnung", 1),
    ],
    Sender.ENERGY: [
        (r"stadtwerke|energieversorg|stromanbieter|energie gmbh|energie ag|\benercity\b", 4),
        (r"\bstrom|\bgas\b|zahlerstand|abschlag|jahresabrechnung|kwh", 2.5),
    ],
}
LETTERHEAD_LINES = 8  # the first lines of a letter: who wrote it
MIN_SCORE = 4.0  # below this nobody is named: better "we could not tell" than a wrong office
_FOLD = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss", "é": "e", "—": "-", "–": "-"})


def fold(text: str) -> str:
    """Lower case, umlauts as plain vowels ("ae" kept as written), white space single."""
    text = text.lower().translate(_FOLD).replace("ae", "a").replace("oe", "o").replace("ue", "u")
    return re.sub(r"[ \t]+", " ", text)


_COMPILED = {kind: [(re.compile(fold(p)), w) for p, w in clues] for kind, clues in CLUES.items()}


@dataclass(frozen=True)
class SenderGuess:
    sender: Sender | None
    score: float


def guess_sender(text: str) -> SenderGuess:
    lines = [line for line in text.splitlines() if line.strip()]
    head = fold("\n".join(lines[:LETTERHEAD_LINES]))
    body = fold("\n".join(lines[LETTERHEAD_LINES:]))
    scores: dict[Sender, float] = {}
    for kind, clues in _COMPILED.items():
        score = 0.0
        for pattern, weight in clues:
            if pattern.search(head):
                score += 2 * weight
            elif pattern.search(body):
                score += weight
        scores[kind] = score
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < MIN_SCORE:
        return SenderGuess(None, scores[best])
    return SenderGuess(best, scores[best])
