#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Radix sort phase 1 (upsweep): per partition, how many keys have each 8-bit digit at `shift`.
// Written digit-major (histogram[digit * partitions + partition]) so that one exclusive scan of the
// whole array gives every partition's scatter base for every digit, in stable order.
layout(local_size_x = SORT_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer KeysIn { uint keys[]; };
layout(std430, binding = 1) writeonly buffer DigitCounts { uint histogram[]; };
layout(push_constant) uniform Push { uint count; uint shift; uint partitions; uint pad; };

shared uint counts[SORT_RADIX];

void main() {
    const uint partitionSize = SORT_WORKGROUP_SIZE * SORT_ITEMS_PER_THREAD;
    for (uint d = gl_LocalInvocationID.x; d < SORT_RADIX; d += SORT_WORKGROUP_SIZE) counts[d] = 0u;
    barrier();
    uint start = gl_WorkGroupID.x * partitionSize + gl_LocalInvocationID.x * SORT_ITEMS_PER_THREAD;
    uint end = min(start + SORT_ITEMS_PER_THREAD, count);
    for (uint i = start; i < end; ++i) atomicAdd(counts[(keys[i] >> shift) & 0xFFu], 1u);
    barrier();
    for (uint d = gl_LocalInvocationID.x; d < SORT_RADIX; d += SORT_WORKGROUP_SIZE) {
        histogram[d * partitions + gl_WorkGroupID.x] = counts[d];
    }
}
