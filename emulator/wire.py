"""HTTP bodies in and out: Bot API requests (query, JSON, form, multipart) and JSON answers."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aiohttp import MultipartReader, hdrs, web

from emulator.validation import UploadedFile, bad_request

__all__ = ["dumps", "json_response", "read_body", "read_multipart", "read_request"]

dumps = partial(json.dumps, ensure_ascii=False, separators=(",", ":"))


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=dumps(body), status=status, content_type="application/json")


async def read_multipart(reader: MultipartReader) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    params: dict[str, Any] = {}
    files: dict[str, UploadedFile] = {}
    while True:
        part = await reader.next()
        if part is None:
            break
        if isinstance(part, MultipartReader) or part.name is None:
            continue  # nested multiparts are not part of the Bot API
        if part.filename is not None:
            content_type = part.headers.get(hdrs.CONTENT_TYPE, "application/octet-stream")
            files[part.name] = UploadedFile(part.filename, content_type, bytes(await part.read()))
        else:
            params[part.name] = await part.text()
    return params, files


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.body_exists:
        return params, files
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad_request("can't parse JSON body") from None
        if not isinstance(body, dict):
            raise bad_request("the JSON body must be an object")
        params.update(body)
    elif ctype == "multipart/form-data":
        form, files = await read_multipart(await request.multipart())
        params.update(form)
    elif ctype == "application/x-www-form-urlencoded":
        params.update((await request.post()).items())
    return params, files


async def read_body(request: web.Request) -> dict[str, Any]:
    """A control request's JSON object (empty when there is no body)."""
    if not request.body_exists:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body
