#!/usr/bin/env bash
# The browser tests' tools: Debian's Chromium and ChromeDriver, and axe-core (npm, pinned)
# in target/browser-tools. Idempotent; run from anywhere: bash .ci/browser-tools.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo_cmd=sudo; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq chromium chromium-driver >/dev/null
fi
tools=target/browser-tools
if [ ! -f "$tools/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$tools"
  npm install --silent --no-audit --no-fund --prefix "$tools" axe-core@4.14.1 >/dev/null
fi
echo "browser tools: $(/usr/bin/chromium --version 2>/dev/null | head -1); axe-core $(node -p "require('./$tools/node_modules/axe-core/package.json').version")"
