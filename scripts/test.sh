#!/usr/bin/env bash
# The whole test suite: types, unit and integration tests (SQLite and
# PostgreSQL), the production build, and the browser tests in Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"

step() { printf '\n\033[1m▶ %s\033[0m\n' "$*"; }

# Debian's Chromium for the browser tests, nginx for the SSO-edge topology.
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -x /usr/sbin/nginx ] || missing="$missing nginx"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing Debian's$missing for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "The browser tests need Debian's packages:$missing (sudo apt-get install -y$missing)" >&2
    exit 1
  fi
fi

# The committed PostgreSQL schema is checked before anything could rewrite it,
# and the clients are generated from the schemas as committed.
step "schema agreement and prisma clients"
node scripts/prisma-generate.mjs --check
node scripts/prisma-generate.mjs --clients

step "type check"
npx tsc --noEmit -p .

step "unit and integration tests (SQLite and PostgreSQL at ${TEST_DATABASE_URL%%@*}@…)"
npx vitest run

step "production build"
npx next build

step "browser and HTTP tests (Playwright, Chromium)"
npx playwright test
