#!/usr/bin/env bash
# Installs what the tests use besides the system packages, once, outside the tests' time:
# - the Python tools of tests/requirements.txt (pinned: stac-pydantic) in target/test-tools/venv;
# - Garage 2.5.0, the S3-compatible server of the storage tests, built with
#   `cargo install --locked garage@2.5.0` (~8 min on 2 cores, 1.4 GB peak) into a cache outside
#   the checkout ($AFTERMATH_TOOLS_CACHE, default ~/.cache/aftermath) and linked into
#   target/test-tools/bin, so later clones and runs on the same machine reuse it;
# - the Node tools of tests/node/package-lock.json (Azurite, the Azure SDK, Playwright,
#   MapLibre GL JS, PMTiles) with `npm ci`;
# - Debian's chromium, nginx (the range-capable HTTP server of the STAC assets) and
#   PostgreSQL 15 + PostGIS (under the STAC API server), through scripts/install-deps.sh;
# - stac-fastapi-pgstac, pypgstac and uvicorn (tests/stac-server-requirements.txt) in
#   target/test-tools/stac-venv: a real STAC API for the catalogue tests.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=target/test-tools
mkdir -p "$tools/bin"

# Debian's Chromium, for the preview page's browser test; nginx and PostgreSQL + PostGIS for
# the STAC tests (tests/it/common/stac_servers.rs starts them on 127.0.0.1 per test).
scripts/install-deps.sh chromium nginx-light postgresql postgresql-15-postgis-3

venv=$tools/venv
stamp="$venv/.requirements"
if ! { [[ -f "$stamp" ]] && cmp -s tests/requirements.txt "$stamp"; }; then
  python=$(command -v python3 || echo /usr/bin/python3)
  rm -rf "$venv"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r tests/requirements.txt
  cp tests/requirements.txt "$stamp"
fi

stac_venv=$tools/stac-venv
stac_stamp="$stac_venv/.requirements"
if ! { [[ -f "$stac_stamp" ]] && cmp -s tests/stac-server-requirements.txt "$stac_stamp"; }; then
  python=$(command -v python3 || echo /usr/bin/python3)
  rm -rf "$stac_venv"
  "$python" -m venv "$stac_venv"
  "$stac_venv/bin/pip" install -q --disable-pip-version-check --no-deps -r tests/stac-server-requirements.txt
  cp tests/stac-server-requirements.txt "$stac_stamp"
fi

node_stamp=tests/node/node_modules/.aftermath-lock
if ! { [[ -f "$node_stamp" ]] && cmp -s tests/node/package-lock.json "$node_stamp"; }; then
  npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
  cp tests/node/package-lock.json "$node_stamp"
fi

garage_version=2.5.0
cache=${AFTERMATH_TOOLS_CACHE:-$HOME/.cache/aftermath}/garage-$garage_version
if [[ ! -x "$cache/bin/garage" ]]; then
  echo "building Garage $garage_version once into $cache (several minutes)…" >&2
  build=$(mktemp -d)
  CARGO_TARGET_DIR="$build" cargo install --quiet --locked "garage@$garage_version" --root "$cache"
  rm -rf "$build"
fi
ln -sf "$cache/bin/garage" "$tools/bin/garage"
"$tools/bin/garage" --version >/dev/null
