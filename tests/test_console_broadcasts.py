"""The console's broadcasts page (console/pages/broadcasts.py) on SQLite and PostgreSQL: compose in six
languages with the checks (Telegram HTML, length, a text's language against its label), the recipients
and the preview per language, scheduling (a time, a quick choice, now) through the bot's services, hold,
resume and cancel, and the history with the delivery report per language."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from bot.broadcast import broadcasts as bc
from bot.broadcast import sending
from bot.broadcast import subscriptions as subs
from bot.broadcast import topics as tp
from storage.models import AuditEntry, Broadcast, BroadcastText, OutboxMessage, User
from tests.console_support import ConsoleClient, ConsoleTest, console_fixture  # noqa: F401
from tests.test_faq_editing import FakeTranslator

GERMAN = "Hallo zusammen! Am Samstag um 10 Uhr feiern wir im Begegnungsraum. <b>Alle sind willkommen.</b>"
ARABIC = "مرحبا بكم جميعا، سيكون لدينا لقاء يوم السبت في الساعة العاشرة. نرجو الحضور."
FARSI = "سلام به همه، روز شنبه ساعت ده جلسه داریم. لطفا بیایید."
UKRAINIAN = "Привіт усім! У суботу о десятій у нас свято. Приходьте, будь ласка."
# (user id, language): two Ukrainian readers, one Arabic, one Farsi; nobody reads German or English
READERS = [(101, "ar"), (102, "fa"), (103, "uk"), (104, "uk")]


async def subscribe_readers(console: ConsoleTest, key: str = "events") -> int:
    async with console.sessionmaker() as session:
        topic = next(t for t in await tp.all_topics(session) if t.key == key)
        now = console.clock.now()
        for uid, lang in READERS:
            user = User(id=uid, role="visitor", language=lang, consent_at=now, created_at=now)
            session.add(user)
            await session.flush()
            assert await subs.subscribe(session, console.clock, user, topic.id)
        await session.commit()
        return topic.id


def form(topic_id: int, **texts: str) -> dict[str, str]:
    fields = {"topic": str(topic_id), "source": "de"}
    fields.update({f"text-{lang}": text for lang, text in texts.items()})
    return fields


async def post_compose(
    client: ConsoleClient, fields: dict[str, str], path: str = "/console/broadcasts/new"
) -> int:
    """Post the compose form with every language and role ticked; the draft's id from the redirect."""
    data = [(k, v) for k, v in fields.items()]
    data += [("languages", lang) for lang in ("de", "ar", "fa", "uk", "en", "ru")]
    data += [("roles", role) for role in ("visitor", "helper", "organizer")]
    if client.csrf is None:
        await client.get("/console")
    data.append(("csrf", client.csrf or ""))
    response = await client.http.post(path, data=data, allow_redirects=False)
    assert response.status == 303, await response.text()
    found = re.search(r"/console/broadcasts/(\d+)", response.headers["Location"])
    assert found
    return int(found.group(1))


async def broadcast_row(console: ConsoleTest, broadcast_id: int) -> Broadcast:
    async with console.sessionmaker() as session:
        row = await session.get(Broadcast, broadcast_id)
        assert row is not None
        return row


async def audit_actions(console: ConsoleTest) -> list[str]:
    async with console.sessionmaker() as session:
        return list((await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))).all())


async def test_compose_shows_recipients_previews_and_a_language_warning(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    blank = await client.text("/console/broadcasts/new")
    assert 'name="text-fa"' in blank and 'dir="rtl"' in blank

    # an Arabic text in the Farsi box, a Ukrainian one in its own
    bid = await post_compose(client, form(topic_id, de=GERMAN, fa=ARABIC, uk=UKRAINIAN))
    html = await client.text(f"/console/broadcasts/{bid}")
    fa_box = html[html.index('id="box-fa"') : html.index('id="box-uk"')]
    assert 'data-looks-like="ar"' in fa_box  # the warning names the language it looks like
    assert "العربية" in fa_box
    uk_box = html[html.index('id="box-uk"') : html.index('id="box-en"')]
    assert "data-looks-like" not in uk_box  # the right language: no warning
    assert 'data-recipients="2"' in uk_box and 'data-recipients="1"' in fa_box
    # a preview only for the languages with readers: ar (gets the German original), fa, uk
    previews = re.findall(r'class="bc-preview" data-lang="(\w+)"', html)
    assert previews == ["ar", "fa", "uk"]
    assert "<b>Alle sind willkommen.</b>" in html  # Telegram's bold as the browser shows it
    assert 'id="send-now"' in html and 'type="datetime-local"' in html and 'value="quick:' in html

    async with console.sessionmaker() as session:
        texts = {r.lang: r for r in (await session.scalars(select(BroadcastText))).all()}
    assert set(texts) == {"de", "fa", "uk"} and not any(r.machine for r in texts.values())
    assert (await broadcast_row(console, bid)).state == "draft"
    assert "broadcast.draft" in await audit_actions(console)


async def test_broken_html_a_long_text_and_no_original_are_refused(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    data = form(topic_id, de="Hallo <script>x</script>", uk="Я" * 3801)
    data.update({"languages": "uk", "roles": "visitor", "csrf": client.csrf or ""})
    response = await client.http.post("/console/broadcasts/new", data=data, allow_redirects=False)
    assert response.status == 422
    html = await response.text()
    assert 'id="error-de"' in html and "&lt;script&gt;" in html  # the reason, as text
    assert 'id="error-uk"' in html and "3801" in html
    assert 'role="alert"' in html
    response = await client.http.post(
        "/console/broadcasts/new",
        data={
            **form(topic_id, uk=UKRAINIAN),
            "languages": "uk",
            "roles": "visitor",
            "csrf": client.csrf or "",
        },
        allow_redirects=False,
    )
    assert response.status == 422  # the German original is empty
    async with console.sessionmaker() as session:
        assert (await session.scalars(select(Broadcast))).all() == []


async def test_scheduled_in_the_console_it_goes_out_at_its_time_with_a_report(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    bid = await post_compose(client, form(topic_id, de=GERMAN, ar=ARABIC, fa=FARSI, uk=UKRAINIAN))
    at = (console.clock.now() + timedelta(hours=2)).astimezone(console.ctx.settings.tz)
    response = await client.post_form(
        f"/console/broadcasts/{bid}/schedule", {"when": "at", "at": at.strftime("%Y-%m-%dT%H:%M:%S")}
    )
    assert response.status == 303
    row = await broadcast_row(console, bid)
    assert row.state == "scheduled" and row.scheduled_at == at.replace(microsecond=0)

    async with console.sessionmaker() as session:  # the dispatch job, before and at the time
        assert (await sending.dispatch_due(session, console.clock, console.ctx.settings)).expanded == {}
        console.clock.advance(timedelta(hours=2))
        assert (await sending.dispatch_due(session, console.clock, console.ctx.settings)).expanded == {bid: 4}
        await session.commit()
        rows = (
            await session.scalars(select(OutboxMessage).where(OutboxMessage.ref == f"broadcast:{bid}"))
        ).all()
        assert sorted((r.user_id, r.lang) for r in rows) == sorted(READERS)
        assert {r.user_id: r.payload["text"] for r in rows}[102] == FARSI  # each in their own language
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.user_id.in_([101, 103])).values(status="sent")
        )
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.user_id == 104).values(status="blocked")
        )
        await session.commit()

    history = await client.text("/console/broadcasts")
    item = history[history.index(f'id="broadcast-{bid}"') :]
    assert 'data-state="sending"' in item
    assert 'data-lang="uk" data-delivered="1" data-blocked="1" data-failed="0" data-pending="0"' in item
    assert 'data-lang="fa" data-delivered="0" data-blocked="0" data-failed="0" data-pending="1"' in item
    assert 'data-lang="total" data-delivered="2" data-blocked="1" data-failed="0" data-pending="1"' in item
    detail = await client.text(f"/console/broadcasts/{bid}")
    assert 'data-state="sending"' in detail and 'data-lang="ar" data-delivered="1"' in detail
    sent = await client.text("/console/broadcasts?state=sent")
    assert f'id="broadcast-{bid}"' not in sent
    assert "broadcast.schedule" in await audit_actions(console)


async def test_a_past_time_is_refused_and_now_sends_at_once(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    bid = await post_compose(client, form(topic_id, de=GERMAN))
    past = (console.clock.now() - timedelta(minutes=5)).astimezone(console.ctx.settings.tz)
    await client.post_form(
        f"/console/broadcasts/{bid}/schedule", {"when": "at", "at": past.strftime("%Y-%m-%dT%H:%M")}
    )
    assert (await broadcast_row(console, bid)).state == "draft"
    await client.post_form(f"/console/broadcasts/{bid}/schedule", {"when": "at", "at": "tomorrow"})
    assert (await broadcast_row(console, bid)).state == "draft"

    response = await client.post_form(f"/console/broadcasts/{bid}/schedule", {"when": "now"})
    assert response.status == 303
    row = await broadcast_row(console, bid)
    assert row.state == "sending" and row.recipients == 4  # expanded into the outbox at once
    assert "broadcast.send" in await audit_actions(console)


async def test_a_quick_choice_schedules_at_its_moment(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    bid = await post_compose(client, form(topic_id, de=GERMAN))
    html = await client.text(f"/console/broadcasts/{bid}")
    value = re.findall(r'name="when" value="quick:([^"]+)"', html)[0]
    await client.post_form(f"/console/broadcasts/{bid}/schedule", {"when": f"quick:{value}"})
    row = await broadcast_row(console, bid)
    assert row.state == "scheduled" and row.scheduled_at is not None
    assert row.scheduled_at.isoformat() == value


async def test_hold_resume_and_cancel(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    bid = await post_compose(client, form(topic_id, de=GERMAN))
    later = (console.clock.now() + timedelta(hours=2)).astimezone(console.ctx.settings.tz)
    await client.post_form(
        f"/console/broadcasts/{bid}/schedule", {"when": "at", "at": later.strftime("%Y-%m-%dT%H:%M")}
    )
    detail = await client.text(f"/console/broadcasts/{bid}")
    assert 'id="hold"' in detail and 'id="cancel"' in detail

    await client.post_form(f"/console/broadcasts/{bid}/hold")
    assert (await broadcast_row(console, bid)).state == "held"
    async with console.sessionmaker() as session:  # a held one is not sent at its time
        console.clock.advance(timedelta(hours=2, minutes=1))
        assert (await sending.dispatch_due(session, console.clock, console.ctx.settings)).expanded == {}
    past = later.strftime("%Y-%m-%dT%H:%M")
    await client.post_form(f"/console/broadcasts/{bid}/resume", {"at": past})
    assert (await broadcast_row(console, bid)).state == "held"  # that moment has passed
    future = (console.clock.now() + timedelta(hours=1)).astimezone(console.ctx.settings.tz)
    await client.post_form(f"/console/broadcasts/{bid}/resume", {"at": future.strftime("%Y-%m-%dT%H:%M")})
    row = await broadcast_row(console, bid)
    assert row.state == "scheduled" and row.scheduled_at == future.replace(second=0, microsecond=0)

    await client.post_form(f"/console/broadcasts/{bid}/cancel")
    assert (await broadcast_row(console, bid)).state == "cancelled"
    await client.post_form(f"/console/broadcasts/{bid}/hold")  # too late: nothing changes
    assert (await broadcast_row(console, bid)).state == "cancelled"
    actions = await audit_actions(console)
    assert {"broadcast.hold", "broadcast.resume", "broadcast.cancel"} <= set(actions)


async def test_a_held_broadcast_can_be_sent_now(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    bid = await post_compose(client, form(topic_id, de=GERMAN))
    later = (console.clock.now() + timedelta(hours=3)).astimezone(console.ctx.settings.tz)
    await client.post_form(
        f"/console/broadcasts/{bid}/schedule", {"when": "at", "at": later.strftime("%Y-%m-%dT%H:%M")}
    )
    await client.post_form(f"/console/broadcasts/{bid}/hold")
    assert 'id="send-now"' in await client.text(f"/console/broadcasts/{bid}")
    await client.post_form(f"/console/broadcasts/{bid}/send")
    row = await broadcast_row(console, bid)
    assert row.state == "sending" and row.recipients == 4


async def test_machine_prefill_is_marked_until_checked(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    console.ctx.machine_translator = FakeTranslator()
    client = await console.login()
    bid = await post_compose(client, form(topic_id, de=GERMAN, uk=UKRAINIAN))
    assert 'id="prefill"' in await client.text(f"/console/broadcasts/{bid}")
    await client.post_form(f"/console/broadcasts/{bid}/prefill")
    async with console.sessionmaker() as session:
        texts = {r.lang: r for r in (await session.scalars(select(BroadcastText))).all()}
    assert texts["ar"].machine and texts["fa"].machine and not texts["uk"].machine
    html = await client.text(f"/console/broadcasts/{bid}")
    ar_box = html[html.index('id="box-ar"') : html.index('id="box-fa"')]
    assert "state-review" in ar_box and 'name="reviewed" value="ar"' in ar_box
    assert "bc-preview" in html and html.count("<i>") >= 1  # the machine note under the preview

    fields = form(
        topic_id, de=GERMAN, uk=UKRAINIAN, **{lang: texts[lang].text for lang in ("ar", "fa", "en", "ru")}
    )
    fields["reviewed"] = "ar"
    await post_compose(client, fields, f"/console/broadcasts/{bid}")
    async with console.sessionmaker() as session:
        after = {r.lang: r.machine for r in (await session.scalars(select(BroadcastText))).all()}
    assert after["ar"] is False and after["fa"] is True  # only the checked one lost its mark
    assert "broadcast.prefill" in await audit_actions(console)


async def test_a_draft_of_another_organizer_is_not_shown(console: ConsoleTest) -> None:
    await console.add_person(7002)
    async with console.sessionmaker() as session:
        other = await session.get(User, 7002)
        assert other is not None
        draft = await bc.create_draft(session, console.clock, other)
        await session.commit()
    client = await console.login()
    assert (await client.get(f"/console/broadcasts/{draft.id}")).status == 404
    response = await client.post_form(f"/console/broadcasts/{draft.id}/discard")
    assert response.status == 303
    assert (await broadcast_row(console, draft.id)).state == "draft"
    await client.post_form(f"/console/broadcasts/{draft.id}/cancel")
    assert (await broadcast_row(console, draft.id)).state == "draft"


async def test_discard_and_the_menu(console: ConsoleTest) -> None:
    topic_id = await subscribe_readers(console)
    client = await console.login()
    home = await client.text("/console")
    assert 'href="/console/broadcasts"' in home
    bid = await post_compose(client, form(topic_id, de=GERMAN))
    history = await client.text("/console/broadcasts")
    assert 'id="draft"' in history and f'href="/console/broadcasts/{bid}"' in history  # to continue it
    await client.post_form(f"/console/broadcasts/{bid}/discard")
    assert 'id="draft"' not in await client.text("/console/broadcasts")
    assert (await broadcast_row(console, bid)).state == "cancelled"
    assert "No broadcasts" not in await client.text("/console/broadcasts?state=cancelled")


async def test_the_history_pages_and_keeps_the_totals_of_old_broadcasts(console: ConsoleTest) -> None:
    now = console.clock.now()
    async with console.sessionmaker() as session:
        for n in range(21):  # sent long ago: their outbox rows are gone, the totals stay
            moment = now - timedelta(days=30 - n)
            session.add(
                Broadcast(
                    state="done", created_at=moment, scheduled_at=moment, finished_at=moment, recipients=3,
                    delivered=2, blocked=1, failed=0, source_lang="de",
                )
            )  # fmt: skip
        await session.commit()
    client = await console.login()
    first = await client.text("/console/broadcasts?state=sent")
    assert first.count('class="bc-item"') == 20 and 'rel="next"' in first
    assert 'href="/console/broadcasts?state=sent&amp;page=2" rel="next"' in first  # the filter goes along
    assert first.count('class="bc-kept" data-delivered="2" data-blocked="1" data-failed="0"') == 20
    second = await client.text("/console/broadcasts?state=sent&page=2")
    assert second.count('class="bc-item"') == 1 and 'rel="prev"' in second
    assert (await client.text("/console/broadcasts?state=planned")).count('class="bc-item"') == 0


def test_a_texts_language_is_checked_against_its_label() -> None:
    from bot.broadcast.texts import looks_like

    assert looks_like(ARABIC, "fa") == "ar"  # the same script: a confident guess on a sentence
    assert looks_like(FARSI, "ar") == "fa"
    assert looks_like(UKRAINIAN, "de") == "uk"  # another script: always
    assert looks_like("Привет всем! В субботу в десять у нас праздник. Приходите, пожалуйста.", "uk") == "ru"
    for text, label in ((ARABIC, "ar"), (FARSI, "fa"), (UKRAINIAN, "uk"), (GERMAN, "de")):
        assert looks_like(text, label) is None
    assert looks_like("Kita", "en") is None  # a word or two says too little
    assert looks_like("<b>12:00</b>", "ar") is None  # no letters, nothing to tell
