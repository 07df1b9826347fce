#!/usr/bin/env bash
# The SplatCore tests under AddressSanitizer, and the CPU reference rasterizer (which uses every
# core) under ThreadSanitizer. Leak checking is left to the fuzzers: XCTest itself leaks a few
# objects per run, which LeakSanitizer would report against us.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== AddressSanitizer: SplatCore tests"
swift build --build-tests --sanitize=address --scratch-path .build-asan 2>&1 | grep -Ev "Cannot export local symbol" | tail -1
ASAN_OPTIONS=detect_leaks=0 swift test --skip-build --sanitize=address --scratch-path .build-asan --filter SplatCoreTests
echo "== ThreadSanitizer: the CPU reference rasterizer"
swift build --build-tests --sanitize=thread --scratch-path .build-tsan 2>&1 | tail -1
TSAN_OPTIONS=halt_on_error=1 swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter 'SplatCoreTests.(RasterizerTests|TileCullingTests|TileSortTests)'
