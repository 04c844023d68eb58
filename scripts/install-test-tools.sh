#!/usr/bin/env bash
# Installs the Python tools the tests use (tests/requirements.txt, pinned) into
# target/test-tools/venv, once; re-run when the requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/test-tools/venv
stamp="$venv/.requirements"
if [[ -f "$stamp" ]] && cmp -s tests/requirements.txt "$stamp"; then
  exit 0
fi
python=$(command -v python3 || echo /usr/bin/python3)
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r tests/requirements.txt
cp tests/requirements.txt "$stamp"
