"""Callback payloads shared by several routers (each ≤ 64 bytes, re-checked on the server)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LangCb(CallbackData, prefix="lang"):
    code: str


class MenuCb(CallbackData, prefix="menu"):
    action: str


class DeleteDataCb(CallbackData, prefix="del"):
    confirm: bool
