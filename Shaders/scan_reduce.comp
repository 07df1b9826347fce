#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Scan phase 1 (reduce): the sum of each partition of SCAN_WORKGROUP_SIZE × SCAN_ITEMS_PER_THREAD
// values. Each thread sums a contiguous run; no subgroup operations, no cross-workgroup waits.
layout(local_size_x = SCAN_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer ScanInput { uvec4 values[]; };  // four per load; padded to whole uvec4s
layout(std430, binding = 1) writeonly buffer PartitionSums { uint partitionSums[]; };
layout(push_constant) uniform Push { uint count; uint flagsOnly; };

shared uint threadSums[SCAN_WORKGROUP_SIZE];

// Values i … i + 3 (i a multiple of 4), 0 past `count`. A thread's run is read as uvec4s: on
// lavapipe a load is a loop over the lanes whatever its width.
uvec4 valuesAt(uint i) {
    uvec4 v = values[i / 4u];
    if (flagsOnly != 0u) v = uvec4(notEqual(v, uvec4(0u)));
    return uvec4(lessThan(uvec4(i) + uvec4(0u, 1u, 2u, 3u), uvec4(count))) * v;
}

void main() {
    const uint partitionSize = SCAN_WORKGROUP_SIZE * SCAN_ITEMS_PER_THREAD;
    uint start = gl_WorkGroupID.x * partitionSize + gl_LocalInvocationID.x * SCAN_ITEMS_PER_THREAD;
    uint end = min(start + SCAN_ITEMS_PER_THREAD, count);
    uint sum = 0u;
    for (uint i = start; i < end; i += 4u) {
        uvec4 v = valuesAt(i);
        sum += v.x + v.y + v.z + v.w;
    }
    threadSums[gl_LocalInvocationID.x] = sum;
    barrier();
    if (gl_LocalInvocationID.x == 0u) {
        uint total = 0u;
        for (uint t = 0u; t < SCAN_WORKGROUP_SIZE; ++t) total += threadSums[t];
        partitionSums[gl_WorkGroupID.x] = total;
    }
}
