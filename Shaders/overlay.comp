#version 450
// The viewer's overlay: one rectangle or line of text (OverlayPrimitive) blended over the
// window's packed 8-bit pixels (to_swapchain.comp's output) in place. One dispatch per item, in
// list order with a barrier between, over the item's clipped bounds only: each invocation walks
// `rowsPerInvocation` rows of one column. The item comes in push constants, which keeps each
// pixel's work to one load, three blends and one store (on lavapipe, one pass looping over the
// items from a storage buffer for each pixel of the 8×8 tiles they touch cost about 4× more). Integer straight-alpha blending,
// (src·a + dst·(255 − a) + 127) / 255, byte for byte as OverlayCompositor (SplatCore) does on
// the CPU. The colour arrives in the pixels' byte order, so the shader never swizzles.
//
// Overlay words (OverlayEncoding in SplatGPU): 95·7 font rows for ASCII 32…126 (bit 4 the
// leftmost pixel), then every text item's characters, one font code per word.
layout(local_size_x = 64) in;
layout(std430, binding = 0) readonly buffer Overlay { uint overlay[]; };
layout(std430, binding = 1) buffer Pixels { uint pixels[]; };
layout(push_constant) uniform Push {
    ivec4 bounds;    // x0, y0, x1, y1: clipped to the image, end exclusive
    ivec2 origin;    // a text item's top-left cell corner (may lie off the image)
    uint imageWidth;
    uint colour;     // bytes 0..2 in pixel order, byte 3 alpha
    uint kind;       // 0 rectangle, 1 text
    uint scale;      // font pixel size
    uint firstChar;  // index in overlay[] of the first character code
    uint charCount;
};

const uint rowsPerInvocation = 32u;  // OverlayPass.rowsPerInvocation

// x / 255 as (x + 1 + (x >> 8)) >> 8: exact for every x ≤ 65534 (checked exhaustively), and the
// numerator is at most 255·255 + 127 = 65152; cheaper than a division on SIMD CPUs (lavapipe).
uint blendChannel(uint src, uint dst, uint a) {
    uint x = src * a + dst * (255u - a) + 127u;
    return (x + 1u + (x >> 8)) >> 8;
}

bool textCovers(ivec2 p) {
    uint fx = uint(p.x - origin.x), fy = uint(p.y - origin.y);
    if (scale != 1u) { fx /= scale; fy /= scale; }
    uint cell = fx / 6u, column = fx - cell * 6u;
    if (cell >= charCount || column >= 5u || fy >= 7u) return false;
    uint code = overlay[firstChar + cell];
    if (code < 32u || code > 126u) return false;
    return ((overlay[(code - 32u) * 7u + fy] >> (4u - column)) & 1u) == 1u;
}

void main() {
    int x = bounds.x + int(gl_GlobalInvocationID.x);
    if (x >= bounds.z) return;
    uint a = colour >> 24;
    uint s0 = colour & 255u, s1 = (colour >> 8) & 255u, s2 = (colour >> 16) & 255u;
    int firstRow = bounds.y + int(gl_GlobalInvocationID.y * rowsPerInvocation);
    int lastRow = min(firstRow + int(rowsPerInvocation), bounds.w);
    for (int y = firstRow; y < lastRow; y++) {
        if (kind == 1u && !textCovers(ivec2(x, y))) continue;
        uint index = uint(y) * imageWidth + uint(x);
        uint word = pixels[index];
        uint c0 = blendChannel(s0, word & 255u, a);
        uint c1 = blendChannel(s1, (word >> 8) & 255u, a);
        uint c2 = blendChannel(s2, (word >> 16) & 255u, a);
        pixels[index] = c0 | (c1 << 8) | (c2 << 16) | (word & 0xff000000u);
    }
}
