// The tiled GEMM every product shares (matmul, and conv2d as an implicit GEMM):
// C (M x N) = A (M x K) . B (K x N), one 64 x 64 tile of C per workgroup of 16 x 16
// invocations, each accumulating a 4 x 4 block in registers (rows ty + 16 i, columns
// tx + 16 j) from 16-deep slices of A and B staged in shared memory (8.3 KiB).
//
// Define before including:
//   float gemm_a(int m, int k), float gemm_b(int k, int n)  element readers (in range)
//   void gemm_store(int m, int n, float v)                    element writer (in range)
//   constants A_K_FAST / B_N_FAST: whether consecutive k of A / n of B are neighbours in
//   memory, so that neighbouring invocations load neighbouring addresses.
#ifndef SILICA_GEMM_TILE_GLSL
#define SILICA_GEMM_TILE_GLSL

#extension GL_EXT_control_flow_attributes : require
#define GEMM_BM 64
#define GEMM_BN 64
#define GEMM_BK 16
layout(local_size_x = 256) in;

// +1 column: stores along k (A_K_FAST) hit 16 different banks instead of one.
shared float gemm_as[GEMM_BK][GEMM_BM + 1];
shared float gemm_bs[GEMM_BK][GEMM_BN + 1];

// Products over k in [k_begin, k_end) only (split-K callers sum the partial tiles).
void gemm_tile(int m0, int n0, int M, int N, int k_begin, int k_end) {
  const int t = int(gl_LocalInvocationID.x);
  const int tx = t % 16, ty = t / 16;
  float acc[4][4];
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) acc[i][j] = 0.0;

  for (int k0 = k_begin; k0 < k_end; k0 += GEMM_BK) {
    [[unroll]] for (int r = 0; r < 4; ++r) {
      const int idx = t + 256 * r;
      int mm, kk;
      if (A_K_FAST) {
        kk = idx % GEMM_BK;
        mm = idx / GEMM_BK;
      } else {
        mm = idx % GEMM_BM;
        kk = idx / GEMM_BM;
      }
      const int m = m0 + mm, k = k0 + kk;
      gemm_as[kk][mm] = (m < M && k < k_end) ? gemm_a(m, k) : 0.0;
      int nn;
      if (B_N_FAST) {
        nn = idx % GEMM_BN;
        kk = idx / GEMM_BN;
      } else {
        kk = idx % GEMM_BK;
        nn = idx / GEMM_BK;
      }
      const int n = n0 + nn, kb = k0 + kk;
      gemm_bs[kk][nn] = (n < N && kb < k_end) ? gemm_b(kb, n) : 0.0;
    }
    barrier();
    [[unroll]] for (int kk = 0; kk < GEMM_BK; ++kk) {
      float av[4], bv[4];
      [[unroll]] for (int i = 0; i < 4; ++i) av[i] = gemm_as[kk][ty + 16 * i];
      [[unroll]] for (int j = 0; j < 4; ++j) bv[j] = gemm_bs[kk][tx + 16 * j];
      [[unroll]] for (int i = 0; i < 4; ++i)
        [[unroll]] for (int j = 0; j < 4; ++j) acc[i][j] = fma(av[i], bv[j], acc[i][j]);
    }
    barrier();
  }

  for (int i = 0; i < 4; ++i) {
    const int m = m0 + ty + 16 * i;
    if (m >= M) continue;
    for (int j = 0; j < 4; ++j) {
      const int n = n0 + tx + 16 * j;
      if (n < N) gemm_store(m, n, acc[i][j]);
    }
  }
}

#endif
