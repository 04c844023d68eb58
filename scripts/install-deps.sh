#!/usr/bin/env bash
# Installs the system packages aftermath builds and tests with, when they are missing:
# GDAL's library and headers (libgdal-dev), its command-line tools and gdal2tiles.py
# (gdal-bin, python3-gdal; the tests compare against them), python3-venv (the test tools'
# venv) and pkg-config (gdal-sys finds GDAL with it), plus any packages given as arguments
# (scripts/install-test-tools.sh asks for chromium). Uses apt when running as root or with password-less sudo; otherwise prints the one line
# to run.
set -euo pipefail
packages=(libgdal-dev gdal-bin python3-gdal python3-venv pkg-config "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing system packages: ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "aftermath needs system packages it cannot install without root. Run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
