#!/usr/bin/env bash
# Decode throughput of each writable format on the 1M-Gaussian benchmark ball (SH degree 3): the
# file size and `splat4d bench --decode` (the file read into memory once, decoded 3 times after one
# warm-up; median) on one core (taskset -c 0) and on all cores, as MB/s of file, Gaussians/s, and MB
# per CPU second (steady under background load). Usage: bash tools/decode_bench.sh [splat4d binary] [count]
# With GS3D_DIR set (see tools/ksplat_fixtures.mjs), the ball is also written as .ksplat levels 0, 1
# and 2 (SH degree 2, the format's most) by GaussianSplats3D's own writer under node, and decoded.
set -euo pipefail
bin=${1:-.build/release/splat4d}
count=${2:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" generate ball --count "$count" --output "$work/ball.ply" >/dev/null
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(round(d['$2'] / $3, 2))" "$1"; }
formats="ply splat spz spz4 compressed-ply sog"
[ -n "${GS3D_DIR:-}" ] && formats="$formats ksplat0 ksplat1 ksplat2"
for format in $formats; do
    case $format in
        ksplat*) file="$work/ball-${format#ksplat}.ksplat"
            node --max-old-space-size=8192 "$(dirname "$0")/ksplat_fixtures.mjs" "$GS3D_DIR" --convert "$work/ball.ply" "$file" "${format#ksplat}" 2 ;;
        ply) file="$work/ball.ply" ;;
        spz4) file="$work/ball-v4.spz"; "$bin" convert "$work/ball.ply" --spz-version 4 --output "$file" >/dev/null ;;
        *) file="$work/ball.$format"; "$bin" convert "$work/ball.ply" --format "$format" --output "$file" >/dev/null ;;
    esac
    one=$(taskset -c 0 "$bin" bench "$file" --decode --repeat 3 --warmup 1 --json)
    all=$("$bin" bench "$file" --decode --repeat 3 --warmup 1 --json)
    echo "$format bytes=$(stat -c %s "$file")" \
        "one-core: MB/s=$(field "$one" megabytes_per_second 1) Mgaussians/s=$(field "$one" gaussians_per_second 1e6) MB/cpu-s=$(field "$one" megabytes_per_cpu_second 1)" \
        "all-cores($(nproc)): MB/s=$(field "$all" megabytes_per_second 1) Mgaussians/s=$(field "$all" gaussians_per_second 1e6)"
done
