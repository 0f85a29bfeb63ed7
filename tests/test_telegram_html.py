"""bot/telegram_html.py against the emulator's own implementation of Telegram's parser
(emulator/html_entities.py): what the bot lets through, Telegram parses, to the same visible text; what
Telegram refuses, the bot refuses too; and what a browser gets is the allowed formatting only."""

from __future__ import annotations

import pytest

from bot.telegram_html import Issue, normalize, plain_text, problems, to_browser, visible_length
from emulator.html_entities import EntityParseError, parse_html

ACCEPTED = [
    "Mo & Di 10–12 Uhr",
    "Kinder < 6 Jahre, Eltern > 18",
    "<b>fett</b> <i>kursiv</i> <u>unter</u> <s>durch</s> <code>/book</code>",
    "<strong>a</strong><em>b</em><ins>c</ins><del>d</del><strike>e</strike>",
    '<a href="https://example.org/?a=1&b=2">Link</a> <a href="tel:+49511">Anruf</a>',
    '<span class="tg-spoiler">geheim</span> <tg-spoiler>auch</tg-spoiler>',
    "<blockquote>Zitat</blockquote> <blockquote expandable>lang</blockquote>",
    '<pre><code class="language-python">print(1)</code></pre>',
    "&lt;b&gt; bleibt Text &amp; &quot;so&quot; &#128512; &#x41;",
    "&nbsp; &x; &#0; a&b;",
    "<B>GROSS</B>",
    "الروضة <b>مجانية</b> ⁨+49 511⁩",
    "emoji 👍🏽 zählen doppelt",
]
REFUSED = [
    ("<script>alert(1)</script>", Issue.TAG),
    ("<div>x</div>", Issue.TAG),
    ("Zeile<br>Zeile", Issue.TAG),
    ("<b>offen", Issue.UNCLOSED),
    ("<b>x</i>", Issue.UNEXPECTED),
    ("x</b>", Issue.UNEXPECTED),
    ("<b x", Issue.BROKEN),
    ("<b <i>x</i>", Issue.BROKEN),
    ('<a href="javascript:alert(1)">x</a>', Issue.LINK),
    ("<a>x</a>", Issue.LINK),
    ('<b onclick="steal()">x</b>', Issue.ATTRIBUTE),
    ('<span class="red">x</span>', Issue.ATTRIBUTE),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_what_the_bot_lets_through_telegram_parses_to_the_same_text(text: str) -> None:
    fixed = normalize(text)
    assert problems(fixed) == []
    shown, _entities = parse_html(fixed)  # strict: also refuses a bare & the bot forgot to escape
    assert plain_text(fixed) == shown
    assert visible_length(fixed) == len(shown.encode("utf-16-le")) // 2
    assert normalize(fixed) == fixed  # normalizing twice changes nothing


@pytest.mark.parametrize(("text", "issue"), REFUSED)
def test_what_has_no_place_in_a_message_is_refused_with_a_reason(text: str, issue: Issue) -> None:
    [problem] = problems(normalize(text))
    assert problem.issue == issue
    assert str(problem) and problem.tag in str(problem)
    telegram_refuses = issue in (Issue.TAG, Issue.UNCLOSED, Issue.UNEXPECTED, Issue.BROKEN)
    if telegram_refuses:
        with pytest.raises(EntityParseError):
            parse_html(normalize(text))


def test_a_browser_gets_the_formatting_and_nothing_else() -> None:
    text = normalize(
        '<b>fett</b> & <a href="https://example.org/x?a=1&b=&quot;2">L</a> <span class="tg-spoiler">s</span>'
    )
    assert to_browser(text) == (
        '<b>fett</b> &amp; <a href="https://example.org/x?a=1&amp;b=&quot;2" rel="noopener noreferrer nofollow"'
        ' target="_blank">L</a> <span class="tg-spoiler">s</span>'
    )
    with pytest.raises(ValueError):
        to_browser("<script>alert(1)</script>")
