#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_KHR_shader_subgroup_shuffle : require
#include "common.glsl"
// Tile blend: one workgroup per 16×16 tile, one invocation per pixel. Splats are staged in shared
// memory in batches of BLEND_WORKGROUP_SIZE; the tile stops early once every pixel is saturated.
// Front-to-back rule of DESIGN.md §3 step 10 (CPU twin: SplatCore Blend.shade).
layout(local_size_x = TILE_SIZE, local_size_y = TILE_SIZE) in;
layout(std430, binding = 0) readonly buffer Splats { ProjectedSplat splats[]; };
layout(std430, binding = 1) readonly buffer SortedValues { uint values[]; };
layout(std430, binding = 2) readonly buffer Ranges { uvec2 ranges[]; };
layout(std430, binding = 3) writeonly buffer Colour { vec4 colourAlpha[]; };
layout(std430, binding = 4) writeonly buffer Depth { float depth[]; };
layout(push_constant) uniform Push { vec4 background; uvec2 imageSize; uint tilesX; uint pad; };

const float MAX_ALPHA = 0.99;
const float MIN_ALPHA = 1.0 / 255.0;
const float MIN_TRANSMITTANCE = 0.0001;

shared vec4 batchMeanOpacity[BLEND_WORKGROUP_SIZE];  // mean xy, depth, opacity
shared vec4 batchConic[BLEND_WORKGROUP_SIZE];
shared vec3 batchColour[BLEND_WORKGROUP_SIZE];
shared uint doneCount;

void main() {
    uvec2 tile = gl_WorkGroupID.xy;
    uvec2 pixel = tile * uint(TILE_SIZE) + gl_LocalInvocationID.xy;
    uint thread = gl_LocalInvocationIndex;
    bool inside = pixel.x < imageSize.x && pixel.y < imageSize.y;
    vec2 pixelCentre = vec2(pixel);
    uvec2 range = ranges[tile.y * tilesX + tile.x];
    uint total = range.y - range.x;

    bool done = !inside;
    float transmittance = 1.0;
    vec3 colour = vec3(0.0);
    float depthSum = 0.0;
    // Each lane of a subgroup fetches one splat of the next batch; the subgroup then walks the
    // batch in order, taking each splat from its lane with a shuffle. One gather per batch instead
    // of one per splat, and the subgroup stops once all its pixels are saturated. Per-pixel
    // decisions are selects, so the walk stays in uniform control flow. Any subgroup size works.
    uint lane = gl_SubgroupInvocationID;
    for (uint batch = range.x; batch < range.y; batch += gl_SubgroupSize) {
        if (subgroupAll(done)) break;
        vec4 laneMean = vec4(0.0), laneConic = vec4(0.0), laneColour = vec4(0.0);
        if (batch + lane < range.y) {
            uint g = values[batch + lane];
            laneMean = splats[g].meanDepthOpacity;
            laneConic = splats[g].conicRadius;
            laneColour = splats[g].colour;
        }
        uint batchSize = min(gl_SubgroupSize, range.y - batch);
        for (uint k = 0u; k < batchSize; ++k) {
            vec4 m = subgroupShuffle(laneMean, k);
            vec3 conic = subgroupShuffle(laneConic.xyz, k);
            vec3 splatColour = subgroupShuffle(laneColour.rgb, k);
            vec2 d = m.xy - pixelCentre;
            float power = -0.5 * (conic.x * d.x * d.x + conic.z * d.y * d.y) - conic.y * d.x * d.y;
            float alpha = min(MAX_ALPHA, m.w * exp(power));
            bool contributes = !done && power <= 0.0 && alpha >= MIN_ALPHA;
            float next = transmittance * (1.0 - alpha);
            bool saturates = contributes && next < MIN_TRANSMITTANCE;
            done = done || saturates;
            contributes = contributes && !saturates;
            float weight = contributes ? alpha * transmittance : 0.0;
            colour += splatColour * weight;
            depthSum += m.z * weight;
            transmittance = contributes ? next : transmittance;
        }
    }
    if (inside) {
        uint p = pixel.y * imageSize.x + pixel.x;
        float alpha = 1.0 - transmittance;
        colourAlpha[p] = vec4(colour + transmittance * background.rgb, alpha);
        depth[p] = alpha > 0.0 ? depthSum / alpha : 0.0;
    }
}
