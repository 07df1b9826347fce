#!/usr/bin/env bash
# Reruns the benchmark table of BENCHMARKS.md: generates the reference scenes (uniform balls of
# radius 2, SH degree 3), then benchmarks each on the Vulkan backend and the CPU reference.
# Usage: bash scripts/bench.sh [OUTPUT_DIR]   (scenes are cached there; default /tmp/splat4d-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/splat4d-bench}
mkdir -p "$out"
swift build -c release --product splat4d >/dev/null
B=.build/release/splat4d
for n in 100000 1000000; do
    [ -f "$out/ball_$n.ply" ] || $B generate ball --count $n --output "$out/ball_$n.ply"
done
view() { echo "--look-at 0,0,-$1:0,0,0 --fov-y 45 --width 1280 --height 720"; }
run() { # scene distance backend repeat
    echo "== $1 at D=$2 on $3"
    $B bench "$out/$1" $(view "$2") --backend "$3" --repeat "$4" --warmup 1
}
run ball_100000.ply 15 vulkan 10
run ball_100000.ply 6 vulkan 10
run ball_1000000.ply 6 vulkan 5
run ball_100000.ply 15 cpu 3
run ball_100000.ply 6 cpu 3
run ball_1000000.ply 6 cpu 2
# 4D: 10% of the Gaussians active at t = 0.5, against a static scene of those 10%.
[ -f "$out/ball4d_1000000.ply" ] || $B generate ball4d --count 1000000 --output "$out/ball4d_1000000.ply"
[ -f "$out/ball4d_1000000_slice.ply" ] || $B generate ball4d-slice --count 1000000 --output "$out/ball4d_1000000_slice.ply"
echo "== 4D ball, 1M Gaussians, t = 0.5"
$B bench "$out/ball4d_1000000.ply" --time 0.5 $(view 6) --repeat 10 --warmup 1
echo "== its active Gaussians as a static scene"
$B bench "$out/ball4d_1000000_slice.ply" $(view 6) --repeat 10 --warmup 1
