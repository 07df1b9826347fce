#!/usr/bin/env bash
# Soak: renders FRAMES frames (default 10,000) of a bundled 4D scene headless and prints the
# resident memory at the start and the end (it must stay flat), then a shorter run under the
# validation layer, which must report nothing, including no Vulkan object alive at teardown.
# Usage: bash scripts/soak.sh [FRAMES]
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-10000}
swift build -c release --product splat4d >/dev/null
B=.build/release/splat4d
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log="$out/soak.jsonl"
$B render Scenes/dancer.4d.ply --output "$out/f_%05d.png" --frame-count "$frames" --orbit --width 160 --height 120 \
    --log-json > "$log"
python3 - "$log" <<'PY'
import json, sys
events = [json.loads(l) for l in open(sys.argv[1])]
frames = [e for e in events if e["event"] == "frame"]
done = [e for e in events if e["event"] == "done"][0]
first, mid, last = frames[min(10, len(frames) - 1)], frames[len(frames) // 2], frames[-1]
print(f"frames: {done['written']}, {done['fps']:.1f} frames/s")
print(f"resident memory: {first['rss_mb']:.1f} MB after frame {first['frame']}, {mid['rss_mb']:.1f} MB at {mid['frame']}, "
      f"{last['rss_mb']:.1f} MB at {last['frame']}")
PY
rm -f "$out"/*.png
echo "validation run (300 frames):"
SPLAT4D_VALIDATION=1 $B render Scenes/dancer.4d.ply --output "$out/v_%05d.png" --frame-count 300 --orbit \
    --width 160 --height 120 --log-json > /dev/null 2> "$out/validation.txt" || true
if [ -s "$out/validation.txt" ]; then echo "validation messages:"; cat "$out/validation.txt"; exit 1; fi
echo "no validation messages (none at teardown either)"
