#!/usr/bin/env bash
# A/B benchmark of two splat4d binaries in the same run: the reference scenes of BENCHMARKS.md,
# rendered by A then B, alternating ROUNDS times, so both see the same machine load. Prints each
# scene's median frame time for A and B (median over rounds of each run's median) and B/A.
# Usage: bash scripts/bench-ab.sh BINARY_A BINARY_B [ROUNDS (default 3)] [SCENE_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 rounds=${3:-3} dir=${4:-/tmp/splat4d-bench}
mkdir -p "$dir"
for n in 100000 1000000; do
    [ -f "$dir/ball_$n.ply" ] || "$a" generate ball --count $n --output "$dir/ball_$n.ply"
done
view() { echo "--look-at 0,0,-$1:0,0,0 --fov-y 45 --width 1280 --height 720"; }
cases=("ball_100000.ply 15 10" "ball_100000.ply 6 10" "ball_1000000.ply 6 4" "plant 0 6")
median() { python3 -c 'import sys,statistics; print("%.1f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
printf "%-22s %10s %10s %7s\n" scene "A ms" "B ms" "B/A"
for c in "${cases[@]}"; do
    set -- $c
    scene=$1 d=$2 rep=$3
    if [ "$d" = 0 ]; then path=Scenes/plant.splat; args="--width 1280 --height 720"; label=plant-auto-720p
    else path=$dir/$scene; args=$(view "$d"); label="${scene%.ply} D=$d"; fi
    ta=(); tb=()
    for _ in $(seq "$rounds"); do
        ta+=("$("$a" bench "$path" $args --repeat "$rep" --warmup 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frame_ms_median"])')")
        tb+=("$("$b" bench "$path" $args --repeat "$rep" --warmup 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["frame_ms_median"])')")
    done
    ma=$(median "${ta[@]}") mb=$(median "${tb[@]}")
    printf "%-22s %10s %10s %7s\n" "$label" "$ma" "$mb" "$(python3 -c "print('%.3f' % ($mb / $ma))")"
done
