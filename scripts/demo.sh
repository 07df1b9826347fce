#!/usr/bin/env bash
# Renders the bundled real capture (a houseplant) to plant.png with the Vulkan backend
# (lavapipe when there is no GPU), after installing what the build needs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release --product splat4d
.build/release/splat4d render Scenes/plant.splat --camera Scenes/plant.cameras.json \
    --background white --output plant.png --overwrite
echo "Wrote plant.png"
