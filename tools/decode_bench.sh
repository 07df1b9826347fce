#!/usr/bin/env bash
# Decode throughput of each writable format on the 1M-Gaussian benchmark ball (SH degree 3): the
# file size, and the best of 3 `splat4d info` runs (load whole, one core: the decoders are serial),
# as MB/s of file and Gaussians/s. Usage: bash tools/decode_bench.sh [splat4d binary] [count]
set -euo pipefail
bin=${1:-.build/release/splat4d}
count=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate ball --count "$count" --output "$work/ball.ply" >/dev/null
for format in ply splat spz compressed-ply; do
    file="$work/ball.$format"
    [ "$format" = ply ] && file="$work/ball.ply" || "$bin" convert "$work/ball.ply" --format "$format" --output "$file" >/dev/null
    size=$(stat -c %s "$file")
    best=999
    for _ in 1 2 3; do
        start=$(date +%s.%N)
        "$bin" info "$file" >/dev/null
        t=$(echo "$(date +%s.%N) - $start" | bc)
        best=$(echo "if ($t < $best) $t else $best" | bc)
    done
    echo "$format bytes=$size seconds=$best MB/s=$(echo "scale=1; $size / $best / 1000000" | bc) Mgaussians/s=$(echo "scale=2; $count / $best / 1000000" | bc)"
done
