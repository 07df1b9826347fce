#version 450
#extension GL_GOOGLE_include_directive : require
#include "contract.glsl"
layout(local_size_x = 64) in;
layout(std430, binding = 0) buffer Out { uint values[]; };
layout(push_constant) uniform Push { uint count; uint value; };
void main() {
    uint i = gl_GlobalInvocationID.x;
    if (i < count) values[i] = value + i;
}
