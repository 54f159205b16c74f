// Batched matrix product y (..., M, N) = a (..., M, K) . b (..., K, N) with the tiled GEMM
// of shaders/common/gemm_tile.glsl (64 x 64 tiles) or, for large f32 products,
// shaders/matmul_large.comp (128 x 128), or on tensor cores (shaders/matmul_coopmat.comp) for
// f16 operands where the device offers VK_NV_cooperative_matrix or VK_KHR_cooperative_matrix
// (bf16 products too: natively with VK_KHR_shader_bfloat16, else through scaled f16
// copies), large ones through workgroup-scope matrices (shaders/matmul_coopmat2.comp)
// where it offers VK_NV_cooperative_matrix2. Operands are read in place whatever their
// layout (row-major or transposed last two dims, batch strides of 0 where broadcast); the
// layout picks which neighbouring invocations load neighbouring addresses.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr uint32_t kTile = 64;        // matmul.comp
constexpr uint32_t kLargeTile = 128;  // matmul_large.comp

// Whether a product has enough bm x bn tiles (at least 128) to fill a GPU with workgroups
// of that tile: what the larger tiles below need to pay.
bool fills_gpu(int64_t M, int64_t N, int64_t batches, uint32_t bm, uint32_t bn) {
  return (M + bm - 1) / bm * ((N + bn - 1) / bn) * batches >= 128;
}

// f32 products that fill a GPU with 128 x 128 tiles take matmul_large.comp, built where
// spirv-opt was found (plugins/vulkan/CMakeLists.txt); the others keep matmul.comp.
// SILICA_VULKAN_NO_LARGE_MATMUL=1 turns it off (for measuring).
bool large_f32_gemm(int64_t M, int64_t N, int64_t batches) {
#ifdef SILICA_VULKAN_LARGE_MATMUL
  static const bool off = std::getenv("SILICA_VULKAN_NO_LARGE_MATMUL") != nullptr;
  return !off && fills_gpu(M, N, batches, kLargeTile, kLargeTile);
#else
  (void)M, (void)N, (void)batches;
  return false;
#endif
}

// The tensor-core GEMM (matmul_coopmat.comp) for one product: its module and output tile.
struct CoopGemm {
  const char* module = nullptr;  // null: the device has none
  uint32_t bm = 128, bn = 128;
};

// The wide tile (128 x 256, 512 invocations, 31 KiB of shared memory) moves a third less
// data per product than the narrow one (128 x 128) but needs twice the work per workgroup:
// it is taken where the device can run it and the product has at least 128 of its tiles
// (on an H200 it was the faster from 2048^2 (128 tiles: 225 against 195 TFLOP/s) up),
// unless SILICA_VULKAN_COOPMAT_TILE says "narrow" or "wide" (for measuring). `bf16`: the
// module for bf16 operands (only where the device has coopmat_khr_bf16).
CoopGemm coop_gemm(const PhysicalDevice& pd, int64_t M, int64_t N, int64_t batches, bool bf16 = false) {
  const DeviceFeatures& f = pd.features;
  if (!f.coopmat_khr && !f.coopmat_nv) return {};
  const VkPhysicalDeviceLimits& lim = pd.properties.limits;
  const bool can_wide = lim.maxComputeWorkGroupInvocations >= 512 && lim.maxComputeWorkGroupSize[0] >= 512 &&
                        lim.maxComputeSharedMemorySize >= 32 * 1024;
  static const char* force = [] {
    const char* env = std::getenv("SILICA_VULKAN_COOPMAT_TILE");
    if (env && std::strcmp(env, "narrow") != 0 && std::strcmp(env, "wide") != 0) {
      std::fprintf(stderr, "silica vulkan: SILICA_VULKAN_COOPMAT_TILE=%s ignored: expected narrow or wide\n",
                   env);
      return static_cast<const char*>(nullptr);
    }
    return env;
  }();
  bool wide = can_wide && N >= 256 && fills_gpu(M, N, batches, 128, 256);
  if (force) wide = can_wide && std::strcmp(force, "wide") == 0;
  if (bf16)
    return {wide ? "matmul_coopmat_khr_bf16_wide" : "matmul_coopmat_khr_bf16", 128, wide ? 256u : 128u};
  if (wide) return {f.coopmat_khr ? "matmul_coopmat_khr_wide" : "matmul_coopmat_nv_wide", 128, 256};
  return {f.coopmat_khr ? "matmul_coopmat_khr" : "matmul_coopmat_nv", 128, 128};
}

// Set when a driver could not build matmul_coopmat2 (run_matmul): no further tries.
std::atomic<bool> g_coop2_failed{false};

// The workgroup-scope GEMM (matmul_coopmat2.comp) for one product: its module and tile.
struct Coop2Gemm {
  const char* module = nullptr;  // null: not for this product
  uint32_t bm = 128, bn = 256, bk = 64, unroll = 16;
  bool edges = false;   // partial tiles: edge workgroups move back inside (the shader's EDGES)
  uint32_t tail = 1;    // whole k slices left after the unrolled ones: 8 an iteration, 1, or none (TAIL)
  bool inside = false;  // every tile inside the operands (whole or moved) and k whole slices (INSIDE)
};

// Where the device has workgroup-scope matrices (NVIDIA's VK_NV_cooperative_matrix2), they
// take products of at least 128 tiles: on an H200, f16 4096^3 ran at 312 TFLOP/s against
// the 128 x 256 subgroup-scope tile's 266, 8192^3 314 against 271, 2048^3 306 against 226.
// Partial tiles move back inside the operands (at least a tile each way), and need k to
// fill one unrolled stretch: 3000^3 184 against 168, but (16, 1000, 1000) 162 against
// 160. The tile follows the operands' layout (`a_rows`: a row-major, `b_rows`: b
// row-major; else transposed), each the fastest measured for it at 4096^3: 128 x 256 with
// 64-deep k slices, 16 of them unrolled (nn 312, nt 295, tt 310); with a transposed
// 32-deep slices, 32 unrolled (335 against 312). Partial tiles keep the tiles measured
// fastest for them (32-deep slices except where only b is transposed; both transposed 256 x 128).
// docs/benchmarks.md has the tiles measured.
// SILICA_VULKAN_COOPMAT2_TILE=BMxBNxBKxUNROLL takes another tile for every tensor-core
// product (for measuring and testing); SILICA_VULKAN_NO_COOPMAT2=1 turns the GEMM off.
// `bf16`: for bf16 operands (matmul_coopmat2_bf16).
Coop2Gemm coop2_gemm(const PhysicalDevice& pd, int64_t M, int64_t N, int64_t K, int64_t batches, bool a_rows,
                     bool b_rows, bool bf16) {
  const DeviceFeatures& f = pd.features;
  static const bool off = std::getenv("SILICA_VULKAN_NO_COOPMAT2") != nullptr;
  if (off || g_coop2_failed || f.coopmat2_invocations == 0 || (bf16 && !f.coopmat2_bf16)) return {};
  const char* module = bf16 ? "matmul_coopmat2_bf16" : "matmul_coopmat2";
  const uint32_t* q = f.coopmat2_granularity;
  // The choices that follow from the tile: EDGES (only where a tile fits each way; smaller
  // partial products keep the clamped loads), TAIL and INSIDE.
  const auto with_choices = [M, N, K, a_rows, b_rows](Coop2Gemm g) {
    g.edges = (M % g.bm || N % g.bn) && M >= g.bm && N >= g.bn;
    g.tail = K % (int64_t{g.unroll} * g.bk) >= g.bk ? 8 : a_rows && b_rows ? 1 : 0;
    g.inside = M >= g.bm && N >= g.bn && K % g.bk == 0;
    return g;
  };
  static const char* force = std::getenv("SILICA_VULKAN_COOPMAT2_TILE");
  if (force) {
    Coop2Gemm g{module};
    if (std::sscanf(force, "%ux%ux%ux%u", &g.bm, &g.bn, &g.bk, &g.unroll) == 4 && g.bm && g.bn && g.bk &&
        g.unroll && g.bm % q[0] == 0 && g.bn % q[1] == 0 && g.bk % q[2] == 0)
      return with_choices(g);
    static const bool once = std::fprintf(stderr,
                                          "silica vulkan: SILICA_VULKAN_COOPMAT2_TILE=%s ignored: expected "
                                          "BMxBNxBKxUNROLL with BM, BN, BK multiples of %u, %u, %u\n",
                                          force, q[0], q[1], q[2]) > 0;
    (void)once;
  }
  Coop2Gemm g{module};
  if (M % g.bm || N % g.bn) {
    // Partial tiles run faster with 32-deep slices, except where only b is transposed:
    // 3000^3 nn 184 against 167, both transposed (256 x 128) 175 against 161; 4000^3 nn
    // 283 against 229.
    if (!a_rows || b_rows) g.bk = 32, g.unroll = 32;
    if (!a_rows && !b_rows) g.bm = 256, g.bn = 128;
  } else if (!a_rows && b_rows) {
    g.bk = 32, g.unroll = 32;
  }
  const bool partial = M % g.bm || N % g.bn;
  if (g.bm % q[0] || g.bn % q[1] || g.bk % q[2] || !fills_gpu(M, N, batches, g.bm, g.bn) ||
      (partial && (M < g.bm || N < g.bn || K < g.unroll * g.bk)))
    return {};
  return with_choices(g);
}

// The batch dims of a product after dropping size-1 ones and merging dims that a, b (and
// the contiguous y) walk as one: sizes and each operand's strides.
struct Batches {
  int nd = 0;
  int64_t shape[6], a[6], b[6], count = 1;
};

// Writes batch dims into parameter words: count at `at`, dims at at + 1, sizes at
// at + 2 + d, strides (a's or b's) at at + 8 + d.
void set_batches(Launch& l, int at, const Batches& bt, const int64_t* strides) {
  l.set(at, bt.count).set(at + 1, bt.nd);
  for (int d = 0; d < bt.nd; ++d) l.set(at + 2 + d, bt.shape[d]).set(at + 8 + d, strides[d]);
}

// bf16 x bf16 on the f16 tensor cores: each row of a and each column of b is scaled by a
// power of two into f16 (exact for bf16's 8 significant bits; see to_f16_scaled.comp), a
// as (batches, M, KP) and b as (batches, KP, NP), both row-major with K and N padded to
// multiples of 8, and the GEMM scales each output back.
SilicaStatus matmul_bf16_scaled(Device& dev, const SilicaTensorDesc& a, const SilicaTensorDesc& b,
                                const SilicaTensorDesc& y, int64_t M, int64_t N, int64_t K,
                                const Batches& bt) {
  const int nd = y.ndim;
  const int64_t KP = (K + 7) / 8 * 8, NP = (N + 7) / 8 * 8, B = bt.count;
  const int64_t sam = a.strides[nd - 2], sak = a.strides[nd - 1], sbk = b.strides[nd - 2],
                sbn = b.strides[nd - 1];
  Buffer *ha = nullptr, *hb = nullptr, *ea = nullptr, *eb = nullptr;
  SilicaStatus st = dev.allocate(static_cast<uint64_t>(B * M * KP * 2), &ha);
  if (st == SILICA_OK) st = dev.allocate(static_cast<uint64_t>(B * KP * NP * 2), &hb);
  if (st == SILICA_OK) st = dev.allocate(static_cast<uint64_t>(B * M * 4), &ea);
  if (st == SILICA_OK) st = dev.allocate(static_cast<uint64_t>(B * N * 4), &eb);
  const SilicaTensorDesc ha_d = temp_desc(ha, B * M, KP, SILICA_F16),
                         hb_d = temp_desc(hb, B * KP, NP, SILICA_F16);
  const SilicaTensorDesc ea_d = temp_desc(ea, B, M, SILICA_I32), eb_d = temp_desc(eb, B, N, SILICA_I32);
  // The exponents of R rows of K values per batch, element (r, k) at r * rs + k * ks: a
  // workgroup per row where rows run along k; else partial maxima over chunks of k with an
  // invocation per row and chunk (neighbours read side by side), then one pass over them.
  auto exponents = [&](const SilicaTensorDesc& x, int64_t R, int64_t rs, int64_t ks, const int64_t* bs,
                       const SilicaTensorDesc& e) {
    if (ks == 1 || rs != 1) {
      Launch l(dev, "to_f16_scaled");
      l.spec(x.dtype).spec(0).spec(1);
      l.set(0, R).set(1, K).set(3, rs).set(4, ks);
      set_batches(l, 12, bt, bs);
      l.bind(e, true);  // binding 1 (h) is not used in this step: e stands in
      l.set(7, l.bind(e, true)).set(5, l.bind(x, false));
      return l.run(groups_for(R, 1), 1, groups_for(B, 1));
    }
    const int64_t chunk = std::max<int64_t>(128, (K + 65534) / 65535);  // at most 65535 chunks
    const int64_t chunks = std::max<int64_t>((K + chunk - 1) / chunk, 1);
    Buffer* partial = nullptr;
    SilicaStatus s = dev.allocate(static_cast<uint64_t>(B * chunks * R * 4), &partial);
    if (s != SILICA_OK) return s;
    const SilicaTensorDesc p = temp_desc(partial, B * chunks, R, SILICA_I32);
    Launch l1(dev, "to_f16_scaled");
    l1.spec(x.dtype).spec(1).spec(1);
    l1.set(0, R).set(1, K).set(3, rs).set(4, ks).set(9, chunk);
    set_batches(l1, 12, bt, bs);
    l1.bind(p, true);  // binding 1 is not used in this step
    l1.set(7, l1.bind(p, true)).set(5, l1.bind(x, false));
    s = l1.run(groups_for(R, 256), static_cast<uint32_t>(chunks), groups_for(B, 1));
    if (s == SILICA_OK) {
      Launch l3(dev, "to_f16_scaled");
      l3.spec(x.dtype).spec(3).spec(1);
      l3.set(0, R).set(10, chunks);
      set_batches(l3, 12, bt, bs);
      l3.set(11, l3.bind(p, false)).set(7, l3.bind(e, true));
      l3.bind(x, false);  // binding 3 is not used in this step
      s = l3.run(groups_for(R, 256), 1, groups_for(B, 1));
    }
    dev.allocator().release(partial);
    return s;
  };
  // h (rows x cols per batch, row-major) = source (i, j) at i * si + j * sj inside
  // lim_i x lim_j, else 0, scaled by e of its row (a) or column (b).
  auto convert = [&](const SilicaTensorDesc& x, int64_t rows, int64_t cols, int64_t lim_i, int64_t lim_j,
                     int64_t si, int64_t sj, const int64_t* bs, bool by_row, const SilicaTensorDesc& h,
                     const SilicaTensorDesc& e) {
    Launch l(dev, "to_f16_scaled");
    l.spec(x.dtype).spec(2).spec(by_row);
    l.set(0, rows).set(1, cols).set(2, lim_i).set(3, lim_j).set(4, si).set(5, sj);
    set_batches(l, 12, bt, bs);
    l.set(7, l.bind(h, true) / 2).set(8, l.bind(e, false)).set(6, l.bind(x, false));
    return l.run(groups_for(rows * cols / 8, 256), 1, groups_for(B, 1));
  };
  if (st == SILICA_OK) st = exponents(a, M, sam, sak, bt.a, ea_d);
  if (st == SILICA_OK) st = exponents(b, N, sbn, sbk, bt.b, eb_d);  // b's columns are its rows here
  if (st == SILICA_OK) st = convert(a, M, KP, M, K, sam, sak, bt.a, true, ha_d, ea_d);
  if (st == SILICA_OK) st = convert(b, KP, NP, K, N, sbk, sbn, bt.b, false, hb_d, eb_d);
  if (st == SILICA_OK) {
    const CoopGemm g = coop_gemm(dev.physical(), M, N, B);
    Launch l(dev, g.module);
    l.spec(0).spec(y.dtype).spec(SILICA_F16).spec(SILICA_F16).spec(true).spec(true).spec(true).spec(true);
    l.set(0, M).set(1, N).set(2, KP).set(3, B).set(4, B > 1 ? 1 : 0).set(5, B);
    l.set(11, M * KP).set(17, KP * NP);  // the copies' batch strides
    l.set(29, l.bind(y, true));
    l.set(23, l.bind(ha_d, false)).set(24, KP).set(25, 1);
    l.set(26, l.bind(hb_d, false)).set(27, NP).set(28, 1);
    l.set(30, l.bind(ea_d, false)).set(31, l.bind(eb_d, false));
    st = l.run(groups_for(N, g.bn), groups_for(M, g.bm), groups_for(B, 1));
  }
  // The command stream orders any later reuse of these ranges after the reads above.
  for (Buffer* t : {ha, hb, ea, eb})
    if (t) dev.allocator().release(t);
  return st;
}

}  // namespace

bool matmul_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  return op == SILICA_OP_MATMUL && ((kFloats >> dtype) & 1u);
}

SilicaStatus run_matmul(Device& dev, int32_t, const SilicaTensorDesc* in, int32_t num_in,
                        const SilicaTensorDesc* out, int32_t, const SilicaAttrs*) {
  const SilicaTensorDesc &a = in[0], &b = in[1], &y = out[0];
  const int nd = y.ndim;
  if (num_in != 2 || nd < 2 || a.ndim != nd || b.ndim != nd)
    return fail(SILICA_ERROR_INVALID,
                "matmul: expects a (..., M, K), b (..., K, N) and y (..., M, N) of one rank");
  const int64_t M = y.shape[nd - 2], N = y.shape[nd - 1], K = a.shape[nd - 1];
  // Batch dims without size-1 ones, merged where a, b and y all walk two of them as one.
  Batches bt;
  for (int d = 0; d < nd - 2; ++d) {
    const int64_t s = y.shape[d];
    bt.count *= s;
    if (s == 1) continue;
    if (bt.nd > 0 && bt.a[bt.nd - 1] == a.strides[d] * s && bt.b[bt.nd - 1] == b.strides[d] * s) {
      bt.shape[bt.nd - 1] *= s;
      bt.a[bt.nd - 1] = a.strides[d];
      bt.b[bt.nd - 1] = b.strides[d];
      continue;
    }
    bt.shape[bt.nd] = s;
    bt.a[bt.nd] = a.strides[d];
    bt.b[bt.nd++] = b.strides[d];
  }
  if (M * N * std::max<int64_t>(bt.count, 1) >= (int64_t{1} << 31) || K >= (int64_t{1} << 31))
    return fail(SILICA_ERROR_UNSUPPORTED,
                "matmul: products of more than 2^31 elements are not supported on Vulkan");
  const int64_t sam = a.strides[nd - 2], sak = a.strides[nd - 1];
  const int64_t sbk = b.strides[nd - 2], sbn = b.strides[nd - 1];

  // Tensor cores for f16 products of at least 2^21 multiply-adds per matrix, with operands
  // that are row-major or transposed (a unit stride along one of their two dims); bf16 ones
  // too, natively where the device multiplies bf16 matrices (coopmat_khr_bf16), else
  // through scaled f16 copies (any layout).
  const bool big = M * N * K >= (int64_t{1} << 21);
  const bool bf16 =
      a.dtype == SILICA_BF16 && b.dtype == SILICA_BF16 && !std::getenv("SILICA_VULKAN_NO_BF16_COOPMAT");
  const bool native_bf16 = bf16 && dev.physical().features.coopmat_khr_bf16;
  const CoopGemm coop_g = coop_gemm(dev.physical(), M, N, bt.count, native_bf16);
  const bool a_rows = sak == 1 || K == 1, b_rows = sbn == 1 || N == 1;
  const bool in_place = (a_rows || sam == 1) && (b_rows || sbk == 1);
  if (coop_g.module && bf16 && (!native_bf16 || !in_place) && bt.count >= 1 && big)
    return matmul_bf16_scaled(dev, a, b, y, M, N, K, bt);
  const bool coop =
      coop_g.module && ((a.dtype == SILICA_F16 && b.dtype == SILICA_F16) || native_bf16) && in_place && big;
  const bool large = !coop && a.dtype == SILICA_F32 && b.dtype == SILICA_F32 && y.dtype == SILICA_F32 &&
                     in_place && big && large_f32_gemm(M, N, bt.count);
  // matmul_coopmat2 writes f32 or the operands' dtype.
  const Coop2Gemm coop2 = coop && (y.dtype == SILICA_F32 || y.dtype == a.dtype)
                              ? coop2_gemm(dev.physical(), M, N, K, bt.count, a_rows, b_rows, native_bf16)
                              : Coop2Gemm{};
  // Records the product through `c2` where it names a module, else through the kernel
  // picked above. *skipped: c2's kernel could not take it (operands or output not on
  // 16-byte boundaries, or no pipeline: *built false), nothing was recorded.
  const auto launch = [&](const Coop2Gemm& c2, bool* skipped, bool* built) {
    Launch l(dev, c2.module ? c2.module : coop ? coop_g.module : large ? "matmul_large" : "matmul");
    l.spec(0).spec(y.dtype).spec(a.dtype).spec(b.dtype).spec(a_rows).spec(b_rows);
    l.set(0, M).set(1, N).set(2, K).set(3, bt.count).set(4, bt.nd);
    for (int d = 0; d < bt.nd; ++d) l.set(5 + d, bt.shape[d]).set(11 + d, bt.a[d]).set(17 + d, bt.b[d]);
    const int32_t y_base = l.bind(y, true), a_base = l.bind(a, false), b_base = l.bind(b, false);
    l.set(29, y_base);
    l.set(23, a_base).set(24, sam).set(25, sak);
    l.set(26, b_base).set(27, sbk).set(28, sbn);
    // 16-byte loads need every row of both operands to start on a whole chunk of `per`
    // elements (8 halves, 4 floats).
    const auto whole_chunks = [&](int64_t per) {
      const auto fits = [per](int64_t v) { return v % per == 0; };
      bool ok = fits(a_base) && fits(b_base) && (a_rows ? fits(sam) && fits(K) : fits(sak) && fits(M)) &&
                (b_rows ? fits(sbk) && fits(N) : fits(sbn) && fits(K));
      for (int d = 0; d < bt.nd; ++d) ok = ok && fits(bt.a[d]) && fits(bt.b[d]);
      return ok;
    };
    if (c2.module) {
      // Tensor loads and stores need 16-byte aligned bases; the shader also assumes rows are.
      const int64_t y_per = 16 / dtype_bytes(y.dtype);
      *skipped = !whole_chunks(8) || y_base % y_per != 0 || (bt.count > 1 && M * N % y_per != 0);
      if (*skipped) return SILICA_OK;
      l.spec(c2.bm).spec(c2.bn).spec(c2.bk);
      l.spec(dev.physical().features.coopmat2_invocations).spec(c2.unroll).spec(c2.edges).spec(c2.tail);
      l.spec(c2.inside).spec(N % y_per == 0);
      const SilicaStatus st = l.prepare();
      *built = st == SILICA_OK;
      *skipped = !*built;
      if (*skipped) return st;
      return l.run(groups_for(N, c2.bn), groups_for(M, c2.bm), groups_for(bt.count, 1));
    }
    if (coop) {
      l.spec(whole_chunks(8)).spec(false);
      l.bind(a, false);  // bindings 4 and 5: the exponents of the SCALED variant, unread here
      l.bind(b, false);
      return l.run(groups_for(N, coop_g.bn), groups_for(M, coop_g.bm), groups_for(bt.count, 1));
    }
    if (large) {
      l.spec(whole_chunks(4));
      return l.run(groups_for(N, kLargeTile), groups_for(M, kLargeTile), groups_for(bt.count, 1));
    }
    return l.run(groups_for(N, kTile), groups_for(M, kTile), groups_for(bt.count, 1));
  };
  if (coop2.module) {
    bool skipped = false, built = true;
    const SilicaStatus st = launch(coop2, &skipped, &built);
    if (!skipped) return st;
    if (!built) {
      // A driver that lists workgroup-scope shapes but cannot build this pipeline should
      // not stop a training run: say so once and keep to matmul_coopmat.comp from now on.
      g_coop2_failed = true;
      static const bool noted =
          std::fprintf(stderr,
                       "silica vulkan: %s: the workgroup-scope GEMM (matmul_coopmat2) cannot be built (%s); "
                       "multiplying through matmul_coopmat instead\n",
                       dev.physical().info.name, last_error_text()) > 0;
      (void)noted;
    }
  }
  return launch(Coop2Gemm{}, nullptr, nullptr);
}

}  // namespace silica::vk
