#!/usr/bin/env bash
# Runs every test, with the Khronos validation layer on for every Vulkan call the tests and the
# CLI make (GPU tests fail on any validation message).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export SPLAT4D_VALIDATION=1
swift build --build-tests
swift test --skip-build "$@"
