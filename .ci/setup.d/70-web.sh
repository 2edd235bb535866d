#!/usr/bin/env bash
# Web install page tests (cli WebPageBrowserTest): a real headless Chromium, driven over the DevTools protocol
# from Java (Debian's chromium; chromium-driver too, for anyone who drives the page with Selenium/WebDriver by
# hand). Without chromium those tests are skipped with the reason. Idempotent: installs only what is missing.
set -euo pipefail
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "70-web: installing ${missing[*]}"
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
fi
[ -x /usr/bin/chromium ] || { echo "70-web: chromium is still missing" >&2; exit 1; }
