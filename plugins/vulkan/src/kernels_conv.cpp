// 2-D convolution and its input / weight gradients as implicit GEMMs (shaders/conv2d.comp):
// one tiled GEMM per group with the im2col matrix computed on the fly. The weight gradient
// reduces over every output position (N*OH*OW, often tens of thousands) into a small
// (O, C/g*KH*KW) matrix, so it is split over that sum (split-K) when its tiles alone would
// leave the device idle; the partial matrices are then added by a reduction.
#include <algorithm>

#include "instance.h"
#include "kernel_util.h"
#include "kernels.h"

namespace silica::vk {

namespace {

constexpr int64_t kTile = 64;
constexpr int64_t kTargetWorkgroups = 256;  // enough to fill a large GPU
constexpr int64_t kMinSplitChunk = 512;     // positions per split, so each split does real work

struct Geom {
  int64_t N, C, H, W, O, KH, KW, OH, OW, sh, sw, ph, pw, dh, dw, G;
  int64_t Cg() const { return C / G; }
  int64_t Og() const { return O / G; }
  int64_t CKK() const { return Cg() * KH * KW; }
};

// x-shaped (N,C,H,W), weight-shaped (O,C/G,KH,KW) and y-shaped (N,O,OH,OW) descriptors.
bool make_geom(const SilicaTensorDesc& x, const SilicaTensorDesc& w, const SilicaTensorDesc& y, const SilicaAttrs* a,
               Geom& g) {
  if (x.ndim != 4 || w.ndim != 4 || y.ndim != 4 || a->num_ints < 7) return false;
  g = {x.shape[0], x.shape[1], x.shape[2], x.shape[3], w.shape[0], w.shape[2], w.shape[3], y.shape[2], y.shape[3],
       a->ints[0], a->ints[1], a->ints[2], a->ints[3], a->ints[4], a->ints[5], a->ints[6]};
  return g.G >= 1 && g.C % g.G == 0 && g.O % g.G == 0 && w.shape[1] == g.C / g.G && y.shape[0] == g.N &&
         y.shape[1] == g.O && g.sh >= 1 && g.sw >= 1 && g.dh >= 1 && g.dw >= 1;
}

SilicaStatus bad_geometry() {
  return fail(SILICA_ERROR_INVALID, "conv2d: inconsistent shapes or attributes (expects x (N,C,H,W), w "
                                    "(O,C/groups,KH,KW), y (N,O,OH,OW) and 7 ints)");
}

uint32_t tiles(int64_t n) { return groups_for(n, kTile); }

// Writes the geometry parameters (P(0..16)) of conv2d.comp.
void set_geometry(Launch& l, const Geom& g, bool has_bias) {
  const int64_t v[] = {g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.OH, g.OW, g.sh, g.sw, g.ph, g.pw, g.dh, g.dw, g.G};
  for (int i = 0; i < 16; ++i) l.set(i, v[i]);
  l.set(16, has_bias);
}

SilicaStatus forward(Device& dev, const Geom& g, const SilicaTensorDesc* in, int32_t num_in,
                     const SilicaTensorDesc& y) {
  const SilicaTensorDesc &x = in[0], &w = in[1];
  const bool has_bias = num_in > 2;
  const SilicaTensorDesc& bias = has_bias ? in[2] : w;  // the shader names binding 4 either way
  Launch l(dev, "conv2d");
  l.spec(0).spec(y.dtype).spec(x.dtype).spec(w.dtype).spec(bias.dtype).spec(1).spec(1);
  set_geometry(l, g, has_bias);
  l.set(20, l.bind(y, true)).set(21, l.bind(x, false)).set(22, l.bind(w, false)).set(23, l.bind(bias, false));
  return l.run(tiles(g.N * g.OH * g.OW), tiles(g.Og()), static_cast<uint32_t>(g.G));
}

SilicaStatus grad_input(Device& dev, const Geom& g, const SilicaTensorDesc& dy, const SilicaTensorDesc& w,
                        const SilicaTensorDesc& dx) {
  Launch l(dev, "conv2d");
  l.spec(1).spec(dx.dtype).spec(dy.dtype).spec(w.dtype).spec(w.dtype).spec(1).spec(1);
  set_geometry(l, g, false);
  l.set(20, l.bind(dx, true)).set(21, l.bind(dy, false)).set(22, l.bind(w, false)).set(23, l.bind(w, false));
  return l.run(tiles(g.N * g.H * g.W), tiles(g.Cg()), static_cast<uint32_t>(g.G));
}

SilicaStatus grad_weight(Device& dev, const Geom& g, const SilicaTensorDesc& dy, const SilicaTensorDesc& x,
                         const SilicaTensorDesc& dw) {
  const int64_t K = g.N * g.OH * g.OW, outputs = g.O * g.CKK();
  const int64_t tile_count = static_cast<int64_t>(tiles(g.CKK())) * tiles(g.Og()) * g.G;
  int64_t splits = std::min((kTargetWorkgroups + tile_count - 1) / tile_count, (K + kMinSplitChunk - 1) / kMinSplitChunk);
  splits = std::clamp<int64_t>(splits, 1, 65535 / g.G);
  const int64_t chunk = ((K + splits - 1) / splits + 15) / 16 * 16;
  splits = std::max<int64_t>(1, (K + chunk - 1) / chunk);

  Buffer* partial = nullptr;
  if (splits > 1) SILICA_VK_TRY(dev.allocate(static_cast<uint64_t>(splits * outputs * 4), &partial));
  const SilicaTensorDesc partials = splits > 1 ? temp_desc(partial, splits, outputs) : dw;
  Launch l(dev, "conv2d");
  l.spec(2).spec(partials.dtype).spec(dy.dtype).spec(x.dtype).spec(x.dtype).spec(1).spec(0);
  set_geometry(l, g, false);
  l.set(20, l.bind(partials, true)).set(21, l.bind(dy, false)).set(22, l.bind(x, false)).set(23, l.bind(x, false));
  l.set(24, splits > 1 ? chunk : std::max<int64_t>(K, 1)).set(25, outputs);
  SilicaStatus st = l.run(tiles(g.CKK()), tiles(g.Og()), static_cast<uint32_t>(g.G * splits));
  if (st == SILICA_OK && splits > 1) st = sum_rows(dev, partials, dw);
  // The command stream orders any later reuse of the range after these reads.
  if (partial) dev.allocator().release(partial);
  return st;
}

}  // namespace

bool conv_supports(const DeviceFeatures&, int32_t op, int32_t dtype) {
  return op >= SILICA_OP_CONV2D && op <= SILICA_OP_CONV2D_GRAD_WEIGHT && ((kFloats >> dtype) & 1u);
}

SilicaStatus run_conv(Device& dev, int32_t op, const SilicaTensorDesc* in, int32_t num_in, const SilicaTensorDesc* out,
                      int32_t, const SilicaAttrs* a) {
  Geom g;
  if (num_in < 2) return bad_geometry();
  switch (op) {
    case SILICA_OP_CONV2D:
      if (!make_geom(in[0], in[1], out[0], a, g)) return bad_geometry();
      return forward(dev, g, in, num_in, out[0]);
    case SILICA_OP_CONV2D_GRAD_INPUT:  // in dy, w; out dx
      if (!make_geom(out[0], in[1], in[0], a, g)) return bad_geometry();
      return grad_input(dev, g, in[0], in[1], out[0]);
    default:  // in dy, x; out dw
      if (!make_geom(in[1], out[0], in[0], a, g)) return bad_geometry();
      return grad_weight(dev, g, in[0], in[1], out[0]);
  }
}

}  // namespace silica::vk
