#version 450
// The window's pixels: the renderer's float RGBA (blend.comp's colour buffer, C + T·background in
// rgb) quantised to 8 bits exactly as every PNG is written, floor(255·clamp(c, 0, 1) + 0.5) with
// NaN → 0 (Image.quantized8 in SplatCore), packed for an RGBA8 or BGRA8 swapchain, alpha opaque.
// The host copies the packed buffer into the swapchain image and reads it back for screenshots,
// so the screenshot is exactly the frame on screen.
layout(local_size_x_id = 0) in;  // workgroup width from the host (ToSwapchainPass.workgroupSize)
layout(std430, binding = 0) readonly buffer Colour { vec4 colour[]; };
layout(std430, binding = 1) writeonly buffer Pixels { uint pixels[]; };
layout(push_constant) uniform Push {
    uvec2 imageSize;
    uint swizzleBGRA;  // 1: bytes B,G,R,A (B8G8R8A8 formats); 0: R,G,B,A
    uint pad;
};

uint quantize(float v) {
    float c = isnan(v) ? 0.0 : clamp(v, 0.0, 1.0);
    precise float scaled = 255.0 * c + 0.5;  // no fused multiply-add: the CPU rounds twice too
    return uint(floor(scaled));
}

void main() {
    uvec2 p = gl_GlobalInvocationID.xy;
    if (p.x >= imageSize.x || p.y >= imageSize.y) return;
    uint i = p.y * imageSize.x + p.x;
    vec4 c = colour[i];
    uint r = quantize(c.r), g = quantize(c.g), b = quantize(c.b);
    uint first = swizzleBGRA != 0u ? b : r;
    uint third = swizzleBGRA != 0u ? r : b;
    pixels[i] = first | (g << 8) | (third << 16) | (255u << 24);
}
