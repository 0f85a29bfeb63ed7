"""Sample German letters, made here: templates rendered with Pillow (real fonts, a letterhead, an info
block, a table), then damaged like a phone photo (rotation, perspective, blur, noise, shadow, JPEG).

Every letter is fictitious and says MUSTER (sample) in its footer; names and addresses are the usual
German placeholders. Used by the tests, by bench/bench_letters.py and to make the demo's sample letters.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import PIL
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.letters.dates import DateKind, add_months
from bot.letters.senders import Sender

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/noto")]
FONTS = {
    "sans": ["DejaVuSans.ttf", "NotoSans-Regular.ttf"],
    "sans-bold": ["DejaVuSans-Bold.ttf", "NotoSans-Bold.ttf"],
    "serif": ["DejaVuSerif.ttf", "NotoSerif-Regular.ttf"],
    "serif-bold": ["DejaVuSerif-Bold.ttf", "NotoSerif-Bold.ttf"],
}


def font_file(style: str) -> Path:
    for name in FONTS[style]:
        for folder in FONT_DIRS:
            if (folder / name).exists():
                return folder / name
    raise RuntimeError(f"no font for {style}: install fonts-dejavu-core or fonts-noto-core")


def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_file(style)), size)


def d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass
class Letter:
    kind: Sender
    head: list[str]  # the letterhead: the office's name first
    subject: str
    body: list[str]
    written: date
    expected: set[tuple[DateKind, date]] = field(default_factory=set)
    table: list[tuple[str, str]] = field(default_factory=list)
    info: list[tuple[str, str]] = field(default_factory=list)
    scam: bool = False


def letters(written: date) -> list[Letter]:
    """One letter per template; `written` is the letter's date, the other dates follow from it."""
    w = written
    in2w, in10, in3w = w + timedelta(days=14), w + timedelta(days=10), w + timedelta(days=21)
    appt = w + timedelta(days=14)  # a Tuesday for the samples of 1 December 2026
    month = add_months(w, 1)
    dl, ap = DateKind.DEADLINE, DateKind.APPOINTMENT
    return [
        Letter(
            Sender.JOBCENTER, ["Jobcenter Region Hannover", "Standort Isernhagen"],
            "Einladung zu einem persönlichen Gespräch",
            ["Sehr geehrte Frau Mustermann,",
             f"bitte kommen Sie am {d(appt)} um 09:30 Uhr in das Jobcenter, Zimmer 2.14.",
             "Wir möchten mit Ihnen über Ihre berufliche Situation sprechen.",
             "Bringen Sie bitte Ihren Ausweis und Ihren Lebenslauf mit.",
             "Wenn Sie ohne wichtigen Grund nicht kommen, kann Ihr Bürgergeld gemindert werden."],
            w, {(ap, appt)}, info=[("Nummer der BG", "24301BG0012345")],
        ),
        Letter(
            Sender.JOBCENTER, ["Jobcenter Region Hannover", "Leistungsabteilung"],
            "Fehlende Unterlagen zu Ihrem Antrag auf Bürgergeld",
            ["Sehr geehrter Herr Mustermann,",
             "für die Bearbeitung Ihres Antrags fehlen uns noch folgende Unterlagen:",
             "- Kontoauszüge der letzten drei Monate",
             "- Mietvertrag und Nachweis über die Nebenkosten",
             f"Bitte reichen Sie die Unterlagen bis zum {d(in2w)} ein.",
             "Ohne diese Nachweise können wir über Ihren Antrag nicht entscheiden."],
            w, {(dl, in2w)}, info=[("Nummer der BG", "24301BG0067890")],
        ),
        Letter(
            Sender.IMMIGRATION, ["Region Hannover", "Ausländerbehörde"],
            "Verlängerung Ihrer Aufenthaltserlaubnis",
            ["Sehr geehrte Frau Mustermann,",
             "Ihre Aufenthaltserlaubnis läuft bald ab. Für die Verlängerung laden wir Sie ein:",
             f"Termin am {d(appt)} um 11:00 Uhr, Raum 114.",
             "Bitte bringen Sie Ihren Reisepass, ein aktuelles biometrisches Foto",
             "und Ihren Mietvertrag mit."],
            w, {(ap, appt)}, info=[("Aktenzeichen", "32.1-AE-4471")],
        ),
        Letter(
            Sender.IMMIGRATION, ["Landeshauptstadt Hannover", "Ausländerbehörde"],
            "Ihr elektronischer Aufenthaltstitel ist fertig",
            ["Sehr geehrter Herr Mustermann,",
             "Ihr elektronischer Aufenthaltstitel liegt zur Abholung bereit.",
             "Sie können ihn zu unseren Öffnungszeiten ohne Termin abholen.",
             "Bitte bringen Sie Ihren Reisepass und die Fiktionsbescheinigung mit."],
            w, set(), info=[("Aktenzeichen", "32.1-AE-5520")],
        ),
        Letter(
            Sender.FAMILY_BENEFITS, ["Bundesagentur für Arbeit", "Familienkasse Niedersachsen-Bremen"],
            "Kindergeld - Anforderung von Nachweisen",
            ["Sehr geehrte Frau Mustermann,",
             "um Ihren Anspruch auf Kindergeld zu prüfen, benötigen wir eine Schulbescheinigung",
             "für Ihr Kind und die Steuer-ID des Kindes.",
             f"Bitte senden Sie uns die Nachweise bis zum {d(in3w)}.",
             "Wenn wir die Unterlagen nicht erhalten, müssen wir die Zahlung einstellen."],
            w, {(dl, in3w)}, info=[("Kindergeld-Nr.", "275FK123456")],
        ),
        Letter(
            Sender.SOCIAL_WELFARE, ["Region Hannover", "Fachbereich Soziales - Sozialamt"],
            "Bescheid über Leistungen nach dem Asylbewerberleistungsgesetz",
            ["Sehr geehrter Herr Mustermann,",
             "hiermit bewilligen wir Ihnen Leistungen nach dem AsylbLG.",
             "Die Beträge finden Sie in der Tabelle.",
             "Rechtsbehelfsbelehrung: Gegen diesen Bescheid können Sie innerhalb eines Monats",
             "nach Bekanntgabe Widerspruch erheben."],
            w, {(dl, month)}, table=[("Grundleistung", "441,00 EUR"), ("Unterkunft", "520,00 EUR")],
            info=[("Aktenzeichen", "50.2-AS-3390")],
        ),
        Letter(
            Sender.HEALTH_INSURANCE, ["AOK Niedersachsen", "Die Gesundheitskasse"],
            "Ihre elektronische Gesundheitskarte",
            ["Sehr geehrte Frau Mustermann,",
             "für Ihre neue Gesundheitskarte brauchen wir ein Foto von Ihnen.",
             f"Bitte senden Sie uns das Foto bis spätestens {d(in2w)}.",
             "Sie können es auch in unserer Geschäftsstelle abgeben."],
            w, {(dl, in2w)}, info=[("Versichertennummer", "A123456789")],
        ),
        Letter(
            Sender.TAX_OFFICE, ["Finanzamt Hannover-Land I"],
            "Anforderung der Einkommensteuererklärung",
            ["Sehr geehrter Herr Mustermann,",
             "für das letzte Jahr liegt uns Ihre Einkommensteuererklärung noch nicht vor.",
             f"Bitte reichen Sie die Steuererklärung bis zum {d(month)} ein.",
             "Wenn Sie Fragen haben, rufen Sie uns an."],
            w, {(dl, month)}, info=[("Steuernummer", "25/123/45678")],
        ),
        Letter(
            Sender.CITIZENS_OFFICE, ["Gemeinde Isernhagen", "Bürgerbüro"],
            "Ihre Anmeldung",
            ["Sehr geehrte Frau Mustermann,",
             "für Ihre Anmeldung fehlt noch die Wohnungsgeberbestätigung Ihres Vermieters.",
             f"Bitte kommen Sie am {d(appt)} um 14:15 Uhr persönlich in das Bürgerbüro.",
             "Bringen Sie Ihren Pass und die Bestätigung mit."],
            w, {(ap, appt)},
        ),
        Letter(
            Sender.SCHOOL, ["Grundschule am Musterpark", "Schulleitung"],
            "Einladung zum Elternabend",
            ["Liebe Eltern,",
             f"wir laden Sie herzlich zum Elternabend der Klasse 2b am {d(appt)} um 18:00 Uhr ein.",
             "Wir sprechen über den Ausflug und die Hausaufgaben.",
             "Bitte geben Sie den Abschnitt unten Ihrem Kind wieder mit."],
            w, {(ap, appt)},
        ),
        Letter(
            Sender.SCHOOL, ["Kindertagesstätte Sonnenschein", "Kita-Leitung"],
            "Schließzeiten im Sommer",
            ["Liebe Eltern,",
             "unsere Kita ist in den Sommerferien drei Wochen geschlossen.",
             "Die genauen Tage hängen am Eingang aus.",
             "Bitte planen Sie die Betreuung Ihres Kindes rechtzeitig."],
            w, set(),
        ),
        Letter(
            Sender.LANDLORD, ["Muster Wohnungsbau GmbH", "Hausverwaltung"],
            "Betriebskostenabrechnung",
            ["Sehr geehrte Frau Mustermann,",
             "anbei erhalten Sie die Abrechnung der Betriebskosten für Ihre Wohnung.",
             "Es ergibt sich eine Nachzahlung. Bitte überweisen Sie den Betrag",
             f"bis zum {d(in3w)} auf unser Konto."],
            w, {(dl, in3w)}, table=[("Nachzahlung", "186,40 EUR")],
            info=[("Mieternummer", "1-204-07")],
        ),
        Letter(
            Sender.BROADCAST_FEE, ["ARD ZDF Deutschlandradio", "Beitragsservice"],
            "Zahlungsaufforderung Rundfunkbeitrag",
            ["Guten Tag Frau Mustermann,",
             "für Ihre Wohnung ist der Rundfunkbeitrag zu zahlen.",
             f"Bitte zahlen Sie den offenen Betrag bis zum {d(in2w)}.",
             "Wenn Sie Leistungen vom Jobcenter oder Sozialamt bekommen, können Sie eine",
             "Befreiung beantragen."],
            w, {(dl, in2w)}, table=[("Offener Betrag", "55,08 EUR")],
            info=[("Beitragsnummer", "512 345 678")],
        ),
        Letter(
            Sender.COURT_POLICE, ["Polizeiinspektion Burgdorf", "Polizeikommissariat Lehrte"],
            "Vorladung als Zeuge",
            ["Sehr geehrter Herr Mustermann,",
             "in einer Ermittlungssache möchten wir Sie als Zeuge befragen.",
             f"Bitte kommen Sie am {d(appt)} um 10:00 Uhr zu uns, Zimmer 12.",
             "Bringen Sie einen Ausweis mit."],
            w, {(ap, appt)}, info=[("Aktenzeichen", "PI-BU 4471/26")],
        ),
        Letter(
            Sender.COURT_POLICE, ["Amtsgericht Burgwedel"],
            "Mitteilung in Ihrer Sache",
            ["Sehr geehrte Frau Mustermann,",
             "in der oben genannten Sache erhalten Sie die Abschrift des Schreibens der Gegenseite.",
             "Sie können dazu innerhalb von zwei Wochen nach Zugang Stellung nehmen.",
             "Eine Antwort ist nicht Pflicht."],
            w, {(dl, in2w)}, info=[("Aktenzeichen", "12 C 345/26")],
        ),
        Letter(
            Sender.DEBT_COLLECTOR, ["Muster Inkasso GmbH", "Forderungsmanagement"],
            "Zahlungsaufforderung",
            ["Sehr geehrter Herr Mustermann,",
             "unser Mandant hat uns mit dem Einzug der folgenden Forderung beauftragt.",
             f"Bitte überweisen Sie den Gesamtbetrag bis zum {d(in10)}.",
             "Wenn Sie die Forderung bestreiten, melden Sie sich bitte schriftlich."],
            w, {(dl, in10)}, table=[("Hauptforderung", "89,90 EUR"), ("Inkassokosten", "37,50 EUR")],
            info=[("Vorgangsnummer", "INK-2026-55123")],
        ),
        Letter(
            Sender.DEBT_COLLECTOR, ["Inkasso Schnell Service", "Abteilung Forderungen"],
            "Letzte Warnung vor Haftbefehl",
            ["Sehr geehrter Herr Mustermann,",
             "Sie haben eine offene Forderung. Zahlen Sie innerhalb von 24 Stunden,",
             "sonst beantragen wir einen Haftbefehl gegen Sie.",
             "Bitte überweisen Sie den Betrag sofort auf das Konto",
             "IBAN LT12 1000 0111 0100 1000, oder zahlen Sie mit Guthabenkarten."],
            w, set(), table=[("Offener Betrag", "349,00 EUR")], scam=True,
        ),
        Letter(
            Sender.ENERGY, ["Stadtwerke Musterstadt", "Strom und Gas"],
            "Ablesung Ihres Stromzählers",
            ["Sehr geehrte Frau Mustermann,",
             "für die Jahresabrechnung lesen wir Ihren Stromzähler ab.",
             f"Unser Ableser kommt am {d(appt)} zwischen 8 und 12 Uhr.",
             "Wenn Sie nicht da sind, teilen Sie uns Ihren Zählerstand bitte online mit."],
            w, {(ap, appt)}, info=[("Kundennummer", "700123456")],
        ),
    ]  # fmt: skip


def wrap(paragraph: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    for word in paragraph.split(" "):
        if lines and face.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def render(letter: Letter, rng: random.Random, style: str = "sans") -> Image.Image:
    """An A4 page at about 150 dpi."""
    page = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    bold = font(f"{style}-bold", 40)
    small = font(style, 20)
    text = font(style, 27)
    text_bold = font(f"{style}-bold", 27)
    colour = rng.choice([(0, 70, 140), (180, 20, 40), (0, 110, 70), (60, 60, 60)])
    draw.rectangle((90, 80, 150, 140), fill=colour)  # a logo
    draw.text((170, 78), letter.head[0], font=bold, fill=colour)
    for i, line in enumerate(letter.head[1:]):
        draw.text((170, 128 + i * 30), line, font=text, fill=(40, 40, 40))
    draw.text(
        (110, 300), f"{letter.head[0]} · Postfach 10 20 30 · 30000 Musterstadt", font=small, fill=(90, 90, 90)
    )
    for i, line in enumerate(["Frau/Herrn", "Erika Mustermann", "Musterstraße 1", "30916 Isernhagen"]):
        draw.text((110, 340 + i * 34), line, font=text, fill="black")
    info = [*letter.info, ("Datum", d(letter.written))]
    for i, (label, value) in enumerate(info):
        draw.text(
            (780, 340 + i * 34), f"{label}: {value}", font=small if len(value) > 14 else text, fill="black"
        )
    y = 620
    draw.text((110, y), letter.subject, font=text_bold, fill="black")
    y += 70
    for paragraph in letter.body:
        for line in wrap(paragraph, text, 1000):
            draw.text((110, y), line, font=text, fill="black")
            y += 44
    if letter.table:
        y += 16
        draw.rectangle((110, y, 1000, y + 44 * len(letter.table)), outline="black", width=2)
        for i, (label, value) in enumerate(letter.table):
            top = y + 44 * i
            if i:
                draw.line((110, top, 1000, top), fill="black", width=1)
            draw.text((125, top + 8), label, font=text, fill="black")
            draw.text((760, top + 8), value, font=text, fill="black")
        y += 44 * len(letter.table) + 30
    draw.text((110, y + 30), "Mit freundlichen Grüßen", font=text, fill="black")
    draw.text((110, y + 74), "Im Auftrag", font=text, fill="black")
    footer = "MUSTER - kein echtes Schreiben · Bankverbindung: IBAN DE12 3456 7890 1234 5678 90"
    draw.text((110, 1660), footer, font=small, fill=(90, 90, 90))
    return page


def damage(page: Image.Image, rng: random.Random, strength: float = 1.0) -> bytes:
    """A phone photo of the page: on a table, skewed, lit from one side, soft, noisy, JPEG."""
    width, height = page.size
    table = Image.new("RGB", (width + 240, height + 240), (120, 100, 80))
    table.paste(page, (120, 120))
    angle = rng.uniform(-10, 10) * strength
    photo = table.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(120, 100, 80))
    w, h = photo.size
    j = 50 * strength  # perspective: the four corners pulled a little
    quad = [rng.uniform(0, j), rng.uniform(0, j), rng.uniform(0, j), h - rng.uniform(0, j),
            w - rng.uniform(0, j), h - rng.uniform(0, j), w - rng.uniform(0, j), rng.uniform(0, j)]  # fmt: skip
    photo = photo.transform((w, h), Image.Transform.QUAD, quad, resample=Image.Resampling.BICUBIC)
    shadow = Image.linear_gradient("L").resize((w, h)).rotate(rng.choice([0, 90, 180, 270]), expand=False)
    shade = shadow.point(lambda v: int(255 - v * 0.45 * strength))
    photo = Image.composite(photo, Image.new("RGB", (w, h), "black"), shade)
    photo = photo.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.3) * strength))
    noise = Image.effect_noise((w, h), 18 * strength).convert("RGB")
    photo = Image.blend(photo, noise, 0.08 * strength)
    photo = photo.resize((round(w * 0.85), round(h * 0.85)))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=rng.randint(45, 75))
    return out.getvalue()


@dataclass(frozen=True)
class Sample:
    name: str
    letter: Letter
    photo: bytes


# Made photos are kept on disk: making one (rendering, rotating, warping at 1,480 x 1,994 pixels) takes
# about 0.5 s of CPU, more than reading it, and the suite reads dozens. A file is named by a digest of all a
# photo is made from (this file, Pillow, the fonts found, the letter and the numbers), as the FAQ's index
# cache is (bot/faq/index_store.py), so a changed template or damage is made anew.
SAMPLE_CACHE = Path(__file__).resolve().parent.parent / "data" / "cache" / "letter-samples"


@functools.cache
def _maker_digest() -> str:
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(PIL.__version__.encode())
    for style in FONTS:
        path = font_file(style)
        digest.update(f"{path}:{path.stat().st_size}".encode())
    return digest.hexdigest()


def damaged_photo(letter: Letter, seed: int, strength: float, style: str = "sans") -> bytes:
    """`letter` as a damaged phone photo, from a random stream of its own (`seed`); kept once made."""
    made_from = f"{_maker_digest()}|{letter!r}|{seed}|{strength}|{style}"
    kept = SAMPLE_CACHE / f"{hashlib.sha256(made_from.encode()).hexdigest()[:32]}.jpg"
    with contextlib.suppress(OSError):
        return kept.read_bytes()
    rng = random.Random(seed)
    photo = damage(render(letter, rng, style), rng, strength)
    with contextlib.suppress(OSError):  # (written whole under another name, then renamed: workers share it)
        SAMPLE_CACHE.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.part")
        partial.write_bytes(photo)
        partial.replace(kept)
    return photo


def sample_of(letter: Letter, index: int, variant: int, variants: int, seed: int) -> Sample:
    """One damaged photo; its own random stream, so any one can be made without the others."""
    style = "serif" if (index + variant) % 2 else "sans"
    strength = 0.5 + 0.5 * variant / max(variants - 1, 1)
    photo = damaged_photo(letter, seed * 100_000 + index * 100 + variant, strength, style)
    return Sample(f"{letter.kind.value}-{index}-{variant}", letter, photo)


def sample_set(written: date, variants: int = 3, seed: int = 7) -> list[Sample]:
    return [
        sample_of(letter, index, variant, variants, seed)
        for index, letter in enumerate(letters(written))
        for variant in range(variants)
    ]


DEMO_LETTERS = {  # file name in emulator/static/samples/ → (sender kind, which template of that kind)
    "letter-jobcenter.jpg": (Sender.JOBCENTER, 0),
    "letter-familienkasse.jpg": (Sender.FAMILY_BENEFITS, 0),
    "letter-inkasso-scam.jpg": (Sender.DEBT_COLLECTOR, 1),
}


def write_demo_letters(folder: Path, written: date) -> list[Path]:
    """The demo page's sample letters (MUSTER in their footer), lightly damaged like a phone photo."""
    rng = random.Random(1)
    paths = []
    for name, (kind, index) in DEMO_LETTERS.items():
        letter = [item for item in letters(written) if item.kind == kind][index]
        photo = Image.open(io.BytesIO(damage(render(letter, rng), rng, 0.4)))
        photo.thumbnail((1100, 1500))
        path = folder / name
        photo.save(path, "JPEG", quality=72)
        paths.append(path)
    return paths


if __name__ == "__main__":  # python -m tests.letter_samples emulator/static/samples 2026-12-01
    import sys

    for made in write_demo_letters(Path(sys.argv[1]), date.fromisoformat(sys.argv[2])):
        print(made, made.stat().st_size)
