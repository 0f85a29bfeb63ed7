"""`python -m bot flyer [--out DIR] [--bot-username NAME]`: write the QR flyer as PDF and PNG."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.config import ROOT, TELEGRAM_API_DEFAULT, Settings, load_settings
from bot.flyer.content import SAMPLE_BOT_USERNAME, FlyerError, is_sample, normalize_username
from bot.flyer.fonts import FlyerFontError

DEFAULT_OUT = ROOT / "data" / "flyer"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "flyer",
        help="printable QR flyer (A4 PDF + PNG): one code per language that opens the bot in it",
        description=(
            "Writes an A4 PDF and a PNG with the association's name (local facts: association_name), one "
            "line and one QR code per language (t.me/<bot>?start=lang-XX) and a generic code (t.me/<bot>)."
        ),
    )
    parser.add_argument(
        "--out", default=str(DEFAULT_OUT), help=f"folder for the files (default {DEFAULT_OUT})"
    )
    parser.add_argument(
        "--bot-username",
        default=None,
        help="the bot's username; default: asked from Telegram (getMe) when BOT_TOKEN is set, "
        f"else the demo's sample name @{SAMPLE_BOT_USERNAME}, and the flyer is marked SAMPLE",
    )
    parser.add_argument(
        "--fonts-dir",
        action="append",
        default=[],
        help="folder with the .ttf fonts, searched before the system's (may be given more than once)",
    )
    parser.set_defaults(func=_cmd_flyer)


async def fetch_username(api_url: str | None, token: str, timeout: float = 15.0) -> str:
    """The bot's username from Telegram's getMe (errors never show the token)."""
    url = f"{(api_url or TELEGRAM_API_DEFAULT).rstrip('/')}/bot{token}/getMe"
    hint = "check BOT_TOKEN and TELEGRAM_API_URL, or pass --bot-username NAME"
    try:
        async with (
            ClientSession(timeout=ClientTimeout(total=timeout)) as http,
            http.get(url) as response,
        ):
            data = await response.json(content_type=None)
    except (ClientError, TimeoutError, ValueError) as exc:
        raise FlyerError(
            f"flyer: could not ask Telegram for the bot's username ({type(exc).__name__}); {hint}"
        ) from None
    if not isinstance(data, dict) or not data.get("ok"):
        description = data.get("description") if isinstance(data, dict) else None
        raise FlyerError(f"flyer: Telegram refused getMe ({description or 'no reason given'}); {hint}")
    username = (data.get("result") or {}).get("username")
    if not username:
        raise FlyerError(f"flyer: getMe returned no username; {hint}")
    return normalize_username(str(username))


def resolve_username(given: str | None, settings: Settings) -> str:
    """--bot-username, else getMe with the configured token, else the demo's sample name."""
    if given:
        return normalize_username(given)
    token = settings.bot_token.strip()
    if token:
        return asyncio.run(fetch_username(settings.telegram_api_url, token))
    return SAMPLE_BOT_USERNAME


def _cmd_flyer(args: argparse.Namespace) -> int:
    settings = load_settings()
    try:
        username = resolve_username(args.bot_username, settings)
        from bot.flyer.render import make_flyer  # the PDF and QR libraries only when a flyer is made

        flyer = make_flyer(username, settings, sample=is_sample(username), fonts_dirs=args.fonts_dir)
    except (FlyerError, FlyerFontError) as exc:
        print(exc, file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    pdf_path = out / f"{flyer.basename}.pdf"
    pdf_path.write_bytes(flyer.pdf)
    print(f"wrote {pdf_path}")
    if flyer.png is not None:
        png_path = out / f"{flyer.basename}.png"
        png_path.write_bytes(flyer.png)
        print(f"wrote {png_path}")
    else:
        print("no PNG: the PDF renderer pypdfium2 is not installed (pip install pypdfium2)", file=sys.stderr)
    for url in flyer.content.urls:
        print(f"  {url}")
    if is_sample(username):
        print(
            f"SAMPLE: @{username} is the demo bot. Pass --bot-username YOUR_BOT (or set BOT_TOKEN) "
            "before printing.",
            file=sys.stderr,
        )
    return 0
