// MATMUL on tensor cores through cooperative matrices: VK_NV_cooperative_matrix (NVIDIA;
// module matmul_coopmat_nv) or, built with -DSILICA_COOPMAT_KHR where glslang compiles it,
// VK_KHR_cooperative_matrix (AMD, Intel, NVIDIA; matmul_coopmat_khr). Both are exempt from
// the portable-path rules and from the MSL test. f16 a and b, f32 accumulation, any output
// dtype (and bf16 products through to_f16_scaled.comp: SCALED). Same parameters and grid
// as matmul.comp, with BM x BN output tiles; subgroups of 32 invocations.
//
// A workgroup of WARPS subgroups (32 invocations each) computes one BM x BN tile of y; the
// subgroups form a WARPS_M x (WARPS / WARPS_M) grid, each computing TM x TN accumulators
// of 16 x 16. Per BK-deep slice of k, the workgroup stages a's BM x BK and b's BK x BN
// blocks in shared memory in their global layout (row-major, or transposed: then loaded
// column-major), 16 bytes per load where the host found the operands aligned (VEC),
// element by element otherwise.
//
// Two tiles, one module each (kernels_matmul.cpp picks one per product and knows both):
// 128 x 128 (8 subgroups of 4 x 2 accumulators, k slices of 16; two workgroups fit on an
// NVIDIA multiprocessor) and, built with -DSILICA_COOPMAT_WIDE, 128 x 256 (16 subgroups,
// slices of 32), which moves a third less data from L2 per product for products with
// enough tiles to fill the GPU. Each invocation keeps two k slices in flight in registers.
// On an H200, 4096^3 f16 through the KHR module: 267 TFLOP/s wide, 211 narrow (178 before
// the interior workgroups dropped their bounds checks). docs/benchmarks.md lists what else
// was tried and measured.
//
// bf16 operands natively (VK_KHR_shader_bfloat16): built with -DSILICA_COOPMAT_BF16, the
// KHR module has its 16-bit float type re-encoded as bfloat16 after compiling
// (tools/spirv_bf16.cpp; modules matmul_coopmat_khr_bf16{,_wide}). That is sound because
// this shader never computes with its 16-bit type: operands move as 16-byte chunks of bits
// and meet the type only in coopMatLoad and coopMatMulAdd; the element-by-element path
// below packs with PACK16, the dtype's own rounding.
#version 450
#extension GL_GOOGLE_include_directive : require
#ifdef SILICA_COOPMAT_KHR
#extension GL_KHR_cooperative_matrix : require
#define ACC_T coopmat<float, gl_ScopeSubgroup, 16, 16, gl_MatrixUseAccumulator>
#define A_T coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseA>
#define B_T coopmat<float16_t, gl_ScopeSubgroup, 16, 16, gl_MatrixUseB>
#define LAYOUT(col) ((col) ? gl_CooperativeMatrixLayoutColumnMajor : gl_CooperativeMatrixLayoutRowMajor)
#define LOAD(m, arr, off, stride, col) coopMatLoad(m, arr, off, stride, LAYOUT(col))
#define STORE(m, arr, off, stride) coopMatStore(m, arr, off, stride, gl_CooperativeMatrixLayoutRowMajor)
#define MUL_ADD(a, b, c) coopMatMulAdd(a, b, c)
#else
#extension GL_NV_cooperative_matrix : require
#define ACC_T fcoopmatNV<32, gl_ScopeSubgroup, 16, 16>
#define A_T fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define B_T fcoopmatNV<16, gl_ScopeSubgroup, 16, 16>
#define LOAD(m, arr, off, stride, col) coopMatLoadNV(m, arr, off, stride, col)
#define STORE(m, arr, off, stride) coopMatStoreNV(m, arr, off, stride, false)
#define MUL_ADD(a, b, c) coopMatMulAddNV(a, b, c)
#endif
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
layout(constant_id = 4) const bool A_K_FAST = true;  // a row-major (else transposed)
layout(constant_id = 5) const bool B_N_FAST = true;  // b row-major (else transposed)
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

#ifdef SILICA_COOPMAT_BF16
#define PACK16 float_to_bf16
#else
#define PACK16 float_to_half
#endif
// Whole 16-byte chunks of a and b can be loaded as uvec4 (the host checked alignment).
layout(constant_id = 6) const bool VEC = false;
layout(std430, set = 0, binding = 2) readonly buffer a_vec_block { uvec4 a_v[]; };
layout(std430, set = 0, binding = 3) readonly buffer b_vec_block { uvec4 b_v[]; };
// SCALED (bf16 products, see to_f16_scaled.comp): a and b hold rows scaled by 2^-e, and
// output (m, n) of batch i is multiplied by 2^(e_a[i M + m] + e_b[i N + n]); P(30), P(31)
// the exponents' bases.
layout(constant_id = 7) const bool SCALED = false;
layout(std430, set = 0, binding = 4) readonly buffer ea_block { int ea_w[]; };
layout(std430, set = 0, binding = 5) readonly buffer eb_block { int eb_w[]; };

#ifdef SILICA_COOPMAT_WIDE
const int WARPS = 16;  // subgroups per workgroup
const int BK = 32;     // k per shared-memory slice (a multiple of 16)
#else
const int WARPS = 8;
const int BK = 16;
#endif
const int WARPS_M = 2;  // subgroups along m (WARPS / WARPS_M along n)
const int TM = 4;       // 16 x 16 accumulators per subgroup along m
const int TN = 2;       // ... and along n
const int THREADS = WARPS * 32;
layout(local_size_x = THREADS) in;
const int WARPS_N = WARPS / WARPS_M;
const int WM = TM * 16, WN = TN * 16;  // one subgroup's block
const int BM = WARPS_M * WM, BN = WARPS_N * WN;
// Shared blocks hold 8 halves per uvec4. A row of a block is its contiguous dim's length
// plus one chunk of padding (keeps chunks 16-byte aligned and spreads rows over the banks):
// BK rows of BM / 8 + 1 chunks, or BM rows of BK / 8 + 1; both fit BM * BK / 8 + BM + BK.
// After the k loop, sh_b holds each subgroup's accumulators on their way out (64 chunks a
// subgroup): 31 KiB in all for the wide tile, 13 for the narrow one.
shared uvec4 sh_a[BM * BK / 8 + BM + BK];
shared uvec4 sh_b[max(BN * BK / 8 + BN + BK, WARPS * 64)];

const int A_STRIDE = A_K_FAST ? BK / 8 + 1 : BM / 8 + 1;  // in chunks
const int B_STRIDE = B_N_FAST ? BN / 8 + 1 : BK / 8 + 1;
// 16-byte chunks of a's and b's blocks each invocation moves per slice.
const int A_CHUNKS = BM * BK / 8 / THREADS, B_CHUNKS = BN * BK / 8 / THREADS;

// One 16-byte chunk (8 halves along the contiguous dim) of an f16 tensor: element (r, c)
// of the block at base + (row0 + r) * row_stride + col0 + c, zero outside
// [0, row_end) x [0, col_end) where `checked` (else the chunk must lie inside). Also
// returns the chunk's slot in the shared block.
#define FETCH(T, dst_stride, cols, base, row_stride, row0, row_end, col0, col_end)           \
  {                                                                                        \
    const int r = w / ((cols) / 8), c = (w - r * ((cols) / 8)) * 8;                       \
    const int gr = row0 + r, gc = col0 + c;                                                \
    slot = r * (dst_stride) + c / 8;                                                       \
    if (VEC && !checked) return T##_v[(base + gr * row_stride + gc) >> 3];                 \
    uvec4 v = uvec4(0u);                                                                   \
    if (gr < row_end) {                                                                    \
      const int e = base + gr * row_stride + gc;                                           \
      if (VEC) {                                                                           \
        if (gc < col_end) v = T##_v[e >> 3];                                               \
      } else {                                                                             \
        float h[8];                                                                        \
        for (int q = 0; q < 8; ++q) h[q] = gc + q < col_end ? T##_loadf(e + q) : 0.0;      \
        v = uvec4(PACK16(h[0]) | (PACK16(h[1]) << 16), PACK16(h[2]) | (PACK16(h[3]) << 16),   \
                  PACK16(h[4]) | (PACK16(h[5]) << 16), PACK16(h[6]) | (PACK16(h[7]) << 16));   \
      }                                                                                    \
    }                                                                                      \
    return v;                                                                              \
  }

int g_M, g_N, g_K, g_sam, g_sak, g_sbk, g_sbn, g_m0, g_n0, g_a_base, g_b_base;

// Chunk w of a's / b's block for the k slice starting at k0.
uvec4 fetch_a(int w, int k0, out int slot, const bool checked) {
  if (A_K_FAST) FETCH(a, A_STRIDE, BK, g_a_base, g_sam, g_m0, g_M, k0, g_K)
  else FETCH(a, A_STRIDE, BM, g_a_base, g_sak, k0, g_K, g_m0, g_M)
}
uvec4 fetch_b(int w, int k0, out int slot, const bool checked) {
  if (B_N_FAST) FETCH(b, B_STRIDE, BN, g_b_base, g_sbk, k0, g_K, g_n0, g_N)
  else FETCH(b, B_STRIDE, BK, g_b_base, g_sbn, g_n0, g_N, k0, g_K)
}

// The k loop, with or without bounds checks: a macro expanded once each way, so that
// `checked` is a constant in each copy and the unchecked one has no branches around its
// loads (the measured form; docs/benchmarks.md). Each invocation moves A_CHUNKS chunks of
// a and B_CHUNKS of b per k slice and keeps two slices in flight in registers: (ra0, rb0)
// and (ra1, rb1) take turns by name, so no register is copied (a copy would wait for its
// load). sa, sb: the chunks' slots in sh_a and sh_b.
#define K_LOOP(checked, k_begin, k_end)                                                     \
  {                                                                                         \
    uvec4 ra0[A_CHUNKS], rb0[B_CHUNKS], ra1[A_CHUNKS], rb1[B_CHUNKS];                       \
    FETCH_SLICE(ra0, rb0, k_begin, checked)                                                 \
    FETCH_SLICE(ra1, rb1, (k_begin + BK), checked)                                          \
    for (int k0 = k_begin; k0 < k_end; k0 += 2 * BK) {                                      \
      SLICE(ra0, rb0, k0, checked, k_end)                                                   \
      if (k0 + BK < k_end) SLICE(ra1, rb1, (k0 + BK), checked, k_end)                       \
    }                                                                                       \
  }
// Slice k of a and b into registers. Unconditional in the prologue above (a branch there
// cost the narrow tile 11 registers and a third of its speed on the H200): with checks a
// slice past K loads as zeros, and the unchecked loop runs only where K >= 2 BK.
#define FETCH_SLICE(ra, rb, k, checked)                                                     \
  {                                                                                         \
    [[unroll]] for (int q = 0; q < A_CHUNKS; ++q) ra[q] = fetch_a(t + THREADS * q, k, sa[q], checked); \
    [[unroll]] for (int q = 0; q < B_CHUNKS; ++q) rb[q] = fetch_b(t + THREADS * q, k, sb[q], checked); \
  }
// One k slice: its chunks (in ra, rb) to shared memory, then the slice two ahead into the
// same registers, then acc += the slice's products, 16 deep at a time (offsets and
// strides count uvec4 chunks of 8 halves).
#define SLICE(ra, rb, k0, checked, k_end)                                                   \
  {                                                                                         \
    [[unroll]] for (int q = 0; q < A_CHUNKS; ++q) sh_a[sa[q]] = ra[q];                      \
    [[unroll]] for (int q = 0; q < B_CHUNKS; ++q) sh_b[sb[q]] = rb[q];                      \
    barrier();                                                                              \
    if (k0 + 2 * BK < k_end) FETCH_SLICE(ra, rb, k0 + 2 * BK, checked)                      \
    [[unroll]] for (int kk = 0; kk < BK; kk += 16) {                                        \
      A_T fa[TM];                                                                           \
      B_T fb[TN];                                                                           \
      [[unroll]] for (int i = 0; i < TM; ++i) {                                             \
        const int r = wm + 16 * i;                                                          \
        if (A_K_FAST) LOAD(fa[i], sh_a, uint(r * A_STRIDE + kk / 8), uint(A_STRIDE), false); \
        else LOAD(fa[i], sh_a, uint(kk * A_STRIDE + r / 8), uint(A_STRIDE), true);          \
      }                                                                                     \
      [[unroll]] for (int j = 0; j < TN; ++j) {                                             \
        const int c = wn + 16 * j;                                                          \
        if (B_N_FAST) LOAD(fb[j], sh_b, uint(kk * B_STRIDE + c / 8), uint(B_STRIDE), false); \
        else LOAD(fb[j], sh_b, uint(c * B_STRIDE + kk / 8), uint(B_STRIDE), true);          \
      }                                                                                     \
      [[unroll]] for (int i = 0; i < TM; ++i)                                               \
        [[unroll]] for (int j = 0; j < TN; ++j) acc[i][j] = MUL_ADD(fa[i], fb[j], acc[i][j]); \
    }                                                                                       \
    barrier();                                                                              \
  }

void main() {
  const int M = P(0), N = P(1), K = P(2), batches = P(3), nd = P(4);
  g_M = M, g_N = N, g_K = K;
  g_sam = P(24), g_sak = P(25), g_sbk = P(27), g_sbn = P(28);
  const int m0 = int(gl_WorkGroupID.y) * BM, n0 = int(gl_WorkGroupID.x) * BN;
  g_m0 = m0, g_n0 = n0;
  const uint warp = gl_SubgroupID;
  const int wm = int(warp) / WARPS_N * WM, wn = int(warp) % WARPS_N * WN;  // this subgroup's block
  const int t = int(gl_LocalInvocationID.x);
  for (int batch = int(gl_WorkGroupID.z); batch < batches; batch += int(gl_NumWorkGroups.z)) {
    const ivec2 walk = walk_offsets(batch, nd, 5, 11, 17);
    g_a_base = P(23) + walk.x, g_b_base = P(26) + walk.y;
    ACC_T acc[TM][TN];
    [[unroll]] for (int i = 0; i < TM; ++i)
      [[unroll]] for (int j = 0; j < TN; ++j) acc[i][j] = ACC_T(0.0);
    int sa[A_CHUNKS], sb[B_CHUNKS];
    // Workgroups whose blocks lie wholly inside a and b load whole slices of k without
    // bounds checks (the checks' branches around the loads cost the 4096^3 product 15% on
    // an H200), then a last, partial slice (K not a multiple of BK) with checks; the
    // unchecked loop needs two whole slices for its prologue.
    int k_split = VEC && m0 + BM <= M && n0 + BN <= N ? K - K % BK : 0;
    if (k_split < 2 * BK) k_split = 0;
    if (k_split > 0) K_LOOP(false, 0, k_split)
    if (k_split < K) K_LOOP(true, k_split, K)

    // Each accumulator goes through shared memory; lane l writes 8 neighbouring outputs.
    const int y_base = P(29) + batch * M * N, ea0 = P(30) + batch * M, eb0 = P(31) + batch * N;
    const uint lane = gl_SubgroupInvocationID;
    [[unroll]] for (int i = 0; i < TM; ++i) {
      [[unroll]] for (int j = 0; j < TN; ++j) {
        STORE(acc[i][j], sh_b, warp * 64u, 4u);  // 16 floats a row: 4 chunks
        subgroupMemoryBarrierShared();
        subgroupBarrier();
        const int r = int(lane / 2u), c0 = int(lane % 2u) * 8;
        const int m = m0 + wm + 16 * i + r, n = n0 + wn + 16 * j + c0;
        if (m < M) {
          const int e = y_base + m * N + n;
          const bool pairs = (y_dt == DT_F16 || y_dt == DT_BF16) && (e & 1) == 0;
          const int em = SCALED ? ea_w[ea0 + m] : 0;
          for (int c = 0; c < 8; c += 2) {
            const uvec4 q = sh_b[warp * 64u + uint(r * 4 + (c0 + c) / 4)];
            float v0 = uintBitsToFloat((c & 2) == 0 ? q.x : q.z);
            float v1 = uintBitsToFloat((c & 2) == 0 ? q.y : q.w);
            if (SCALED) {
              if (n + c < N) v0 = ldexp(v0, em + eb_w[eb0 + n + c]);
              if (n + c + 1 < N) v1 = ldexp(v1, em + eb_w[eb0 + n + c + 1]);
            }
            if (pairs && n + c + 1 < N) {
              y_w[(e + c) >> 1] = y_dt == DT_F16 ? float_to_half(v0) | (float_to_half(v1) << 16)
                                                 : float_to_bf16(v0) | (float_to_bf16(v1) << 16);
            } else {
              if (n + c < N) y_storef(e + c, v0);
              if (n + c + 1 < N) y_storef(e + c + 1, v1);
            }
          }
        }
        subgroupBarrier();
      }
    }
    barrier();  // the next batch's first slice overwrites sh_b
  }
}
