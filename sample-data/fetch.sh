#!/usr/bin/env bash
# Reproduces the copies in sample-data/ from the Debian 12 packages they come from.
# Usage: sample-data/fetch.sh   (needs apt-get; run `apt-get update` first on a fresh machine)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download r-cran-stars=0.6-0-4 r-cran-satellite=1.0.4-2+b1
for deb in *.deb; do dpkg -x "$deb" x; done
lib=x/usr/lib/R/site-library

mkdir -p "$here/olinda" "$here/ethiopia/2000-03-09" "$here/ethiopia/2010-12-18"
cp "$lib/stars/tif/L7_ETMs.tif" "$here/olinda/"
cp x/usr/share/doc/r-cran-stars/copyright "$here/olinda/COPYRIGHT.r-cran-stars"
for b in 3 4 5 7; do
  cp "$lib/satellite/testdata/LT05/LT05_L1TP_167055_20000309_20161214_01_T1_B$b.TIF" "$here/ethiopia/2000-03-09/"
  cp "$lib/satellite/testdata/LT5/LT51670552010352MLK00_B$b.tif" "$here/ethiopia/2010-12-18/"
done
cp "$lib/satellite/testdata/LT05/LT05_L1TP_167055_20000309_20161214_01_T1_MTL.txt" "$here/ethiopia/2000-03-09/"
cp "$lib/satellite/testdata/LT5/LT51670552010352MLK00_MTL.txt" "$here/ethiopia/2010-12-18/"
cp x/usr/share/doc/r-cran-satellite/copyright "$here/ethiopia/COPYRIGHT.r-cran-satellite"
sha256sum "$here"/olinda/*.tif "$here"/ethiopia/*/*.[Tt][Ii][Ff]
