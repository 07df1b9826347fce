#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
// Tile blend: one workgroup per 16×16 tile, one invocation per pixel. Splats are staged in shared
// memory in batches of BLEND_WORKGROUP_SIZE; the tile stops early once every pixel is saturated.
// Front-to-back rule of DESIGN.md §3 step 10 (CPU twin: SplatCore Blend.shade).
layout(local_size_x = TILE_SIZE, local_size_y = TILE_SIZE) in;
layout(std430, binding = 0) readonly buffer Splats { ProjectedSplat splats[]; };
layout(std430, binding = 1) readonly buffer Values { uint values[]; };
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
    for (uint batch = 0u; batch < total; batch += BLEND_WORKGROUP_SIZE) {
        if (thread == 0u) doneCount = 0u;
        barrier();
        if (done) atomicAdd(doneCount, 1u);
        barrier();
        if (doneCount == BLEND_WORKGROUP_SIZE) break;
        if (batch + thread < total) {
            ProjectedSplat s = splats[values[range.x + batch + thread]];
            batchMeanOpacity[thread] = s.meanDepthOpacity;
            batchConic[thread] = s.conicRadius;
            batchColour[thread] = s.colour.rgb;
        }
        barrier();
        uint batchSize = min(BLEND_WORKGROUP_SIZE, total - batch);
        for (uint j = 0u; !done && j < batchSize; ++j) {
            vec4 m = batchMeanOpacity[j];
            vec3 conic = batchConic[j].xyz;
            vec2 d = m.xy - pixelCentre;
            float power = -0.5 * (conic.x * d.x * d.x + conic.z * d.y * d.y) - conic.y * d.x * d.y;
            if (power > 0.0) continue;
            float alpha = min(MAX_ALPHA, m.w * exp(power));
            if (alpha < MIN_ALPHA) continue;
            float next = transmittance * (1.0 - alpha);
            if (next < MIN_TRANSMITTANCE) { done = true; break; }
            colour += batchColour[j] * (alpha * transmittance);
            depthSum += m.z * (alpha * transmittance);
            transmittance = next;
        }
    }
    if (inside) {
        uint p = pixel.y * imageSize.x + pixel.x;
        float alpha = 1.0 - transmittance;
        colourAlpha[p] = vec4(colour + transmittance * background.rgb, alpha);
        depth[p] = alpha > 0.0 ? depthSum / alpha : 0.0;
    }
}
