"""The console's local facts editor (console/pages/facts.py) on SQLite and PostgreSQL: the list grouped by
kind with SAMPLE marks and checked months, a change saved (audited, sample mark gone), a value refused with
its message in German and English, a form opened before someone else's change, and the hours shown in the
bot's languages."""

from __future__ import annotations

import html
import re

import pytest

from bot import audit
from bot.config import load_settings
from bot.faq import facts as store
from bot.faq.service import build_service
from bot.local_facts import ALL
from storage.models import LocalFactRow
from tests.console_support import ORGANIZER_ID, ConsoleClient, ConsoleTest, console_fixture  # noqa: F401

TOKEN = re.compile(r'name="token" value="([0-9a-f]+)"')


@pytest.fixture(scope="module", autouse=True)
def faq_loaded() -> None:
    build_service(load_settings(_env_file=None))  # "used in" lists the answers: the FAQ, built once


async def form(client: ConsoleClient, key: str) -> tuple[str, str]:
    page = await client.text(f"/console/facts/{key}")
    found = TOKEN.search(page)
    assert found, page
    return page, found.group(1)


async def stored(console: ConsoleTest, key: str, lang: str = ALL) -> LocalFactRow:
    async with console.sessionmaker() as session:
        row = await session.get(LocalFactRow, (key, lang))
        assert row is not None
        return row


async def test_the_list_groups_the_facts_with_their_marks(console: ConsoleTest) -> None:
    client = await console.login()
    page = html.unescape(await client.text("/console/facts"))
    assert "Lokale Angaben" in page and "Öffnungszeiten" in page and "Telefonnummern" in page
    assert page.index('id="kind-hours"') < page.index("{counselling_hours}") < page.index('id="kind-address"')
    assert "{contact_phone}" in page and "+49 511 0000000" in page
    assert "SAMPLE" in page and "Geprüft: 2026-11" in page
    used = re.search(r"{counselling_hours}.*?verwendet in: ([^<]+)", page, re.S)
    assert used and "Beratung" in used.group(1)
    # the facts file was imported on first use
    assert (await stored(console, "contact_phone")).sample


async def test_an_organizer_changes_a_phone_number(console: ConsoleTest) -> None:
    client = await console.login()
    page, token = await form(client, "contact_phone")
    assert 'type="tel"' in page and 'for="v_all"' in page
    answer = await client.post_form(
        "/console/facts/contact_phone", {"v_all": "+49 5139 4711", "token": token}
    )
    assert answer.status == 303 and answer.headers["Location"] == "/console/facts#fact-contact_phone"
    row = await stored(console, "contact_phone")
    assert (row.value, row.sample, row.updated_by) == ("+49 5139 4711", False, ORGANIZER_ID)
    async with console.sessionmaker() as session:
        [line] = await audit.latest(session, subject="fact:contact_phone")
    assert (line.actor_id, line.before, line.after) == (
        ORGANIZER_ID,
        "+49 511 0000000 (SAMPLE)",
        "+49 5139 4711",
    )
    listing = html.unescape(await client.text("/console/facts"))
    assert "Gespeichert." in listing and "+49 5139 4711" in listing
    assert "Lokale Angabe geändert" in html.unescape(await client.text("/console/audit"))


async def test_an_invalid_value_is_refused_with_a_clear_message(console: ConsoleTest) -> None:
    client = await console.login()
    _page, token = await form(client, "contact_phone")
    answer = await client.post_form("/console/facts/contact_phone", {"v_all": "0511 / 4711", "token": token})
    assert answer.status == 422
    page = html.unescape(await answer.text())
    assert "Nicht gespeichert" in page and 'role="alert"' in page
    assert "Eine Telefonnummer besteht nur aus den Ziffern 0–9" in page
    assert 'aria-invalid="true"' in page and 'value="0511 / 4711"' in page  # what was typed stays
    assert (await stored(console, "contact_phone")).value == "+49 511 0000000"

    await client.get("/console/language/en?next=/console/facts")
    answer = await client.post_form(
        "/console/facts/counselling_hours", {"v_all": "Tuesday mornings", "token": token}
    )
    page = html.unescape(await answer.text())
    assert answer.status in (409, 422)  # the token was the phone's: refused either way
    _page, hours_token = await form(client, "counselling_hours")
    answer = await client.post_form(
        "/console/facts/counselling_hours", {"v_all": "Tuesday mornings", "token": hours_token}
    )
    page = html.unescape(await answer.text())
    assert answer.status == 422 and "Write the hours like “Mo–Fr 9:00–12:00; Di 14:00–16:00”" in page


async def test_hours_are_saved_in_their_form_and_shown_in_every_language(console: ConsoleTest) -> None:
    client = await console.login()
    _page, token = await form(client, "counselling_hours")
    answer = await client.post_form("/console/facts/counselling_hours", {"v_all": "mi 9-11", "token": token})
    assert answer.status == 303
    assert (await stored(console, "counselling_hours")).value == "Mi 9:00–11:00"
    page = html.unescape(await client.text("/console/facts/counselling_hours"))
    assert "الأربعاء من 9:00 حتى 11:00" in page and "Wed 9:00–11:00" in page
    assert 'dir="rtl"' in page


async def test_a_form_opened_before_another_change_is_refused(console: ConsoleTest) -> None:
    first, second = await console.login(), await console.login()
    _page, token = await form(first, "jobcenter")
    _page, same = await form(second, "jobcenter")
    assert token == same
    ok = await first.post_form("/console/facts/jobcenter", {"v_all": "Jobcenter Isernhagen", "token": token})
    assert ok.status == 303
    late = await second.post_form("/console/facts/jobcenter", {"v_all": "Jobcenter Burgdorf", "token": same})
    assert late.status == 409
    page = html.unescape(await late.text())
    assert "Jemand anderes hat diese Angabe geändert" in page and 'value="Jobcenter Isernhagen"' in page
    assert (await stored(console, "jobcenter")).value == "Jobcenter Isernhagen"


async def test_a_text_per_language_and_the_refusals(console: ConsoleTest) -> None:
    client = await console.login()
    page, token = await form(client, "meeting_place_directions")
    assert 'id="v_ar"' in page and 'lang="ar" dir="rtl"' in page
    answer = await client.post_form(
        "/console/facts/meeting_place_directions", {"v_ar": "بالباص رقم 5 إلى محطة Rathaus", "token": token}
    )
    assert answer.status == 303
    assert not (await stored(console, "meeting_place_directions", "ar")).sample
    assert (await stored(console, "meeting_place_directions", "de")).sample  # not sent: unchanged
    missing = await client.get("/console/facts/no_such_fact")
    assert missing.status == 404
    no_csrf = await client.post_form("/console/facts/jobcenter", {"v_all": "x"}, csrf=False)
    assert no_csrf.status == 403
    assert (await stored(console, "jobcenter")).value == "Jobcenter Musterstadt"
    async with console.sessionmaker() as session:
        assert await store.load(session) is not None
