"""The console's inbox page (console/pages/inbox.py) over the real request helper: groups with languages,
counts and right-to-left samples; the four actions on the ticked questions (answer through the bot, add as
examples, create a topic, dismiss), each with its audit line; a form without its CSRF token is refused.
SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot import audit, users
from bot.faq import feedback, inbox
from bot.faq.content import NOT_OURS
from bot.faq.store import import_yaml
from console.pages import inbox as inbox_page
from storage.models import FaqExample, FaqUnanswered, OutboxMessage
from tests.console_support import ORGANIZER_ID, ConsoleClient, ConsoleTest, console_fixture  # noqa: F401
from tests.test_faq_inbox import ANSWER, SWIM, TURTLES, TURTLES_FA, FakeTranslator

PAGE = "/console/inbox"


async def keep(console: ConsoleTest, text: str, lang: str, asker: int | None) -> int:
    console.clock.advance(timedelta(minutes=1))
    async with console.sessionmaker() as session:
        if asker is not None:
            await users.ensure_user(session, asker, console.clock, organizer_ids=[])
        row_id = await feedback.keep_unanswered(
            session, console.clock, text=text, lang=lang, reason=feedback.NO_MATCH, user_id=asker
        )
        await session.commit()
        return row_id


async def act(client: ConsoleClient, action: str, ids: list[int], **fields: str) -> tuple[int, str]:
    """Press an action's button with these questions ticked; (status, the page it leads to)."""
    if client.csrf is None:
        await client.get(PAGE)
    data = [("csrf", client.csrf or ""), ("page", "1"), ("action", action)]
    data += [("q", str(i)) for i in ids] + list(fields.items())
    response = await client.http.post(PAGE, data=data, allow_redirects=False)
    if response.status != 303:
        return response.status, await response.text()
    return 303, await client.text(response.headers["Location"])  # the page it leads to


def sections(html: str) -> list[str]:
    return re.findall(r'<section class="inbox-group".*?</section>', html, re.S)


async def test_the_inbox_shows_groups_with_languages_counts_and_direction(console: ConsoleTest) -> None:
    for text in TURTLES_FA:
        await keep(console, text, "fa", 301)
    await keep(console, SWIM[0], "de", None)
    client = await console.login()
    html = await client.text(PAGE)
    assert "2 offene Fragen" not in html and "3 offene Fragen" in html and "2 Gruppen" in html
    swim, farsi = sections(html)  # newest first: the swimming question came last
    assert 'Farsi / Dari (<bdi lang="fa">فارسی / دری</bdi>)' in farsi and "2 Fragen" in farsi
    for text in TURTLES_FA:  # each sample right to left, in its language
        assert f'<span class="question-text" lang="fa" dir="rtl">{text}</span>' in farsi
    assert "1 von 2" not in farsi and "2 von 2" in farsi  # both askers can be answered
    assert "0 von 1" in swim  # kept without its asker's id
    # every action is a button of the one form, with a label for each field
    for value in ("answer", "example", "topic", "dismiss"):
        assert f'name="action" value="{value}"' in farsi
    for name in re.findall(r'<(?:textarea|select|input type="text")[^>]* id="([^"]+)"', farsi):
        assert f'<label for="{name}">' in farsi


async def test_an_organizer_answers_a_group_in_the_askers_languages(console: ConsoleTest) -> None:
    ids = [await keep(console, TURTLES_FA[0], "fa", 401), await keep(console, TURTLES[0], "de", 402)]
    console.ctx.machine_translator = FakeTranslator()
    client = await console.login()
    status, html = await act(client, "answer", ids, answer="  ", written_in="de")
    assert status == 303 and "Die Antwort wurde nicht gesendet" in html
    status, html = await act(client, "answer", ids, answer=ANSWER, written_in="de")
    assert status == 303 and "Gesendet" in html and "Keine offenen Fragen" in html
    async with console.sessionmaker() as session:
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == inbox.ANSWER_KIND))
        ).all()
        assert sorted((r.user_id, r.lang, r.payload["text"]) for r in rows) == [
            (401, "fa", f"[fa] {ANSWER}"),
            (402, "de", ANSWER),
        ]
        [line] = await audit.latest(session, 1)
        assert (line.actor_id, line.action) == (ORGANIZER_ID, inbox.AUDIT_ANSWER)
    audit_page = await client.text("/console/audit")
    assert "Posteingang: Fragende über den Bot beantwortet" in audit_page


async def test_examples_a_new_topic_and_dismissing(console: ConsoleTest) -> None:
    example = await keep(console, TURTLES[0], "de", 501)
    topic_ids = [await keep(console, TURTLES_FA[0], "fa", 502)]
    dismissed = await keep(console, "asdf jklö", "de", None)
    async with console.sessionmaker() as session:  # the FAQ in the database, as at a first start
        await import_yaml(session, console.clock)
        await session.commit()
    client = await console.login()

    status, html = await act(client, "example", [example], topic="events")
    assert status == 303 and "Hinzugefügt" in html
    status, html = await act(client, "topic", topic_ids, topic_lang="fa", topic_title="x", topic_answer="")
    assert "Das Thema wurde nicht angelegt" in html  # no answer
    status, html = await act(
        client, "topic", topic_ids, topic_lang="fa", topic_title="غذا دادن به لاک‌پشت‌ها",
        topic_answer="در پارک شهر یک برکه هست.",
    )  # fmt: skip
    assert status == 303 and "Das Thema wurde angelegt" in html
    assert "غذا دادن به لاک‌پشت‌ها" in html  # the new topic in the FAQ editor, to add its other languages
    status, html = await act(client, "dismiss", [dismissed])
    assert status == 303 and "Aus dem Posteingang entfernt" in html and "Keine offenen Fragen" in html

    async with console.sessionmaker() as session:
        stored = (await session.execute(select(FaqExample.slug, FaqExample.lang, FaqExample.text))).all()
        assert sorted(stored) == sorted([("events", "de", TURTLES[0]), ("topic", "fa", TURTLES_FA[0])])
        assert (
            await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 2
        )  # the dismissed: gone
        actions = [line.action for line in await audit.latest(session, 10)]
    assert actions[:4] == [inbox.AUDIT_DISMISS, inbox.AUDIT_TOPIC, "faq.created", inbox.AUDIT_EXAMPLE]


async def test_an_action_without_the_csrf_token_is_refused(console: ConsoleTest) -> None:
    row_id = await keep(console, TURTLES[0], "de", 601)
    client = await console.login()
    response = await client.http.post(
        PAGE, data=[("action", "dismiss"), ("q", str(row_id))], allow_redirects=False
    )
    assert response.status == 403
    async with console.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 1


async def test_a_large_group_lists_some_and_acts_on_all(
    console: ConsoleTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(inbox_page, "LISTED", 2)  # (30 in use)
    ids = [await keep(console, text, "de", None) for text in (*TURTLES, TURTLES[0])]
    client = await console.login()
    [group] = sections(await client.text(PAGE))
    assert len(re.findall(r'name="q" value="(\d+)"', group)) == 2
    rest = re.search(r'name="rest" value="([\d,]+)"', group)
    assert rest is not None and "2 weitere ähnliche Fragen" in group
    boxes = [int(i) for i in re.findall(r'name="q" value="(\d+)"', group)]
    data = [("csrf", client.csrf or ""), ("page", "1"), ("action", "dismiss"), ("rest", rest.group(1))]
    response = await client.http.post(PAGE, data=data + [("q", str(i)) for i in boxes], allow_redirects=False)
    assert response.status == 303
    async with console.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(FaqUnanswered)) == 0
    assert sorted(boxes + [int(i) for i in rest.group(1).split(",")]) == sorted(ids)


async def test_questions_no_topic_answers_are_filed_as_such(console: ConsoleTest) -> None:
    """ "None: no topic answers these questions" in the topics' list: kept as `not-ours` questions, which the
    bot's matcher then declines (bot/faq/index.py `declines`); the page offers it with its explanation."""
    laptop = await keep(console, "Wo kann ich meinen Laptop reparieren lassen?", "de", 503)
    client = await console.login()
    page = await client.text(PAGE)
    assert f'<option value="{NOT_OURS}">Keines: Kein Thema passt zu diesen Fragen</option>' in page
    assert "Mit „Keines“ beantwortet der Bot solche Fragen nicht mehr mit einem Thema, sondern" in page

    status, html = await act(client, "example", [laptop], topic=NOT_OURS)
    assert (
        status == 303
        and "Vermerkt: Der Bot beantwortet solche Fragen nicht mehr mit einem Thema, sondern schlägt die nächstliegenden Themen vor"
        in html
    )
    async with console.sessionmaker() as session:
        stored = (await session.execute(select(FaqExample.slug, FaqExample.lang, FaqExample.text))).all()
    assert stored == [(NOT_OURS, "de", "Wo kann ich meinen Laptop reparieren lassen?")]
