// Batched matrix product y (..., M, N) = a (..., M, K) . b (..., K, N) with the tiled GEMM
// of shaders/common/gemm_tile.glsl, or on tensor cores (shaders/matmul_coopmat_nv.comp) for
// f16 operands where the device offers VK_NV_cooperative_matrix. Operands are read in place whatever their layout
// (row-major or transposed last two dims, batch strides of 0 where broadcast); the layout
// picks which neighbouring invocations load neighbouring addresses.
#include <algorithm>

#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {
constexpr int64_t kTile = 64;       // matmul.comp
constexpr int64_t kCoopTile = 128;  // matmul_coopmat_nv.comp
}

bool matmul_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  return op == SILICA_OP_MATMUL && ((kFloats >> dtype) & 1u);
}

SilicaStatus run_matmul(Device& dev, int32_t, const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                        int32_t, const SilicaAttrs*) {
  const SilicaTensorDesc &a = in[0], &b = in[1], &y = out[0];
  const int nd = y.ndim;
  if (num_in != 2 || nd < 2 || a.ndim != nd || b.ndim != nd)
    return fail(SILICA_ERROR_INVALID, "matmul: expects a (..., M, K), b (..., K, N) and y (..., M, N) of one rank");
  const int64_t M = y.shape[nd - 2], N = y.shape[nd - 1], K = a.shape[nd - 1];
  // Batch dims without size-1 ones, merged where a, b and y all walk two of them as one.
  int bnd = 0;
  int64_t shape[6], as[6], bs[6], batches = 1;
  for (int d = 0; d < nd - 2; ++d) {
    const int64_t s = y.shape[d];
    batches *= s;
    if (s == 1) continue;
    if (bnd > 0 && as[bnd - 1] == a.strides[d] * s && bs[bnd - 1] == b.strides[d] * s) {
      shape[bnd - 1] *= s;
      as[bnd - 1] = a.strides[d];
      bs[bnd - 1] = b.strides[d];
      continue;
    }
    shape[bnd] = s;
    as[bnd] = a.strides[d];
    bs[bnd++] = b.strides[d];
  }
  if (M * N * std::max<int64_t>(batches, 1) >= (int64_t{1} << 31) || K >= (int64_t{1} << 31))
    return fail(SILICA_ERROR_UNSUPPORTED, "matmul: products of more than 2^31 elements are not supported on Vulkan");
  const int64_t sam = a.strides[nd - 2], sak = a.strides[nd - 1];
  const int64_t sbk = b.strides[nd - 2], sbn = b.strides[nd - 1];

  // Tensor cores for f16 products big enough to fill 128 x 128 tiles, with operands that
  // are row-major or transposed (a unit stride along one of their two dims).
  const bool a_rows = sak == 1 || K == 1, b_rows = sbn == 1 || N == 1;
  const bool coop = dev.physical().features.coopmat_nv && a.dtype == SILICA_F16 && b.dtype == SILICA_F16 &&
                    (a_rows || sam == 1) && (b_rows || sbk == 1) && M * N * K >= (int64_t{1} << 21);
  Launch l(dev, coop ? "matmul_coopmat_nv" : "matmul");
  l.spec(0).spec(y.dtype).spec(a.dtype).spec(b.dtype).spec(a_rows).spec(b_rows);
  l.set(0, M).set(1, N).set(2, K).set(3, batches).set(4, bnd);
  for (int d = 0; d < bnd; ++d) l.set(5 + d, shape[d]).set(11 + d, as[d]).set(17 + d, bs[d]);
  const int32_t y_base = l.bind(y, true), a_base = l.bind(a, false), b_base = l.bind(b, false);
  l.set(29, y_base);
  l.set(23, a_base).set(24, sam).set(25, sak);
  l.set(26, b_base).set(27, sbk).set(28, sbn);
  if (coop) {
    // 16-byte loads need every row of both operands to start on 8 halves.
    const auto eight = [](int64_t v) { return v % 8 == 0; };
    bool vec = eight(a_base) && eight(b_base) && (a_rows ? eight(sam) && eight(K) : eight(sak) && eight(M)) &&
               (b_rows ? eight(sbk) && eight(N) : eight(sbn) && eight(K));
    for (int d = 0; d < bnd; ++d) vec = vec && eight(as[d]) && eight(bs[d]);
    l.spec(vec);
  }
  const auto tiles = [](int64_t n, int64_t tile) {
    return static_cast<uint32_t>(std::clamp<int64_t>((n + tile - 1) / tile, 1, 65535));
  };
  return l.run(tiles(N, coop ? kCoopTile : kTile), tiles(M, coop ? kCoopTile : kTile),
               static_cast<uint32_t>(std::clamp<int64_t>(batches, 1, 65535)));
}

}  // namespace silica::vk
