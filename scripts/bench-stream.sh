#!/usr/bin/env bash
# The streaming benchmark of BENCHMARKS.md (issue 12): a generated sequence rendered headless at
# 640×360 alone (its first frame, FRAMES times) and streamed (every frame new), alternating ROUNDS
# times so both see the same load, plus decoding alone. Prints wall time, frames/s and peak resident
# memory (/usr/bin/time) of each run.
# Usage: bash scripts/bench-stream.sh BINARY SEQUENCE_DIR [CACHE_MB (default 512)] [ROUNDS (default 2)]
# Make the sequence with: BINARY generate sequence --count 500000 --frames 30 --output SEQUENCE_DIR
set -euo pipefail
bin=$1 seq=$2 cache=${3:-512} rounds=${4:-2}
frames=$(ls "$seq" | wc -l)
first="$seq/$(ls "$seq" | head -1)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
size="--width 640 --height 360"
run() {  # label, then the render arguments; prints "label seconds fps rss_mb"
    local label=$1; shift
    rm -rf "$out/f" && mkdir -p "$out/f"
    /usr/bin/time -f "%e %M" -o "$out/time" "$bin" render "$@" $size --frame-count "$frames" --output "$out/f/f_%05d.png" > /dev/null 2>&1
    read -r seconds kb < "$out/time"
    python3 -c "import sys; s=float(sys.argv[2]); print('%-28s %8.2f s %6.2f frames/s %7.0f MB' % (sys.argv[1], s, int(sys.argv[3]) / s, int(sys.argv[4]) / 1024))" \
        "$label" "$seconds" "$frames" "$kb"
}
"$bin" bench "$first" --decode --json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print("decoding alone: %.1f ms a frame (median), %.2f frames/s, %.0f MB per CPU second" % (d["decode_ms_median"], 1000 / d["decode_ms_median"], d["megabytes_per_cpu_second"]))'
for _ in $(seq "$rounds"); do
    run "rendering alone" "$first"
    run "streamed --cache-mb $cache" "$seq" --cache-mb "$cache"
done
