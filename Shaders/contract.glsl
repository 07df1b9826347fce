// The host/shader contract: constants shared by Swift and GLSL. The build plugin turns every
// integer #define below into `ShaderContract.NAME` on the Swift side; keep one per line.
#ifndef SPLAT_CONTRACT_GLSL
#define SPLAT_CONTRACT_GLSL

#define TILE_SIZE 16
#define BLEND_WORKGROUP_SIZE 256
#define PREPROCESS_WORKGROUP_SIZE 128
#define SCAN_WORKGROUP_SIZE 128
#define SCAN_ITEMS_PER_THREAD 16
#define SORT_WORKGROUP_SIZE 16
#define SORT_ITEMS_PER_THREAD 64
#define SORT_RADIX 256
#define MAX_GROUPS_X 32768
#define PREPROCESS_FLAG_ANTIALIASED 1
#define PREPROCESS_FLAG_TEMPORAL 2
#define PREPROCESS_FLAG_KEYFRAMES 4
#define PREPROCESS_FLAG_INDIRECT 8
#define PREPROCESS_FLAG_CANONICAL_VIEW 16
#define PREPROCESS_FLAG_SH_T1 32
#define PREPROCESS_FLAG_SH_T2 64

#endif
