#!/usr/bin/env bash
# Renders every bundled scene (Scenes/) on both backends at a few times and prints one sha256 per
# image: run it before and after a change that must keep pixels identical, and diff the output.
# Usage: bash scripts/scene-pixels.sh [BINARY]   (default: a release build of this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-}
if [ -z "$B" ]; then swift build -c release --product splat4d >/dev/null; B=.build/release/splat4d; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
render() { # name scene args...
    local name=$1 scene=$2; shift 2
    for backend in vulkan cpu; do
        "$B" render "$scene" --backend "$backend" --width 320 --height 240 --output "$out/$name.$backend.png" \
            --overwrite "$@" >/dev/null
        echo "$(sha256sum < "$out/$name.$backend.png" | cut -c1-16)  $name.$backend"
    done
}
render plant Scenes/plant.splat --camera Scenes/plant.cameras.json
render plant-auto Scenes/plant.splat --background white
render synthetic Scenes/synthetic.ply
render synthetic-aa Scenes/synthetic.ply --antialiased
for t in 0 0.37 1; do render "stg-t$t" Scenes/dancer.stg.ply --time "$t"; done
for t in 0 0.37; do render "splatv-t$t" Scenes/dancer.splatv --time "$t" --camera-index 1; done
for t in 0 1.25 2; do render "4d-t$t" Scenes/dancer.4d.ply --time "$t"; done
for t in 0 2.5 7; do render "npz-t$t" Scenes/dancer.npz --time "$t"; done
for t in 0 3.5 7; do render "frames-t$t" Scenes/dancer-frames --time "$t"; done
