#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_shader_subgroup_vote : require
#extension GL_KHR_shader_subgroup_shuffle : require
#extension GL_KHR_shader_subgroup_ballot : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
// Tile blend: one workgroup per 16×16 tile that holds splats (BlendTiles, listed by tile_triage;
// the triage or the host readback fills the others), front-to-back rule of DESIGN.md §3 step 10 (CPU twin:
// SplatCore Blend.shade). Each invocation composites BLEND_ROWS pixels of one column, so a fetched
// splat serves BLEND_ROWS pixels per lane. Dispatched indirectly: on lavapipe an empty tile would
// still run a masked turn of the splat walk (see below) and its box reductions.
//
// A subgroup walks its tile's splats in batches of one splat per lane. Each lane fetches its
// splat and tests it against the box of the subgroup's pixels (the tile test of preprocess on a
// smaller box); the subgroup then blends only the splats that can reach α ≥ 1/255 somewhere in
// its box, taking each from its lane with a shuffle. A skipped splat would have left every pixel
// of the box unchanged, so the image is the same; on real captures most of a tile's splats miss
// a given few rows of it (`splat4d bench --workload`). The subgroup stops once all its pixels are
// saturated. Per-pixel decisions are selects, so the walk stays in uniform control flow; any
// subgroup size works. Both walks test their condition at the bottom (do-while): lavapipe runs a
// loop body before its exit test takes effect, so a loop tested at the top costs one masked body
// more than it iterates. Measurements behind these choices: BENCHMARKS.md, "Issue 15".
layout(local_size_x = TILE_SIZE, local_size_y = TILE_SIZE / BLEND_ROWS) in;
// The splat planes and the sorted values are fetched as texels: on lavapipe a texel fetch is a
// gather, a storage-buffer load a loop over the lanes (Kernels.swift, DescriptorKind).
layout(binding = 0) uniform samplerBuffer SplatMeans;
layout(binding = 1) uniform samplerBuffer SplatConics;
layout(binding = 2) uniform samplerBuffer SplatColours;
layout(binding = 3) uniform usamplerBuffer SortedValues;  // or packed keys: see gaussianMask
layout(std430, binding = 4) readonly buffer Ranges { uvec2 ranges[]; };
layout(std430, binding = 5) writeonly buffer Colour { vec4 colourAlpha[]; };
layout(std430, binding = 6) writeonly buffer Depth { float depth[]; };
layout(std430, binding = 7) readonly buffer BlendTiles { uint blendTiles[]; };
layout(std430, binding = 8) readonly buffer BlendDispatch { uint blendGroups[]; };  // x: the tiles listed
// gaussianMask selects the Gaussian index from a word of SortedValues: all bits for separate
// values, the low bits for packed tile keys (TileKeyPacking).
layout(push_constant) uniform Push { vec4 background; uvec2 imageSize; uint tilesX; uint gaussianMask; };

const float MAX_ALPHA = 0.99;
const float MIN_ALPHA = 1.0 / 255.0;
const float MIN_TRANSMITTANCE = 0.0001;

// One pixel's running composite. A pixel that is done (saturated, or outside the image) keeps its
// transmittance negated: one value fewer carried per pixel through the splat walk than a separate
// flag, where lavapipe's registers run short (BENCHMARKS.md). Live, it is at least MIN_TRANSMITTANCE.
struct Composite {
    vec3 colour;
    float transmittance;  // negative once done
    float depthSum;
};

// This invocation's pixels: column x, rows y … y + BLEND_ROWS − 1.
Composite pixels[BLEND_ROWS];

// Composites one splat (mean xy, depth, opacity; conic; colour) over the pixel at `centre`.
void blendSplat(inout Composite c, vec2 centre, vec4 m, vec3 conic, vec3 splatColour) {
    vec2 d = m.xy - centre;
    float power = -0.5 * (conic.x * d.x * d.x + conic.z * d.y * d.y) - conic.y * d.x * d.y;
    float alpha = min(MAX_ALPHA, m.w * exp(power));
    bool contributes = c.transmittance > 0.0 && power <= 0.0 && alpha >= MIN_ALPHA;
    float next = c.transmittance * (1.0 - alpha);
    bool saturates = contributes && next < MIN_TRANSMITTANCE;
    contributes = contributes && !saturates;
    float weight = contributes ? alpha * c.transmittance : 0.0;
    c.colour += splatColour * weight;
    c.depthSum += m.z * weight;
    c.transmittance = saturates ? -c.transmittance : (contributes ? next : c.transmittance);
}

// Blends, in lane order, the splats of the lanes whose bit is set in `lanes` (lane = base + bit)
// over this invocation's pixels, the first at `centre`.
void blendLanes(vec2 centre, uint lanes, uint base, vec4 mean, vec3 conic, vec3 splatColour) {
    if (lanes == 0u) return;  // on lavapipe the body below still runs once, masked
    do {
        uint k = base + uint(findLSB(lanes));
        lanes &= lanes - 1u;
        vec4 m = subgroupShuffle(mean, k);
        vec3 q = subgroupShuffle(conic, k);
        vec3 c = subgroupShuffle(splatColour, k);
        for (int row = 0; row < BLEND_ROWS; ++row) blendSplat(pixels[row], centre + vec2(0.0, float(row)), m, q, c);
    } while (lanes != 0u);
}

bool allPixelsDone() {
    bool done = true;
    for (int row = 0; row < BLEND_ROWS; ++row) done = done && pixels[row].transmittance < 0.0;
    return done;
}

// The list slot workgroup `group` of `count` blends: a stride permutation of the list. lavapipe
// hands each of its threads one contiguous run of a dispatch's workgroups, and the list runs over
// the image in near row order, so without it one thread would get the top of the image and the
// other the bottom (a real capture's work is anything but even there). Strided, each run samples
// the whole image evenly. The stride is a prime that does not divide `count` (so the map is a
// bijection), small enough that group × stride fits 32 bits for up to 2^20 tiles (16384²).
uint listSlot(uint group, uint count) {
    uint stride = count % 4093u != 0u ? 4093u : 4091u;
    return group * stride % count;
}

void main() {
    uint tileIndex = blendTiles[listSlot(gl_WorkGroupID.x, blendGroups[0])];
    uvec2 tile = uvec2(tileIndex % tilesX, tileIndex / tilesX);
    uvec2 first = tile * uint(TILE_SIZE) + uvec2(gl_LocalInvocationID.x, BLEND_ROWS * gl_LocalInvocationID.y);
    for (int row = 0; row < BLEND_ROWS; ++row) {
        bool inside = first.x < imageSize.x && first.y + uint(row) < imageSize.y;
        pixels[row] = Composite(vec3(0.0), inside ? 1.0 : -1.0, 0.0);
    }
    vec2 boxMin = vec2(float(subgroupMin(first.x)), float(subgroupMin(first.y)));
    vec2 boxMax = vec2(float(subgroupMax(first.x)), float(subgroupMax(first.y + uint(BLEND_ROWS - 1))));
    uvec2 range = ranges[tileIndex];
    uint lane = gl_SubgroupInvocationID;
    uint batch = range.x;  // the triage lists only tiles that hold splats: the walk runs at least once
    do {
        // Fetch batches until one holds a splat that reaches the box (or the list ends), so that
        // a batch reaching none costs its fetch only: on lavapipe blendLanes would still run one
        // masked step for it (a third of a real capture's batches; `splat4d bench --workload`).
        vec4 mean, conicRadius, splatColour;
        uvec4 touching;
        do {
            mean = vec4(0.0), conicRadius = vec4(0.0), splatColour = vec4(0.0);
            bool touches = false;
            if (batch + lane < range.y) {
                int g = int(texelFetch(SortedValues, int(batch + lane)).x & gaussianMask);
                mean = texelFetch(SplatMeans, g);
                conicRadius = texelFetch(SplatConics, g);
                splatColour = texelFetch(SplatColours, g);
                touches = splatReachesBox(conicRadius.xyz, mean.xy, splatColour.w, boxMin, boxMax);  // w: the α reach (preprocess)
            }
            touching = subgroupBallot(touches);
            batch += gl_SubgroupSize;
        } while (touching == uvec4(0u) && batch < range.y);
        uint word = 0u;  // the ballot's words: one for subgroups of up to 32 lanes
        do {
            blendLanes(vec2(first), touching[word], word * 32u, mean, conicRadius.xyz, splatColour.rgb);
            word += 1u;
        } while (word * 32u < gl_SubgroupSize);
    } while (batch < range.y && subgroupBallot(!allPixelsDone()) != uvec4(0u));  // a ballot: lavapipe's subgroupAll is a branchy loop over the lanes
    for (int row = 0; row < BLEND_ROWS; ++row) {
        uvec2 at = first + uvec2(0u, uint(row));
        if (at.x < imageSize.x && at.y < imageSize.y) {
            uint p = at.y * imageSize.x + at.x;
            float transmittance = abs(pixels[row].transmittance);
            float alpha = 1.0 - transmittance;
            colourAlpha[p] = vec4(pixels[row].colour + transmittance * background.rgb, alpha);
            depth[p] = alpha > 0.0 ? pixels[row].depthSum / alpha : 0.0;
        }
    }
}
