"""The demo's stand-in for a machine translator: `python -m bot demo` uses it when TRANSLATOR is `none`, so
the translated side of a conversation can be seen without a translation service.

Its output is plainly not a translation: the first line is "[DEMO — not a real translation]" in the
reader's language (catalog core.po), then the demo's own translation of a few sample phrases (the ones
the demo's browser test and README walk through), or else the text unchanged, isolated (bot.text.isolate)
so it keeps its own direction under a marker of the other (German under a Farsi marker ends with its full
stop on the right). It never leaves the demo: only bot/demo.py may use it (tests/test_translation.py checks
that no other module imports it, and that an app built without the demo has none).
"""

from __future__ import annotations

import re

from bot.i18n import catalogs
from bot.languages import N_
from bot.text import isolate

__all__ = ["DEMO_MARKER", "DemoTranslator"]

DEMO_MARKER = N_("[DEMO — not a real translation]")

# Each row is one sample phrase in the six languages, so any of them maps to the others. Demo data only:
# what a person and a helper say in the demo's conversation about a letter.
PHRASES: tuple[dict[str, str], ...] = (
    {
        "ar": "عندي رسالة من مكتب الأجانب ولا أفهمها. هل يمكن لأحد أن يساعدني؟",
        "de": "Ich habe einen Brief von der Ausländerbehörde und verstehe ihn nicht. Kann mir jemand helfen?",
        "fa": "نامه‌ای از ادارهٔ اتباع خارجی دارم و آن را نمی‌فهمم. کسی می‌تواند کمکم کند؟",
        "uk": "У мене лист від відомства у справах іноземців, і я його не розумію. Хтось може допомогти?",
        "en": "I have a letter from the immigration office and I don't understand it. Can someone help me?",
        "ru": "У меня письмо из ведомства по делам иностранцев, и я его не понимаю. Кто-нибудь может помочь?",
    },
    {
        "de": "Ja, gerne. Schicken Sie mir bitte ein Foto des Briefs.",
        "ar": "نعم، بكل سرور. أرسل لي من فضلك صورة للرسالة.",
        "fa": "بله، حتماً. لطفاً یک عکس از نامه برایم بفرستید.",
        "uk": "Так, звісно. Надішліть мені, будь ласка, фото листа.",
        "en": "Yes, gladly. Please send me a photo of the letter.",
        "ru": "Да, конечно. Пришлите мне, пожалуйста, фото письма.",
    },
    {
        "ar": "حسنًا، هذه صورة الرسالة ورسالة صوتية.",
        "de": "Gut, hier ist ein Foto des Briefs und eine Sprachnachricht.",
        "fa": "باشه، این عکس نامه و یک پیام صوتی است.",
        "uk": "Добре, ось фото листа і голосове повідомлення.",
        "en": "OK, here is a photo of the letter and a voice message.",
        "ru": "Хорошо, вот фото письма и голосовое сообщение.",
    },
    {
        "de": "Danke! Die Behörde möchte fehlende Unterlagen innerhalb von 14 Tagen. Kommen Sie damit zur Beratung.",
        "ar": "شكرًا! تطلب الدائرة الأوراق الناقصة خلال 14 يومًا. تعال بها إلى الاستشارة.",
        "fa": "ممنون! اداره مدارک ناقص را ظرف 14 روز می‌خواهد. با آن‌ها به مشاوره بیایید.",
        "uk": "Дякую! Відомство просить донести документи протягом 14 днів. Приходьте з ними на консультацію.",
        "en": "Thank you! The office wants the missing documents within 14 days. Bring them to the counselling.",
        "ru": "Спасибо! Ведомство просит донести документы в течение 14 дней. Приходите с ними на консультацию.",
    },
)

_SPACE = re.compile(r"\s+")
_EDGES = " .!?؟،,;:…\u200c\u200e\u200f"


def _key(text: str) -> str:
    """What tells two writings of a phrase apart for the table: not spacing, case or the closing mark."""
    return _SPACE.sub(" ", text).strip(_EDGES).casefold()


_TABLE: dict[tuple[str, str], dict[str, str]] = {
    (lang, _key(text)): row for row in PHRASES for lang, text in row.items()
}


class DemoTranslator:
    """A MachineTranslator for the demo only: marked output, a tiny phrase table, nothing sent anywhere."""

    name = "demo"
    enabled = True

    async def translate(self, text: str, source: str, target: str, *, private: bool = False) -> str | None:
        if source == target or not text.strip():
            return text
        row = _TABLE.get((source, _key(text)))
        body = row[target] if row is not None and target in row else isolate(text)
        return f"{catalogs().gettext(target, DEMO_MARKER)}\n{body}"
