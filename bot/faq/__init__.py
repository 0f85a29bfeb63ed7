"""FAQ: content (locales/faq), language detection, normalisation and matching of free-text questions.

Services only: nothing here imports aiogram. Typical use in the bot::

    matcher = FaqMatcher(load_content())            # once, at start-up
    matcher.detector.warm_up()                       # load lingua's models before the first question
    result = matcher.match(text, user_lang=user.language)
    if result.slug:
        entry = matcher.entry(result.slug, result.answer_lang)
        text = render_answer(entry, facts, result.answer_lang)
"""

from bot.faq.content import FaqContent, FaqEntry, Topic, check_content, load_content, render_answer
from bot.faq.detect import LanguageDetector
from bot.faq.matcher import FaqMatcher, MatchResult

__all__ = [
    "FaqContent",
    "FaqEntry",
    "FaqMatcher",
    "LanguageDetector",
    "MatchResult",
    "Topic",
    "check_content",
    "load_content",
    "render_answer",
]
