"""Local Telegram Bot API emulator: end-to-end tests, benchmarks and the demo run the real bot on it.

It stands in for Telegram, outside the bot: nothing here imports bot/, handlers/ or storage/.

In-process::

    async with BotAPIEmulator() as emu:
        bot = Bot(emu.token, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)))
        emu.user_sends(1001, "/start")
        reply = await emu.wait_for(1001)

From another process: `EmulatorClient(base_url)` over the ``/_emu/*`` control routes.
"""

from emulator.client import EmulatorClient, EmulatorControlError
from emulator.html_entities import EntityParseError, parse_html
from emulator.server import DEFAULT_TOKEN, FAULT_KINDS, SENDING_METHODS, BotAPIEmulator, FaultConfig
from emulator.validation import ApiError, ApiSpec

__all__ = [
    "DEFAULT_TOKEN",
    "FAULT_KINDS",
    "SENDING_METHODS",
    "ApiError",
    "ApiSpec",
    "BotAPIEmulator",
    "EmulatorClient",
    "EmulatorControlError",
    "EntityParseError",
    "FaultConfig",
    "parse_html",
]
