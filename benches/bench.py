#!/usr/bin/python3
"""`make bench`: aftermath against GDAL's tilers on the same input, zooms and resampling.

For each input size (BENCH_SIZES, default "2048 8192 16384 20000") it generates a 4-band UInt16
UTM GeoTIFF (benches/make_input.py, deterministic, cached in target/bench) and tiles its
true-colour composite (red/green/blue stretched 0-3000 → 0-255) over zooms BENCH_ZOOM
(default: auto, the input's full zoom range as gdal2tiles would choose it; the peers get the
range aftermath used):
  - aftermath (`composite = "true-color"`, `range = [0, 3000]`),
  - gdal2tiles.py --xyz --processes=$(nproc) --exclude (Debian gdal-bin),
  - gdal raster tile --num-threads $(nproc) --skip-blank, when a `gdal` >= 3.11 is on PATH,
the peers reading a VRT that applies the same stretch (`gdal_translate -of VRT -ot Byte
-scale 0 3000 0 255`), with the same resampling (BENCH_RESAMPLING, default average). Peers
run on BENCH_PEER_SIZES (default 8192) only; they take minutes on the larger inputs.

It prints per run: tiles written, wall seconds, tiles/s, CPU seconds, peak RSS, output bytes;
the ratios aftermath/peer; and the encode-only ceiling (benches/encode_ceiling.rs: the time to
PNG-encode aftermath's tiles with nothing else to do). Timings are reported, never asserted.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench"
AFTERMATH = ROOT / "target" / "release" / "aftermath"
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "2048 8192 16384 20000").split()]
PEER_SIZES = [int(s) for s in os.environ.get("BENCH_PEER_SIZES", "8192").split()]
ZOOM = os.environ.get("BENCH_ZOOM", "auto")
RESAMPLING = os.environ.get("BENCH_RESAMPLING", "average")
STRETCH = (0, 3000)
CORES = os.cpu_count() or 1


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def timed(cmd, env=None):
    """Runs `cmd`; returns wall s, CPU s (user+sys, with waited-for children), peak RSS MiB
    (largest single process) and its stderr. Exits when it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=env)
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{cmd[0]} failed ({code}):\n{stderr.decode(errors='replace')[-2000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mib": usage.ru_maxrss / 1024, "stderr": stderr.decode(errors="replace")}


def measure(cmd, out_dir):
    """[`timed`] of `cmd` writing into `out_dir` (emptied first), with the tiles and bytes
    found there."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    result = timed(cmd)
    tiles = [p for p in out_dir.rglob("*.png")]
    result.update(tiles=len(tiles), bytes=sum(p.stat().st_size for p in tiles))
    return result


def input_for(size):
    tif = WORK / f"in-{size}.tif"
    if not tif.exists():
        log(f"generating {tif.name} ({size}x{size}, 4 bands UInt16) ...")
        subprocess.run([sys.executable, ROOT / "benches" / "make_input.py", str(size), tif],
                       check=True)
    return tif


def warm(tif):
    """Reads `tif` once so that every tool starts with it in the page cache (a cached input
    left from an earlier run may have been evicted): the benchmark measures tiling, not the
    disk."""
    with open(tif, "rb") as f:
        while f.read(16 << 20):
            pass


def pipeline_for(size, tif):
    path = WORK / f"rgb-{size}.toml"
    zoom = '"auto"' if ZOOM == "auto" else "[{}, {}]".format(*ZOOM.split("-"))
    path.write_text(f"""name = "bench-{size}"
[scenes.post]
file = "{tif}"
[scenes.post.bands]
blue = 1
green = 2
red = 3
nir = 4
[product]
composite = "true-color"
[render]
range = [{STRETCH[0]}, {STRETCH[1]}]
[tiling]
zoom = {zoom}
resampling = "{RESAMPLING}"
[output]
url = "{WORK / f"out-aftermath-{size}"}"
products = false   # tiles only, as the peers write
""")
    return path


def stretched_vrt(size, tif):
    vrt = WORK / f"rgb-{size}.vrt"
    subprocess.run(["gdal_translate", "-q", "-of", "VRT", "-ot", "Byte", "-scale",
                    str(STRETCH[0]), str(STRETCH[1]), "0", "255", "-a_nodata", "none",
                    "-b", "3", "-b", "2", "-b", "1", tif, vrt], check=True)
    return vrt


def gdal_cli():
    """The `gdal` command when it is GDAL >= 3.11 (it has `gdal raster tile`), else None."""
    gdal = shutil.which("gdal")
    if not gdal:
        return None
    out = subprocess.run([gdal, "--version"], capture_output=True, text=True).stdout
    m = re.search(r"GDAL (\d+)\.(\d+)", out)
    return gdal if m and (int(m[1]), int(m[2])) >= (3, 11) else None


def encode_ceiling(tile_dir):
    out = subprocess.run(["cargo", "bench", "--locked", "-q", "--bench", "encode_ceiling", "--",
                          str(tile_dir), str(CORES)], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def row(tool, size, r, zooms):
    tps = r["tiles"] / r["wall"] if r["wall"] else 0
    print(f"{tool:<18} {size:>6}² {zooms:>6} {r['tiles']:>7} {r['wall']:>8.2f} {tps:>8.1f}"
          f" {r['cpu']:>8.2f} {r['rss_mib']:>8.0f} {r['bytes'] / 2**20:>9.1f}", flush=True)


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    gdal = gdal_cli()
    gdal2tiles = shutil.which("gdal2tiles.py") or shutil.which("gdal2tiles")
    log(f"{CORES} cores; zooms {ZOOM}; resampling {RESAMPLING}; sizes {SIZES}; "
        f"peers on {PEER_SIZES}; gdal raster tile: {'yes' if gdal else 'no (no gdal >= 3.11 on PATH)'}")
    print(f"{'tool':<18} {'input':>7} {'zooms':>6} {'tiles':>7} {'wall s':>8} {'tiles/s':>8} {'CPU s':>8}"
          f" {'RSS MiB':>8} {'out MiB':>9}")
    results = {}
    for size in SIZES:
        tif = input_for(size)
        toml = pipeline_for(size, tif)
        warm(tif)
        r = measure([AFTERMATH, "run", toml, "--threads", str(CORES)],
                    WORK / f"out-aftermath-{size}")
        record = json.loads((WORK / f"out-aftermath-{size}" / "run.json").read_text())
        zmin, zmax = record["tiling"]["minzoom"], record["tiling"]["maxzoom"]
        r["zooms"] = f"{zmin}-{zmax}"
        r["tile_phase"] = record["timings"]["tiles_seconds"]
        results[("aftermath", size)] = r
        row("aftermath", size, r, r["zooms"])
        if size not in PEER_SIZES:
            continue
        vrt = stretched_vrt(size, tif)
        warm(tif)
        if gdal2tiles:
            r = measure([gdal2tiles, "--xyz", "-q", "-w", "none", "--exclude", "-r", RESAMPLING,
                         f"--processes={CORES}", "-z", f"{zmin}-{zmax}", vrt, WORK / f"out-gdal2tiles-{size}"],
                        WORK / f"out-gdal2tiles-{size}")
            results[("gdal2tiles.py", size)] = r
            row("gdal2tiles.py", size, r, f"{zmin}-{zmax}")
        if gdal:
            r = measure([gdal, "raster", "tile", "--min-zoom", str(zmin), "--max-zoom", str(zmax),
                         "-r", RESAMPLING, "--num-threads", str(CORES), "--webviewer", "none",
                         "--convention", "xyz", "--skip-blank", vrt,
                         WORK / f"out-gdal-raster-tile-{size}"],
                        WORK / f"out-gdal-raster-tile-{size}")
            results[("gdal raster tile", size)] = r
            row("gdal raster tile", size, r, f"{zmin}-{zmax}")

    print()
    for size in PEER_SIZES:
        ours = results.get(("aftermath", size))
        if not ours:
            continue
        for peer in ("gdal2tiles.py", "gdal raster tile"):
            theirs = results.get((peer, size))
            if theirs:
                speed = (ours["tiles"] / ours["wall"]) / (theirs["tiles"] / theirs["wall"])
                size_ratio = ours["bytes"] / theirs["bytes"]
                print(f"aftermath / {peer} on {size}²: {speed:.1f}x tiles/s, "
                      f"{theirs['rss_mib'] / ours['rss_mib']:.1f}x less peak RSS, "
                      f"output bytes {size_ratio:.2f}x")
        ceiling = encode_ceiling(WORK / f"out-aftermath-{size}")
        c_tps = ceiling["tiles"] / ceiling["seconds"]
        o_tps = ours["tiles"] / ours["wall"]
        print(f"encode-only ceiling on {size}²: {ceiling['tiles']} tiles in {ceiling['seconds']:.2f} s"
              f" on {ceiling['threads']} threads = {c_tps:.0f} tiles/s; aftermath runs at "
              f"{100 * o_tps / c_tps:.0f} % of it")
    ours = {s: results[("aftermath", s)] for s in SIZES if ("aftermath", s) in results}
    if ours:
        base = min(ours)
        for label, key in (("wall", "wall"), ("tile phase (run.json, without start-up)", "tile_phase")):
            per_tile = {s: r[key] / max(1, r["tiles"]) for s, r in ours.items()}
            print(f"aftermath time per tile, {label}: " + ", ".join(
                f"{s}²: {1000 * t:.2f} ms ({t / per_tile[base]:.2f}x)" for s, t in per_tile.items()))
        print("aftermath peak RSS: " + ", ".join(
            f"{s}²: {results[('aftermath', s)]['rss_mib']:.0f} MiB" for s in SIZES))


if __name__ == "__main__":
    main()
