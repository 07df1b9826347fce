#!/usr/bin/env bash
# Fuzzes every file reader with libFuzzer (+ AddressSanitizer): builds one fuzzer from SplatCore's and
# SplatFormats' sources and Fuzz/FuzzTarget.swift, seeds it with the tiny valid files each reader
# registers, and runs RUNS executions per reader (default 1,000,000). The readers are those of
# SplatFormats' registry (`FuzzedReaders.all`: one seed folder each). Crashes land in
# .build/fuzz/findings/READER/.
# Usage: bash scripts/fuzz.sh [RUNS] [READER ...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}; shift || true
formats=("$@")
work=.build/fuzz
mkdir -p "$work"
if [ ! -x "$work/fuzzer" ] || [ -n "$(find Sources/SplatCore Sources/SplatFormats Fuzz -newer "$work/fuzzer" -name '*.swift' | head -1)" ]; then
    echo "building the fuzzer (swiftc -sanitize=fuzzer,address)..."
    # One module: SplatFormats' `import SplatCore` lines would each warn "ignoring import".
    # -I Sources/CZlib, Sources/CZstd, Sources/CWebP: SplatFormats reaches zlib, zstd and libwebp through those shims' module maps.
    # -package-name: the sources use `package` declarations, which SwiftPM would name for them.
    rm -f "$work/fuzzer"
    swiftc -sanitize=fuzzer,address -parse-as-library -O -swift-version 6 -module-name SplatCore -package-name splat4d \
        -suppress-warnings -I Sources/CZlib -I Sources/CZstd -I Sources/CWebP \
        $(find Sources/SplatCore Sources/SplatFormats -name "*.swift") Fuzz/FuzzTarget.swift -o "$work/fuzzer" 2>&1 \
        | grep -v "Cannot export local symbol" || true
    [ -x "$work/fuzzer" ] || { echo "fuzz: the fuzzer did not build (the compiler's errors are above)" >&2; exit 1; }
fi
swift build --product splat4d >/dev/null
rm -rf "$work/seeds"
.build/debug/splat4d generate fuzz-seeds --output "$work/seeds"
# Every registered reader has a seed folder: fuzz them all unless some were named.
[ ${#formats[@]} -gt 0 ] || mapfile -t formats < <(ls "$work/seeds")
status=0
for format in "${formats[@]}"; do
    corpus="$work/corpus/$format"; findings="$work/findings/$format"
    mkdir -p "$corpus" "$findings"
    cp -n "$work/seeds/$format"/* "$corpus/" 2>/dev/null || true
    start=$(date +%s)
    if SPLAT4D_FUZZ_FORMAT=$format "$work/fuzzer" "$corpus" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$findings/" -print_final_stats=1 > "$work/$format.log" 2>&1; then
        result="no crash"
    else
        result="FINDING (see $findings and $work/$format.log)"; status=1
    fi
    done_runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$format.log" | grep -o '[0-9]*$' || echo "?")
    cov=$(grep -o 'cov: [0-9]*' "$work/$format.log" | tail -1 || true)
    echo "$format: $done_runs executions in $(( $(date +%s) - start )) s, $cov, $result"
done
exit $status
