#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Scan phase 1 (reduce): the sum of each partition of SCAN_WORKGROUP_SIZE × SCAN_ITEMS_PER_THREAD
// values. Each thread sums a contiguous run; no subgroup operations, no cross-workgroup waits.
layout(local_size_x = SCAN_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer ScanInput { uint values[]; };
layout(std430, binding = 1) writeonly buffer PartitionSums { uint partitionSums[]; };
layout(push_constant) uniform Push { uint count; uint flagsOnly; };

shared uint threadSums[SCAN_WORKGROUP_SIZE];

uint valueAt(uint i) {
    uint v = values[i];
    return flagsOnly != 0u ? uint(v != 0u) : v;
}

void main() {
    const uint partitionSize = SCAN_WORKGROUP_SIZE * SCAN_ITEMS_PER_THREAD;
    uint start = gl_WorkGroupID.x * partitionSize + gl_LocalInvocationID.x * SCAN_ITEMS_PER_THREAD;
    uint end = min(start + SCAN_ITEMS_PER_THREAD, count);
    uint sum = 0u;
    for (uint i = start; i < end; ++i) sum += valueAt(i);
    threadSums[gl_LocalInvocationID.x] = sum;
    barrier();
    if (gl_LocalInvocationID.x == 0u) {
        uint total = 0u;
        for (uint t = 0u; t < SCAN_WORKGROUP_SIZE; ++t) total += threadSums[t];
        partitionSums[gl_WorkGroupID.x] = total;
    }
}
