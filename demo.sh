#!/usr/bin/env bash
# One command: set up and run the demo (Bot API emulator + SQLite + sample data + web chat page).
# No token, no internet needed. Open http://127.0.0.1:8080 afterwards.
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh
exec .venv/bin/python -m bot demo "$@"
