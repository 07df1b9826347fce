#!/usr/bin/env bash
# The quantisation loss of each lossy export format: PSNR of a render of the converted scene against
# the same render of the source, on the bundled captures (the numbers in README's format table).
# Usage: bash scripts/format-loss.sh [splat4d binary]   (default .build/debug/splat4d; CPU renderer)
set -euo pipefail
bin=${1:-.build/debug/splat4d}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One fixed camera per scene, so that the quantised bounds cannot move an automatic framing.
declare -A camera=(
    [Scenes/plant.splat]="--camera Scenes/plant.cameras.json --camera-index 0"
    [Scenes/synthetic.ply]="--look-at 0,0,-3.2:0,0,0 --width 256 --height 256"
)
for scene in Scenes/plant.splat Scenes/synthetic.ply; do
    # shellcheck disable=SC2086
    "$bin" render "$scene" ${camera[$scene]} --backend cpu --output "$work/source.png" --overwrite >/dev/null
    for format in splat spz compressed-ply sog; do
        "$bin" convert "$scene" --format "$format" --output "$work/converted.$format" --overwrite >/dev/null
        # shellcheck disable=SC2086
        "$bin" render "$work/converted.$format" ${camera[$scene]} --backend cpu --output "$work/$format.png" --overwrite >/dev/null
        size=$(stat -c %s "$work/converted.$format")
        psnr=$("$bin" compare "$work/source.png" "$work/$format.png" --json | python3 -c 'import json,sys; print("%.2f" % json.load(sys.stdin)["psnr"])')
        echo "$scene $format bytes=$size psnr_db=$psnr"
    done
done
