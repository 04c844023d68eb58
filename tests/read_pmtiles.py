"""Reads a PMTiles archive with the reference Python reader (PyPI `pmtiles`, by Protomaps):
prints the header and metadata as JSON and writes every tile to OUTDIR/z/x/y.png.
Usage: read_pmtiles.py ARCHIVE OUTDIR"""
import json
import os
import sys

from pmtiles.reader import MmapSource, Reader, all_tiles

archive, outdir = sys.argv[1], sys.argv[2]
with open(archive, "rb") as f:
    reader = Reader(MmapSource(f))
    header = reader.header()
    count = 0
    for (z, x, y), data in all_tiles(reader.get_bytes):
        path = os.path.join(outdir, str(z), str(x))
        os.makedirs(path, exist_ok=True)
        with open(os.path.join(path, f"{y}.png"), "wb") as out:
            out.write(data)
        count += 1
        # The directory lookup a client does for one tile gives the same bytes.
        assert reader.get(z, x, y) == data, (z, x, y)
    header = {k: (v.name if hasattr(v, "name") else v) for k, v in header.items()}
    print(json.dumps({"header": header, "metadata": reader.metadata(), "tiles": count}))
