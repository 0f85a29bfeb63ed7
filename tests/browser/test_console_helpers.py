"""The console's invitation links in headless Chromium, through the real console and the real bot of
`python -m bot demo` (SQLite and PostgreSQL), the chat in one tab and the console in another: an organizer
creates two links on the helpers page and revokes one; someone new opens the revoked one in the chat
(/start <code>, as Telegram does for the link) and is refused exactly like with an expired link, then opens
the other one and is a helper; the console then shows that link as used by them (the screenshot
docs/screenshots/console-helpers-invites.png, for the README).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.demo import NEWCOMER_ID
from tests.browser.conftest import Demo
from tests.browser.pages import Tabs, link_from_the_bot, tr

pytestmark = pytest.mark.browser

REFUSED = "This invitation link is not valid any more. Please ask for a new one."
ASK_LANGUAGE = "Hello! Please choose your language."
WELCOME = "Thank you for helping! You are now registered as a helper. /help shows what you can do."
WIDE = {"width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": False}
BOT_LINK = re.compile(r"https://t\.me/(\w+)\?start=inv-")


def invite_link_of_the_bot(demo: Demo) -> str:
    """/invite from the organizer in the demo chat: the link as the bot itself gives it."""
    return link_from_the_bot(demo, "/invite", BOT_LINK)


def create_invite(tabs: Tabs) -> tuple[str, str]:
    """Press "create" on the invitations page: the new link's code and the link the page shows. The page
    comes back at #invite-<code> of the new one (waited for by address: the old page's rows go stale)."""
    driver, by = tabs.driver, tabs.By
    before = driver.current_url
    driver.find_element(by.ID, "create-invite").click()
    tabs.wait.until(lambda d: "#invite-" in d.current_url and d.current_url != before)
    code = driver.current_url.rsplit("#invite-", 1)[1]
    tabs.wait.until(lambda _d: row_state(tabs, code) == "valid")
    link = driver.find_element(by.CSS_SELECTOR, f"#invite-{code} a[data-link]").get_attribute("href")
    return code, str(link)


def row_state(tabs: Tabs, code: str) -> str:
    """The state the page shows for a link ("" while the page is loading). Read in one script: an element
    found a moment before may belong to the page the form post is replacing (Chromium then answers "node
    does not belong to the document", not always "stale element")."""
    state = tabs.driver.execute_script(
        "const row = document.getElementById(arguments[0]); return row ? row.dataset.state || '' : '';",
        f"invite-{code}",
    )
    return str(state or "")


def open_in_chat(tabs: Tabs, code: str) -> str:
    """The newcomer opens the link: Telegram sends /start <code> to the bot. The bot's first reply."""
    chat = tabs.to_chat()
    seen = len(chat.messages("bot"))
    chat.send(f"/start {code}")
    return chat.text_of(chat.bot_message(lambda m: True, f"the reply to the invitation {code}", seen))


def test_a_revoked_invite_is_refused_in_the_chat_and_an_unrevoked_one_works(
    tabs: Tabs, screenshot_dir: Path
) -> None:
    driver, by = tabs.driver, tabs.By
    tabs.login()
    driver.get(f"{tabs.demo.url}/console/helpers/invites")
    revoked, revoked_link = create_invite(tabs)
    kept, kept_link = create_invite(tabs)
    # the page's links are the bot's own: t.me/<the bot>?start=<code>, as /invite gives them
    prefix = invite_link_of_the_bot(tabs.demo).removesuffix("inv-")
    assert revoked_link == f"{prefix}{revoked}" and kept_link == f"{prefix}{kept}"

    driver.find_element(by.CSS_SELECTOR, f"#invite-{revoked} button.revoke").click()
    tabs.wait.until(lambda _d: row_state(tabs, revoked) == "revoked")
    assert row_state(tabs, kept) == "valid"
    assert not driver.find_elements(by.CSS_SELECTOR, f"#invite-{revoked} a[data-link]")

    chat = tabs.to_chat()
    chat.open("newcomer")
    seen = len(chat.messages("bot"))
    assert open_in_chat(tabs, revoked) == tr("de", REFUSED)
    # the newcomer is asked for their language next: that reply comes before the next link is opened
    chat.bot_text(tr("de", ASK_LANGUAGE), "the language question after the refusal", seen)
    assert open_in_chat(tabs, kept) == tr("de", WELCOME)

    tabs.to_console()
    driver.get(f"{tabs.demo.url}/console/helpers/invites")
    assert row_state(tabs, kept) == "used" and row_state(tabs, revoked) == "revoked"
    used = driver.find_element(by.ID, f"invite-{kept}")
    assert used.find_elements(by.CSS_SELECTOR, f'a[href="tg://user?id={NEWCOMER_ID}"]')
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WIDE)
    try:
        assert driver.save_screenshot(str(screenshot_dir / "console-helpers-invites.png"))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.get(f"{tabs.demo.url}/console/helpers")
    assert driver.find_elements(by.ID, f"helper-{NEWCOMER_ID}")  # listed among the helpers now
