#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Tile triage before the blend, one workgroup per tile laid out as the blend's: a tile that holds
// splats is appended to BlendTiles and counted in the x of BlendDispatch (the blend's indirect
// dispatch, set to (0, 1, 1) first), so that the blend runs over those tiles only; a tile that
// holds none gets its pixels here: background colour, α 0, depth 0, exactly what the blend
// writes where nothing is composited (colour 0 + transmittance 1 · background). CPU twin:
// ReferenceStages.blendTiles, and SplatCore Blend.shade of an empty range.
// Why not let the blend do empty tiles: on lavapipe a loop's body runs once even when no lane
// enters it, so an empty tile would still pay a masked turn of the splat walk and the box
// reductions (BENCHMARKS.md). Atomic appends leave the list in any order; each tile's pixels depend
// on its own range only, so the image does not.
layout(local_size_x = TILE_SIZE, local_size_y = TILE_SIZE / BLEND_ROWS) in;
layout(std430, binding = 0) readonly buffer Ranges { uvec2 ranges[]; };
layout(std430, binding = 1) writeonly buffer Colour { vec4 colourAlpha[]; };
layout(std430, binding = 2) writeonly buffer Depth { float depth[]; };
layout(std430, binding = 3) writeonly buffer BlendTiles { uint blendTiles[]; };
layout(std430, binding = 4) buffer BlendDispatch { uint blendGroups[]; };  // x, y, z workgroups
// The blend's push constants (gaussianMask unused here).
layout(push_constant) uniform Push { vec4 background; uvec2 imageSize; uint tilesX; uint gaussianMask; };

void main() {
    uint tile = gl_WorkGroupID.y * tilesX + gl_WorkGroupID.x;
    uvec2 range = ranges[tile];
    if (range.x < range.y) {
        if (gl_LocalInvocationIndex == 0u) blendTiles[atomicAdd(blendGroups[0], 1u)] = tile;
        return;
    }
    uvec2 first = gl_WorkGroupID.xy * uint(TILE_SIZE) + uvec2(gl_LocalInvocationID.x, BLEND_ROWS * gl_LocalInvocationID.y);
    for (int row = 0; row < BLEND_ROWS; ++row) {
        uvec2 at = first + uvec2(0u, uint(row));
        if (at.x < imageSize.x && at.y < imageSize.y) {
            uint p = at.y * imageSize.x + at.x;
            colourAlpha[p] = vec4(background.rgb, 0.0);
            depth[p] = 0.0;
        }
    }
}
