// bf16 operands for the f16 tensor-core GEMM. Each row of a (along k) and each column of b
// (along k) gets a power-of-two exponent e that brings its largest finite magnitude into
// [2^14, 2^15); values are stored as f16(v * 2^-e) and the GEMM multiplies output (m, n)
// by 2^(e_a[m] + e_b[n]). bf16 has 8 significant bits, so every value within 2^29 of its
// row's largest is exact in f16 and smaller ones err by less than 2^-40 of it, far below
// what the products' f32 sums keep; infinities and NaN stay what they are.
// STEP 0 finds the exponents of R rows of K values (element (r, k) at
// P(5) + r * P(3) + k * P(4); exponents to e[P(7) + r]) with a workgroup per row (rows
// contiguous along k); where neighbouring rows are adjacent instead, STEP 1 takes partial
// maxima over chunks of k with an invocation per row and chunk, and STEP 3 combines them.
// STEP 2 converts: output (i, j) of a rows_o x cols_p block (P(0), P(1); cols_p a multiple
// of 8) is source element P(6) + i * P(4) + j * P(5) when i < P(2) and j < P(3), else 0,
// scaled by e[P(8) + (BY_ROW ? i : j)]; eight outputs per invocation (four words of h at
// P(7) words): 46 us for 4096^2 on an H200, where two per invocation took 61.
// Batches: P(12) of them along the grid's z, each x's matrix at the offset its batch index
// gives through P(13) batch dims of sizes P(14 + d) and strides P(20 + d); a batch's
// exponents follow the previous batch's (R per batch; STEP 2: P(2) by row, else P(3)),
// its partial maxima and its h block likewise.
// Bindings: h 1 (words of two halves; STEP 2), e 2 (int), x 3.
#version 450
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
layout(local_size_x = 256) in;
layout(constant_id = 1) const int STEP = 0;
layout(constant_id = 2) const bool BY_ROW = true;
#include "params.glsl"
#include "dtypes.glsl"
layout(std430, set = 0, binding = 1) buffer h_block { uint h_w[]; };
layout(std430, set = 0, binding = 2) buffer e_block { int e_w[]; };
#define T_NAME x
#define T_BINDING 3
#define T_SPEC 0
#define T_READONLY
#include "tensor.glsl"

shared float sh_max[256];

// The largest finite magnitude (NaN and infinities are skipped).
float finite_max(float m, float v) { return abs(v) <= 3.402823466e38 ? max(m, abs(v)) : m; }

// frexp: m = f * 2^ex with f in [0.5, 1), so m * 2^(15 - ex) lies in [2^14, 2^15).
int exponent_for(float m) {
  int ex;
  frexp(m, ex);
  return m > 0.0 ? ex - 15 : 0;
}

void main() {
  const uint t = gl_LocalInvocationID.x;
  for (int batch = int(gl_WorkGroupID.z); batch < P(12); batch += int(gl_NumWorkGroups.z)) {
    const int xo = walk_offsets(batch, P(13), 14, 20, 20).x;  // x's matrix of this batch
    if (STEP == 0) {
      const int R = P(0), K = P(1);
      for (int r = int(gl_WorkGroupID.x); r < R; r += int(gl_NumWorkGroups.x)) {
        float m = 0.0;
        for (int k = int(t); k < K; k += 256) m = finite_max(m, x_loadf(P(5) + xo + r * P(3) + k * P(4)));
        sh_max[t] = m;
        barrier();
        for (uint s = 128u; s > 0u; s >>= 1) {
          if (t < s) sh_max[t] = max(sh_max[t], sh_max[t + s]);
          barrier();
        }
        if (t == 0u) e_w[P(7) + batch * R + r] = exponent_for(sh_max[0]);
        barrier();  // sh_max is reused by this workgroup's next row
      }
    } else if (STEP == 1) {
      // Partial maxima: workgroup row y takes values [y * P(9), (y + 1) * P(9)) of each row
      // and stores their largest (as bits) at e[P(7) + (batch * rows of the grid + y) * R + r].
      const int R = P(0), K = P(1), k0 = int(gl_WorkGroupID.y) * P(9), k1 = min(K, k0 + P(9));
      for (int r = int(gl_GlobalInvocationID.x); r < R; r += grid_threads()) {
        float m = 0.0;
        for (int k = k0; k < k1; ++k) m = finite_max(m, x_loadf(P(5) + xo + r * P(3) + k * P(4)));
        e_w[P(7) + (batch * int(gl_NumWorkGroups.y) + int(gl_WorkGroupID.y)) * R + r] = floatBitsToInt(m);
      }
    } else if (STEP == 3) {
      // Exponents from STEP 1's P(10) partial maxima per row (read through binding 1 at P(11)).
      const int R = P(0);
      for (int r = int(gl_GlobalInvocationID.x); r < R; r += grid_threads()) {
        float m = 0.0;
        for (int c = 0; c < P(10); ++c) m = max(m, uintBitsToFloat(h_w[P(11) + (batch * P(10) + c) * R + r]));
        e_w[P(7) + batch * R + r] = exponent_for(m);
      }
    } else {
      const int cols = P(1), chunks = P(0) * (cols / 8), eo = batch * (BY_ROW ? P(2) : P(3));
      for (int p = int(gl_GlobalInvocationID.x); p < chunks; p += grid_threads()) {
        const int i = p / (cols / 8), j0 = (p - i * (cols / 8)) * 8;
        const int row_e = BY_ROW ? e_w[P(8) + eo + min(i, P(2) - 1)] : 0;
        uint w[4];
        [[unroll]] for (int q = 0; q < 8; q += 2) {
          float v[2];
          [[unroll]] for (int u = 0; u < 2; ++u) {
            const int j = j0 + q + u;
            const bool inside = i < P(2) && j < P(3);
            const float x = inside ? x_loadf(P(6) + xo + i * P(4) + j * P(5)) : 0.0;
            v[u] = ldexp(x, -(BY_ROW ? row_e : e_w[P(8) + eo + min(j, P(3) - 1)]));
          }
          w[q / 2] = float_to_half(v[0]) | (float_to_half(v[1]) << 16);
        }
        [[unroll]] for (int q = 0; q < 4; ++q) h_w[P(7) + (batch * chunks + p) * 4 + q] = w[q];
      }
    }
  }
}
