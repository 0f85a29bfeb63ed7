"""The organizers' web console (issue 16): aiohttp routes under /console and Jinja2 templates, served by the
bot's own web server and calling the same services as the bot's handlers (a second door into the same
house, never a second set of rules).

May import bot/ services, aiohttp, jinja2 and markupsafe; never aiogram, handlers/ or storage/
(tests/test_layers.py). `console.app.mount` puts it on a web app; `console/pages/__init__.py` says how to
add a page.
"""
