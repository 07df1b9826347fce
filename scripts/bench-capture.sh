#!/usr/bin/env bash
# Same-run comparison of a real capture with a synthetic ball of the same Gaussian count (issue 15's
# "plant.splat at 1280×720: ≤ 2× the frame time of a ball of the same Gaussian count at D=15"): the
# capture with its automatic camera and the ball seen from D on +z (vertical fov 45°), both at
# 1280×720, alternating ROUNDS times so both see the same machine load. Prints each one's median
# frame time (median over rounds of each run's median), its blend, tile instances and the ratio,
# and the ratio of the fastest frames over all rounds (robust to a shared VM's bursts of load).
# Usage: bash scripts/bench-capture.sh [ROUNDS (3)] [SCENE (Scenes/plant.splat)] [D (15)]
#        env: SPLAT4D (a release splat4d; built when unset), DIR (where the ball is written)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} scene=${2:-Scenes/plant.splat} d=${3:-15}
dir=$(realpath -m "${DIR:-/tmp/splat4d-bench}")
if [ -z "${SPLAT4D:-}" ]; then swift build -c release --product splat4d >/dev/null; SPLAT4D=.build/release/splat4d; fi
mkdir -p "$dir"
count=$("$SPLAT4D" info "$scene" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gaussians"])')
ball="$dir/ball_$count.ply"
[ -f "$ball" ] || "$SPLAT4D" generate ball --count "$count" --output "$ball" >/dev/null
run() {  # SCENE ARGS... → "frame_median blend_median instances frame_min"
    "$SPLAT4D" bench "$@" --width 1280 --height 720 --repeat 6 --warmup 1 --json |
        python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["frame_ms_median"], j["stages_ms_median"]["blend"], j["tile_instances"], j["frame_ms_min"])'
}
median() { python3 -c 'import sys,statistics; print("%.1f" % statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }
cf=(); cb=(); bf=(); bb=(); cm=(); bm=(); ci=0; bi=0
for _ in $(seq "$rounds"); do
    read -r f b ci m < <(run "$scene"); cf+=("$f"); cb+=("$b"); cm+=("$m")
    read -r f b bi m < <(run "$ball" --look-at 0,0,$d:0,0,0:0,1,0 --fov-y 45); bf+=("$f"); bb+=("$b"); bm+=("$m")
done
printf "%-28s %10s %10s %12s\n" scene "frame ms" "blend ms" instances
printf "%-28s %10s %10s %12s\n" "$(basename "$scene"), automatic view" "$(median "${cf[@]}")" "$(median "${cb[@]}")" "$ci"
printf "%-28s %10s %10s %12s\n" "ball of $count at D=$d" "$(median "${bf[@]}")" "$(median "${bb[@]}")" "$bi"
echo "ratio (capture / ball): $(python3 -c "print('%.2f' % ($(median "${cf[@]}") / $(median "${bf[@]}")))")"
minimum() { python3 -c 'import sys; print(min(float(x) for x in sys.argv[1:]))' "$@"; }
echo "fastest frames: $(minimum "${cm[@]}") / $(minimum "${bm[@]}") ms, ratio $(python3 -c "print('%.2f' % ($(minimum "${cm[@]}") / $(minimum "${bm[@]}")))")"
