#!/usr/bin/env bash
# One command: set up and run the whole test suite (lint, unit, storage and end-to-end tests on SQLite
# and PostgreSQL, browser tests of the demo page when Chromium is available).
set -euo pipefail
cd "$(dirname "$0")"
scripts/bootstrap.sh test
scripts/services.sh
# Browser tests (headless Chromium driven by Selenium), the flyer's fonts and the letter reader (Tesseract)
# need Debian packages: installed when missing and this runs as root with apt-get; otherwise the tests that
# need them skip themselves.
debs=()
command -v chromium >/dev/null 2>&1 || debs+=(chromium)
command -v chromedriver >/dev/null 2>&1 || debs+=(chromium-driver)
[ -f /usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf ] || debs+=(fonts-noto-core)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || debs+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || debs+=(fonts-noto-color-emoji)
# Reading letters' photos: Tesseract with its German model.
command -v tesseract >/dev/null 2>&1 || debs+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/deu.traineddata 2>/dev/null)" ] || debs+=(tesseract-ocr-deu)
if [ ${#debs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian packages for the browser tests, the flyer and the letter reader: ${debs[*]} ..."
    apt_log="$(mktemp)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${debs[@]}"; } >"$apt_log" 2>&1; then
      echo "warning: could not install ${debs[*]} (see $apt_log)" >&2
    fi
  else
    echo "note: missing ${debs[*]} (needs root and apt-get to install them)" >&2
  fi
fi
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "== browser tests: skipped (Chromium or chromedriver not installed; Debian: chromium chromium-driver)"
fi
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null || { echo "ruff format: files need formatting (run .venv/bin/ruff format .)"; exit 1; }
echo "== catalogs and FAQ content"
.venv/bin/python -m bot i18n check | tail -1
.venv/bin/python -m bot faq check
echo "== pytest"
# Bytecode is cached (some machines set PYTHONDONTWRITEBYTECODE): otherwise each of the workers and each bot
# process a test starts compiles every test module, rewritten by pytest, again (about 4 s of CPU each).
unset PYTHONDONTWRITEBYTECODE
# In parallel (pytest-xdist): many tests wait on a bot, a server or a timer. With 4 workers a 2-core machine
# was idle 12% of the run (vmstat), with 5 workers 6%, and the run took 5% less time (measured on 5 Dec).
# TEST_WORKERS=0 runs everything in this process; options given here come after and win.
# A worker that crashes is not replaced: with --dist loadgroup a replaced worker can leave the run waiting
# for ever (pytest-xdist issue 1378; seen here once, after a segmentation fault). The crash fails the run.
exec .venv/bin/python -m pytest -q -p no:cacheprovider -n "${TEST_WORKERS:-5}" --dist loadgroup \
  --max-worker-restart=0 "$@"
