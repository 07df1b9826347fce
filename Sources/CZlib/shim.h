#pragma once
#include <zlib.h>

// inflateInit2 and deflateInit2 are function-like macros (they pass the version and the stream
// size), which Swift cannot import: wrap them.
static inline int splat_inflate_init(z_streamp stream, int windowBits) {
    return inflateInit2(stream, windowBits);
}
static inline int splat_deflate_init(z_streamp stream, int level, int windowBits) {
    return deflateInit2(stream, level, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
}
