#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Scan phase 3 (downsweep): exclusive prefix sums of each partition, offset by the scanned
// partition sums. The thread handling the last value also writes the grand total at out[count].
layout(local_size_x = SCAN_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer ScanInput { uint values[]; };
layout(std430, binding = 1) readonly buffer PartitionOffsets { uint partitionOffsets[]; };
layout(std430, binding = 2) writeonly buffer PrefixSums { uint prefix[]; };
layout(push_constant) uniform Push { uint count; uint flagsOnly; uint hasOffsets; uint pad; };

shared uint threadSums[SCAN_WORKGROUP_SIZE];

uint valueAt(uint i) {
    uint v = values[i];
    return flagsOnly != 0u ? uint(v != 0u) : v;
}

void main() {
    const uint partitionSize = SCAN_WORKGROUP_SIZE * SCAN_ITEMS_PER_THREAD;
    uint local = gl_LocalInvocationID.x;
    uint start = gl_WorkGroupID.x * partitionSize + local * SCAN_ITEMS_PER_THREAD;
    uint end = min(start + SCAN_ITEMS_PER_THREAD, count);
    uint sum = 0u;
    for (uint i = start; i < end; ++i) sum += valueAt(i);
    threadSums[local] = sum;
    barrier();
    if (local == 0u) {
        uint running = hasOffsets != 0u ? partitionOffsets[gl_WorkGroupID.x] : 0u;
        for (uint t = 0u; t < SCAN_WORKGROUP_SIZE; ++t) {
            uint s = threadSums[t];
            threadSums[t] = running;
            running += s;
        }
    }
    barrier();
    uint running = threadSums[local];
    for (uint i = start; i < end; ++i) {
        prefix[i] = running;
        running += valueAt(i);
    }
    if (start < end && end == count) prefix[count] = running;
}
