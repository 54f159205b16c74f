// MATMUL on NVIDIA tensor cores through VK_NV_cooperative_matrix2 (module matmul_coopmat2,
// built where glslang compiles GL_NV_cooperative_matrix2; exempt from the portable-path
// rules and from the MSL test): workgroup-scope matrices of a whole BM x BN output tile,
// loaded straight from the operands through tensor layouts, so the driver's compiler picks
// how to stage them through shared memory and how to feed the tensor cores (what
// matmul_coopmat.comp has to spell out with 16 x 16 subgroup matrices). f16 a and b, f32
// accumulation, f32 or f16 output. Same parameters and grid as matmul.comp.
//
// Four hints took it from 59 to 312 TFLOP/s (4096^3 f16 on an H200; docs/benchmarks.md):
// strides and bases masked to the 16-byte alignment the host checked, the k loop unrolled
// UNROLL slices deep, over which the compiler overlaps loads and products, the unrolled
// loads addressed from one moving base element through fixed slices, and only the code a
// product runs (INSIDE, TAIL), with an unclamped store where every tile lies inside.
//
// BF16: like matmul_coopmat.comp, the module matmul_coopmat2_bf16 is this one with its
// 16-bit float type re-encoded as bfloat16 (tools/spirv_bf16.cpp): bf16 a and b, f32 or
// bf16 output. Sound because 16-bit values here only move as bits (uint16_t buffers) and
// meet their type in the matrices.
//
// The tile (BM, BN, BK), the unroll, the workgroup size, EDGES, TAIL, INSIDE and
// Y_ROWS_ALIGNED are specialization constants: the host picks the tile per operand layout,
// takes the largest workgroup of the device's flexible f16 shapes and sets the last four
// per product (coop2_gemm and run_matmul in kernels_matmul.cpp).
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_KHR_cooperative_matrix : require
#extension GL_NV_cooperative_matrix2 : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_control_flow_attributes : require
#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require
#include "dtypes.glsl"
#include "params.glsl"
layout(constant_id = 1) const int y_dt = DT_F32;     // f32 or the operands' 16-bit type
layout(constant_id = 4) const bool A_K_FAST = true;  // a row-major (else transposed)
layout(constant_id = 5) const bool B_N_FAST = true;  // b row-major (else transposed)
layout(constant_id = 6) const uint BM = 128;
layout(constant_id = 7) const uint BN = 256;
layout(constant_id = 8) const uint BK = 64;
layout(local_size_x_id = 9) in;
layout(constant_id = 10) const uint UNROLL = 8;  // k slices per iteration of the inner loop
// Some tiles are partial (M or N not a multiple of the tile; the host sends this only where
// M >= BM and N >= BN): edge workgroups move their tile back inside the operands, so every
// workgroup loads unclamped. A moved tile shares rows or columns with its neighbour; both
// compute them with the same instructions in the same k order and store the same values.
// (A clamped edge ran 3000^3 at 141 TFLOP/s, this 185; storing only the new part through a
// tensor view's clip made every product slow: 4096^3 187 against 293.)
layout(constant_id = 11) const bool EDGES = false;
// Whole k slices left after the unrolled stretches, taken TAIL an iteration, then one at a
// time: the host asks for 8 where some are left (2560^3: 208 TFLOP/s against 189 one at a
// time) and, where none are, 0, which leaves both loops out of the code (4096^3 a
// transposed 334 against 319 with the one-slice loop, b transposed 300 against 295; with
// the 8-slice loop 278 against 291), or 1 for nn, which runs its never-taken one-slice loop
// faster than none (309 against 305).
layout(constant_id = 12) const uint TAIL = 1;
// Every workgroup's tile lies inside the operands (whole tiles, or EDGES) and k is whole
// slices: the clamped code is left out and the tile is stored through an unclamped layout
// (with Y_ROWS_ALIGNED: 4096^3 nn 293 -> 303, tt 275 -> 293; either alone gained nothing).
layout(constant_id = 13) const bool INSIDE = false;
// Every row of y starts on a 16-byte boundary (the host checked N), so the store's stride
// can be masked like the operands'.
layout(constant_id = 14) const bool Y_ROWS_ALIGNED = false;

layout(std430, set = 0, binding = 1) buffer y_f32_block { float y_f32[]; };
// 16-bit elements as bits: the matrices alone give them their type (see BF16 above).
layout(std430, set = 0, binding = 1) buffer y_h_block { uint16_t y_h[]; };
layout(std430, set = 0, binding = 2) readonly buffer a_block { uint16_t a_h[]; };
layout(std430, set = 0, binding = 3) readonly buffer b_block { uint16_t b_h[]; };

#define A_T coopmat<float16_t, gl_ScopeWorkgroup, BM, BK, gl_MatrixUseA>
#define B_T coopmat<float16_t, gl_ScopeWorkgroup, BK, BN, gl_MatrixUseB>
#define ACC_T(type) coopmat<type, gl_ScopeWorkgroup, BM, BN, gl_MatrixUseAccumulator>
#define CLAMP gl_CooperativeMatrixClampModeConstantNV

// The product of the slice at element a_at of a and b_at of b through the first slice's
// blocks `sa`, `sb`, then on to the next slice (a_step, b_step elements on).
#define NEXT_SLICE                                        \
  {                                                       \
    if (A_K_FAST) coopMatLoadTensorNV(ma, a_h, a_at, sa); \
    else coopMatLoadTensorNV(ma, a_h, a_at, sa, swap);    \
    if (B_N_FAST) coopMatLoadTensorNV(mb, b_h, b_at, sb); \
    else coopMatLoadTensorNV(mb, b_h, b_at, sb, swap);    \
    acc = coopMatMulAdd(ma, mb, acc);                     \
    a_at += a_step;                                       \
    b_at += b_step;                                       \
    k0 += BK;                                             \
  }

void main() {
  const uint M = P(0), N = P(1), K = P(2), batches = P(3), nd = P(4);
  uint m0 = gl_WorkGroupID.y * BM, n0 = gl_WorkGroupID.x * BN;
  if (EDGES) {
    // Offsets along a contiguous row stay multiples of 8 (M or N is then, the host checked).
    m0 = min(m0, M - BM);
    n0 = min(n0, N - BN);
    if (!A_K_FAST) m0 &= ~7u;
    if (B_N_FAST) n0 &= ~7u;
  }
  const uint a_rows = A_K_FAST ? M : K, a_cols = A_K_FAST ? K : M;
  const uint b_rows = B_N_FAST ? K : N, b_cols = B_N_FAST ? N : K;
  // Every row of a and b and every base starts on a 16-byte boundary (the host checked;
  // tensor loads and stores need it of the base): masking the low bits tells the compiler,
  // so it moves whole 16-byte chunks.
  const uint a_stride = uint(A_K_FAST ? P(24) : P(25)) & ~7u;
  const uint b_stride = uint(B_N_FAST ? P(27) : P(28)) & ~7u;
  // Unclamped layouts for workgroups whose blocks lie inside the operands, clamped ones
  // (zeros outside, stores dropped) for the edges and a last partial k slice.
  tensorLayoutNV<2> la = createTensorLayoutNV(2), lb = createTensorLayoutNV(2);
  la = setTensorLayoutStrideNV(setTensorLayoutDimensionNV(la, a_rows, a_cols), a_stride, 1);
  lb = setTensorLayoutStrideNV(setTensorLayoutDimensionNV(lb, b_rows, b_cols), b_stride, 1);
  tensorLayoutNV<2, CLAMP> la_c = createTensorLayoutNV(2, CLAMP), lb_c = createTensorLayoutNV(2, CLAMP),
                           ly = createTensorLayoutNV(2, CLAMP);
  la_c = setTensorLayoutStrideNV(setTensorLayoutDimensionNV(la_c, a_rows, a_cols), a_stride, 1);
  lb_c = setTensorLayoutStrideNV(setTensorLayoutDimensionNV(lb_c, b_rows, b_cols), b_stride, 1);
  // y's base is on a 16-byte boundary (the host checked), its rows too where Y_ROWS_ALIGNED.
  const uint y_chunk = y_dt != DT_F32 ? ~7u : ~3u, y_stride = Y_ROWS_ALIGNED ? N & y_chunk : N;
  ly = setTensorLayoutStrideNV(setTensorLayoutDimensionNV(ly, M, N), y_stride, 1);
  tensorLayoutNV<2> ly_in = createTensorLayoutNV(2);
  ly_in = setTensorLayoutStrideNV(setTensorLayoutDimensionNV(ly_in, M, N), y_stride, 1);
  tensorViewNV<2, false, 1, 0> swap = createTensorViewNV(2, false, 1, 0);
  const bool inside = INSIDE || (m0 + BM <= M && n0 + BN <= N);
  for (uint batch = gl_WorkGroupID.z; batch < batches; batch += gl_NumWorkGroups.z) {
    const ivec2 walk = walk_offsets(int(batch), int(nd), 5, 11, 17);
    const uint a_base = uint(P(23) + walk.x) & ~7u, b_base = uint(P(26) + walk.y) & ~7u;
    ACC_T(float) acc = ACC_T(float)(0.0);
    A_T ma;
    B_T mb;
    // Inside: UNROLL slices an iteration (the compiler overlaps their loads with the
    // products; a loop of the same form over clamped layouts ran slower), then the whole
    // slices left, TAIL an iteration, then one at a time. Then, clamped, a last partial
    // slice (or all of k for a partial tile too small to move inside).
    uint k0 = 0;
    if (inside) {
      // The unrolled slices keep the first slice's blocks and move only the base element
      // (BK columns or rows of each operand on): the compiler then addresses them as
      // constant offsets from one base instead of slicing a layout per load.
      const tensorLayoutNV<2> sa = A_K_FAST ? sliceTensorLayoutNV(la, m0, BM, 0, BK)
                                            : sliceTensorLayoutNV(la, 0, BK, m0, BM);
      const tensorLayoutNV<2> sb = B_N_FAST ? sliceTensorLayoutNV(lb, 0, BK, n0, BN)
                                            : sliceTensorLayoutNV(lb, n0, BN, 0, BK);
      const uint a_step = A_K_FAST ? BK : BK * a_stride, b_step = B_N_FAST ? BK * b_stride : BK;
      uint a_at = a_base, b_at = b_base;
      for (uint i = K / (UNROLL * BK); i > 0; --i) {
        [[unroll]] for (uint j = 0; j < UNROLL; ++j) NEXT_SLICE
      }
      if (TAIL > 1) {
        while (k0 + TAIL * BK <= K) {
          [[unroll]] for (uint j = 0; j < TAIL; ++j) NEXT_SLICE
        }
      }
      if (TAIL > 0) {
        while (k0 + BK <= K) NEXT_SLICE
      }
    }
    if (!INSIDE) {
      // a's and b's (BM x BK, BK x BN) blocks of the k slice at k0, through the clamped
      // layouts of the operands as stored: a (M, K) or, transposed, (K, M); b (K, N) or
      // (N, K). A transposed operand is read through a view that swaps its two dims.
      for (; k0 < K; k0 += BK) {
        if (A_K_FAST) coopMatLoadTensorNV(ma, a_h, a_base, sliceTensorLayoutNV(la_c, m0, BM, k0, BK));
        else coopMatLoadTensorNV(ma, a_h, a_base, sliceTensorLayoutNV(la_c, k0, BK, m0, BM), swap);
        if (B_N_FAST) coopMatLoadTensorNV(mb, b_h, b_base, sliceTensorLayoutNV(lb_c, k0, BK, n0, BN));
        else coopMatLoadTensorNV(mb, b_h, b_base, sliceTensorLayoutNV(lb_c, n0, BN, k0, BK), swap);
        acc = coopMatMulAdd(ma, mb, acc);
      }
    }
    const uint y_base = (uint(P(29)) + batch * M * N) & y_chunk;
    if (y_dt != DT_F32) {
      ACC_T(float16_t) h = ACC_T(float16_t)(acc);
      if (INSIDE) coopMatStoreTensorNV(h, y_h, y_base, sliceTensorLayoutNV(ly_in, m0, BM, n0, BN));
      else coopMatStoreTensorNV(h, y_h, y_base, sliceTensorLayoutNV(ly, m0, BM, n0, BN));
    } else {
      if (INSIDE) coopMatStoreTensorNV(acc, y_f32, y_base, sliceTensorLayoutNV(ly_in, m0, BM, n0, BN));
      else coopMatStoreTensorNV(acc, y_f32, y_base, sliceTensorLayoutNV(ly, m0, BM, n0, BN));
    }
  }
}
