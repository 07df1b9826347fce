#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Radix sort phase 3 (downsweep): stable scatter of (key, value) pairs by the digit (the
// `digitBits` bits at `shift`).
// Each thread owns a contiguous run of its partition and a row of per-digit counters (counted by
// the upsweep, ThreadDigitCounts), so the rank of a key is fixed by (partition, thread, position
// in run): stable and deterministic, with no subgroup operations and no waits on other
// workgroups. A thread's scatter positions live in a private array while it walks its run (a
// gather and an unrolled scatter on lavapipe, where shared memory is a loop over the lanes; see
// sort_upsweep). Specialised with KEYS_ONLY for keys that carry their value (packed tile keys,
// TileKeyPacking): Values are then neither read nor written.
layout(local_size_x = SORT_WORKGROUP_SIZE) in;
layout(constant_id = 0) const bool KEYS_ONLY = false;
// Inputs are fetched as texels (on lavapipe a gather, where a storage-buffer load is a loop over
// the lanes; Kernels.swift): keys and values four per texel (see main).
layout(binding = 0) uniform usamplerBuffer KeysIn;
layout(binding = 1) uniform usamplerBuffer ValuesIn;
layout(binding = 2) uniform usamplerBuffer DigitOffsets;
layout(std430, binding = 3) writeonly buffer KeysOut { uint keysOut[]; };
layout(std430, binding = 4) writeonly buffer ValuesOut { uint valuesOut[]; };
layout(binding = 5) uniform usamplerBuffer ThreadDigitCounts;  // see sort_upsweep
layout(push_constant) uniform Push { uint count; uint shift; uint partitions; uint digitBits; };

// The threads' rows as uvec4s, so that they are filled four counts per access.
shared uvec4 offsets[SORT_WORKGROUP_SIZE][SORT_RADIX / 4];

void main() {
    const uint partitionSize = SORT_WORKGROUP_SIZE * SORT_ITEMS_PER_THREAD;
    uint thread = gl_LocalInvocationID.x;
    uint radix = 1u << digitBits, mask = radix - 1u, packedWords = (radix + 7u) / 8u;
    uint row = (gl_WorkGroupID.x * SORT_WORKGROUP_SIZE + thread) * packedWords;
    for (uint w = 0u; w < packedWords; ++w) {
        uvec4 p = texelFetch(ThreadDigitCounts, int(row + w));  // eight 16-bit counts
        offsets[thread][2u * w] = uvec4(p.x & 0xFFFFu, p.x >> 16, p.y & 0xFFFFu, p.y >> 16);
        offsets[thread][2u * w + 1u] = uvec4(p.z & 0xFFFFu, p.z >> 16, p.w & 0xFFFFu, p.w >> 16);
    }
    uint start = gl_WorkGroupID.x * partitionSize + thread * SORT_ITEMS_PER_THREAD;
    uint end = min(start + SORT_ITEMS_PER_THREAD, count);
    barrier();
    // Per digit, turn the per-thread counts into this partition's scatter positions.
    // Tested at the bottom: lavapipe runs a loop's body before its exit test takes effect, so a
    // loop tested at the top costs a masked body (here 32 shared-memory accesses) more.
    uint d = thread;
    if (d < radix) do {
        uint running = texelFetch(DigitOffsets, int(d * partitions + gl_WorkGroupID.x)).x;
        for (uint t = 0u; t < SORT_WORKGROUP_SIZE; ++t) {
            uint c = offsets[t][d / 4u][d % 4u];
            offsets[t][d / 4u][d % 4u] = running;
            running += c;
        }
        d += SORT_WORKGROUP_SIZE;
    } while (d < radix);
    barrier();
    uint mine[SORT_RADIX];  // this thread's next scatter position per digit
    for (uint w = 0u; w < 2u * packedWords; ++w) {
        uvec4 o = offsets[thread][w];
        mine[4u * w] = o.x; mine[4u * w + 1u] = o.y; mine[4u * w + 2u] = o.z; mine[4u * w + 3u] = o.w;
    }
    // Runs start at multiples of 4: keys are read four at a time (see sort_upsweep).
    for (uint i = start; i < end; i += 4u) {
        uvec4 keys = texelFetch(KeysIn, int(i / 4u));
        uvec4 values = uvec4(0u);
        if (!KEYS_ONLY) values = texelFetch(ValuesIn, int(i / 4u));  // a branch on a constant: compiled away
        for (uint c = 0u; c < 4u; ++c) {  // a constant count: unrolled (a loop runs a masked body more, see below)
            if (i + c >= end) break;
            uint d = (keys[c] >> shift) & mask;
            uint position = mine[d];
            mine[d] = position + 1u;
            keysOut[position] = keys[c];
            if (!KEYS_ONLY) valuesOut[position] = values[c];
        }
    }
}
