#version 450
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"
// Which Gaussians of a time-varying cloud are active at t (1) or dropped (0): the cheap first
// half of the time slice, so that preprocess only projects the active ones.
layout(local_size_x = PREPROCESS_WORKGROUP_SIZE) in;
layout(std430, binding = 0) readonly buffer Geometry { GaussianGeometry geometry[]; };
layout(std430, binding = 1) readonly buffer Motion { GaussianMotion motion[]; };
layout(std430, binding = 2) writeonly buffer ActiveFlags { uint activeFlags[]; };
layout(push_constant) uniform Push { uint count; float time; float falloffCutoff; uint pad; };

void main() {
    uint i = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * (MAX_GROUPS_X * gl_WorkGroupSize.x);
    if (i >= count) return;
    float factor;
    activeFlags[i] = temporallyActive(geometry[i].positionOpacity.w, motion[i], time, falloffCutoff, factor) ? 1u : 0u;
}
