#!/usr/bin/env bash
# The cost curve of BENCHMARKS.md ("How the cost grows"): uniform balls of 10k, 100k, 1M, 2M and 4M
# Gaussians (SH degree 3, `splat4d generate ball`) at D=6 (the ball fills a 16:9 frame) rendered
# at 640×360, 1280×720, 1920×1080 and 3840×2160. Prints one row per (count, size): median frame
# time, tile instances and the stage medians; a frame the device refuses prints the reason.
# Usage: bash scripts/bench-scale.sh [BINARY] [SCENE_DIR (default /tmp/splat4d-bench)]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-}
if [ -z "$B" ]; then swift build -c release --product splat4d >/dev/null; B=.build/release/splat4d; fi
dir=${2:-/tmp/splat4d-bench}
mkdir -p "$dir"
printf "%-6s %-10s %10s %11s %9s %9s %9s %9s %9s %9s\n" count size "frame ms" instances preprocess sort keys scan blend readback
for n in 10000 100000 1000000 2000000 4000000; do
    scene="$dir/ball_$n.ply"
    [ -f "$scene" ] || "$B" generate ball --count "$n" --output "$scene" >/dev/null
    repeat=$(( n >= 1000000 ? 3 : 5 ))
    for size in 640x360 1280x720 1920x1080 3840x2160; do
        w=${size%x*} h=${size#*x}
        if out=$("$B" bench "$scene" --look-at 0,0,-6:0,0,0 --fov-y 45 --width "$w" --height "$h" \
                 --repeat "$repeat" --warmup 1 --json 2>&1); then
            echo "$out" | python3 -c '
import json, sys
j = json.load(sys.stdin); s = j["stages_ms_median"]
print("%-6s %-10s %10.1f %11d" % (sys.argv[1], sys.argv[2], j["frame_ms_median"], j["tile_instances"]),
      " ".join("%9.1f" % s[k] for k in ["preprocess", "sort", "keys", "scan", "blend", "readback"]))' "$n" "$size"
        else
            printf "%-6s %-10s refused: %s\n" "$n" "$size" "$(echo "$out" | tail -1)"
        fi
    done
done
