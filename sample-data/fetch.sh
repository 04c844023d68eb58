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

mkdir -p "$here/olinda" "$here/ethiopia/2000-03-09" "$here/ethiopia/2010-12-18" \
  "$here/marburg/2001-07-30" "$here/marburg/2013-07-07"
cp "$lib/stars/tif/L7_ETMs.tif" "$here/olinda/"
cp x/usr/share/doc/r-cran-stars/copyright "$here/olinda/COPYRIGHT.r-cran-stars"
for b in 3 4 5 7; do
  cp "$lib/satellite/testdata/LT05/LT05_L1TP_167055_20000309_20161214_01_T1_B$b.TIF" "$here/ethiopia/2000-03-09/"
  cp "$lib/satellite/testdata/LT5/LT51670552010352MLK00_B$b.tif" "$here/ethiopia/2010-12-18/"
done
cp "$lib/satellite/testdata/LT05/LT05_L1TP_167055_20000309_20161214_01_T1_MTL.txt" "$here/ethiopia/2000-03-09/"
cp "$lib/satellite/testdata/LT5/LT51670552010352MLK00_MTL.txt" "$here/ethiopia/2010-12-18/"
cp x/usr/share/doc/r-cran-satellite/copyright "$here/ethiopia/COPYRIGHT.r-cran-satellite"
for b in 1 2 3 4 5 7; do cp "$lib/satellite/testdata/LE7/LE71950252001211EDC00_B$b.TIF" "$here/marburg/2001-07-30/"; done
for b in 1 2 3 4 5 6 7; do cp "$lib/satellite/testdata/LC8/LC81950252013188LGN00_B$b.TIF" "$here/marburg/2013-07-07/"; done
cp "$lib/satellite/testdata/LE7/LE71950252001211EDC00_MTL.txt" "$here/marburg/2001-07-30/"
cp "$lib/satellite/testdata/LC8/LC81950252013188LGN00_MTL.txt" "$here/marburg/2013-07-07/"
cp x/usr/share/doc/r-cran-satellite/copyright "$here/marburg/COPYRIGHT.r-cran-satellite"

# Sentinel-2 L1C crop from the test data of the PyPI sdist s2shores 1.0.2 (Apache-2.0).
sdist=s2shores-1.0.2.tar.gz
curl -sSfLo "$sdist" "https://files.pythonhosted.org/packages/0e/8b/88c26578ad8d49619ef89c1ee302bd00018ef920fe147340b70323b4b6e2/$sdist"
echo "8f08e8e12aa145bc767382f6620f56e91c009e47cf15d4c2d6bcec2e1a7f28ca  $sdist" | sha256sum -c -
safe=S2A_MSIL1C_20200622T105631_N0500_R094_T30TXR_20231110T094313.SAFE
granule=GRANULE/L1C_T30TXR_A026117_20200622T105647
tar xzf "$sdist" "s2shores-1.0.2/tests/data/products/S2_30TXR_NEW_cropped/$safe" s2shores-1.0.2/LICENSE.txt
src="s2shores-1.0.2/tests/data/products/S2_30TXR_NEW_cropped/$safe"
dst="$here/sentinel2-l1c/$safe"
mkdir -p "$dst/$granule/IMG_DATA" "$dst/$granule/QI_DATA"
cp "$src/MTD_MSIL1C.xml" "$dst/"
cp "$src/$granule"/IMG_DATA/*.jp2 "$dst/$granule/IMG_DATA/"
cp "$src/$granule"/QI_DATA/*.jp2 "$dst/$granule/QI_DATA/"
cp s2shores-1.0.2/LICENSE.txt "$here/sentinel2-l1c/LICENSE.s2shores.txt"
find "$here/sentinel2-l1c" -type f -exec chmod 644 {} +
sha256sum "$here"/olinda/*.tif "$here"/ethiopia/*/*.[Tt][Ii][Ff] "$here"/marburg/*/*.TIF \
  "$dst/$granule"/IMG_DATA/*.jp2 "$dst/MTD_MSIL1C.xml"
