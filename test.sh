#!/usr/bin/env bash
# One command: set up and run the whole test suite (lint, unit, storage and end-to-end tests on SQLite
# and PostgreSQL, browser tests of the demo page when Chromium is available).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh test
scripts/services.sh
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: files need formatting (run .venv/bin/ruff format .)"; exit 1; }
echo "== catalogs and FAQ content"
.venv/bin/python -m bot i18n check | tail -1
.venv/bin/python -m bot faq check
echo "== pytest"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
