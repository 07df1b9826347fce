#pragma once
#include <png.h>

// Function-like macros do not import into Swift: re-export the ones we use.
static const png_uint_32 SPLAT_PNG_FORMAT_GRAY = PNG_FORMAT_GRAY;
static const png_uint_32 SPLAT_PNG_FORMAT_GA = PNG_FORMAT_GA;
static const png_uint_32 SPLAT_PNG_FORMAT_RGB = PNG_FORMAT_RGB;
static const png_uint_32 SPLAT_PNG_FORMAT_RGBA = PNG_FORMAT_RGBA;
static const png_uint_32 SPLAT_PNG_FORMAT_FLAG_ALPHA = PNG_FORMAT_FLAG_ALPHA;
static const png_uint_32 SPLAT_PNG_FORMAT_FLAG_COLOR = PNG_FORMAT_FLAG_COLOR;
static const png_uint_32 SPLAT_PNG_FORMAT_FLAG_LINEAR = PNG_FORMAT_FLAG_LINEAR;
static const png_uint_32 SPLAT_PNG_IMAGE_VERSION = PNG_IMAGE_VERSION;

static inline png_uint_32 splat_png_image_channels(png_uint_32 format) {
    return PNG_IMAGE_SAMPLE_CHANNELS(format);
}
static inline png_uint_32 splat_png_image_component_size(png_uint_32 format) {
    return PNG_IMAGE_SAMPLE_COMPONENT_SIZE(format);
}
static inline int splat_png_image_failed(png_imagep image) {
    return PNG_IMAGE_FAILED(*image);
}

// Added for SplatPNG's reader: dropping this bit makes libpng expand palettes.
static const png_uint_32 SPLAT_PNG_FORMAT_FLAG_COLORMAP = PNG_FORMAT_FLAG_COLORMAP;
