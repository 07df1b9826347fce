#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// Scan phase 3 (downsweep): exclusive prefix sums of each partition, offset by the scanned
// partition sums. The thread handling the last value also writes the grand total at out[count].
layout(local_size_x = SCAN_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer ScanInput { uvec4 values[]; };  // four per load; padded to whole uvec4s
layout(std430, binding = 1) readonly buffer PartitionOffsets { uint partitionOffsets[]; };
layout(std430, binding = 2) writeonly buffer PrefixSums { uvec4 prefix[]; };  // count + 1 entries, padded to whole uvec4s
layout(push_constant) uniform Push { uint count; uint flagsOnly; uint hasOffsets; uint pad; };

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
    uint local = gl_LocalInvocationID.x;
    uint start = gl_WorkGroupID.x * partitionSize + local * SCAN_ITEMS_PER_THREAD;
    uint end = min(start + SCAN_ITEMS_PER_THREAD, count);
    uvec4 run[SCAN_ITEMS_PER_THREAD / 4];
    uint sum = 0u;
    for (uint k = 0u; k < SCAN_ITEMS_PER_THREAD / 4u; ++k) {
        run[k] = uvec4(0u);
        if (start + 4u * k < end) run[k] = valuesAt(start + 4u * k);  // never reads past the padded input
        sum += run[k].x + run[k].y + run[k].z + run[k].w;
    }
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
    for (uint k = 0u; k < SCAN_ITEMS_PER_THREAD / 4u; ++k) {
        uvec4 sums;
        for (uint c = 0u; c < 4u; ++c) {
            sums[c] = running;
            running += run[k][c];
        }
        // Entries from `count` on are the total (values past it read as 0).
        if (start + 4u * k < end) prefix[(start + 4u * k) / 4u] = sums;
    }
    if (start < end && end == count) prefix[count / 4u][count % 4u] = running;
}
