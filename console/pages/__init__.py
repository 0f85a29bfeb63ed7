"""The console's pages, one module each. How to add one (e.g. the FAQ editor, `faq`):

1. **Module** `console/pages/faq.py`. Handlers are `async def name(page: Page) -> web.StreamResponse`
   (`from console.web import Page, NavItem, get, post`). They get everything from `page`:
   - `page.session` (AsyncSession of this request), `page.clock`, `page.settings`, `page.ctx`
     (`machine_translator`, `redis`, `sessionmaker`), `page.organizer` (a `bot.users.Person`, whose
     organizer role was re-read from the database for this request), `page.tr` (the console's
     `ConsoleTranslator`: `page.tr._("Saved.")`, `.n_()`, `.datetime()`, `.date()`, `.number()`);
   - `page.request` (aiohttp: `match_info`, `query`), `page.form` (a POST's fields, CSRF already checked);
   - `page.render("faq/list.html", topics=...)`, `page.redirect("/faq", notice=N_("Saved."))` (303 after a
     POST; the notice is shown once), `page.url("/faq")`.
   Call services in bot/ (take `page.session` and `page.clock`), never storage/ or SQL, and never commit:
   the request helper (console/web.py `serve`) commits when the handler returns and rolls back when it
   raises. A service that may refuse half-way wraps its writes in `async with session.begin_nested():`.
   Keep each page fast (< 100 ms with 10,000 questions logged): aggregate in SQL, page long lists
   (`?page=`), no query per row.
2. **Routes**: the module ends with `ROUTES = [get("/faq", topics), post("/faq/{slug}", save)]` (paths under
   /console) and, to appear in the menu and on the home page, `NAV = NavItem(N_("FAQ"), "/faq", order=10,
   description=N_("Answers in six languages"))` (`from bot.text import N_`). Order: faq 10, facts 20,
   inbox 30, figures 40, schedule 50, events 60, broadcasts 70, helpers 80, audit 90.
3. **Register** it in the one list `PAGES` in console/app.py (nothing registers itself on import).
4. **Template** `console/templates/faq/list.html` (or `faq.html`): `{% extends "base.html" %}`, content in
   `{% block content %}`, the title in `{% block title %}`. Every text as `{{ _("English text {n}", n=x) }}`
   (values are escaped); every form `method="post"` with `<input type="hidden" name="csrf"
   value="{{ csrf }}">` (a POST without it is refused with 403). Text in a bot language goes in a block
   with `{{ text_attrs(lang) }}` (lang + dir: right to left for ar and fa). Labels for every field, no
   inline `<script>` (the Content-Security-Policy allows scripts only from /console/static/); styles in
   console/static/console.css.
5. **Strings**: the domain `console` is German and English only: `.venv/bin/python -m bot i18n update
   --domain console`, then fill in the German msgstr in locales/de/LC_MESSAGES/console.po (en is filled
   from the ids); `python -m bot i18n check` fails on a missing one.
6. **Audit**: every change writes one line in the same transaction: `await page.audit("faq.answer",
   f"faq:{slug}:{lang}", before=old_text, after=new_text)` (action ≤ 32 characters, subject ≤ 64,
   before/after up to 10,000). `/console/audit` lists them, with the label the module gives each action:
   `AUDIT_ACTIONS = {"faq.answer": N_("Answer edited")}`.
7. **Test**: `tests/test_console_<name>.py` with the `console` fixture from tests/console_support.py
   (`from tests.console_support import ConsoleTest, console_fixture  # noqa: F401`): it
   serves the console on a test server over a migrated database (SQLite and PostgreSQL) and logs an
   organizer in (`client = await console.login()`; `await client.post_form(path, {...})` adds the CSRF
   token). Assert what the page shows, what it changed, and its audit line.
"""
