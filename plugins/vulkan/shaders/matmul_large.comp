// MATMUL for large f32 products: the parameters, grid roles and batching of matmul.comp,
// with 128 x 128 tiles of y for products with enough of them to fill a GPU (kernels_matmul.cpp
// decides). a, b and y are f32 (plain float buffers: no dtype switches); a and b are read in
// place, row-major or transposed.
//
// A workgroup of 16 x 16 invocations computes one 128 x 128 tile; invocation (tx, ty)
// accumulates 8 x 8 outputs (rows ty * 4 + {0..3} and 64 + ty * 4 + {0..3}, columns likewise
// with tx), reading two four-value chunks of a and two of b from shared memory per 64
// multiply-adds (the 64 x 64 tiles of matmul.comp read 8 values per 16). Per 16-deep slice of
// k the workgroup stages a's 128 x 16 and b's 16 x 128 blocks in shared memory, both along
// k (a value at a time where the operand's rows run along k, a chunk otherwise; 16.5 KiB),
// with 16-byte global loads where the host found the operands aligned (VEC4), and keeps the
// next slice in flight in registers while it computes. Workgroups whose blocks lie inside
// the operands load whole slices without bounds checks (a second copy of the loop; the
// checks' branches cost the tensor-core GEMM 15% on an H200, docs/benchmarks.md) and check
// only a last, partial slice.
//
// The build runs this module through spirv-opt -O (OPTIMIZE in plugins/vulkan/CMakeLists.txt):
// as glslang writes it, NVIDIA's driver takes minutes to create its pipeline; optimized
// (loops unrolled, arrays split into scalars), under a second, and the kernel runs faster.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
layout(constant_id = 4) const bool A_K_FAST = true;  // a row-major (else transposed)
layout(constant_id = 5) const bool B_N_FAST = true;  // b row-major (else transposed)
// Whole 16-byte chunks of a and b can be loaded as vec4 (the host checked alignment).
layout(constant_id = 6) const bool VEC4 = false;
#include "params.glsl"
layout(std430, set = 0, binding = 1) buffer y_block { float y_f[]; };
layout(std430, set = 0, binding = 2) readonly buffer a_block { float a_f[]; };
layout(std430, set = 0, binding = 3) readonly buffer b_block { float b_f[]; };
layout(std430, set = 0, binding = 2) readonly buffer a_vec_block { vec4 a_v[]; };
layout(std430, set = 0, binding = 3) readonly buffer b_vec_block { vec4 b_v[]; };

layout(local_size_x = 256) in;
const int BM = 128, BN = 128, BK = 16;
// Row kk of a block: the 128 values at k0 + kk as 32 chunks, plus one of padding.
shared vec4 sh_a[BK][BM / 4 + 1];
shared vec4 sh_b[BK][BN / 4 + 1];

int g_M, g_N, g_K, g_sam, g_sak, g_sbk, g_sbn, g_m0, g_n0, g_a_base, g_b_base;

// Chunk w (of 512) of a block: four values along the operand's contiguous dim, at
// (row0 + r, col0 + c ... + 3) of the block's `cols` x 4-value chunks, element (r, c) of T at
// base + r * row_stride + c * col_stride; zero outside [0, row_end) x [0, col_end) where
// `checked` (else the chunk must lie inside). The same for a and b in either layout.
#define FETCH4(T, cols, base, row0, row_end, row_stride, col0, col_end, col_stride)        \
  {                                                                                     \
    const int r = row0 + w / ((cols) / 4), c = col0 + w % ((cols) / 4) * 4;             \
    const int e = base + r * row_stride + c;                                            \
    if (!checked) return T##_v[e >> 2];                                                 \
    vec4 v = vec4(0.0);                                                                 \
    if (r < row_end)                                                                    \
      [[unroll]] for (int i = 0; i < 4; ++i) v[i] = c + i < col_end ? T##_f[e + i * col_stride] : 0.0; \
    return v;                                                                           \
  }
vec4 fetch_a(int w, int k0, const bool checked) {
  if (A_K_FAST) FETCH4(a, BK, g_a_base, g_m0, g_M, g_sam, k0, g_K, g_sak)
  else FETCH4(a, BM, g_a_base, k0, g_K, g_sak, g_m0, g_M, g_sam)
}
vec4 fetch_b(int w, int k0, const bool checked) {
  if (B_N_FAST) FETCH4(b, BN, g_b_base, k0, g_K, g_sbk, g_n0, g_N, g_sbn)
  else FETCH4(b, BK, g_b_base, g_n0, g_N, g_sbn, k0, g_K, g_sbk)
}
// Chunk w into block `sh` (rows along k): as it is where it was loaded along m or n, else
// (`along_k`) its four values, consecutive in k, to four rows.
#define STORE4(sh, along_k)                                                             \
  if (along_k) {                                                                        \
    const int r = w / 4, k = (w % 4) * 4;                                               \
    [[unroll]] for (int i = 0; i < 4; ++i) sh[k + i][r >> 2][r & 3] = v[i];             \
  } else {                                                                              \
    sh[w / 32][w % 32] = v;                                                             \
  }
void store_a(int w, vec4 v) { STORE4(sh_a, A_K_FAST) }
void store_b(int w, vec4 v) { STORE4(sh_b, !B_N_FAST) }
int row(int i, int ty) { return i < 4 ? ty * 4 + i : 64 + ty * 4 + i - 4; }
int column(int j, int tx) { return j < 4 ? tx * 4 + j : 64 + tx * 4 + j - 4; }

// The k loop over [k_begin, k_end), with or without bounds checks: a macro expanded once
// each way, so that `checked` is a constant in each copy. Each invocation moves chunks t
// and t + 256 of each block per slice.
#define K_LOOP(checked, k_begin, k_end)                                                     \
  {                                                                                         \
    vec4 ra[2], rb[2];                                                                      \
    [[unroll]] for (int q = 0; q < 2; ++q) {                                                \
      ra[q] = fetch_a(t + 256 * q, k_begin, checked);                                       \
      rb[q] = fetch_b(t + 256 * q, k_begin, checked);                                       \
    }                                                                                       \
    for (int k0 = k_begin; k0 < k_end; k0 += BK) {                                          \
      [[unroll]] for (int q = 0; q < 2; ++q) {                                              \
        store_a(t + 256 * q, ra[q]);                                                        \
        store_b(t + 256 * q, rb[q]);                                                        \
      }                                                                                     \
      barrier();                                                                            \
      if (k0 + BK < k_end) {                                                                \
        [[unroll]] for (int q = 0; q < 2; ++q) {                                            \
          ra[q] = fetch_a(t + 256 * q, k0 + BK, checked);                                   \
          rb[q] = fetch_b(t + 256 * q, k0 + BK, checked);                                   \
        }                                                                                   \
      }                                                                                     \
      [[unroll]] for (int kk = 0; kk < BK; ++kk) {                                          \
        const vec4 a0 = sh_a[kk][ty], a1 = sh_a[kk][16 + ty];                               \
        const vec4 b0 = sh_b[kk][tx], b1 = sh_b[kk][16 + tx];                               \
        [[unroll]] for (int i = 0; i < 4; ++i) {                                            \
          [[unroll]] for (int j = 0; j < 4; ++j) {                                          \
            acc[i][j] = fma(a0[i], b0[j], acc[i][j]);                                       \
            acc[i][4 + j] = fma(a0[i], b1[j], acc[i][4 + j]);                               \
            acc[4 + i][j] = fma(a1[i], b0[j], acc[4 + i][j]);                               \
            acc[4 + i][4 + j] = fma(a1[i], b1[j], acc[4 + i][4 + j]);                       \
          }                                                                                 \
        }                                                                                   \
      }                                                                                     \
      barrier();                                                                            \
    }                                                                                       \
  }

void main() {
  const int M = P(0), N = P(1), K = P(2), batches = P(3), nd = P(4);
  g_M = M, g_N = N, g_K = K;
  g_sam = P(24), g_sak = P(25), g_sbk = P(27), g_sbn = P(28);
  const int m0 = int(gl_WorkGroupID.y) * BM, n0 = int(gl_WorkGroupID.x) * BN;
  g_m0 = m0, g_n0 = n0;
  const int t = int(gl_LocalInvocationID.x), tx = t % 16, ty = t / 16;
  for (int batch = int(gl_WorkGroupID.z); batch < batches; batch += int(gl_NumWorkGroups.z)) {
    const ivec2 walk = walk_offsets(batch, nd, 5, 11, 17);
    g_a_base = P(23) + walk.x, g_b_base = P(26) + walk.y;
    float acc[8][8];
    [[unroll]] for (int i = 0; i < 8; ++i)
      [[unroll]] for (int j = 0; j < 8; ++j) acc[i][j] = 0.0;
    // Workgroups whose blocks lie inside a and b load whole slices of k unchecked, then the
    // last, partial slice (K not a multiple of 16) with checks; the others check every load.
    const bool inside = VEC4 && m0 + BM <= M && n0 + BN <= N;
    const int k_split = inside ? K - K % BK : 0;
    if (k_split > 0) K_LOOP(false, 0, k_split)
    if (k_split < K) K_LOOP(true, k_split, K)
    const int y_base = P(29) + batch * M * N;
    [[unroll]] for (int i = 0; i < 8; ++i) {
      const int m = m0 + row(i, ty);
      if (m >= M) continue;
      [[unroll]] for (int j = 0; j < 8; ++j) {
        const int n = n0 + column(j, tx);
        if (n < N) y_f[y_base + m * N + n] = acc[i][j];
      }
    }
    barrier();  // the next batch's first stores overwrite the blocks
  }
}
