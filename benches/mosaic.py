#!/usr/bin/python3
"""`make bench`, second part: what a mosaic of many granules costs against one raster.

The 8192² benchmark input (benches/make_input.py) is cut into N granules (BENCH_GRANULES,
default "1 16 256 1024": a k×k grid of tiled GeoTIFFs, each overlapping its neighbours by 16
px, cached in target/bench/granules-N) and the same true-colour composite is run over
`files = "granules-N/*.tif"`, tiles and the composite COG, on every core. Printed per N: wall
and CPU seconds, the tile phase and the products beside it (from run.json), peak RSS, tiles,
and each against N = 1. The pixels are the same at every
N; only the number of files grows, so time and memory should stay near N = 1's. Then the same
granules as the items of a static STAC ItemCollection (`stac = "items-N.json"`, one
three-band asset per item named by `eo:bands`, through the sentinel-2-l2a preset): what reading
N items and mapping their assets adds. Timings are reported, never asserted.
"""
import json
import math
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import AFTERMATH, CORES, WORK, input_for, log, measure, warm  # noqa: E402

SIZE = 8192
OVERLAP = 16
COUNTS = [int(n) for n in os.environ.get("BENCH_GRANULES", "1 16 256 1024").split()]


def granules(src, count):
    """`src` cut into a k×k grid of granules (k = √count), each grown by OVERLAP px."""
    k = math.isqrt(count)
    if k * k != count:
        sys.exit(f"BENCH_GRANULES: {count} is not a square number")
    folder = WORK / f"granules-{count}"
    done = folder / ".complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    log(f"cutting {src.name} into {count} granules ...")
    side = SIZE // k
    for row in range(k):
        for col in range(k):
            x0, y0 = max(0, col * side - OVERLAP), max(0, row * side - OVERLAP)
            x1, y1 = min(SIZE, (col + 1) * side + OVERLAP), min(SIZE, (row + 1) * side + OVERLAP)
            subprocess.run(["gdal_translate", "-q", "-co", "TILED=YES", "-co", "COMPRESS=DEFLATE",
                            "-srcwin", str(x0), str(y0), str(x1 - x0), str(y1 - y0), src,
                            folder / f"g-{row:03d}-{col:03d}.tif"], check=True)
    done.touch()
    return folder


def pipeline(count, folder):
    path = WORK / f"mosaic-{count}.toml"
    path.write_text(f"""name = "bench-mosaic-{count}"
[scenes.post]
files = "{folder}/*.tif"
[scenes.post.bands]
blue = 1
green = 2
red = 3
[product]
composite = "true-color"
[render]
range = [0, 3000]
[tiling]
resampling = "average"
[output]
url = "{WORK / f"out-mosaic-{count}"}"
""")
    return path


def items(count, folder):
    """An ItemCollection of the granules of `folder`: one item each, its bands in `eo:bands`."""
    path = WORK / f"items-{count}.json"
    features = []
    for i, tif in enumerate(sorted(folder.glob("*.tif"))):
        info = json.loads(subprocess.run(["gdalinfo", "-json", tif], check=True,
                                         capture_output=True, text=True).stdout)
        ring = info["wgs84Extent"]["coordinates"][0]
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        features.append({
            "type": "Feature", "stac_version": "1.0.0", "id": tif.stem,
            "geometry": info["wgs84Extent"], "bbox": [min(xs), min(ys), max(xs), max(ys)],
            "properties": {"datetime": f"2025-01-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z"},
            "links": [],
            "assets": {"data": {"href": str(tif), "eo:bands": [
                {"name": "B02", "common_name": "blue"}, {"name": "B03", "common_name": "green"},
                {"name": "B04", "common_name": "red"}]}},
        })
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def stac_pipeline(count, catalogue):
    path = WORK / f"stac-{count}.toml"
    path.write_text(f"""name = "bench-stac-{count}"
[scenes.post]
stac = "{catalogue}"
sensor = "sentinel-2-l2a"
processing_baseline = "03.00"
[product]
composite = "true-color"
[render]
range = [0, 0.3]
[tiling]
resampling = "average"
[output]
url = "{WORK / f"out-stac-{count}"}"
""")
    return path


def table(label, runs):
    """Runs each `(count, pipeline, out)` of `runs` (in order; the first is the base) and
    prints a row per run: wall, CPU, the tile phase and the products (from run.json; the
    tiles are made beside the products' later steps), peak RSS, and each against the first."""
    print(f"{label:>8} {'tiles':>7} {'wall s':>8} {'CPU s':>8} {'tiles s':>8} {'products s':>10}"
          f" {'RSS MiB':>8} {'wall/1':>7} {'tiles/1':>7} {'RSS/1':>6}")
    base = None
    for count, pipeline_path, out in runs:
        r = measure([AFTERMATH, "run", pipeline_path, "--threads", str(CORES)], out)
        timings = json.loads((out / "run.json").read_text())["timings"]
        r["tile_phase"] = timings["tiles_seconds"]
        r["products"] = timings.get("products_seconds", 0.0)
        base = base or r
        print(f"{count:>8} {r['tiles']:>7} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['tile_phase']:>8.2f}"
              f" {r['products']:>10.2f} {r['rss_mib']:>8.0f} {r['wall'] / base['wall']:>6.2f}x"
              f" {r['tile_phase'] / base['tile_phase']:>6.2f}x"
              f" {r['rss_mib'] / base['rss_mib']:>5.2f}x", flush=True)


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    src = input_for(SIZE)
    log(f"{CORES} cores; {SIZE}² input as {COUNTS} granules")

    def as_files():
        for count in COUNTS:
            folder = granules(src, count)
            for f in folder.glob("*.tif"):
                warm(f)
            yield count, pipeline(count, folder), WORK / f"out-mosaic-{count}"

    def as_items():
        for count in COUNTS:
            catalogue = items(count, WORK / f"granules-{count}")
            yield count, stac_pipeline(count, catalogue), WORK / f"out-stac-{count}"

    table("granules", as_files())
    print()
    table("items", as_items())


if __name__ == "__main__":
    main()
