#!/usr/bin/env bash
# Measures Inflate.decompress on a raw DEFLATE stream of a scene file (made by Python's zlib, level 6).
# Usage: bash tools/inflate_bench.sh [scene file]   (after swift build --build-tests)
set -euo pipefail
src=${1:-Scenes/plant.splat}
out=$(mktemp --suffix=.deflate)
trap 'rm -f "$out"' EXIT
# Four copies of the scene: ~15 MB of output, enough for a stable timing.
python3 -c 'import sys,zlib; d=open(sys.argv[1],"rb").read()*4; c=zlib.compressobj(6,zlib.DEFLATED,-15); open(sys.argv[2],"wb").write(c.compress(d)+c.flush())' "$src" "$out"
SPLAT4D_INFLATE_BENCH=$out swift test --skip-build --filter InflateThroughputTests 2>&1 | grep "inflate:"
