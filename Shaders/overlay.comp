#version 450
// The viewer's overlay: rectangles and text (OverlayPrimitive) blended over the window's packed
// 8-bit pixels (to_swapchain.comp's output, copied), in place. Only the 8×8 tiles an item touches
// are dispatched: one workgroup per listed tile, one invocation per pixel, each pixel blending
// every item over it in list order. Integer straight-alpha blending,
// (src·a + dst·(255 − a) + 127) / 255, byte for byte as OverlayCompositor (SplatCore) does on
// the CPU. Item colours arrive in the swapchain's byte order, so the shader never swizzles.
//
// Overlay words (OverlayEncoding in SplatGPU):
//   [0] item count  [1] items offset  [2] tiles offset  [3] font offset  [4] chars offset  [5] tile count
//   item (12 words): x0 y0 x1 y1 (clipped bounds, end exclusive), colour (bytes 0..2 in pixel
//     order, byte 3 alpha), kind (0 rectangle, 1 text), scale, first char, char count,
//     origin x, origin y, unused
//   tiles: tile indices ty·tilesX + tx; font: 95·7 rows (bit 4 leftmost) for ASCII 32…126;
//   chars: one font code per word.
layout(local_size_x = 8, local_size_y = 8) in;
layout(std430, binding = 0) readonly buffer Overlay { uint overlay[]; };
layout(std430, binding = 1) buffer Pixels { uint pixels[]; };
layout(push_constant) uniform Push {
    uvec2 imageSize;
    uint tilesX;
    uint pad;
};

uint blendChannel(uint src, uint dst, uint a) { return (src * a + dst * (255u - a) + 127u) / 255u; }

bool textCovers(uint item, ivec2 p) {
    uint scale = overlay[item + 6u];
    int ox = int(overlay[item + 9u]), oy = int(overlay[item + 10u]);
    uint fx = uint(p.x - ox) / scale, fy = uint(p.y - oy) / scale;
    uint cell = fx / 6u, column = fx % 6u;
    if (cell >= overlay[item + 8u] || column >= 5u || fy >= 7u) return false;
    uint code = overlay[overlay[4] + overlay[item + 7u] + cell];
    if (code < 32u || code > 126u) return false;
    uint row = overlay[overlay[3] + (code - 32u) * 7u + fy];
    return ((row >> (4u - column)) & 1u) == 1u;
}

void main() {
    // Tiles past 65535 (the guaranteed dispatch width) continue in further rows of workgroups.
    uint listed = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    if (listed >= overlay[5]) return;
    uint tile = overlay[overlay[2] + listed];
    uvec2 q = uvec2(tile % tilesX, tile / tilesX) * 8u + gl_LocalInvocationID.xy;
    if (q.x >= imageSize.x || q.y >= imageSize.y) return;
    ivec2 p = ivec2(q);
    uint index = q.y * imageSize.x + q.x;
    uint word = pixels[index];
    uint c0 = word & 255u, c1 = (word >> 8) & 255u, c2 = (word >> 16) & 255u;
    bool touched = false;
    uint count = overlay[0];
    for (uint k = 0u; k < count; k++) {
        uint item = overlay[1] + k * 12u;
        if (p.x < int(overlay[item]) || p.y < int(overlay[item + 1u]) || p.x >= int(overlay[item + 2u]) || p.y >= int(overlay[item + 3u])) continue;
        if (overlay[item + 5u] == 1u && !textCovers(item, p)) continue;
        uint colour = overlay[item + 4u], a = colour >> 24;
        c0 = blendChannel(colour & 255u, c0, a);
        c1 = blendChannel((colour >> 8) & 255u, c1, a);
        c2 = blendChannel((colour >> 16) & 255u, c2, a);
        touched = true;
    }
    if (touched) pixels[index] = c0 | (c1 << 8) | (c2 << 16) | (word & 0xff000000u);
}
