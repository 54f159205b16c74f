// MATMUL: y (..., M, N) = a (..., M, K) . b (..., K, N) for every batch index, accumulated
// in float. a and b are read in place: element (m, k) of a at a_base + batch offset +
// m * sam + k * sak (either stride may be 1: row-major or transposed), batch dims with
// their own strides (0 where broadcast). y is contiguous.
// Parameters: P(0) M, P(1) N, P(2) K, P(3) batches, P(4) batch ndim (<= 6),
// P(5..10) batch shape, P(11..16) a batch strides, P(17..22) b batch strides,
// P(23) a base, P(24) sam, P(25) sak, P(26) b base, P(27) sbk, P(28) sbn, P(29) y base.
// Grid: x over N tiles, y over M tiles, z over batches (strided when there are more).
#version 450
#extension GL_GOOGLE_include_directive : require
layout(constant_id = 4) const bool A_K_FAST = true;
layout(constant_id = 5) const bool B_N_FAST = true;
#include "params.glsl"
#define T_NAME y
#define T_BINDING 1
#define T_SPEC 1
#include "tensor.glsl"
#define T_NAME a
#define T_BINDING 2
#define T_SPEC 2
#define T_READONLY
#include "tensor.glsl"
#define T_NAME b
#define T_BINDING 3
#define T_SPEC 3
#define T_READONLY
#include "tensor.glsl"

int g_a_base, g_b_base, g_y_base;
int g_sam, g_sak, g_sbk, g_sbn, g_N;

float gemm_a(int m, int k) { return a_loadf(g_a_base + m * g_sam + k * g_sak); }
float gemm_b(int k, int n) { return b_loadf(g_b_base + k * g_sbk + n * g_sbn); }
void gemm_store(int m, int n, float v) { y_storef(g_y_base + m * g_N + n, v); }

#include "gemm_tile.glsl"

void main() {
  const int M = P(0), N = P(1), K = P(2), batches = P(3), nd = P(4);
  g_sam = P(24);
  g_sak = P(25);
  g_sbk = P(27);
  g_sbn = P(28);
  g_N = N;
  for (int batch = int(gl_WorkGroupID.z); batch < batches; batch += int(gl_NumWorkGroups.z)) {
    const ivec2 walk = walk_offsets(batch, nd, 5, 11, 17);
    const int a_off = P(23) + walk.x, b_off = P(26) + walk.y;
    g_a_base = a_off;
    g_b_base = b_off;
    g_y_base = P(29) + batch * M * N;
    gemm_tile(int(gl_WorkGroupID.y) * GEMM_BM, int(gl_WorkGroupID.x) * GEMM_BN, M, N, 0, K);
  }
}
