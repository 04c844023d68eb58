#!/usr/bin/python3
"""`make bench`, third part: the analyst's whole job, aftermath against the GDAL chain.

This script keeps no large data in memory: a child's peak RSS counts the pages it shares
with this process before it execs.

For each size (BENCH_ANALYST_SIZES, default "8192 20000") a deterministic, SYNTHETIC pre/post
pair with speckle like real dNBR (benches/make_pair.py, cached in target/bench) is run end to
end: dNBR, the USGS burn-severity classes, tiles over zooms BENCH_ANALYST_ZOOM (default 8-13),
the index COG, the classes COG, areas per class, and polygons with the default minimum mapping
unit (0.5 ha = 50 px, 4-connected).

- aftermath: one `aftermath run` (its tile and product phases from run.json);
- the GDAL chain (on BENCH_ANALYST_PEER_SIZES, default 8192), one step at a time:
  gdal_calc.py (dNBR), gdal_calc.py (classes), gdal_translate -of COG twice (all cores,
  predictor), gdalinfo -hist (areas), gdaldem color-relief (a VRT), `gdal raster tile` when a
  gdal >= 3.11 is on PATH (else gdal2tiles.py), gdal_sieve.py and gdal_polygonize.py at
  aftermath's unit and connectivity;
- the floor: decoding the inputs once (GDAL, all cores) plus encoding the outputs (the tiles'
  PNGs, benches/encode_ceiling.rs, and the two COGs from raw rasters with aftermath's COG
  options, DEFLATE level 1 for the index and 4 for the classes, with the predictor,
  gdal_translate on all cores): what no tool writing these files with GDAL's COG driver goes
  below on this machine.

Printed: wall and CPU seconds and peak RSS per step and in total, and the ratios. Timings are
reported, never asserted.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import AFTERMATH, CORES, ROOT, WORK, encode_ceiling, gdal_cli, log, timed, warm  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_ANALYST_SIZES", "8192 20000").split()]
PEER_SIZES = [int(s) for s in os.environ.get("BENCH_ANALYST_PEER_SIZES", "8192").split()]
ZOOM = [int(z) for z in os.environ.get("BENCH_ANALYST_ZOOM", "8-13").split("-")]
PY = "/usr/bin/python3"
# USGS dNBR classes (Key & Benson 2006), as pipelines/ethiopia-change.toml.
BREAKS = [-0.25, -0.1, 0.1, 0.27, 0.44, 0.66]
COLOURS = ["#1a9850", "#91cf60", "#d9ef8b", "#fee08b", "#fc8d59", "#d73027", "#7f0000"]
NAMES = ["enhanced regrowth, high", "enhanced regrowth, low", "unburned", "low severity",
         "moderate-low severity", "moderate-high severity", "high severity"]


def features(path):
    """Features in aftermath's polygons.geojson (one per line), without parsing it."""
    with open(path, "rb") as f:
        return sum(1 for line in f if line.startswith(b'{"type":"Feature"'))


def product_steps(stderr):
    """The product steps aftermath logged (RUST_LOG=aftermath=info): [(step, wall, CPU)]; the
    CPU seconds are the whole process's over the step."""
    steps = []
    for line in stderr.splitlines():
        m = re.search(r'step="([^"]+)" seconds=([0-9.eE+-]+) cpu_seconds=([0-9.eE+-]+)', line)
        if m:
            steps.append((m[1], float(m[2]), float(m[3])))
    return steps


def pair_for(size):
    pre, post = WORK / f"synthetic-pre-{size}.tif", WORK / f"synthetic-post-{size}.tif"
    if not post.exists():
        log(f"generating the {size}² pre/post pair ...")
        subprocess.run([PY, ROOT / "benches" / "make_pair.py", str(size), pre, post], check=True)
    return pre, post


def pipeline(size, pre, post, out):
    classes = "".join(
        f"""[[render.classes]]
name = "{name}"
{f"min = {BREAKS[i - 1]}" if i > 0 else ""}
{f"max = {BREAKS[i]}" if i < len(BREAKS) else ""}
color = "{colour}"
""" for i, (name, colour) in enumerate(zip(NAMES, COLOURS)))
    path = WORK / f"analyst-{size}.toml"
    path.write_text(f"""name = "bench-analyst-{size}"
[scenes.pre]
file = "{pre}"
[scenes.pre.bands]
nir = {{ band = 1, scale = 0.0001 }}
swir2 = {{ band = 2, scale = 0.0001 }}
[scenes.post]
file = "{post}"
[scenes.post.bands]
nir = {{ band = 1, scale = 0.0001 }}
swir2 = {{ band = 2, scale = 0.0001 }}
[product]
index = "dnbr"
{classes}
[tiling]
zoom = [{ZOOM[0]}, {ZOOM[1]}]
resampling = "bilinear"
[output]
url = "{out}"
""")
    return path


def colour_table(path):
    lines = ["nv 0 0 0 0"]
    edges = [-1.0] + BREAKS + [1.0]
    for i, colour in enumerate(COLOURS):
        r, g, b = (int(colour[k:k + 2], 16) for k in (1, 3, 5))
        lines += [f"{edges[i]} {r} {g} {b} 255", f"{edges[i + 1] - 1e-6} {r} {g} {b} 255"]
    path.write_text("\n".join(lines) + "\n")
    return path


def gdal_chain(size, pre, post, min_pixels, work):
    """The job with GDAL's tools, a step at a time; returns [(step, measurement)]."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = dict(os.environ, GDAL_NUM_THREADS="ALL_CPUS")
    co = ["--co", "TILED=YES", "--co", "COMPRESS=DEFLATE", "--co", "BIGTIFF=IF_SAFER"]
    nbr = "(A.astype(float32)-B)/(A.astype(float32)+B)-(C.astype(float32)-D)/(C.astype(float32)+D)"
    klass = "1+" + "+".join(f"(A>={b})" for b in BREAKS)
    gdal = gdal_cli()
    tiler = ([gdal, "raster", "tile", "--min-zoom", ZOOM[0], "--max-zoom", ZOOM[1], "-r",
              "bilinear", "--num-threads", CORES, "--webviewer", "none", "--convention", "xyz",
              "--skip-blank", work / "rgba.vrt", work / "tiles"]
             if gdal else
             [shutil.which("gdal2tiles.py"), "--xyz", "-q", "-w", "none", "--exclude", "-r",
              "bilinear", f"--processes={CORES}", "-z", f"{ZOOM[0]}-{ZOOM[1]}", work / "rgba.vrt",
              work / "tiles"])
    steps = [
        ("gdal_calc.py dNBR", ["gdal_calc.py", "--quiet", "-A", pre, "--A_band=1", "-B", pre,
                               "--B_band=2", "-C", post, "--C_band=1", "-D", post, "--D_band=2",
                               "--type=Float32", "--NoDataValue=-9999", f"--calc={nbr}",
                               f"--outfile={work / 'dnbr.tif'}", *co]),
        ("gdal_calc.py classes", ["gdal_calc.py", "--quiet", "-A", work / "dnbr.tif",
                                  "--type=Byte", "--NoDataValue=0", f"--calc={klass}",
                                  f"--outfile={work / 'classes.tif'}", *co]),
        ("gdal_translate COG index", ["gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=DEFLATE",
                                      "-co", "PREDICTOR=YES", "-co", "NUM_THREADS=ALL_CPUS",
                                      "-co", "OVERVIEW_RESAMPLING=AVERAGE",
                                      work / "dnbr.tif", work / "index.tif"]),
        ("gdal_translate COG classes", ["gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=DEFLATE",
                                        "-co", "NUM_THREADS=ALL_CPUS",
                                        "-co", "OVERVIEW_RESAMPLING=NEAREST",
                                        work / "classes.tif", work / "classes-cog.tif"]),
        ("gdalinfo -hist", ["gdalinfo", "-hist", work / "classes.tif"]),
        ("gdaldem color-relief", ["gdaldem", "color-relief", "-q", "-alpha", "-of", "VRT",
                                  work / "dnbr.tif", colour_table(work / "colours.txt"),
                                  work / "rgba.vrt"]),
        ("gdal raster tile" if gdal else "gdal2tiles.py", tiler),
        ("gdal_sieve.py", ["gdal_sieve.py", "-q", "-st", min_pixels, "-4", work / "classes.tif",
                           work / "sieved.tif"]),
        ("gdal_polygonize.py", ["gdal_polygonize.py", "-q", work / "sieved.tif", "-f", "GeoJSON",
                                work / "polygons.geojson"]),
    ]
    out = []
    for name, cmd in steps:
        log(f"  {name} ...")
        out.append((name, timed(cmd, env)))
    return out


def floor(size, pre, post, ours, work):
    """Decoding the inputs once, and encoding the outputs aftermath wrote."""
    env = dict(os.environ, GDAL_NUM_THREADS="ALL_CPUS")
    decode = timed([PY, "-c", "import sys\nfrom osgeo import gdal\n"
                  "for p in sys.argv[1:]:\n    gdal.Open(p).ReadRaster()\n", pre, post], env)
    raw = work / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for key in ("index.tif", "classes.tif"):
        subprocess.run(["gdal_translate", "-q", "-co", "TILED=YES", ours / key, raw / key],
                       check=True)
    encode = []
    for key, resampling, predictor, level in (("index.tif", "AVERAGE", "YES", 1),
                                              ("classes.tif", "NEAREST", "NO", 4)):
        encode.append(timed(["gdal_translate", "-q", "-of", "COG", "-co", "COMPRESS=DEFLATE",
                           "-co", f"LEVEL={level}", "-co", f"PREDICTOR={predictor}",
                           "-co", "NUM_THREADS=ALL_CPUS",
                           "-co", f"OVERVIEW_RESAMPLING={resampling}", raw / key,
                           raw / f"cog-{key}"], env))
    tiles = encode_ceiling(ours)
    return decode, encode, tiles


def line(step, r, note=""):
    print(f"  {step:<30} {r['wall']:>8.2f} {r['cpu']:>8.2f} {r['rss_mib']:>8.0f}  {note}", flush=True)


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    log(f"{CORES} cores; sizes {SIZES}; peers on {PEER_SIZES}; zooms {ZOOM[0]}-{ZOOM[1]}")
    for size in SIZES:
        pre, post = pair_for(size)
        out = WORK / f"out-analyst-{size}"
        if out.exists():
            shutil.rmtree(out)
        toml = pipeline(size, pre, post, out)
        warm(pre)
        warm(post)
        log(f"aftermath on {size}² ...")
        ours = timed([AFTERMATH, "run", toml, "--threads", CORES],
                   dict(os.environ, RUST_LOG="aftermath=info"))
        record = json.loads((out / "run.json").read_text())
        stats = json.loads((out / "stats.json").read_text())
        unit = stats["min_mapping_unit"]
        timings = record["timings"]
        polygons = features(out / "polygons.geojson")
        print(f"\n{size}² pre/post pair, dNBR, 7 classes, zooms {ZOOM[0]}-{ZOOM[1]}, "
              f"min. mapping unit {unit['min_area_ha']} ha = {unit['min_pixels']} px, {CORES} cores")
        print(f"  {'step':<30} {'wall s':>8} {'CPU s':>8} {'RSS MiB':>8}")
        line("aftermath run (all)", ours,
             f"products {timings['products_seconds']:.2f} s, tiles {timings['tiles_seconds']:.2f} s "
             f"beside their later steps; "
             f"{record['tiles']['written']} tiles, {polygons} polygons")
        for step, seconds, cpu in product_steps(ours["stderr"]):
            print(f"    {step:<56} {seconds:>6.2f} s  {cpu:>6.2f} s CPU")
        if size not in PEER_SIZES:
            continue
        peer = gdal_chain(size, pre, post, unit["min_pixels"], WORK / f"gdal-analyst-{size}")
        for name, r in peer:
            line(name, r)
        total = {"wall": sum(r["wall"] for _, r in peer), "cpu": sum(r["cpu"] for _, r in peer),
                 "rss_mib": max(r["rss_mib"] for _, r in peer)}
        line("GDAL chain (all)", total)
        decode, encode, tiles = floor(size, pre, post, out, WORK / f"floor-{size}")
        line("floor: decode the inputs", decode)
        line("floor: encode index.tif", encode[0])
        line("floor: encode classes.tif", encode[1])
        print(f"  {'floor: encode the tiles':<30} {tiles['seconds']:>8.2f} {'':>8} {'':>8}  "
              f"{tiles['tiles']} PNGs on {tiles['threads']} threads")
        floor_wall = decode["wall"] + sum(e["wall"] for e in encode) + tiles["seconds"]
        print(f"  {'floor (all)':<30} {floor_wall:>8.2f}")
        print(f"\n  aftermath / GDAL chain on {size}²: {total['wall'] / ours['wall']:.1f}x faster, "
              f"{total['cpu'] / ours['cpu']:.1f}x less CPU, peak RSS {ours['rss_mib']:.0f} MiB "
              f"against {total['rss_mib']:.0f} MiB; aftermath at {ours['wall'] / floor_wall:.1f}x "
              f"the floor")
        sieve_poly = peer[-2][1]["wall"] + peer[-1][1]["wall"]
        tiler = peer[-3]
        print(f"  tiles: aftermath {timings['tiles_seconds']:.2f} s (tile phase, sharing the cores), {tiler[0]} "
              f"{tiler[1]['wall']:.2f} s: {tiler[1]['wall'] / timings['tiles_seconds']:.1f}x")
        print(f"  GDAL sieve + polygonize: {sieve_poly:.2f} s")


if __name__ == "__main__":
    main()
