"""A held-out set of German letters for measuring the letter reader (bot/letters/) on wording its rules
were not written for: other offices, other ways of writing deadlines and appointments, dates that are no
deadline (periods, earlier letters, birth dates, opening hours, "gültig bis"), letters with nothing to do,
and scams. Written apart from the rules and from tests/letter_samples.py's templates; only its data
structures and its render()/damage() are reused.

Every letter is fictitious and says MUSTER in its footer (render() puts it there); people and streets are
the usual German placeholders. Dates follow from `written`, so the expected sets are exact:
"innerhalb eines Monats nach Bekanntgabe/Zugang" counts from the letter's date (same day next month),
"binnen zwei Wochen" is +14 days.

    .venv/bin/python bench/bench_letters.py --set heldout --variants 2
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from bot.letters.dates import DateKind, add_months
from bot.letters.senders import Sender
from tests.letter_samples import Letter, Sample, d, damage, render

DEADLINE, APPOINTMENT = DateKind.DEADLINE, DateKind.APPOINTMENT
WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
MONTHS = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
]


def long(day: date) -> str:
    """3. März 2027"""
    return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"


def wd(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def heldout_letters(written: date) -> list[Letter]:
    """Two letters per sender kind and two scams; `written` is each letter's date."""
    w = written

    def at(days: int) -> date:
        return w + timedelta(days=days)

    month = add_months(w, 1)  # "innerhalb eines Monats nach Bekanntgabe"
    next_first = (w.replace(day=1) + timedelta(days=32)).replace(day=1)  # start of a period, no deadline
    half_year_end = add_months(next_first, 6) - timedelta(days=1)
    applied = at(-19)  # "Ihr Antrag vom …"
    child = date(2015, 4, 3)
    hello = "Sehr geehrte Frau Mustermann,"
    reopen = next(at(days) for days in range(32, 40) if at(days).weekday() < 5)  # the Kita's first weekday

    return [
        # --- Jobcenter --------------------------------------------------------------------------------
        Letter(
            Sender.JOBCENTER,
            ["Jobcenter Hannover-Nord", "Geschäftsstelle Langenhagen", "Musterallee 12, 30851 Langenhagen"],
            "Einladung zu einem Gespräch über Ihre berufliche Situation",
            [
                hello,
                "ich möchte mit Ihnen über Ihre aktuelle berufliche Situation und Ihre Eingliederungsvereinbarung "
                "sprechen. Bitte kommen Sie zu dem unten genannten Termin in das Jobcenter.",
                f"Ihr Termin: {wd(at(49))}, {d(at(49))}, 10:15 Uhr, Zimmer 2.14 (2. Obergeschoss)",
                "Bitte bringen Sie Ihren Personalausweis oder Pass, Ihren Lebenslauf und diese Einladung mit.",
                "Dies ist eine Einladung nach § 59 SGB II in Verbindung mit § 309 SGB III. Wenn Sie ohne "
                "wichtigen Grund nicht erscheinen, kann Ihr Bürgergeld um 10 Prozent gemindert werden.",
                "Können Sie den Termin nicht wahrnehmen, rufen Sie mich bitte vorher an.",
            ],
            w,
            {(APPOINTMENT, at(49))},
            info=[("Kunden-Nr.", "123D456789"), ("BG-Nr.", "12345BG0012345"), ("Zeichen", "612")],
        ),
        Letter(
            Sender.JOBCENTER,
            ["Jobcenter Hannover-Nord", "Leistungsabteilung", "Musterallee 12, 30851 Langenhagen"],
            "Bewilligungsbescheid – Bürgergeld (SGB II)",
            [
                hello,
                f"auf Ihren Antrag vom {d(applied)} werden Ihnen und den Mitgliedern Ihrer Bedarfsgemeinschaft "
                f"für die Zeit vom {d(next_first)} bis {d(half_year_end)} Leistungen nach dem Zweiten "
                "Buch Sozialgesetzbuch (SGB II) bewilligt.",
                "Die Leistungen werden monatlich im Voraus auf Ihr Konto überwiesen. Die Berechnung finden Sie "
                "in der Anlage.",
                "Rechtsbehelfsbelehrung: Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe "
                "Widerspruch erhoben werden. Der Widerspruch ist schriftlich oder zur Niederschrift beim "
                "Jobcenter Hannover-Nord einzulegen.",
            ],
            w,
            {(DEADLINE, month)},
            table=[
                ("Regelbedarf", "563,00 EUR"),
                ("Kosten der Unterkunft und Heizung", "612,40 EUR"),
                ("Gesamtbetrag monatlich", "1.175,40 EUR"),
            ],
            info=[("BG-Nr.", "12345BG0012345"), ("Ihr Zeichen", "—")],
        ),
        # --- Ausländerbehörde -------------------------------------------------------------------------
        Letter(
            Sender.IMMIGRATION,
            ["Landkreis Celle", "Ausländerbehörde", "Musterplatz 4, 29221 Celle"],
            "Verlängerung Ihrer Aufenthaltserlaubnis",
            [
                hello,
                f"Ihre Aufenthaltserlaubnis ist gültig bis {d(at(89))}. Für die Verlängerung ist eine "
                "persönliche Vorsprache erforderlich.",
                f"Vorsprache am {d(at(42))} um 8.30 Uhr in Raum 3.07 bei Frau Beispiel.",
                "Bitte bringen Sie mit: Ihren Nationalpass, ein aktuelles biometrisches Lichtbild, den "
                "Mietvertrag, Ihre Lohnabrechnungen der letzten drei Monate oder den aktuellen Bescheid "
                "des Jobcenters.",
                "Die Gebühr für die Verlängerung beträgt voraussichtlich 93,00 Euro und ist bei der Vorsprache "
                "zu zahlen.",
            ],
            w,
            {(APPOINTMENT, at(42))},
            info=[("Aktenzeichen", "32.1-0815/26"), ("Geburtsdatum", "03.04.1990")],
        ),
        Letter(
            Sender.IMMIGRATION,
            ["Region Hannover", "Team Ausländerangelegenheiten", "Musterweg 7, 30169 Hannover"],
            "Aufforderung zur Mitwirkung – Vorlage von Unterlagen",
            [
                hello,
                f"Sie haben am {d(at(-48))} eine Aufenthaltserlaubnis nach § 25 Abs. 2 AufenthG beantragt. "
                "Ihre Fiktionsbescheinigung bleibt bis zur Entscheidung gültig.",
                "Für die Entscheidung fehlen noch die folgenden Unterlagen. Bitte reichen Sie diese spätestens "
                f"bis {long(at(35))} bei der Ausländerbehörde ein.",
                "Nach § 82 AufenthG sind Sie verpflichtet, an der Klärung mitzuwirken. Werden die Unterlagen "
                "nicht vorgelegt, kann nach Aktenlage entschieden werden.",
            ],
            w,
            {(DEADLINE, at(35))},
            table=[
                ("Gültiger Nationalpass (Kopie aller Seiten)", "fehlt"),
                ("Nachweis der Krankenversicherung", "fehlt"),
                ("Meldebescheinigung", "fehlt"),
            ],
            info=[("Az.", "AB 3-4711/2026")],
        ),
        # --- Familienkasse ----------------------------------------------------------------------------
        Letter(
            Sender.FAMILY_BENEFITS,
            ["Familienkasse Sachsen", "Bundesagentur für Arbeit", "Musterweg 5, 09111 Chemnitz"],
            "Kindergeld – Überprüfung des Anspruchs",
            [
                hello,
                f"wir überprüfen Ihren Anspruch auf Kindergeld für Ihr Kind Max Mustermann, geb. {d(child)}.",
                "Bitte senden Sie uns den beiliegenden Fragebogen ausgefüllt und unterschrieben zurück, "
                "zusammen mit einer aktuellen Schulbescheinigung.",
                f"Wir benötigen die Unterlagen bis einschließlich {d(at(58))}.",
                "Wenn Sie die Unterlagen nicht rechtzeitig einreichen, müssen wir die Festsetzung des "
                "Kindergeldes aufheben und bereits gezahltes Kindergeld zurückfordern.",
            ],
            w,
            {(DEADLINE, at(58))},
            info=[("Kindergeld-Nr.", "123FK456789"), ("Schreiben vom", d(applied))],
        ),
        Letter(
            Sender.FAMILY_BENEFITS,
            ["Familienkasse Niedersachsen-Bremen", "Musterstraße 30, 30163 Hannover"],
            "Information über Ihre Kindergeldzahlung",
            [
                hello,
                f"ab dem {d(next_first)} ändert sich die Höhe des Kindergeldes. Die neuen Beträge zahlen wir "
                "Ihnen automatisch aus.",
                "Sie müssen dafür keinen Antrag stellen und nichts weiter unternehmen.",
                "Bitte teilen Sie uns wie bisher jede Änderung mit, die für den Anspruch wichtig ist, zum "
                "Beispiel einen Umzug oder das Ende der Schulausbildung.",
            ],
            w,
            set(),
            table=[
                (f"Max Mustermann, geb. {d(child)}", "259,00 EUR"),
                (f"Lina Mustermann, geb. {d(date(2019, 9, 17))}", "259,00 EUR"),
            ],
            info=[("Kindergeld-Nr.", "987FK654321")],
        ),
        # --- Sozialamt --------------------------------------------------------------------------------
        Letter(
            Sender.SOCIAL_WELFARE,
            ["Stadt Burgdorf", "Fachdienst Soziales", "Musterplatz 1, 31303 Burgdorf"],
            "Bescheid über Leistungen nach dem AsylbLG",
            [
                hello,
                f"für den Zeitraum vom {d(next_first)} bis {d(add_months(next_first, 3) - timedelta(days=1))} "
                "erhalten Sie Grundleistungen nach § 3 AsylbLG in folgender Höhe.",
                "Die Leistungen werden zum Monatsanfang auf Ihr Konto überwiesen. Änderungen Ihrer Einkünfte "
                "oder Ihrer Adresse teilen Sie uns bitte sofort mit.",
                "Rechtsbehelfsbelehrung: Gegen diesen Bescheid können Sie binnen eines Monats nach Zugang "
                "Widerspruch bei der Stadt Burgdorf, Fachdienst Soziales, einlegen.",
            ],
            w,
            {(DEADLINE, month)},
            table=[
                ("Notwendiger Bedarf", "196,00 EUR"),
                ("Notwendiger persönlicher Bedarf", "204,00 EUR"),
                ("Summe monatlich", "400,00 EUR"),
            ],
            info=[("Aktenzeichen", "50.2-AsylbLG-1234")],
        ),
        Letter(
            Sender.SOCIAL_WELFARE,
            ["Landkreis Hildesheim", "Sozialamt", "Musterstraße 9, 31134 Hildesheim"],
            "Ihr Antrag auf Grundsicherung im Alter und bei Erwerbsminderung (SGB XII)",
            [
                hello,
                f"Ihr Antrag vom {d(applied)} ist bei uns eingegangen. Um über den Antrag entscheiden zu "
                "können, benötigen wir noch die folgenden Unterlagen.",
                "Bitte reichen Sie die Unterlagen binnen zwei Wochen nach Erhalt dieses Schreibens ein.",
                "Werden die Unterlagen nicht vorgelegt, können die Leistungen nach § 66 SGB I ganz oder "
                "teilweise versagt werden.",
            ],
            w,
            {(DEADLINE, at(14))},
            table=[
                ("Kontoauszüge der letzten drei Monate", "fehlt"),
                ("Rentenbescheid", "fehlt"),
                ("Mietvertrag und Nebenkostenabrechnung", "fehlt"),
            ],
            info=[("Az.", "SO-4-2026-0815")],
        ),
        # --- Krankenkasse -----------------------------------------------------------------------------
        Letter(
            Sender.HEALTH_INSURANCE,
            ["BARMER", "Geschäftsstelle Hannover", "Musterstraße 22, 30159 Hannover"],
            "Ihre elektronische Gesundheitskarte – wir brauchen ein Foto",
            [
                hello,
                "Ihre Gesundheitskarte ist nur noch bis 03/2027 gültig. Damit wir Ihnen rechtzeitig eine neue "
                "Karte schicken können, brauchen wir ein aktuelles Lichtbild von Ihnen.",
                f"Bitte laden Sie das Foto bis zum {d(at(45))} in der BARMER-App hoch oder schicken Sie es "
                "uns mit dem beiliegenden Antwortbogen.",
                "Ihr Versicherungsschutz besteht unabhängig davon weiter.",
            ],
            w,
            {(DEADLINE, at(45))},
            info=[("Vers.-Nr.", "A123456789"), ("Telefon", "0800 3333 004")],
        ),
        Letter(
            Sender.HEALTH_INSURANCE,
            ["Techniker Krankenkasse", "Musterweg 3, 22305 Hamburg"],
            "Mitgliedsbescheinigung",
            [
                hello,
                f"hiermit bestätigen wir, dass Sie seit dem {d(at(-30))} als Pflichtmitglied bei der Techniker "
                "Krankenkasse versichert sind.",
                "Bitte geben Sie diese Bescheinigung Ihrem Arbeitgeber. Ihre Gesundheitskarte erhalten Sie in "
                "etwa zwei Wochen mit separater Post.",
                "Bei Fragen erreichen Sie uns rund um die Uhr unter der Nummer auf der Rückseite.",
            ],
            w,
            set(),
            info=[("Vers.-Nr.", "M987654321"), ("Arbeitgeber", "Muster GmbH")],
        ),
        # --- Finanzamt --------------------------------------------------------------------------------
        Letter(
            Sender.TAX_OFFICE,
            ["Finanzamt Burgdorf", "Musterstraße 11, 31303 Burgdorf"],
            f"Einkommensteuererklärung für {w.year - 1} – Erinnerung",
            [
                hello,
                f"Ihre Einkommensteuererklärung für das Jahr {w.year - 1} liegt uns noch nicht vor. Sie sind "
                "zur Abgabe verpflichtet (§ 149 Abgabenordnung).",
                "Bitte reichen Sie die Erklärung elektronisch über ELSTER oder auf Papier bis zu dem unten "
                "genannten Tag ein.",
                f"Frist: {d(at(73))}",
                "Geben Sie die Erklärung nicht fristgerecht ab, kann ein Verspätungszuschlag festgesetzt oder "
                "die Steuer geschätzt werden.",
            ],
            w,
            {(DEADLINE, at(73))},
            info=[("Steuernummer", "16/123/45678"), ("Bearbeiter", "Herr Beispiel")],
        ),
        Letter(
            Sender.TAX_OFFICE,
            ["Finanzamt Hannover-Land I", "Musterplatz 2, 30161 Hannover"],
            "Eingangsbestätigung",
            [
                hello,
                f"Ihre Einkommensteuererklärung für {w.year - 1} ist am {d(at(-11))} bei uns eingegangen.",
                "Die Bearbeitung dauert zurzeit etwa sechs bis acht Wochen. Sie erhalten danach Ihren Bescheid "
                "mit der Post.",
                "Bitte sehen Sie bis dahin von Nachfragen ab. Sie müssen nichts weiter tun.",
            ],
            w,
            set(),
            info=[("Steuernummer", "24/987/65432"), ("Steuer-ID", "12 345 678 901")],
        ),
        # --- Bürgerbüro -------------------------------------------------------------------------------
        Letter(
            Sender.CITIZENS_OFFICE,
            ["Stadt Lehrte", "Bürgerservice", "Musterplatz 6, 31275 Lehrte"],
            "Ihr Reisepass liegt zur Abholung bereit",
            [
                hello,
                f"Ihr am {d(at(-26))} beantragter Reisepass ist fertig und liegt im Bürgerservice zur Abholung "
                "bereit.",
                f"Bitte holen Sie den Pass spätestens zum {long(at(92))} persönlich ab und bringen Sie Ihren "
                "alten Pass mit. Nicht abgeholte Dokumente werden danach vernichtet.",
                "Öffnungszeiten: Mo bis Fr 8.00 bis 12.00 Uhr, Do zusätzlich 14.00 bis 18.00 Uhr.",
            ],
            w,
            {(DEADLINE, at(92))},
            info=[("Vorgang", "BS-2026-11873")],
        ),
        Letter(
            Sender.CITIZENS_OFFICE,
            ["Gemeinde Wedemark", "Bürgerbüro – Meldestelle", "Musterstraße 1, 30900 Wedemark"],
            "Bestätigung Ihres Termins",
            [
                hello,
                "vielen Dank für Ihre Online-Terminbuchung. Wir bestätigen Ihnen folgenden Termin:",
                f"{wd(at(37))}, {d(at(37))}, 11:40 Uhr, Schalter 4 – Anliegen: Anmeldung einer Wohnung",
                "Bitte bringen Sie Ihren Pass oder Ausweis und die Wohnungsgeberbestätigung Ihres Vermieters "
                "mit. Die Anmeldung muss innerhalb von zwei Wochen nach dem Einzug erfolgen (§ 17 BMG).",
                "Wenn Sie den Termin nicht wahrnehmen können, sagen Sie ihn bitte online ab.",
            ],
            w,
            {(APPOINTMENT, at(37))},
            info=[("Buchungsnummer", "WM-55821")],
        ),
        # --- Schule, Kita -----------------------------------------------------------------------------
        Letter(
            Sender.SCHOOL,
            ["IGS Isernhagen", "Integrierte Gesamtschule", "Musterweg 20, 30916 Isernhagen"],
            "Einladung zum Elternsprechtag",
            [
                "Liebe Eltern und Erziehungsberechtigte der Klasse 7b,",
                f"unser Elternsprechtag findet am {wd(at(51))}, den {d(at(51))}, von 15:00 bis 19:00 Uhr in "
                "der Schule statt.",
                "Sie können mit allen Lehrkräften Ihres Kindes über seine Leistungen sprechen. Eine "
                "Dolmetscherin für Arabisch und Ukrainisch ist vor Ort.",
                f"Bitte geben Sie den Rückmeldeabschnitt mit Ihren Wunschzeiten bis zum {d(at(41))} bei der "
                "Klassenleitung ab.",
            ],
            w,
            {(APPOINTMENT, at(51)), (DEADLINE, at(41))},
            info=[("Schüler", "Max Mustermann"), ("Klasse", "7b")],
        ),
        Letter(
            Sender.SCHOOL,
            ["Kita Regenbogen", "Kindertagesstätte der Stadt Burgdorf", "Musterstraße 8, 31303 Burgdorf"],
            "Schließzeiten über den Jahreswechsel",
            [
                "Liebe Eltern,",
                f"unsere Kita bleibt vom {d(at(23))} bis einschließlich {d(at(31))} geschlossen. Ab "
                f"{wd(reopen)}, dem {d(reopen)}, sind wir wieder zu den gewohnten Zeiten für Sie da.",
                "Bitte denken Sie daran, Wechselkleidung und Hausschuhe Ihres Kindes vor den Ferien "
                "mitzunehmen.",
                "Wir wünschen Ihnen und Ihren Familien schöne Feiertage!",
            ],
            w,
            set(),
            info=[("Kind", "Lina Mustermann"), ("Gruppe", "Sonnenblumen")],
        ),
        # --- Vermieter --------------------------------------------------------------------------------
        Letter(
            Sender.LANDLORD,
            ["Hausverwaltung Müller & Partner", "Musterstraße 40, 30159 Hannover"],
            f"Betriebskostenabrechnung {w.year - 1}",
            [
                hello,
                f"anbei erhalten Sie die Abrechnung der Betriebskosten für Ihre Wohnung Musterstraße 1, 2. OG "
                f"links, für den Zeitraum 01.01.{w.year - 1} bis 31.12.{w.year - 1}.",
                f"Es ergibt sich eine Nachzahlung von 312,48 EUR. Bitte überweisen Sie den Betrag bis zum "
                f"{at(42):%d.%m.%y} auf das unten genannte Konto.",
                f"Ab dem {d(add_months(next_first, 1))} erhöht sich Ihre monatliche Vorauszahlung auf "
                "185,00 EUR.",
            ],
            w,
            {(DEADLINE, at(42))},
            table=[
                ("Heizung und Warmwasser", "1.046,20 EUR"),
                ("Wasser, Abwasser, Müll", "498,28 EUR"),
                ("Ihre Vorauszahlungen", "-1.232,00 EUR"),
                ("Nachzahlung", "312,48 EUR"),
            ],
            info=[("Mieternummer", "0815-02-L"), ("Objekt", "Musterstraße 1")],
        ),
        Letter(
            Sender.LANDLORD,
            ["Wohnungsgenossenschaft Musterheim eG", "Musterallee 3, 30916 Isernhagen"],
            "Ankündigung: Wartung der Rauchwarnmelder in Ihrer Wohnung",
            [
                "Sehr geehrte Mieterinnen und Mieter,",
                "die jährliche Prüfung der Rauchwarnmelder ist gesetzlich vorgeschrieben. Unser Techniker kommt "
                f"am {d(at(63))} um 8.30 Uhr in Ihre Wohnung.",
                "Bitte sorgen Sie dafür, dass die Wohnung an diesem Tag zugänglich ist. Die Prüfung dauert "
                "etwa zehn Minuten.",
                "Wenn Sie an diesem Tag nicht zu Hause sind, geben Sie bitte Ihren Schlüssel bei Nachbarn ab "
                "oder rufen Sie uns an.",
            ],
            w,
            {(APPOINTMENT, at(63))},
            info=[("Mitgliedsnummer", "4711"), ("Wohnung", "2. OG links")],
        ),
        # --- Rundfunkbeitrag --------------------------------------------------------------------------
        Letter(
            Sender.BROADCAST_FEE,
            ["ARD ZDF Deutschlandradio", "Beitragsservice", "50656 Köln"],
            "Zahlungserinnerung",
            [
                hello,
                "auf Ihrem Beitragskonto ist ein Betrag offen. Bitte zahlen Sie den Betrag bis spätestens "
                f"{d(at(14))}.",
                "Wenn Sie bereits gezahlt haben, betrachten Sie dieses Schreiben bitte als gegenstandslos.",
                "Wenn Sie Bürgergeld, Sozialhilfe oder Leistungen nach dem AsylbLG bekommen, können Sie eine "
                "Befreiung vom Rundfunkbeitrag beantragen.",
            ],
            w,
            {(DEADLINE, at(14))},
            table=[
                (f"Zeitraum 01.10.{w.year} – 31.12.{w.year}", "55,08 EUR"),
                ("Offener Betrag", "55,08 EUR"),
            ],
            info=[("Beitragsnummer", "123 456 789")],
        ),
        Letter(
            Sender.BROADCAST_FEE,
            ["ARD ZDF Deutschlandradio", "Beitragsservice", "50656 Köln"],
            "Befreiung von der Rundfunkbeitragspflicht",
            [
                hello,
                f"auf Ihren Antrag vom {d(applied)} befreien wir Sie von der Rundfunkbeitragspflicht.",
                f"Die Befreiung gilt vom {d(w)} bis {d(add_months(w, 12) - timedelta(days=1))}. "
                "In dieser Zeit müssen Sie keinen Rundfunkbeitrag zahlen.",
                "Wenn Sie danach weiter befreit werden möchten, stellen Sie bitte rechtzeitig einen neuen Antrag "
                "mit einem aktuellen Bescheid.",
            ],
            w,
            set(),
            info=[("Beitragsnummer", "987 654 321")],
        ),
        # --- Gericht, Polizei -------------------------------------------------------------------------
        Letter(
            Sender.COURT_POLICE,
            ["Amtsgericht Hannover", "Abteilung 512", "Musterplatz 1, 30169 Hannover"],
            "Ladung zum Termin zur mündlichen Verhandlung",
            [
                "In dem Rechtsstreit Mustermann ./. Beispiel Wohnen GmbH wird Termin zur mündlichen "
                f"Verhandlung bestimmt auf {wd(at(85))}, {d(at(85))}, 10:30 Uhr, Saal 1127, Musterplatz 1.",
                "Das persönliche Erscheinen der Klägerin wird angeordnet. Bitte bringen Sie diese Ladung und "
                "einen Ausweis mit.",
                "Erscheint eine Partei nicht, kann nach Lage der Akten entschieden oder ein Ordnungsgeld "
                "festgesetzt werden.",
            ],
            w,
            {(APPOINTMENT, at(85))},
            info=[("Aktenzeichen", "512 C 1234/26")],
        ),
        Letter(
            Sender.COURT_POLICE,
            ["Polizeidirektion Hannover", "Polizeikommissariat Lehrte", "Musterstraße 5, 31275 Lehrte"],
            "Vorladung zur Vernehmung als Zeugin",
            [
                hello,
                f"in einem Ermittlungsverfahren wegen Sachbeschädigung am {d(at(-4))} gegen 17:45 Uhr "
                "kommen Sie als Zeugin in Betracht.",
                f"Bitte erscheinen Sie am {wd(at(41))}, {long(at(41))}, um 14:00 Uhr im Polizeikommissariat "
                "Lehrte, Zimmer 12.",
                "Bringen Sie bitte einen Ausweis mit. Wenn Sie eine Dolmetscherin brauchen, teilen Sie uns das "
                "bitte vorher mit.",
            ],
            w,
            {(APPOINTMENT, at(41))},
            info=[("Vorgang", "2026/123456"), ("Sachbearb.", "PK Beispiel")],
        ),
        Letter(
            Sender.COURT_POLICE,
            ["Bundespolizei Cybercrime Zentrale", "Abteilung Haftbefehle", "Europol Kooperation"],
            "LETZTE WARNUNG – Haftbefehl gegen Sie",
            [
                "Gegen Sie liegt ein Haftbefehl wegen Geldwäsche und Internetbetrug vor. Die Festnahme erfolgt "
                "in den nächsten Tagen an Ihrer Wohnadresse.",
                "Sie können die Festnahme vermeiden, wenn Sie eine Kaution von 800 Euro in Google-Play- oder "
                "Apple-Geschenkkarten bezahlen.",
                f"Senden Sie die Codes der Karten bis spätestens {d(at(2))}, 18:00 Uhr, per WhatsApp an "
                "+44 7700 900123. Sprechen Sie mit niemandem über dieses Verfahren.",
            ],
            w,
            {(DEADLINE, at(2))},
            info=[("Fall-Nr.", "BKA-HB-99812")],
            scam=True,
        ),
        # --- Inkasso ----------------------------------------------------------------------------------
        Letter(
            Sender.DEBT_COLLECTOR,
            ["Creditreform Inkasso", "Musterring 15, 30159 Hannover"],
            "Zahlungsaufforderung",
            [
                hello,
                "wir sind von der Mobilfunk Muster GmbH mit dem Einzug der folgenden Forderung beauftragt. "
                f"Grundlage ist die Rechnung vom {d(at(-108))}, die trotz Mahnung nicht bezahlt wurde.",
                "Bitte zahlen Sie den Gesamtbetrag innerhalb von 10 Tagen nach Zugang dieses Schreibens. Wenn "
                "Sie die Forderung bestreiten, teilen Sie uns bitte die Gründe schriftlich mit.",
                "Bei Zahlungsschwierigkeiten bieten wir Ihnen gern eine Ratenzahlung an.",
            ],
            w,
            {(DEADLINE, at(10))},
            table=[
                ("Hauptforderung", "89,97 EUR"),
                ("Zinsen", "2,14 EUR"),
                ("Inkassokosten", "49,50 EUR"),
                ("Gesamtbetrag", "141,61 EUR"),
            ],
            info=[("Aktenzeichen", "IK 26-778812"), ("Gläubiger", "Mobilfunk Muster GmbH")],
        ),
        Letter(
            Sender.DEBT_COLLECTOR,
            ["Muster Forderungsmanagement GmbH", "Inkassounternehmen", "Musterstraße 77, 44135 Dortmund"],
            "Bestätigung Ihrer Ratenzahlungsvereinbarung",
            [
                hello,
                "vielen Dank für Ihren Anruf. Wir bestätigen die vereinbarte Ratenzahlung für die offene "
                "Forderung der Versandhaus Muster AG über 420,00 EUR.",
                f"Die erste Rate in Höhe von 50,00 EUR ist fällig am {d(at(45))}. Die weiteren Raten zahlen "
                "Sie bitte jeweils bis zum 15. eines Monats.",
                "Solange Sie die Raten pünktlich zahlen, unternehmen wir keine weiteren Schritte.",
            ],
            w,
            {(DEADLINE, at(45))},
            info=[("Aktenzeichen", "FM-2026-30411"), ("Gläubiger", "Versandhaus Muster AG")],
        ),
        Letter(
            Sender.DEBT_COLLECTOR,
            ["Deutsche Inkasso Zentralstelle", "Abteilung Vollstreckung"],
            "Letzte Mahnung vor Pfändung",
            [
                "Sie haben eine offene Schuld aus einem Gewinnspiel-Abonnement. Da Sie nicht bezahlt haben, "
                "ist die Pfändung Ihres Gehalts und Ihrer Wohnung angeordnet.",
                f"Zahlen Sie 389,90 Euro bis zum {d(at(3))} auf das folgende Konto: IBAN LT12 1000 0111 0100 "
                "1000, Empfänger: DIZ Services UAB.",
                "Danach übergeben wir den Fall der Staatsanwaltschaft und der SCHUFA. Ein Widerspruch ist "
                "nicht möglich.",
            ],
            w,
            {(DEADLINE, at(3))},
            info=[("Akte", "DIZ-55-2026")],
            scam=True,
        ),
        # --- Energie ----------------------------------------------------------------------------------
        Letter(
            Sender.ENERGY,
            ["enercity AG", "Kundenservice", "Musterstraße 2, 30159 Hannover"],
            "Ihre Jahresabrechnung Strom",
            [
                hello,
                f"hier ist Ihre Stromabrechnung für den Zeitraum {d(add_months(w, -12))} bis "
                f"{d(w - timedelta(days=1))}. Sie haben 1.684 kWh verbraucht.",
                "Ihr Guthaben von 48,20 EUR überweisen wir in den nächsten Tagen auf Ihr Konto.",
                f"Ihr neuer monatlicher Abschlag ab {d(next_first)} beträgt 64,00 EUR. Wir buchen ihn wie "
                "bisher jeweils zum 15. des Monats ab.",
            ],
            w,
            set(),
            table=[
                ("Verbrauch", "1.684 kWh"),
                ("Rechnungsbetrag", "571,80 EUR"),
                ("Geleistete Abschläge", "620,00 EUR"),
                ("Guthaben", "48,20 EUR"),
            ],
            info=[("Konto-Nr.", "2001234567"), ("Zähler", "1ESY1160123456")],
        ),
        Letter(
            Sender.ENERGY,
            ["Stadtwerke Musterstadt GmbH", "Energie und Wasser", "Musterweg 1, 30000 Musterstadt"],
            "Androhung der Unterbrechung der Stromversorgung",
            [
                hello,
                "trotz Mahnung ist Ihr Kundenkonto mit 286,40 EUR im Rückstand. Bitte zahlen Sie den "
                f"Betrag bis zum {d(at(21))}.",
                "Zahlen Sie nicht, werden wir nach § 19 der Stromgrundversorgungsverordnung Ihre "
                "Stromversorgung unterbrechen. Den Tag der Sperrung kündigen wir Ihnen drei Werktage vorher an.",
                "Wenn Sie nicht alles auf einmal zahlen können, rufen Sie uns an: Wir bieten Ihnen eine "
                "Ratenzahlung an.",
            ],
            w,
            {(DEADLINE, at(21))},
            info=[("Kunden-Nr.", "7001234567"), ("Lieferstelle", "Musterstraße 1")],
        ),
    ]


def heldout_set(written: date, variants: int = 2, seed: int = 11) -> list[Sample]:
    """Each held-out letter as `variants` damaged phone photos, like tests.letter_samples.sample_set."""
    rng = random.Random(seed)
    samples = []
    for index, letter in enumerate(heldout_letters(written)):
        for variant in range(variants):
            style = "serif" if (index + variant) % 2 else "sans"
            page = render(letter, rng, style)
            strength = 0.5 + 0.5 * variant / max(variants - 1, 1)
            name = f"heldout-{letter.kind.value}-{index}-{variant}"
            samples.append(Sample(name, letter, damage(page, rng, strength)))
    return samples
