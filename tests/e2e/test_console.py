"""The way into the organizers' web console (issue 16), through the real bot on the Bot API emulator: an
organizer sends /console, gets a one-time link, opens it with an HTTP client and sees the home page; a
refugee sending /console is refused politely; without CONSOLE_URL the organizer is told it is off."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from bot.i18n import catalogs
from console.web import SESSION_COOKIE
from tests.e2e.harness import ORGANIZER_ID, running_bot, text_of

REFUSED = "Sorry, this is only for helpers and organizers of the association."
OFF = "The web console is not switched on. Whoever runs the bot can set CONSOLE_URL for it."
REFUGEE = 4242


async def test_an_organizer_logs_in_with_the_link_from_console(tmp_path: Path) -> None:
    async with running_bot("sqlite", tmp_path, console=True) as bot:
        bot.user(ORGANIZER_ID, language_code="de")
        bot.user(REFUGEE, language_code="fa")
        answer = await bot.say(ORGANIZER_ID, "/console")
        text = text_of(answer)
        assert "Anmeldelink" in text  # the organizer's language
        found = re.search(r"(http://\S+/console/login\?t=[\w-]+)", text)
        assert found, text
        link = found.group(1)
        assert link.startswith(f"{bot.console_url}/console/login?t=")
        # no link preview: Telegram must not fetch it
        sent = [
            args
            for method, args, _ in bot.emu.call_log.calls
            if method == "sendMessage" and "t=" in str(args)
        ]
        assert len(sent) == 1 and sent[0]["link_preview_options"] == {"is_disabled": True}

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            async with http.get(link) as page:
                assert page.status == 200
                form = await page.text()
            token = re.search(r'name="t" value="([^"]+)"', form)
            assert token
            async with http.post(f"{bot.console_url}/console/login", data={"t": token.group(1)}) as home:
                assert home.status == 200 and str(home.url) == f"{bot.console_url}/console"
                html = await home.text()
            assert "Willkommen in der Konsole" in html and "/console/audit" in html
            assert any(cookie.key == SESSION_COOKIE for cookie in http.cookie_jar)
            # the same link a second time: refused
            async with aiohttp.ClientSession() as other:
                data = {"t": token.group(1)}
                async with other.post(f"{bot.console_url}/console/login", data=data) as again:
                    assert again.status == 403

        refused = await bot.say(REFUGEE, "/console")
        assert text_of(refused) == catalogs().gettext("fa", REFUSED)

        bot.app.settings.console_url = None  # as if CONSOLE_URL were not set
        off = await bot.say(ORGANIZER_ID, "/console")
        assert text_of(off) == catalogs().gettext("de", OFF)
        assert bot.emu.violations == []
