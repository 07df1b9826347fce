#!/usr/bin/env bash
# Installs the Debian packages Splat4D builds and tests with, when any is missing.
# Vulkan loader + headers, Mesa's lavapipe (a CPU Vulkan device), the Khronos validation layer,
# GLFW, libpng, glslang (GLSL → SPIR-V at build time), pkg-config, Xvfb for window tests, zlib, zstd,
# libwebp (SOG's lossless WebP images),
# Chromium (the evaluation report is opened headless in a test), ffmpeg (video output: render
# --output x.mp4, encode, view --record; the video tests decode with it and ffprobe).
set -euo pipefail
packages=(libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers libglfw3-dev libpng-dev
          glslang-tools pkg-config xvfb xauth zlib1g-dev libzstd-dev libwebp-dev chromium ffmpeg)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
