#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Tile triage before the blend, one invocation per tile: a tile that holds splats is appended to
// BlendTiles and counted in the x of BlendDispatch (the blend's indirect dispatch, set to
// (0, 1, 1) first), so that the blend runs over those tiles only. A tile that holds none needs
// background colour, α 0 and depth 0, exactly what the blend writes where nothing is composited
// (colour 0 + transmittance 1 · background): specialised with FILLS_BACKGROUND, this pass writes
// them (for the window, which reads the buffers on the GPU); otherwise the host writes them as it
// reads the frame back (VulkanRasterizer.readBack), which is cheaper than storing them here.
// CPU twin: ReferenceStages.blendTiles, and SplatCore Blend.shade of an empty range.
// Why not let the blend do empty tiles: on lavapipe a loop's body runs once even when no lane
// enters it, so an empty tile would still pay a masked turn of the splat walk and the box
// reductions (BENCHMARKS.md). Atomic appends leave the list in any order; each tile's pixels depend
// on its own range only, so the image does not.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(constant_id = 0) const bool FILLS_BACKGROUND = true;
layout(std430, binding = 0) readonly buffer Ranges { uvec2 ranges[]; };
layout(std430, binding = 1) writeonly buffer Colour { vec4 colourAlpha[]; };
layout(std430, binding = 2) writeonly buffer Depth { float depth[]; };
layout(std430, binding = 3) writeonly buffer BlendTiles { uint blendTiles[]; };
layout(std430, binding = 4) buffer BlendDispatch { uint blendGroups[]; };  // x, y, z workgroups
layout(push_constant) uniform Push { vec4 background; uvec2 imageSize; uint tilesX; uint tileCount; };

void main() {
    uint tile = gl_GlobalInvocationID.x;
    if (tile >= tileCount) return;
    uvec2 range = ranges[tile];
    if (range.x < range.y) {
        blendTiles[atomicAdd(blendGroups[0], 1u)] = tile;
        return;
    }
    if (!FILLS_BACKGROUND) return;  // a constant: compiled away
    uvec2 corner = uvec2(tile % tilesX, tile / tilesX) * uint(TILE_SIZE);
    uint i = 0u;  // the tile's pixels in row order; tested at the bottom (a top test costs lavapipe a masked turn)
    do {
        uvec2 at = corner + uvec2(i % uint(TILE_SIZE), i / uint(TILE_SIZE));
        if (at.x < imageSize.x && at.y < imageSize.y) {
            uint p = at.y * imageSize.x + at.x;
            colourAlpha[p] = vec4(background.rgb, 0.0);
            depth[p] = 0.0;
        }
        i += 1u;
    } while (i < uint(TILE_SIZE * TILE_SIZE));
}
