#!/usr/bin/python3
"""Writes the analyst benchmark's input: a pre/post pair of SIZE×SIZE, 2-band (nir, swir2)
UInt16 GeoTIFFs (tiled 512, DEFLATE) at 10 m in UTM zone 23S (EPSG:32723), reflectance ×10000.
SYNTHETIC, deterministic (fixed seeds), written in strips so memory stays small at any size.

- pre: NBR from the real Landsat 7 ETM+ crop of Olinda (sample-data/olinda, bands 4 and 6 as
  nir and swir2), mirrored into a mosaic as benches/make_input.py does;
- post: pre's NBR minus a burn: a smooth severity field (bilinear from a coarse random grid,
  about a third of the area burned, dNBR up to ~0.9) plus per-pixel noise (σ ≈ 0.06 in dNBR,
  half of it correlated over 2×2 px) standing in for phenology and misregistration, so the
  USGS classes are speckled as real Sentinel-2 dNBR is.

Usage: make_pair.py SIZE PRE.tif POST.tif
"""
import sys
from pathlib import Path

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_input import ORIGIN, PIXEL, texture  # noqa: E402

SEED = 20261202
STRIP = 512
COARSE = 256  # pixels per cell of the severity field


def create(path, size):
    opts = ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512", "COMPRESS=DEFLATE",
            "BIGTIFF=IF_SAFER"]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), size, size, 2, gdal.GDT_UInt16, opts)
    ds.SetGeoTransform((ORIGIN[0], PIXEL, 0.0, ORIGIN[1], 0.0, -PIXEL))
    ds.SetProjection("EPSG:32723")
    for b, name in ((1, "nir"), (2, "swir2")):
        ds.GetRasterBand(b).SetNoDataValue(0)
        ds.GetRasterBand(b).SetDescription(name)
    return ds


def main():
    size, pre_path, post_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    nir_t, swir_t = texture((4, 6))
    th, tw = nir_t.shape
    rng = np.random.default_rng(SEED)
    cells = size // COARSE + 2
    # Severity in [0, 0.9]: a coarse field whose upper third burns.
    coarse = rng.random((cells, cells)).astype(np.float32)
    coarse = np.clip((coarse - 0.6) * 2.2, 0.0, 0.9)
    pre, post = create(pre_path, size), create(post_path, size)
    cols = np.arange(size)
    mx = np.where((cols // tw) % 2 == 0, cols % tw, tw - 1 - cols % tw)
    cx = cols / COARSE
    x0 = cx.astype(int)
    fx = (cx - x0).astype(np.float32)
    for y0 in range(0, size, STRIP):
        rows = np.arange(y0, min(size, y0 + STRIP))
        my = np.where((rows // th) % 2 == 0, rows % th, th - 1 - rows % th)
        nir = nir_t[np.ix_(my, mx)]
        swir = swir_t[np.ix_(my, mx)]
        total = nir + swir
        nbr = (nir - swir) / total
        cy = rows / COARSE
        y0i = cy.astype(int)
        fy = (cy - y0i).astype(np.float32)[:, None]
        top = coarse[y0i][:, x0] * (1 - fx) + coarse[y0i][:, x0 + 1] * fx
        bottom = coarse[y0i + 1][:, x0] * (1 - fx) + coarse[y0i + 1][:, x0 + 1] * fx
        severity = top * (1 - fy) + bottom * fy
        n = len(rows)
        white = rng.normal(0.0, 0.042, (n, size)).astype(np.float32)
        blocky = rng.normal(0.0, 0.042, ((n + 1) // 2, (size + 1) // 2)).astype(np.float32)
        blocky = np.repeat(np.repeat(blocky, 2, axis=0), 2, axis=1)[:n, :size]
        post_nbr = np.clip(nbr - severity - white - blocky, -0.99, 0.99)
        for ds, (a, b) in ((pre, (nir, swir)),
                           (post, (total * (1 + post_nbr) / 2, total * (1 - post_nbr) / 2))):
            ds.GetRasterBand(1).WriteArray(np.clip(a, 1, 10000).astype(np.uint16), 0, y0)
            ds.GetRasterBand(2).WriteArray(np.clip(b, 1, 10000).astype(np.uint16), 0, y0)
    pre.FlushCache()
    post.FlushCache()


if __name__ == "__main__":
    main()
