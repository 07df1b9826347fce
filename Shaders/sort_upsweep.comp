#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Radix sort phase 1 (upsweep): per partition, how many keys have each digit value (the
// `digitBits` bits at `shift`). Written digit-major (histogram[digit * partitions + partition])
// so that one exclusive scan of the whole array gives every partition's scatter base for every
// digit, in stable order. Each thread counts its run into its own row (no atomics: on lavapipe
// each is a locked instruction per lane), then each digit's rows are summed. The rows are also
// written out (ThreadDigitCounts), so that the downsweep need not count the keys again.
// A thread counts in a private array, not in shared memory: on lavapipe a private array indexed
// per lane is a gather and an unrolled scatter, where every shared-memory access is a loop over
// the lanes with a branch each (Mesa 22.3 gallivm; BENCHMARKS.md, "Issue 15").
layout(local_size_x = SORT_WORKGROUP_SIZE) in;
layout(binding = 0) uniform usamplerBuffer KeysIn;  // four keys per texel (see main)
layout(std430, binding = 1) writeonly buffer DigitCounts { uint histogram[]; };
// Per thread of each partition, its row of digit counts, 16 bits each (a thread counts at most
// SORT_ITEMS_PER_THREAD keys): ceil(radix / 8) uvec4s, 2 bytes per key at most, so the rows of
// any key count that fits a binding fit one too.
layout(std430, binding = 2) writeonly buffer ThreadDigitCounts { uvec4 threadCounts[]; };
layout(push_constant) uniform Push { uint count; uint shift; uint partitions; uint digitBits; };

// The threads' rows, shared for the per-digit totals.
shared uvec4 counts[SORT_WORKGROUP_SIZE][SORT_RADIX / 4];

void main() {
    const uint partitionSize = SORT_WORKGROUP_SIZE * SORT_ITEMS_PER_THREAD;
    uint thread = gl_LocalInvocationID.x;
    uint radix = 1u << digitBits, mask = radix - 1u, packedWords = (radix + 7u) / 8u;
    uint mine[SORT_RADIX];  // this thread's digit counts
    for (uint d = 0u; d < 8u * packedWords; ++d) mine[d] = 0u;  // whole packed words: all are written out
    uint start = gl_WorkGroupID.x * partitionSize + thread * SORT_ITEMS_PER_THREAD;
    uint end = min(start + SORT_ITEMS_PER_THREAD, count);
    // Runs start at multiples of 4: keys are fetched four at a time, as texels (on lavapipe a
    // gather, where a storage-buffer load is a loop over the lanes; Kernels.swift).
    for (uint i = start; i < end; i += 4u) {
        uvec4 k = (texelFetch(KeysIn, int(i / 4u)) >> shift) & mask;
        for (uint c = 0u; c < 4u; ++c) mine[k[c]] += i + c < end ? 1u : 0u;
    }
    uint row = (gl_WorkGroupID.x * SORT_WORKGROUP_SIZE + thread) * packedWords;
    for (uint w = 0u; w < packedWords; ++w) {
        uint d = 8u * w;
        uvec4 a = uvec4(mine[d], mine[d + 1u], mine[d + 2u], mine[d + 3u]);
        uvec4 b = uvec4(mine[d + 4u], mine[d + 5u], mine[d + 6u], mine[d + 7u]);
        counts[thread][2u * w] = a;
        counts[thread][2u * w + 1u] = b;
        threadCounts[row + w] = uvec4(a.x | a.y << 16, a.z | a.w << 16, b.x | b.y << 16, b.z | b.w << 16);
    }
    barrier();
    // Tested at the bottom (see sort_downsweep).
    uint d = thread;
    if (d < radix) do {
        uint total = 0u;
        for (uint t = 0u; t < SORT_WORKGROUP_SIZE; ++t) total += counts[t][d / 4u][d % 4u];
        histogram[d * partitions + gl_WorkGroupID.x] = total;
        d += SORT_WORKGROUP_SIZE;
    } while (d < radix);
}
