#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
// The indices of the flagged entries, in index order, at the positions an exclusive scan of the
// flags gives (stream compaction).
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer ActiveFlags { uint flags[]; };
layout(std430, binding = 1) readonly buffer ActiveSlots { uint slots[]; };
layout(std430, binding = 2) writeonly buffer ActiveIndices { uint indices[]; };
layout(push_constant) uniform Push { uint count; };

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i < count && flags[i] != 0u) indices[slots[i]] = i;
}
