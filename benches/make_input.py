#!/usr/bin/python3
"""Writes the benchmark's input: a SIZE×SIZE, 4-band (blue, green, red, nir) UInt16 tiled
GeoTIFF at 10 m in UTM zone 23S (EPSG:32723), Sentinel-2-like reflectance DN (×10000).

Deterministic: the texture is the real Landsat 7 ETM+ crop of Olinda shipped in
sample-data/olinda (bands 1–4), resampled to 10 m, mirrored into a mosaic so that seams do
not jump, with Gaussian sensor noise from a fixed seed added. Written in strips, so memory
stays small at any size.

Usage: make_input.py SIZE OUT.tif
"""
import sys
from pathlib import Path

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

SAMPLE = Path(__file__).resolve().parent.parent / "sample-data/olinda/L7_ETMs.tif"
PIXEL = 10.0
# West/north corner: inland from Olinda, so Web Mercator tiles are not aligned with the grid.
ORIGIN = (280000.0, 9140000.0)
SEED = 20261129
STRIP = 512


def texture(band_numbers=(1, 2, 3, 4)):
    """Bands `band_numbers` of the Olinda crop at 10 m (from 28.5 m, cubic), as float32
    reflectance DN."""
    src = gdal.Open(str(SAMPLE))
    gt = src.GetGeoTransform()
    ds = gdal.Warp("", src, format="MEM", xRes=PIXEL, yRes=PIXEL, resampleAlg="cubic",
                   outputBounds=(gt[0], gt[3] + gt[5] * src.RasterYSize,
                                 gt[0] + gt[1] * src.RasterXSize, gt[3]))
    bands = [ds.GetRasterBand(b).ReadAsArray().astype(np.float32) for b in band_numbers]
    # ETM+ DN (0-255) to a plausible surface reflectance ×10000 spread.
    return [b * 25.0 + 200.0 for b in bands]


def main():
    size, out = int(sys.argv[1]), sys.argv[2]
    tex = texture()
    th, tw = tex[0].shape
    opts = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=NONE", "BIGTIFF=IF_SAFER"]
    ds = gdal.GetDriverByName("GTiff").Create(out, size, size, 4, gdal.GDT_UInt16, opts)
    ds.SetGeoTransform((ORIGIN[0], PIXEL, 0.0, ORIGIN[1], 0.0, -PIXEL))
    ds.SetProjection("EPSG:32723")
    rng = np.random.default_rng(SEED)
    cols = np.arange(size)
    # Mirror-tile index: 0..w-1, w-1..0, 0..w-1, ... (no seams).
    mx = np.where((cols // tw) % 2 == 0, cols % tw, tw - 1 - cols % tw)
    for y0 in range(0, size, STRIP):
        rows = np.arange(y0, min(size, y0 + STRIP))
        my = np.where((rows // th) % 2 == 0, rows % th, th - 1 - rows % th)
        noise = rng.normal(0.0, 40.0, (len(rows), size)).astype(np.float32)
        for b in range(4):
            block = tex[b][np.ix_(my, mx)] + noise
            ds.GetRasterBand(b + 1).WriteArray(np.clip(block, 1, 10000).astype(np.uint16), 0, y0)
    for b in range(4):
        ds.GetRasterBand(b + 1).SetNoDataValue(0)
    ds.GetRasterBand(1).SetDescription("blue")
    ds.GetRasterBand(2).SetDescription("green")
    ds.GetRasterBand(3).SetDescription("red")
    ds.GetRasterBand(4).SetDescription("nir")
    ds = None


if __name__ == "__main__":
    main()
